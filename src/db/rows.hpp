#pragma once
// Reading result rows the same way on both dialects. db::Rows hands its callback a db::Row: on
// SQLite a view of the statement's current row (no SOCI objects), on MariaDB a soci::row, to which a
// soci::row from a rowset or an into() also converts. SOCI reports an integer column as dt_integer
// on SQLite and dt_long_long on MariaDB (and row.get<T> throws std::bad_cast on a mismatch), so
// every reader goes through these accessors instead of row.get<T> directly.

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emporium::db {

class Row {
 public:
  Row(const soci::row& row) : soci_(&row) {}  // NOLINT(google-explicit-constructor): a view of it
  /// The current row of a stepped sqlite3_stmt (void* keeps sqlite3.h out of this header).
  static Row OfSqlite(void* stmt) {
    Row r;
    r.stmt_ = stmt;
    return r;
  }

  bool IsNull(std::size_t i) const;
  const soci::row* soci() const { return soci_; }
  void* sqlite_stmt() const { return stmt_; }

 private:
  Row() = default;
  const soci::row* soci_ = nullptr;
  void* stmt_ = nullptr;
};

/// An integer column of any integer type (also a numeric string or double); 0 for NULL.
std::int64_t RowInt(const Row& row, std::size_t i);
/// Like RowInt, but nullopt for NULL.
std::optional<std::int64_t> RowOptInt(const Row& row, std::size_t i);
/// A text column; "" for NULL.
std::string RowStr(const Row& row, std::size_t i);
/// Like RowStr, but nullopt for NULL.
std::optional<std::string> RowOptStr(const Row& row, std::size_t i);
/// A REAL/DOUBLE column (SQLite may hand back one holding a whole number as an integer); nullopt for NULL.
std::optional<double> RowOptDouble(const Row& row, std::size_t i);

/// "(:p0, :p1, ...)" for an IN list of `n` (≥ 1) values bound as `prefix` + index; the values are
/// bound, never inlined.
std::string NamedList(std::string_view prefix, std::size_t n);

}  // namespace emporium::db
