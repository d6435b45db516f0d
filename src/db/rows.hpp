#pragma once
// Reading soci::row values the same way on both dialects. SOCI reports an integer column as
// dt_integer on SQLite and dt_long_long on MariaDB (and row.get<T> throws std::bad_cast on a
// mismatch), so every dynamic-row reader goes through these instead of row.get<T> directly.

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emporium::db {

/// An integer column of any SOCI integer type (also a numeric string or double); 0 for NULL.
std::int64_t RowInt(const soci::row& row, std::size_t i);
/// Like RowInt, but nullopt for NULL.
std::optional<std::int64_t> RowOptInt(const soci::row& row, std::size_t i);
/// A text column; "" for NULL.
std::string RowStr(const soci::row& row, std::size_t i);
/// Like RowStr, but nullopt for NULL.
std::optional<std::string> RowOptStr(const soci::row& row, std::size_t i);
/// A REAL/DOUBLE column (SQLite may hand back one holding a whole number as an integer); nullopt for NULL.
std::optional<double> RowOptDouble(const soci::row& row, std::size_t i);

/// "(:p0, :p1, ...)" for an IN list of `n` (≥ 1) values bound as `prefix` + index; the values are
/// bound, never inlined.
std::string NamedList(std::string_view prefix, std::size_t n);

}  // namespace emporium::db
