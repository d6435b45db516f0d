#pragma once
// Routes: method + pattern ("/api/v1/me/addresses/{id}") → handler, with per-route access rules.
// Matching is by path segments; literal segments win over parameters. 404 and 405 (with the
// allowed methods) are distinguished.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace emporium::http {

class ResponseCache;

using Handler = std::function<Result<Response>(Request&)>;

struct RouteOptions {
  bool authenticated = false;  ///< requires a valid access token
  std::vector<Role> roles;     ///< if non-empty, the principal's role must be one of these (implies authenticated)
  bool inline_handler = false; ///< runs on the io thread: only for handlers that never block
  /// Runs on the io thread when the dispatcher allows inline reads (an embedded SQLite database,
  /// each io thread with a connection of its own): for handlers whose whole work is a few indexed
  /// reads, where the hand-off to a worker thread and back costs more than the work. May be
  /// authenticated (verifying the token and reading the user is such a read).
  bool inline_read = false;
  bool rate_limited = true;    ///< subject to the per-IP / per-user token buckets
  /// Public GET routes whose anonymous answers may be served from this cache (see
  /// response_cache.hpp); a hit is answered on the io thread. Null: never cached.
  ResponseCache* cache = nullptr;
  /// Called with the entry's Request::cache_tag when a cached answer is served, so that what the
  /// handler would have counted (a product view) is still counted. Must not block.
  std::function<void(std::int64_t tag)> on_cache_hit;

  static RouteOptions Public() { return {}; }
  static RouteOptions User() { return {.authenticated = true}; }
  static RouteOptions Roles(std::vector<Role> roles) { return {.authenticated = true, .roles = std::move(roles)}; }
};

struct Route {
  Method method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
};

struct RouteMatch {
  const Route* route = nullptr;  ///< null: no route for this method
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<Method> allowed;   ///< when route is null but the path exists: the methods it accepts (→ 405)
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  /// Registers a route. Aborts on a duplicate (method, pattern): that is a programming error.
  void Add(Method method, std::string pattern, Handler handler, RouteOptions options = {});
  void Get(std::string p, Handler h, RouteOptions o = {}) { Add(Method::kGet, std::move(p), std::move(h), std::move(o)); }
  void Post(std::string p, Handler h, RouteOptions o = {}) { Add(Method::kPost, std::move(p), std::move(h), std::move(o)); }
  void Put(std::string p, Handler h, RouteOptions o = {}) { Add(Method::kPut, std::move(p), std::move(h), std::move(o)); }
  void Patch(std::string p, Handler h, RouteOptions o = {}) { Add(Method::kPatch, std::move(p), std::move(h), std::move(o)); }
  void Delete(std::string p, Handler h, RouteOptions o = {}) { Add(Method::kDelete, std::move(p), std::move(h), std::move(o)); }

  /// Finds the route for a decoded path. HEAD falls back to GET. Thread-safe once routes are added.
  RouteMatch Match(Method method, std::string_view path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace emporium::http
