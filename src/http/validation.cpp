#include "http/validation.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace emporium::http {

namespace json = boost::json;

std::optional<std::size_t> Utf8Length(std::string_view s) {
  // Strict RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. Anything looser would
  // let bytes through that JSON encoders and databases reject later.
  std::size_t count = 0;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  for (std::size_t i = 0; i < s.size(); ++count) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return std::nullopt;
    for (std::size_t k = 2; k < len; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
    }
    i += len;
  }
  return count;
}

namespace {

std::string TrimCopy(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Applies a StringRule to a raw value; returns an error message or the cleaned value.
std::optional<std::string> CheckString(std::string_view raw, const StringRule& rule, std::string& error) {
  std::string v = rule.trim ? TrimCopy(raw) : std::string(raw);
  auto len = Utf8Length(v);
  if (!len) {
    error = "must be valid UTF-8";
    return std::nullopt;
  }
  if (v.find('\0') != std::string::npos) {
    error = "must not contain NUL characters";
    return std::nullopt;
  }
  if (*len == 0 && rule.required) {
    error = "is required";
    return std::nullopt;
  }
  if (*len < rule.min) {
    error = "must be at least " + std::to_string(rule.min) + " characters";
    return std::nullopt;
  }
  if (*len > rule.max) {
    error = "must be at most " + std::to_string(rule.max) + " characters";
    return std::nullopt;
  }
  return v;
}

}  // namespace

Result<JsonInput> JsonInput::From(const Request& req) {
  EMP_ASSIGN(json::value v, req.JsonBody());
  if (!v.is_object()) return Error::Invalid("body", "must be a JSON object");
  return JsonInput(std::move(v.as_object()));
}

JsonInput::JsonInput(json::object object) : object_(std::move(object)) {}

bool JsonInput::Has(std::string_view field) const { return object_.contains(field); }

bool JsonInput::IsNull(std::string_view field) const {
  auto* v = object_.if_contains(field);
  return v && v->is_null();
}

void JsonInput::Fail(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
}

Status JsonInput::Finish() const {
  if (errors_.empty()) return OkStatus();
  Error e{ErrorCode::kInvalidArgument, "The request has invalid fields."};
  e.fields = errors_;
  return e;
}

std::optional<std::string> JsonInput::String(std::string_view field, StringRule rule) {
  auto* v = object_.if_contains(field);
  if (!v || (v->is_null() && !rule.allow_null)) {
    if (rule.required) Fail(std::string(field), "is required");
    return std::nullopt;
  }
  if (v->is_null()) return std::string();
  if (!v->is_string()) {
    Fail(std::string(field), "must be a string");
    return std::nullopt;
  }
  std::string error;
  auto out = CheckString(std::string_view(v->as_string()), rule, error);
  if (!out) Fail(std::string(field), error);
  return out;
}

std::optional<std::int64_t> JsonInput::Int(std::string_view field, IntRule rule) {
  auto* v = object_.if_contains(field);
  if (!v || v->is_null()) {
    if (rule.required) Fail(std::string(field), "is required");
    return std::nullopt;
  }
  std::int64_t out = 0;
  if (v->is_int64()) {
    out = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(v->as_uint64());
  } else if (v->is_double() && std::trunc(v->as_double()) == v->as_double() && std::abs(v->as_double()) < 9e15) {
    out = static_cast<std::int64_t>(v->as_double());
  } else {
    Fail(std::string(field), "must be an integer");
    return std::nullopt;
  }
  if (out < rule.min || out > rule.max) {
    Fail(std::string(field), "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max));
    return std::nullopt;
  }
  return out;
}

std::optional<double> JsonInput::Number(std::string_view field, NumberRule rule) {
  auto* v = object_.if_contains(field);
  if (!v || v->is_null()) {
    if (rule.required) Fail(std::string(field), "is required");
    return std::nullopt;
  }
  if (!v->is_number()) {
    Fail(std::string(field), "must be a number");
    return std::nullopt;
  }
  const double d = v->to_number<double>();
  if (!std::isfinite(d) || d < rule.min || d > rule.max) {
    Fail(std::string(field), "is out of range");
    return std::nullopt;
  }
  return d;
}

std::optional<bool> JsonInput::Bool(std::string_view field, bool required) {
  auto* v = object_.if_contains(field);
  if (!v || v->is_null()) {
    if (required) Fail(std::string(field), "is required");
    return std::nullopt;
  }
  if (!v->is_bool()) {
    Fail(std::string(field), "must be true or false");
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<std::string> JsonInput::Email(std::string_view field, bool required) {
  auto s = String(field, {.required = required, .max = 254});
  if (!s) return std::nullopt;
  for (auto& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto at = s->find('@');
  const bool ok = at != std::string::npos && at > 0 && s->find('@', at + 1) == std::string::npos &&
                  s->find('.', at + 2) != std::string::npos && s->back() != '.' &&
                  s->find_first_of(" \t\r\n<>()[],;:\"\\") == std::string::npos;
  if (!ok) {
    Fail(std::string(field), "must be a valid e-mail address");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> JsonInput::Enum(std::string_view field, const std::vector<std::string_view>& allowed,
                                           bool required) {
  auto s = String(field, {.required = required, .max = 64});
  if (!s) return std::nullopt;
  for (auto a : allowed) {
    if (*s == a) return s;
  }
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  Fail(std::string(field), "must be one of: " + list);
  return std::nullopt;
}

void JsonInput::AllowOnly(const std::vector<std::string_view>& allowed) {
  for (const auto& kv : object_) {
    bool known = false;
    for (auto a : allowed) known = known || kv.key() == a;
    if (!known) Fail(std::string(kv.key()), "is not a known field");
  }
}

std::optional<std::int64_t> QueryInput::Int(std::string_view name, IntRule rule) {
  auto raw = req_.Query(name);
  if (!raw || raw->empty()) {
    if (rule.required) errors_.push_back({std::string(name), "is required"});
    return std::nullopt;
  }
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc() || p != raw->data() + raw->size()) {
    errors_.push_back({std::string(name), "must be an integer"});
    return std::nullopt;
  }
  if (v < rule.min || v > rule.max) {
    errors_.push_back({std::string(name), "must be between " + std::to_string(rule.min) + " and " +
                                              std::to_string(rule.max)});
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> QueryInput::String(std::string_view name, StringRule rule) {
  auto raw = req_.Query(name);
  if (!raw) {
    if (rule.required) errors_.push_back({std::string(name), "is required"});
    return std::nullopt;
  }
  std::string error;
  auto out = CheckString(*raw, rule, error);
  if (!out) errors_.push_back({std::string(name), error});
  return out;
}

std::optional<bool> QueryInput::Bool(std::string_view name) {
  auto raw = req_.Query(name);
  if (!raw || raw->empty()) return std::nullopt;
  if (*raw == "true" || *raw == "1") return true;
  if (*raw == "false" || *raw == "0") return false;
  errors_.push_back({std::string(name), "must be true or false"});
  return std::nullopt;
}

Status QueryInput::Finish() const {
  if (errors_.empty()) return OkStatus();
  Error e{ErrorCode::kInvalidArgument, "The query string has invalid parameters."};
  e.fields = errors_;
  return e;
}

}  // namespace emporium::http
