#include "http/dispatcher.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <exception>
#include <optional>
#include <random>

#include "core/json_text.hpp"
#include "core/log.hpp"
#include "core/problem.hpp"
#include "db/statement_counter.hpp"

namespace emporium::http {

namespace {

constexpr std::string_view kDefaultAllowHeaders = "Authorization, Content-Type, Idempotency-Key, X-Request-Id";
constexpr std::string_view kExposeHeaders =
    "X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, Location, X-Sql-Statements";
constexpr int kPreflightMaxAgeSeconds = 600;

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto logger = core::Logger("http");
  return logger;
}

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Access-Control-Request-Headers is echoed only when it is a plain list of header names.
bool IsHeaderList(std::string_view v) {
  if (v.empty() || v.size() > 1024) return false;
  for (char c : v) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == ',' || c == ' ';
    if (!ok) return false;
  }
  return true;
}

std::string_view BearerToken(std::optional<std::string_view> header) {
  if (!header) return {};
  std::string_view v = *header;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  constexpr std::string_view kScheme = "bearer";
  if (v.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(v[i])) != kScheme[i]) return {};
  }
  if (v[kScheme.size()] != ' ') return {};
  v.remove_prefix(kScheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.find_first_of(" \t") != std::string_view::npos) return {};
  return v;
}

// The decoded path as a URI reference again (RFC 9457 `instance`, access log): bytes outside the
// printable ASCII path characters are percent-encoded, so invalid UTF-8 from a client can never
// make a JSON document or log line invalid.
std::string EncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("/-._~!$&'()*+,;=:@").find(ch) != std::string_view::npos;
    if (plain) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string MethodList(const std::vector<Method>& methods, bool with_options) {
  std::string out;
  for (auto m : methods) {
    if (!out.empty()) out += ", ";
    out += MethodName(m);
  }
  if (with_options && std::find(methods.begin(), methods.end(), Method::kOptions) == methods.end()) {
    out += out.empty() ? "OPTIONS" : ", OPTIONS";
  }
  return out;
}

/// A problem+json response for a status outside the ErrorCode mapping (405, 431), same shape.
Response StatusProblem(int status, std::string_view slug, std::string_view title, std::string detail,
                       std::string_view instance, std::string_view request_id) {
  auto body = boost::json::parse(core::ProblemJson(Error::BadRequest(std::move(detail)), instance, request_id));
  auto& obj = body.as_object();
  obj["type"] = std::string("https://emporium.dev/problems/") + std::string(slug);
  obj["title"] = title;
  obj["status"] = status;
  obj["code"] = slug;
  return Response(status, "application/problem+json", core::JsonText(obj));
}

void AppendHeaderValue(Response& res, std::string_view name, std::string_view value) {
  if (auto existing = res.Get(name)) {
    if (existing->find(value) != std::string_view::npos) return;
    res.Set(name, std::string(*existing) + ", " + std::string(value));
  } else {
    res.Set(name, std::string(value));
  }
}

// RFC 9110 IMF-fixdate, cached per thread for the current second.
const std::string& HttpDate(std::int64_t epoch_seconds) {
  thread_local std::int64_t cached_second = -1;
  thread_local std::string cached;
  if (epoch_seconds != cached_second) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    cached = fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} GMT", kDays[tm.tm_wday], tm.tm_mday,
                         kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_second = epoch_seconds;
  }
  return cached;
}

void SetIfAbsent(Response& res, std::string_view name, std::string_view value) {
  if (!res.Get(name)) res.headers.push_back({std::string(name), std::string(value)});
}

}  // namespace

struct Dispatcher::Context {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::string instance;     ///< the path, URI-encoded: problem `instance` and the access log
  std::string cors_origin;  ///< the request's Origin when it is allowed, else empty
  std::optional<core::RateLimitDecision> rate;
  bool sql_counted = false;
  std::uint64_t sql = 0;
  /// The route lookup TryHandleInline already made (Run makes it otherwise).
  std::optional<RouteMatch> match;
  /// A fresh cache entry found by TryHandleInline: Run answers with it instead of the handler.
  std::shared_ptr<const ResponseCache::Entry> cached;
};

namespace {

bool CacheableMethod(Method m) { return m == Method::kGet || m == Method::kHead; }

std::string CacheKey(const Request& req) {
  std::string key;
  key.reserve(req.path.size() + 1 + req.query_string.size());
  key += req.path;
  key += '?';
  key += req.query_string;
  return key;
}

}  // namespace

Dispatcher::Dispatcher(const Router& router, const core::Config& config, const core::Clock& clock,
                       core::RateLimiter* limiter, Metrics* metrics)
    : router_(router), config_(config), clock_(clock), limiter_(limiter), metrics_(metrics) {
  ip_policy_ = {.name = "ip",
                .capacity = static_cast<double>(std::max(1, config.rate_limit_ip_burst)),
                .refill_per_second = config.rate_limit_ip_per_minute / 60.0};
  user_policy_ = {.name = "user",
                  .capacity = static_cast<double>(std::max(1, config.rate_limit_user_burst)),
                  .refill_per_second = config.rate_limit_user_per_minute / 60.0};
  // LoadConfig has validated the list; an invalid one here would be a wiring bug, so fall back to
  // trusting no proxy rather than failing open.
  if (auto proxies = core::TrustedProxies::Parse(config.trusted_proxies)) trusted_proxies_ = std::move(*proxies);
  for (const auto& o : config.cors_origins) cors_any_ = cors_any_ || o == "*";
  production_ = config.environment == "production";
  // Request ids are unique, not secret: a random per-process prefix plus a counter is enough and
  // costs no system call per request.
  std::random_device rd;
  request_id_prefix_ = fmt::format("{:08x}", rd());
}

void Dispatcher::AssignRequestId(Request& req) {
  // Every entry point calls this first, so it is also where the client address is settled.
  if (!trusted_proxies_.empty()) {
    req.remote_ip = trusted_proxies_.ClientIp(req.remote_ip, req.Header("X-Forwarded-For").value_or(""));
  }
  if (auto incoming = req.Header("X-Request-Id"); incoming && IsSaneRequestId(*incoming)) {
    req.request_id = std::string(*incoming);
  } else {
    req.request_id =
        fmt::format("{}-{:x}", request_id_prefix_, request_counter_.fetch_add(1, std::memory_order_relaxed) + 1);
  }
}

bool Dispatcher::OriginAllowed(std::string_view origin) const {
  if (cors_any_) return true;
  for (const auto& o : config_.cors_origins) {
    if (o == origin) return true;
  }
  return false;
}

bool Dispatcher::InlineMatch(const RouteMatch& match, bool has_token) const {
  if (!match.route) return true;
  const auto& o = match.route->options;
  if (o.inline_read && inline_reads_) {
    // The Redis rate limiter is a network round trip: not on the io thread.
    return !(limiter_ && o.rate_limited && !limiter_->InProcess());
  }
  // A token on a public route triggers the optional authentication, which reads the database.
  return o.inline_handler && !o.authenticated && o.roles.empty() && !has_token;
}

bool Dispatcher::IsInline(const Request& req) const {
  return InlineMatch(router_.Match(req.method, req.path), !BearerToken(req.Header("Authorization")).empty());
}

std::optional<Response> Dispatcher::TryHandleInline(Request& req) {
  // One route lookup for the decision and the answer: this runs for every request on an io thread.
  RouteMatch match = router_.Match(req.method, req.path);
  const bool has_token = !BearerToken(req.Header("Authorization")).empty();
  if (InlineMatch(match, has_token)) return HandleWith(req, std::move(match), nullptr);
  if (!CacheableMethod(req.method) || has_token) return std::nullopt;
  const auto& o = match.route->options;
  if (!o.cache || o.authenticated || !o.roles.empty()) return std::nullopt;
  if (limiter_ && o.rate_limited && !limiter_->InProcess()) return std::nullopt;
  auto entry = o.cache->Find(CacheKey(req));
  if (!entry) return std::nullopt;
  return HandleWith(req, std::move(match), std::move(entry));
}

Response Dispatcher::Handle(Request& req) { return HandleWith(req, std::nullopt, nullptr); }

Response Dispatcher::HandleWith(Request& req, std::optional<RouteMatch> match,
                                std::shared_ptr<const ResponseCache::Entry> cached) {
  Context ctx;
  ctx.match = std::move(match);
  ctx.cached = std::move(cached);
  ctx.instance = EncodePath(req.path);
  AssignRequestId(req);
  if (auto origin = req.Header("Origin"); origin && OriginAllowed(*origin)) ctx.cors_origin = std::string(*origin);

  Response res;
  try {
    res = Run(req, ctx);
  } catch (const std::exception& e) {
    Log()->error(fmt::format(R"({{"msg":"unhandled exception","error":"{}","request_id":"{}","route":"{}"}})",
                             core::JsonEscape(e.what()), core::JsonEscape(req.request_id),
                             core::JsonEscape(req.route)));
    res = Response::Problem(Error::Internal(), ctx.instance, req.request_id);
  } catch (...) {
    Log()->error(fmt::format(R"({{"msg":"unhandled non-standard exception","request_id":"{}","route":"{}"}})",
                             core::JsonEscape(req.request_id), core::JsonEscape(req.route)));
    res = Response::Problem(Error::Internal(), ctx.instance, req.request_id);
  }
  if (ctx.sql_counted) ctx.sql = db::StatementCounter::Count();
  Finish(req, res, ctx);
  return res;
}

Response Dispatcher::Reject(Request& req, const Error& error, int status_override) {
  Context ctx;
  ctx.instance = EncodePath(req.path);
  AssignRequestId(req);
  if (auto origin = req.Header("Origin"); origin && OriginAllowed(*origin)) ctx.cors_origin = std::string(*origin);
  Response res;
  if (status_override == 431) {
    res = StatusProblem(431, "header_fields_too_large", "Request header fields too large", error.message, ctx.instance,
                        req.request_id);
  } else if (status_override != 0 && status_override != core::HttpStatus(error.code)) {
    res = StatusProblem(status_override, core::ErrorSlug(error.code), "Bad request", error.message, ctx.instance,
                        req.request_id);
  } else {
    res = Response::Problem(error, ctx.instance, req.request_id);
  }
  Finish(req, res, ctx);
  return res;
}

Response Dispatcher::Run(Request& req, Context& ctx) {
  RouteMatch match = ctx.match ? std::move(*ctx.match) : router_.Match(req.method, req.path);

  if (!match.route && req.method == Method::kOptions && !match.allowed.empty()) {
    Response res(204, "", "");
    const std::string methods = MethodList(match.allowed, true);
    res.Set("Allow", methods);
    const auto requested_method = req.Header("Access-Control-Request-Method");
    if (!ctx.cors_origin.empty() && requested_method) {
      res.Set("Access-Control-Allow-Methods", methods);
      const auto requested_headers = req.Header("Access-Control-Request-Headers");
      res.Set("Access-Control-Allow-Headers", requested_headers && IsHeaderList(*requested_headers)
                                                  ? std::string(*requested_headers)
                                                  : std::string(kDefaultAllowHeaders));
      res.Set("Access-Control-Max-Age", std::to_string(kPreflightMaxAgeSeconds));
    }
    return res;
  }
  if (!match.route) {
    if (match.allowed.empty())
      return Response::Problem(Error::NotFound("No route matches this path."), ctx.instance, req.request_id);
    Response res = StatusProblem(405, "method_not_allowed", "Method not allowed",
                                 std::string(MethodName(req.method)) + " is not allowed on this resource.",
                                 ctx.instance, req.request_id);
    res.Set("Allow", MethodList(match.allowed, true));
    return res;
  }

  const Route& route = *match.route;
  req.route = route.pattern;
  req.path_params = std::move(match.params);
  const bool limited = limiter_ && route.options.rate_limited;

  if (limited && config_.rate_limit_ip_per_minute > 0) {
    ctx.rate = limiter_->Consume(req.remote_ip, ip_policy_);
    if (!ctx.rate->allowed) {
      return Response::Problem(Error::RateLimited(ctx.rate->retry_after_seconds), ctx.instance, req.request_id);
    }
  }

  const std::string_view token = BearerToken(req.Header("Authorization"));
  // What the authenticator keeps for this request lives exactly as long as it, whichever way it ends
  // (the handler runs below, on this thread).
  struct RequestScope {
    Authenticator* authenticator;
    explicit RequestScope(Authenticator* a) : authenticator(a) {
      if (authenticator) authenticator->Forget();
    }
    ~RequestScope() {
      if (authenticator) authenticator->Forget();
    }
    RequestScope(const RequestScope&) = delete;
    RequestScope& operator=(const RequestScope&) = delete;
  } scope{authenticator_};
  if (route.options.authenticated || !route.options.roles.empty()) {
    if (!authenticator_) {
      Log()->error(fmt::format(R"({{"msg":"route requires authentication but no authenticator is set","route":"{}"}})",
                               core::JsonEscape(route.pattern)));
      return Response::Problem(Error::Internal(), ctx.instance, req.request_id);
    }
    if (token.empty()) {
      return Response::Problem(Error::Unauthorized("A bearer access token is required."), ctx.instance, req.request_id);
    }
    auto principal = authenticator_->Authenticate(token);
    if (!principal) return Response::Problem(principal.error(), ctx.instance, req.request_id);
    req.principal = *principal;
    if (!route.options.roles.empty() && std::find(route.options.roles.begin(), route.options.roles.end(),
                                                  req.principal->role) == route.options.roles.end()) {
      return Response::Problem(Error::Forbidden(), ctx.instance, req.request_id);
    }
  } else if (!token.empty() && authenticator_) {
    if (auto principal = authenticator_->Authenticate(token)) req.principal = *principal;
  }

  if (limited && req.principal && config_.rate_limit_user_per_minute > 0) {
    const auto decision = limiter_->Consume(std::to_string(req.principal->user_id), user_policy_);
    // Report the tighter of the two buckets, or the one that refused.
    if (!ctx.rate || !decision.allowed || decision.remaining < ctx.rate->remaining) ctx.rate = decision;
    if (!decision.allowed) {
      return Response::Problem(Error::RateLimited(decision.retry_after_seconds), ctx.instance, req.request_id);
    }
  }

  Result<Response> result = CallHandler(route, req, ctx);
  if (!result) {
    const Error& error = result.error();
    if (error.code == ErrorCode::kInternal) {
      Log()->error(fmt::format(R"({{"msg":"internal error","error":"{}","request_id":"{}","route":"{}"}})",
                               core::JsonEscape(error.message), core::JsonEscape(req.request_id),
                               core::JsonEscape(req.route)));
    }
    return Response::Problem(error, ctx.instance, req.request_id);
  }
  return std::move(result).value();
}

Result<Response> Dispatcher::CallHandler(const Route& route, Request& req, Context& ctx) {
  db::StatementCounter::Reset();
  ctx.sql_counted = true;
  ResponseCache* cache = route.options.cache;
  // Only what an anonymous visitor sees is shared: a principal may see member prices or products.
  if (!cache || req.principal || !CacheableMethod(req.method)) return route.handler(req);

  std::string key = CacheKey(req);
  auto entry = ctx.cached ? ctx.cached : cache->Find(key, /*claim=*/true);
  if (entry) {
    if (route.options.on_cache_hit) route.options.on_cache_hit(entry->tag);
    return entry->response;
  }
  const std::uint64_t generation = cache->generation();
  Result<Response> result = route.handler(req);
  if (result && result->status == 200) cache->Store(std::move(key), *result, req.cache_tag, generation);
  return result;
}

void Dispatcher::Finish(Request& req, Response& res, Context& ctx) {
  res.Set("X-Request-Id", req.request_id);
  SetIfAbsent(res, "Date", HttpDate(clock_.NowSeconds()));

  if (!config_.cors_origins.empty()) {
    if (!ctx.cors_origin.empty()) {
      res.Set("Access-Control-Allow-Origin", cors_any_ ? std::string("*") : ctx.cors_origin);
      res.Set("Access-Control-Expose-Headers", std::string(kExposeHeaders));
    }
    if (!cors_any_) AppendHeaderValue(res, "Vary", "Origin");
  }

  if (ctx.rate) {
    res.Set("RateLimit-Limit", std::to_string(ctx.rate->limit));
    res.Set("RateLimit-Remaining", std::to_string(ctx.rate->remaining));
    res.Set("RateLimit-Reset", std::to_string(ctx.rate->reset_seconds));
  }

  SetIfAbsent(res, "X-Content-Type-Options", "nosniff");
  SetIfAbsent(res, "X-Frame-Options", "DENY");
  SetIfAbsent(res, "Referrer-Policy", "no-referrer");
  SetIfAbsent(res, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  SetIfAbsent(res, "Cache-Control", "no-store");
  if (production_) SetIfAbsent(res, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  if (!production_ && ctx.sql_counted) res.Set("X-Sql-Statements", std::to_string(ctx.sql));

  if (res.status == 204 || res.status == 304) res.body.clear();

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.start).count();
  const std::string_view route = req.route.empty() ? std::string_view("unmatched") : std::string_view(req.route);
  if (metrics_) metrics_->RecordRequest(MethodName(req.method), route, res.status, seconds);

  const auto level = res.status >= 500 ? spdlog::level::warn : spdlog::level::info;
  const auto& log = Log();
  if (log->should_log(level)) {
    // The path only: the query string can carry tokens (password reset links, access_token).
    log->log(level, fmt::format(R"({{"msg":"request","method":"{}","path":"{}","route":"{}","status":{},)"
                                R"("duration_ms":{:.3f},"request_id":"{}","user_id":{},"ip":"{}","sql":{}}})",
                                MethodName(req.method), core::JsonEscape(ctx.instance), core::JsonEscape(route),
                                res.status, seconds * 1000.0, core::JsonEscape(req.request_id),
                                req.principal ? std::to_string(req.principal->user_id) : std::string("null"),
                                core::JsonEscape(req.remote_ip), ctx.sql));
  }
}

}  // namespace emporium::http
