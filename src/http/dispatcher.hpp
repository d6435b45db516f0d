#pragma once
// The request pipeline as a plain function of the request (no sockets, no Beast), so every
// middleware can be unit-tested by building a Request by hand. The server calls Handle() once per
// parsed request and writes whatever comes back.
//
// Order of the chain:
//   client address (X-Forwarded-For only from TRUSTED_PROXIES) → request id → CORS (preflight answered here) → route match (404 / 405 + Allow) → per-IP token
//   bucket → authentication (Bearer) → role check (403) → per-user token bucket → handler (every
//   exception becomes a logged 500) → response headers (request id, CORS, RateLimit-*, security
//   headers, Cache-Control, X-Sql-Statements outside production) → access log line → metrics.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/rate_limiter.hpp"
#include "core/trusted_proxies.hpp"
#include "http/metrics.hpp"
#include "http/request.hpp"
#include "http/response_cache.hpp"
#include "http/router.hpp"

namespace emporium::http {

/// Turns a bearer access token into the caller's Principal. Implemented by the auth module.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  /// Verifies a bearer access token and loads the user's current role/active state.
  /// kUnauthorized on failure (bad signature, expired, deactivated user ...). Thread-safe; may block
  /// (it reads the user row), so it runs on the worker pool.
  virtual Result<Principal> Authenticate(std::string_view token) = 0;
  /// Drops whatever Authenticate kept on this thread for the request at hand (the user row, so
  /// the handler need not read it again). The dispatcher calls it before and after every request.
  virtual void Forget() {}
};

/// Authenticate for a caller outside a request (a WebSocket or Socket.IO handshake): keeps nothing.
inline Result<Principal> AuthenticateOnly(Authenticator& authenticator, std::string_view token) {
  auto principal = authenticator.Authenticate(token);
  authenticator.Forget();
  return principal;
}

class Dispatcher {
 public:
  /// `limiter` and `metrics` may be null (no rate limiting / no metrics). Every reference must
  /// outlive the Dispatcher. Rate-limit policies come from Config::rate_limit_{ip,user}_*; `clock`
  /// stamps the Date header (the limiter has its own clock).
  Dispatcher(const Router& router, const core::Config& config, const core::Clock& clock, core::RateLimiter* limiter,
             Metrics* metrics);

  /// Sets the token verifier; until then, routes that require authentication answer 500 (a wiring
  /// bug, logged). Call before the server starts.
  void SetAuthenticator(Authenticator* authenticator) { authenticator_ = authenticator; }

  /// Runs the full chain. Never throws; always returns a complete response (status, headers, body).
  /// X-Sql-Statements (outside production) counts the statements of the handler itself, not the
  /// authentication lookup, so a query budget is a property of the endpoint's own code.
  /// Public routes also honour a valid Bearer token (req.principal is set, e.g. for member prices);
  /// an invalid one there is ignored rather than refused.
  /// Thread-safe: called concurrently from worker threads.
  Response Handle(Request& req);

  /// Answers a request the server refused before routing (malformed, too large, bad target) with
  /// the same problem+json, headers, access log and metrics as every other response.
  /// `status_override` lets the server use a status outside the ErrorCode mapping (431).
  Response Reject(Request& req, const Error& error, int status_override = 0);

  /// True when the server may run Handle() on the io thread: the route is marked inline_handler
  /// and needs no authentication (which reads the database), or inline_read once
  /// EnableInlineReads() was called, or no route matches at all (404/405 and CORS preflights never
  /// block). With a Redis rate limiter, inline routes should also set
  /// rate_limited = false, since the limiter does a network round trip.
  bool IsInline(const Request& req) const;

  /// Lets routes marked inline_read run on the io thread (see RouteOptions::inline_read). The App
  /// calls it when the database is embedded and every io thread has its own connection
  /// (db::Database::OpenThreadSession); never with a database across the network.
  void EnableInlineReads() { inline_reads_ = true; }

  /// What the server calls on the io thread: answers the request there when that cannot block
  /// (IsInline(), or a GET of a cached route whose anonymous answer is in the cache and whose rate
  /// limiter, if any, is in-process); nullopt means "run Handle() on the worker pool". A cached
  /// answer goes through the same chain as any other (request id, CORS, rate limit, headers,
  /// access log, metrics); X-Sql-Statements is 0.
  std::optional<Response> TryHandleInline(Request& req);

 private:
  struct Context;

  Response HandleWith(Request& req, std::optional<RouteMatch> match, std::shared_ptr<const ResponseCache::Entry> cached);
  bool InlineMatch(const RouteMatch& match, bool has_token) const;
  Response Run(Request& req, Context& ctx);
  Result<Response> CallHandler(const Route& route, Request& req, Context& ctx);
  void Finish(Request& req, Response& res, Context& ctx);
  void AssignRequestId(Request& req);
  bool OriginAllowed(std::string_view origin) const;

  const Router& router_;
  const core::Config& config_;
  const core::Clock& clock_;
  core::RateLimiter* limiter_;
  Metrics* metrics_;
  Authenticator* authenticator_ = nullptr;
  bool inline_reads_ = false;
  core::TrustedProxies trusted_proxies_;
  core::RateLimitPolicy ip_policy_;
  core::RateLimitPolicy user_policy_;
  bool cors_any_ = false;
  bool production_ = false;
  std::string request_id_prefix_;
  std::atomic<std::uint64_t> request_counter_{0};
};

}  // namespace emporium::http
