#include "http/request.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <cctype>
#include <charconv>

#include "core/json_input.hpp"
#include "core/json_text.hpp"
#include "core/problem.hpp"

namespace emporium::http {

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto ca = static_cast<unsigned char>(a[i]);
    const auto cb = static_cast<unsigned char>(b[i]);
    if (ca != cb && std::tolower(ca) != std::tolower(cb)) return false;
  }
  return true;
}

// Form-style decoding ('+' is a space) through Boost.URL. A component with a broken escape ("%zz")
// is kept as sent rather than rejected: a lookup cannot fail, and validation reports odd values.
std::string DecodeQueryComponent(std::string_view raw) {
  auto pct = boost::urls::make_pct_string_view(raw);
  if (!pct) return std::string(raw);
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  return pct->decode(opts);
}

}  // namespace

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      return "OTHER";
  }
  return "OTHER";
}

Method ParseMethod(std::string_view s) {
  // Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET.
  if (s == "GET") return Method::kGet;
  if (s == "HEAD") return Method::kHead;
  if (s == "POST") return Method::kPost;
  if (s == "PUT") return Method::kPut;
  if (s == "PATCH") return Method::kPatch;
  if (s == "DELETE") return Method::kDelete;
  if (s == "OPTIONS") return Method::kOptions;
  return Method::kOther;
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& h : headers) {
    if (IEquals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::optional<std::string> Request::Query(std::string_view name) const {
  std::string_view rest = query_string;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view raw_key = pair.substr(0, eq);
    // Cheap pre-check before decoding: most keys are plain ASCII and differ from `name`.
    const bool key_is_plain = raw_key.find_first_of("%+") == std::string_view::npos;
    if (key_is_plain ? raw_key != name : DecodeQueryComponent(raw_key) != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return DecodeQueryComponent(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::string_view Request::Param(std::string_view name) const {
  for (const auto& [key, value] : path_params) {
    if (key == name) return value;
  }
  return {};
}

Result<std::int64_t> Request::IdParam(std::string_view name) const {
  const std::string_view raw = Param(name);
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
  if (raw.empty() || ec != std::errc() || end != raw.data() + raw.size() || id <= 0) return Error::NotFound();
  return id;
}

Result<boost::json::value> Request::JsonBody() const {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return Error::BadRequest("A JSON body is required.");
  boost::system::error_code ec;
  // The default maximum depth (32) bounds recursion on hostile nesting.
  boost::json::value v = core::ParseClientJson(body, ec);
  if (ec) return Error::BadRequest("Malformed JSON: " + ec.message() + ".");
  return v;
}

Response::Response(int status_code, std::string content_type, std::string body_text)
    : status(status_code), body(std::move(body_text)) {
  if (!content_type.empty()) headers.push_back({"Content-Type", std::move(content_type)});
}

Response Response::Json(int status, const boost::json::value& v) {
  return Response(status, "application/json", core::JsonText(v));
}

Response Response::NoContent() { return Response(204, "", ""); }

Response Response::Problem(const Error& e, std::string_view instance, std::string_view request_id) {
  Response r(core::HttpStatus(e.code), "application/problem+json", core::ProblemJson(e, instance, request_id));
  if (e.code == ErrorCode::kRateLimited) {
    r.Set("Retry-After", std::to_string(std::max(1, e.retry_after_seconds)));
  } else if (e.code == ErrorCode::kUnavailable && e.retry_after_seconds > 0) {
    r.Set("Retry-After", std::to_string(e.retry_after_seconds));
  } else if (e.code == ErrorCode::kUnauthorized) {
    r.Set("WWW-Authenticate", "Bearer");
  }
  return r;
}

Response Response::List(boost::json::array items, const std::optional<std::string>& next_cursor) {
  boost::json::object body;
  body["items"] = std::move(items);
  body["next_cursor"] = next_cursor ? boost::json::value(*next_cursor) : boost::json::value(nullptr);
  return Json(200, body);
}

void Response::Set(std::string_view name, std::string value) {
  for (auto& h : headers) {
    if (IEquals(h.name, name)) {
      h.value = std::move(value);
      return;
    }
  }
  headers.push_back({std::string(name), std::move(value)});
}

std::optional<std::string_view> Response::Get(std::string_view name) const {
  for (const auto& h : headers) {
    if (IEquals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

}  // namespace emporium::http
