#pragma once
// Request validation that collects every bad field and answers 422 problem+json with
// errors[{field, message}]. Malformed JSON is 400 (Request::JsonBody). Usage:
//
//   EMP_ASSIGN(auto in, http::JsonInput::From(req));
//   auto email = in.String("email", {.required = true, .max = 254});
//   auto age = in.Int("age", {.min = 0, .max = 150});
//   EMP_TRY(in.Finish());   // 422 listing every problem above

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/request.hpp"

namespace emporium::http {

struct StringRule {
  bool required = false;
  std::size_t min = 0;       ///< in UTF-8 code points, after trimming
  std::size_t max = 10'000;  ///< in UTF-8 code points
  bool trim = true;
  bool allow_null = false;   ///< an explicit null reads as "clear this field" (returns "")
};

struct IntRule {
  bool required = false;
  std::int64_t min = INT64_MIN;
  std::int64_t max = INT64_MAX;
};

struct NumberRule {
  bool required = false;
  double min = -1e300;
  double max = 1e300;
};

class JsonInput {
 public:
  /// Parses the body: 400 if it is not JSON, 422 if it is not a JSON object.
  static Result<JsonInput> From(const Request& req);
  explicit JsonInput(boost::json::object object);

  bool Has(std::string_view field) const;
  /// True when the field is present and explicitly null.
  bool IsNull(std::string_view field) const;
  std::optional<std::string> String(std::string_view field, StringRule rule = {});
  std::optional<std::int64_t> Int(std::string_view field, IntRule rule = {});
  std::optional<double> Number(std::string_view field, NumberRule rule = {});
  std::optional<bool> Bool(std::string_view field, bool required = false);
  /// An e-mail address (lower-cased, trimmed, at most 254 characters, one '@', a dot in the domain).
  std::optional<std::string> Email(std::string_view field, bool required = false);
  /// One of a fixed set of strings.
  std::optional<std::string> Enum(std::string_view field, const std::vector<std::string_view>& allowed,
                                  bool required = false);
  /// Rejects every field not in `allowed` ("unknown field").
  void AllowOnly(const std::vector<std::string_view>& allowed);

  void Fail(std::string field, std::string message);
  bool ok() const { return errors_.empty(); }
  /// OK, or a kInvalidArgument Error listing every failure so far.
  Status Finish() const;

  const boost::json::object& object() const { return object_; }

 private:
  boost::json::object object_;
  std::vector<FieldError> errors_;
};

/// Number of UTF-8 code points; nullopt if the string is not valid UTF-8.
std::optional<std::size_t> Utf8Length(std::string_view s);

/// Query-string helpers with the same 422 behaviour.
class QueryInput {
 public:
  explicit QueryInput(const Request& req) : req_(req) {}
  std::optional<std::int64_t> Int(std::string_view name, IntRule rule = {});
  std::optional<std::string> String(std::string_view name, StringRule rule = {});
  std::optional<bool> Bool(std::string_view name);
  Status Finish() const;

 private:
  const Request& req_;
  std::vector<FieldError> errors_;
};

}  // namespace emporium::http
