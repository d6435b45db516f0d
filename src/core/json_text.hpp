#pragma once
// JSON written by Emporium: what boost::json::serialize writes, except numbers with a fraction.
// Boost.JSON 1.81 writes every double in exponent form (4.5 as "4.5E0", 52.52 as "5.252E1"):
// valid JSON, but not what any client or person expects to read in a rating or a coordinate. Here a
// double is written as its shortest decimal that reads back to the same value (std::to_chars), with
// ".0" kept on whole numbers so that a double stays a double for typed readers; a number too large
// or too small for plain decimals keeps an exponent ("1e+21"). A non-finite double, which JSON
// cannot hold, is written as null. Strings are escaped as Boost escapes them.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace emporium::core {

/// `value` as compact JSON text (the overloads spare a copy into a boost::json::value).
std::string JsonText(const boost::json::value& value);
std::string JsonText(const boost::json::object& object);
std::string JsonText(const boost::json::array& array);
/// A JSON string literal of `text`, quotes included.
std::string JsonStringText(std::string_view text);
/// Appends `value` as compact JSON text to `out`.
void AppendJsonText(std::string& out, const boost::json::value& value);

}  // namespace emporium::core
