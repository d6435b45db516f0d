#pragma once
// Emporium's own HTTP request/response types. Controllers see only these: no Beast, no sockets,
// so they can be unit-tested by building a Request by hand.

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/roles.hpp"

namespace emporium::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method m);
Method ParseMethod(std::string_view s);

struct Header {
  std::string name;
  std::string value;
};

class Request {
 public:
  Method method = Method::kGet;
  std::string target;        ///< raw request target, e.g. "/api/v1/products?limit=20"
  std::string path;          ///< percent-decoded path without the query string
  std::string query_string;  ///< raw query string without '?'
  std::vector<http::Header> headers;
  std::string body;
  std::string remote_ip;
  std::string request_id;
  std::string route;  ///< the matched route pattern ("/api/v1/me/addresses/{id}"), for logs and metrics
  std::vector<std::pair<std::string, std::string>> path_params;
  std::optional<Principal> principal;
  /// Set by the handler of a cached route: kept with the cached answer and handed to the route's
  /// on_cache_hit when that answer is served again (e.g. the product id, to count a view).
  std::int64_t cache_tag = 0;

  /// Case-insensitive header lookup (first occurrence).
  std::optional<std::string_view> Header(std::string_view name) const;
  /// Percent-decoded query parameter (first occurrence); nullopt when absent.
  std::optional<std::string> Query(std::string_view name) const;
  /// Path parameter by name; empty when the route has none of that name.
  std::string_view Param(std::string_view name) const;
  /// Path parameter parsed as a positive 64-bit id; 404 (not 422) when it is not one, since such a
  /// resource cannot exist.
  Result<std::int64_t> IdParam(std::string_view name) const;
  /// The body parsed as JSON: 400 when it is not JSON, 415 semantics are not enforced.
  Result<boost::json::value> JsonBody() const;
  /// The authenticated principal; routes marked authenticated always have one.
  const Principal& user() const { return *principal; }
};

class Response {
 public:
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  Response() = default;
  Response(int status, std::string content_type, std::string body);

  static Response Json(int status, const boost::json::value& v);
  static Response NoContent();
  /// The list envelope every collection route answers: 200 {"items": [...], "next_cursor": "..."|null}.
  static Response List(boost::json::array items, const std::optional<std::string>& next_cursor);
  /// application/problem+json from the single ErrorCode mapping.
  static Response Problem(const Error& e, std::string_view instance, std::string_view request_id);

  /// Replaces a header of that name (case-insensitive) or adds it.
  void Set(std::string_view name, std::string value);
  std::optional<std::string_view> Get(std::string_view name) const;
};

}  // namespace emporium::http
