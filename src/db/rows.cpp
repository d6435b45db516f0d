#include "db/rows.hpp"

#include <sqlite3.h>

namespace emporium::db {
namespace {

sqlite3_stmt* Stmt(const Row& row) { return static_cast<sqlite3_stmt*>(row.sqlite_stmt()); }

std::string_view SqliteText(sqlite3_stmt* st, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  return text == nullptr ? std::string_view()
                         : std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
}

std::int64_t SociInt(const soci::row& row, std::size_t i) {
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_integer: return row.get<int>(i);
    case soci::dt_long_long: return row.get<long long>(i);
    case soci::dt_unsigned_long_long: return static_cast<std::int64_t>(row.get<unsigned long long>(i));
    case soci::dt_double: return static_cast<std::int64_t>(row.get<double>(i));
    case soci::dt_string: {
      const auto s = row.get<std::string>(i);
      return s.empty() ? 0 : std::stoll(s);
    }
    default: return 0;
  }
}

std::int64_t SqliteInt(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
      return sqlite3_column_int64(st, i);
    case SQLITE_FLOAT:
      return static_cast<std::int64_t>(sqlite3_column_double(st, i));
    case SQLITE_TEXT: {
      const auto s = SqliteText(st, i);
      return s.empty() ? 0 : std::stoll(std::string(s));
    }
    default:
      return 0;
  }
}

}  // namespace

bool Row::IsNull(std::size_t i) const {
  if (soci_ != nullptr) return soci_->get_indicator(i) == soci::i_null;
  return sqlite3_column_type(static_cast<sqlite3_stmt*>(stmt_), static_cast<int>(i)) == SQLITE_NULL;
}

std::int64_t RowInt(const Row& row, std::size_t i) {
  if (row.IsNull(i)) return 0;
  if (const auto* r = row.soci()) return SociInt(*r, i);
  return SqliteInt(Stmt(row), static_cast<int>(i));
}

std::optional<std::int64_t> RowOptInt(const Row& row, std::size_t i) {
  if (row.IsNull(i)) return std::nullopt;
  return RowInt(row, i);
}

std::string RowStr(const Row& row, std::size_t i) {
  if (row.IsNull(i)) return {};
  if (const auto* r = row.soci()) return r->get<std::string>(i);
  return std::string(SqliteText(Stmt(row), static_cast<int>(i)));
}

std::optional<std::string> RowOptStr(const Row& row, std::size_t i) {
  if (row.IsNull(i)) return std::nullopt;
  return RowStr(row, i);
}

std::optional<double> RowOptDouble(const Row& row, std::size_t i) {
  if (row.IsNull(i)) return std::nullopt;
  if (const auto* r = row.soci()) {
    if (r->get_properties(i).get_data_type() == soci::dt_double) return r->get<double>(i);
    return static_cast<double>(SociInt(*r, i));
  }
  sqlite3_stmt* st = Stmt(row);
  if (sqlite3_column_type(st, static_cast<int>(i)) == SQLITE_FLOAT)
    return sqlite3_column_double(st, static_cast<int>(i));
  return static_cast<double>(SqliteInt(st, static_cast<int>(i)));
}

std::string NamedList(std::string_view prefix, std::size_t n) {
  std::string s = "(";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ", ";
    s += ':';
    s += prefix;
    s += std::to_string(i);
  }
  return s + ")";
}

}  // namespace emporium::db
