#include "db/rows.hpp"

namespace emporium::db {

std::int64_t RowInt(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return 0;
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

std::optional<std::int64_t> RowOptInt(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return std::nullopt;
  return RowInt(row, i);
}

std::string RowStr(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return {};
  return row.get<std::string>(i);
}

std::optional<std::string> RowOptStr(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return std::nullopt;
  return RowStr(row, i);
}

std::optional<double> RowOptDouble(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return std::nullopt;
  if (row.get_properties(i).get_data_type() == soci::dt_double) return row.get<double>(i);
  return static_cast<double>(RowInt(row, i));
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
