#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/rate_limiter.hpp"
#include "db/statement_counter.hpp"
#include "http/dispatcher.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/validation.hpp"

namespace emporium::http {
namespace {

namespace json = boost::json;

Principal User(std::int64_t id, Role role) {
  Principal p;
  p.user_id = id;
  p.role = role;
  return p;
}

RouteOptions Options(bool inline_handler, bool rate_limited) {
  RouteOptions o;
  o.inline_handler = inline_handler;
  o.rate_limited = rate_limited;
  return o;
}

class FakeAuthenticator final : public Authenticator {
 public:
  Result<Principal> Authenticate(std::string_view token) override {
    ++calls;
    kept = std::string(token);  // like TokenAuthenticator's user row, for the request's duration
    if (token == "admin-token") return User(1, Role::kAdmin);
    if (token == "customer-token") return User(2, Role::kCustomer);
    return Error::Unauthorized("The access token is invalid or expired.");
  }
  void Forget() override { kept.reset(); }
  int calls = 0;
  std::optional<std::string> kept;
};

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() : clock_(1'760'000'000), limiter_(core::MakeMemoryRateLimiter(clock_)) {
    config_.environment = "test";
    config_.rate_limit_ip_per_minute = 0;
    config_.rate_limit_user_per_minute = 0;

    router_.Get("/hello", [](Request&) -> Result<Response> {
      return Response::Json(200, json::object{{"hello", "world"}});
    });
    router_.Get(
        "/api/v1/me",
        [](Request& req) -> Result<Response> {
          return Response::Json(200, json::object{{"id", req.user().user_id}});
        },
        RouteOptions::User());
    router_.Patch(
        "/api/v1/me", [](Request&) -> Result<Response> { return Response::NoContent(); }, RouteOptions::User());
    router_.Get(
        "/api/v1/admin/users", [](Request&) -> Result<Response> { return Response::Json(200, json::array{}); },
        RouteOptions::Roles({Role::kAdmin, Role::kManager}));
    router_.Get("/boom", [](Request&) -> Result<Response> { throw std::runtime_error("secret stack detail"); });
    router_.Get("/internal", [](Request&) -> Result<Response> {
      return Error::Internal("connection string mariadb://root:pw@db failed");
    });
    router_.Post("/users", [](Request& req) -> Result<Response> {
      EMP_ASSIGN(auto in, JsonInput::From(req));
      auto email = in.Email("email", true);
      auto age = in.Int("age", {.min = 0, .max = 150});
      EMP_TRY(in.Finish());
      return Response::Json(201, json::object{{"email", *email}, {"age", age ? *age : 0}});
    });
    router_.Get("/items/{id}", [](Request& req) -> Result<Response> {
      EMP_ASSIGN(auto id, req.IdParam("id"));
      return Response::Json(200, json::object{{"id", id}});
    });
    router_.Get("/sql", [](Request&) -> Result<Response> {
      for (int i = 0; i < 3; ++i) db::StatementCounter::Increment();
      return Response(200, "text/plain", "ok");
    });
    router_.Get("/cached", [](Request&) -> Result<Response> {
      Response r(200, "text/plain", "cached");
      r.Set("Cache-Control", "public, max-age=60");
      return r;
    });
    router_.Get(
        "/api/v1/profile",
        [](Request& req) -> Result<Response> {
          return Response::Json(200, json::object{{"id", req.user().user_id}});
        },
        {.authenticated = true, .inline_read = true});
    router_.Get("/whoami", [](Request& req) -> Result<Response> {
      return Response::Json(200, json::object{{"user", req.principal ? req.principal->user_id : 0}});
    });
    router_.Get(
        "/unlimited", [](Request&) -> Result<Response> { return Response(200, "text/plain", "ok"); },
        Options(false, false));
    router_.Get(
        "/healthz", [](Request&) -> Result<Response> { return Response(200, "text/plain", "ok"); },
        Options(true, false));
  }

  Dispatcher& Make() {
    dispatcher_ = std::make_unique<Dispatcher>(router_, config_, clock_, limiter_.get(), &metrics_);
    dispatcher_->SetAuthenticator(&auth_);
    return *dispatcher_;
  }

  static Request Req(Method method, std::string path, std::vector<Header> headers = {}, std::string body = {}) {
    Request req;
    req.method = method;
    req.target = path;
    req.path = std::move(path);
    req.headers = std::move(headers);
    req.body = std::move(body);
    req.remote_ip = "192.0.2.7";
    return req;
  }

  Response Send(Method method, std::string path, std::vector<Header> headers = {}, std::string body = {}) {
    if (!dispatcher_) Make();
    auto req = Req(method, std::move(path), std::move(headers), std::move(body));
    return dispatcher_->Handle(req);
  }

  static json::object Body(const Response& r) { return json::parse(r.body).as_object(); }

  core::Config config_;
  core::ManualClock clock_;
  std::unique_ptr<core::RateLimiter> limiter_;
  Metrics metrics_;
  Router router_;
  FakeAuthenticator auth_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, AnswersMatchedRouteWithHandlerResponse) {
  auto r = Send(Method::kGet, "/hello");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Get("Content-Type"), "application/json");
  EXPECT_EQ(Body(r).at("hello"), "world");
}

TEST_F(DispatcherTest, UnknownPathIs404ProblemJson) {
  auto r = Send(Method::kGet, "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Get("Content-Type"), "application/problem+json");
  auto body = Body(r);
  EXPECT_EQ(body.at("status"), 404);
  EXPECT_EQ(body.at("title"), "Not found");
  EXPECT_TRUE(body.at("type").as_string().starts_with("https://"));
  EXPECT_TRUE(body.contains("detail"));
  EXPECT_EQ(body.at("instance"), "/nope");
  EXPECT_EQ(body.at("request_id").as_string(), *r.Get("X-Request-Id"));
}

TEST_F(DispatcherTest, WrongMethodIs405WithAllowHeader) {
  auto r = Send(Method::kPost, "/api/v1/me");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Get("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.Get("Allow"), "GET, HEAD, PATCH, OPTIONS");
  auto body = Body(r);
  EXPECT_EQ(body.at("status"), 405);
  EXPECT_EQ(body.at("code"), "method_not_allowed");
}

TEST_F(DispatcherTest, HeadIsServedByGetRoute) {
  auto r = Send(Method::kHead, "/hello");
  EXPECT_EQ(r.status, 200);
}

TEST_F(DispatcherTest, GeneratesUniqueRequestIds) {
  auto a = Send(Method::kGet, "/hello");
  auto b = Send(Method::kGet, "/hello");
  ASSERT_TRUE(a.Get("X-Request-Id"));
  ASSERT_TRUE(b.Get("X-Request-Id"));
  EXPECT_FALSE(a.Get("X-Request-Id")->empty());
  EXPECT_NE(*a.Get("X-Request-Id"), *b.Get("X-Request-Id"));
}

TEST_F(DispatcherTest, EchoesSaneIncomingRequestId) {
  auto r = Send(Method::kGet, "/hello", {{"x-request-id", "abc-123_DEF.9"}});
  EXPECT_EQ(r.Get("X-Request-Id"), "abc-123_DEF.9");
}

TEST_F(DispatcherTest, ReplacesInsaneIncomingRequestId) {
  auto r = Send(Method::kGet, "/hello", {{"X-Request-Id", "evil\"id {}"}});
  EXPECT_NE(r.Get("X-Request-Id"), "evil\"id {}");
  auto long_id = Send(Method::kGet, "/hello", {{"X-Request-Id", std::string(129, 'a')}});
  EXPECT_NE(long_id.Get("X-Request-Id"), std::string(129, 'a'));
  auto max_id = Send(Method::kGet, "/hello", {{"X-Request-Id", std::string(128, 'a')}});
  EXPECT_EQ(max_id.Get("X-Request-Id"), std::string(128, 'a'));
}

TEST_F(DispatcherTest, SetsSecurityHeadersOnEveryResponse) {
  for (const auto& r : {Send(Method::kGet, "/hello"), Send(Method::kGet, "/nope"), Send(Method::kGet, "/boom")}) {
    EXPECT_EQ(r.Get("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.Get("X-Frame-Options"), "DENY");
    EXPECT_EQ(r.Get("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(r.Get("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'none'");
    EXPECT_EQ(r.Get("Cache-Control"), "no-store");
    EXPECT_FALSE(r.Get("Strict-Transport-Security"));
    EXPECT_TRUE(r.Get("Date"));
  }
}

TEST_F(DispatcherTest, KeepsCacheControlSetByHandler) {
  EXPECT_EQ(Send(Method::kGet, "/cached").Get("Cache-Control"), "public, max-age=60");
}

TEST_F(DispatcherTest, DateHeaderComesFromTheClock) {
  clock_.Set(784111777);  // RFC 9110's example date
  EXPECT_EQ(Send(Method::kGet, "/hello").Get("Date"), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST_F(DispatcherTest, ProductionAddsHstsAndHidesSqlCount) {
  config_.environment = "production";
  auto r = Send(Method::kGet, "/sql");
  EXPECT_EQ(r.Get("Strict-Transport-Security"), "max-age=31536000; includeSubDomains");
  EXPECT_FALSE(r.Get("X-Sql-Statements"));
}

TEST_F(DispatcherTest, CountsSqlStatementsOfTheHandler) {
  db::StatementCounter::Increment();  // left over from earlier work on this thread: must not count
  EXPECT_EQ(Send(Method::kGet, "/sql").Get("X-Sql-Statements"), "3");
  EXPECT_EQ(Send(Method::kGet, "/hello").Get("X-Sql-Statements"), "0");
}

TEST_F(DispatcherTest, CorsPreflightIsAnsweredWith204) {
  config_.cors_origins = {"https://shop.example"};
  auto r = Send(Method::kOptions, "/api/v1/me",
                {{"Origin", "https://shop.example"},
                 {"Access-Control-Request-Method", "PATCH"},
                 {"Access-Control-Request-Headers", "authorization, content-type"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.Get("Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_EQ(r.Get("Access-Control-Allow-Methods"), "GET, HEAD, PATCH, OPTIONS");
  EXPECT_EQ(r.Get("Access-Control-Allow-Headers"), "authorization, content-type");
  EXPECT_EQ(r.Get("Access-Control-Max-Age"), "600");
  EXPECT_EQ(r.Get("Vary"), "Origin");
  EXPECT_EQ(auth_.calls, 0);  // a preflight carries no credentials and needs none
}

TEST_F(DispatcherTest, CorsAllowsConfiguredOriginOnActualRequest) {
  config_.cors_origins = {"https://shop.example"};
  auto r = Send(Method::kGet, "/hello", {{"Origin", "https://shop.example"}});
  EXPECT_EQ(r.Get("Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_TRUE(r.Get("Access-Control-Expose-Headers")->find("X-Request-Id") != std::string_view::npos);
  EXPECT_EQ(r.Get("Vary"), "Origin");
}

TEST_F(DispatcherTest, CorsIgnoresOtherOrigins) {
  config_.cors_origins = {"https://shop.example"};
  auto r = Send(Method::kOptions, "/api/v1/me",
                {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_FALSE(r.Get("Access-Control-Allow-Origin"));
  EXPECT_FALSE(r.Get("Access-Control-Allow-Methods"));
}

TEST_F(DispatcherTest, CorsWildcardAllowsAnyOrigin) {
  config_.cors_origins = {"*"};
  auto r = Send(Method::kGet, "/hello", {{"Origin", "https://anything.example"}});
  EXPECT_EQ(r.Get("Access-Control-Allow-Origin"), "*");
}

TEST_F(DispatcherTest, AuthenticatedRouteWithoutTokenIs401) {
  auto r = Send(Method::kGet, "/api/v1/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Get("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.Get("WWW-Authenticate"), "Bearer");
}

TEST_F(DispatcherTest, InvalidTokenIs401) {
  EXPECT_EQ(Send(Method::kGet, "/api/v1/me", {{"Authorization", "Bearer forged"}}).status, 401);
  EXPECT_EQ(Send(Method::kGet, "/api/v1/me", {{"Authorization", "Basic dXNlcjpwdw=="}}).status, 401);
}

TEST_F(DispatcherTest, ValidTokenReachesHandlerWithPrincipal) {
  auto r = Send(Method::kGet, "/api/v1/me", {{"authorization", "bearer customer-token"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r).at("id"), 2);
}

TEST_F(DispatcherTest, WrongRoleIs403) {
  auto r = Send(Method::kGet, "/api/v1/admin/users", {{"Authorization", "Bearer customer-token"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Body(r).at("status"), 403);
  EXPECT_EQ(Send(Method::kGet, "/api/v1/admin/users", {{"Authorization", "Bearer admin-token"}}).status, 200);
}

TEST_F(DispatcherTest, PublicRouteHonoursValidTokenAndIgnoresInvalidOne) {
  EXPECT_EQ(Body(Send(Method::kGet, "/whoami", {{"Authorization", "Bearer admin-token"}})).at("user"), 1);
  auto r = Send(Method::kGet, "/whoami", {{"Authorization", "Bearer expired"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r).at("user"), 0);
}

TEST_F(DispatcherTest, IpRateLimitAnswers429WithRetryAfterAndRateLimitHeaders) {
  config_.rate_limit_ip_per_minute = 60;  // one token per second
  config_.rate_limit_ip_burst = 2;
  Make();
  auto first = Send(Method::kGet, "/hello");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.Get("RateLimit-Limit"), "2");
  EXPECT_EQ(first.Get("RateLimit-Remaining"), "1");
  EXPECT_EQ(first.Get("RateLimit-Reset"), "1");
  EXPECT_EQ(Send(Method::kGet, "/hello").status, 200);

  auto limited = Send(Method::kGet, "/hello");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Get("Content-Type"), "application/problem+json");
  EXPECT_EQ(limited.Get("Retry-After"), "1");
  EXPECT_EQ(limited.Get("RateLimit-Limit"), "2");
  EXPECT_EQ(limited.Get("RateLimit-Remaining"), "0");
  EXPECT_EQ(limited.Get("RateLimit-Reset"), "2");
  EXPECT_EQ(Body(limited).at("status"), 429);

  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(Send(Method::kGet, "/hello").status, 200);
  EXPECT_EQ(Send(Method::kGet, "/hello").status, 429);
}

TEST_F(DispatcherTest, IpRateLimitIsPerAddress) {
  config_.rate_limit_ip_per_minute = 60;
  config_.rate_limit_ip_burst = 1;
  Make();
  EXPECT_EQ(Send(Method::kGet, "/hello").status, 200);
  EXPECT_EQ(Send(Method::kGet, "/hello").status, 429);
  auto other = Req(Method::kGet, "/hello");
  other.remote_ip = "198.51.100.1";
  EXPECT_EQ(dispatcher_->Handle(other).status, 200);
}

TEST_F(DispatcherTest, BehindATrustedProxyTheForwardedClientGetsItsOwnBucket) {
  config_.rate_limit_ip_per_minute = 60;
  config_.rate_limit_ip_burst = 1;
  config_.trusted_proxies = {"10.0.0.0/8"};
  Make();
  auto via_proxy = [&](std::string forwarded_for) {
    auto req = Req(Method::kGet, "/hello", {{"X-Forwarded-For", std::move(forwarded_for)}});
    req.remote_ip = "10.0.0.5";
    return dispatcher_->Handle(req).status;
  };
  EXPECT_EQ(via_proxy("198.51.100.1"), 200);
  EXPECT_EQ(via_proxy("198.51.100.1"), 429);
  EXPECT_EQ(via_proxy("198.51.100.2"), 200) << "another client behind the same balancer";
  // An untrusted peer cannot choose its bucket by sending the header itself.
  auto spoofed = Req(Method::kGet, "/hello", {{"X-Forwarded-For", "192.0.2.77"}});
  spoofed.remote_ip = "203.0.113.8";
  EXPECT_EQ(dispatcher_->Handle(spoofed).status, 200);
  spoofed.remote_ip = "203.0.113.8";
  EXPECT_EQ(dispatcher_->Handle(spoofed).status, 429);
}

TEST_F(DispatcherTest, UserRateLimitAppliesPerUser) {
  config_.rate_limit_user_per_minute = 60;
  config_.rate_limit_user_burst = 1;
  Make();
  EXPECT_EQ(Send(Method::kGet, "/api/v1/me", {{"Authorization", "Bearer customer-token"}}).status, 200);
  auto limited = Send(Method::kGet, "/api/v1/me", {{"Authorization", "Bearer customer-token"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Get("Retry-After"), "1");
  EXPECT_EQ(Send(Method::kGet, "/api/v1/me", {{"Authorization", "Bearer admin-token"}}).status, 200);
}

TEST_F(DispatcherTest, RouteCanOptOutOfRateLimiting) {
  config_.rate_limit_ip_per_minute = 60;
  config_.rate_limit_ip_burst = 1;
  Make();
  for (int i = 0; i < 5; ++i) {
    auto r = Send(Method::kGet, "/unlimited");
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.Get("RateLimit-Limit"));
  }
}

TEST_F(DispatcherTest, HandlerExceptionIs500WithoutDetail) {
  auto r = Send(Method::kGet, "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Get("Content-Type"), "application/problem+json");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_EQ(Body(r).at("status"), 500);
}

TEST_F(DispatcherTest, InternalErrorHidesItsMessage) {
  auto r = Send(Method::kGet, "/internal");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("mariadb"), std::string::npos);
}

TEST_F(DispatcherTest, ValidationFailureIs422ListingEveryField) {
  auto r = Send(Method::kPost, "/users", {{"Content-Type", "application/json"}}, R"({"email":"nope","age":"x"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.Get("Content-Type"), "application/problem+json");
  auto errors = Body(r).at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("field"), "email");
  EXPECT_EQ(errors[1].at("field"), "age");
}

TEST_F(DispatcherTest, ValidBodyIsAccepted) {
  auto r = Send(Method::kPost, "/users", {}, R"({"email":" Ann@Example.COM ","age":30})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(Body(r).at("email"), "ann@example.com");
}

TEST_F(DispatcherTest, MalformedJsonIs400) {
  auto r = Send(Method::kPost, "/users", {}, R"({"email": )");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Body(r).at("detail").as_string().starts_with("Malformed JSON"));
  EXPECT_EQ(Send(Method::kPost, "/users", {}, "").status, 400);
}

TEST_F(DispatcherTest, JsonThatIsNotAnObjectIs422) {
  EXPECT_EQ(Send(Method::kPost, "/users", {}, "[1,2]").status, 422);
}

TEST_F(DispatcherTest, NonNumericIdIs404) {
  EXPECT_EQ(Send(Method::kGet, "/items/abc").status, 404);
  EXPECT_EQ(Send(Method::kGet, "/items/0").status, 404);
  EXPECT_EQ(Send(Method::kGet, "/items/-3").status, 404);
  EXPECT_EQ(Send(Method::kGet, "/items/99999999999999999999").status, 404);
  EXPECT_EQ(Send(Method::kGet, "/items/12").status, 200);
}

TEST_F(DispatcherTest, RecordsMetricsByRoutePattern) {
  Send(Method::kGet, "/items/12");
  Send(Method::kGet, "/items/13");
  Send(Method::kGet, "/nope");
  const auto text = metrics_.Render();
  EXPECT_NE(text.find(R"(emporium_http_requests_total{method="GET",route="/items/{id}",status="200"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(emporium_http_requests_total{method="GET",route="unmatched",status="404"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(emporium_http_request_duration_seconds_count{method="GET",route="/items/{id}"} 2)"),
            std::string::npos);
}

TEST_F(DispatcherTest, RejectProducesProblemWithHeaders) {
  auto& d = Make();
  Request req = Req(Method::kPost, "/upload");
  Error too_large;
  too_large.code = ErrorCode::kPayloadTooLarge;
  too_large.message = "The request body exceeds 1048576 bytes.";
  auto r = d.Reject(req, too_large);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Get("Content-Type"), "application/problem+json");
  EXPECT_TRUE(r.Get("X-Request-Id"));
  EXPECT_EQ(r.Get("X-Content-Type-Options"), "nosniff");

  Request big = Req(Method::kGet, "/x");
  auto r431 = d.Reject(big, Error::BadRequest("too big"), 431);
  EXPECT_EQ(r431.status, 431);
  EXPECT_EQ(Body(r431).at("status"), 431);
}

TEST_F(DispatcherTest, InlineOnlyForMarkedPublicRoutesAndUnmatchedPaths) {
  auto& d = Make();
  EXPECT_TRUE(d.IsInline(Req(Method::kGet, "/healthz")));
  EXPECT_FALSE(d.IsInline(Req(Method::kGet, "/hello")));
  EXPECT_FALSE(d.IsInline(Req(Method::kGet, "/api/v1/me")));
  EXPECT_TRUE(d.IsInline(Req(Method::kGet, "/nope")));
  EXPECT_FALSE(d.IsInline(Req(Method::kGet, "/healthz", {{"Authorization", "Bearer admin-token"}})));
}

TEST_F(DispatcherTest, InlineReadRoutesRunOnTheIoThreadOnlyWhenInlineReadsAreEnabled) {
  auto& d = Make();
  const std::vector<Header> token{{"Authorization", "Bearer customer-token"}};
  EXPECT_FALSE(d.IsInline(Req(Method::kGet, "/api/v1/profile", token))) << "not before EnableInlineReads";
  auto before = Req(Method::kGet, "/api/v1/profile", token);
  EXPECT_FALSE(d.TryHandleInline(before));

  d.EnableInlineReads();
  EXPECT_TRUE(d.IsInline(Req(Method::kGet, "/api/v1/profile", token)));
  EXPECT_FALSE(d.IsInline(Req(Method::kGet, "/api/v1/me", token))) << "only routes marked inline_read";
  auto req = Req(Method::kGet, "/api/v1/profile", token);
  auto answer = d.TryHandleInline(req);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_GT(Body(*answer).at("id").as_int64(), 0) << "authenticated on the io thread";
  auto anonymous = Req(Method::kGet, "/api/v1/profile");
  answer = d.TryHandleInline(anonymous);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 401);
}

TEST_F(DispatcherTest, InlineReadRoutesStayOnWorkersWithANetworkRateLimiter) {
  struct NetworkLimiter final : core::RateLimiter {
    core::RateLimitDecision Consume(std::string_view, const core::RateLimitPolicy&, int) override { return {}; }
    void Reset(std::string_view, const core::RateLimitPolicy&) override {}
    bool InProcess() const override { return false; }  // like the Redis limiter
  } network;
  Dispatcher d(router_, config_, clock_, &network, &metrics_);
  d.SetAuthenticator(&auth_);
  d.EnableInlineReads();
  EXPECT_FALSE(d.IsInline(Req(Method::kGet, "/api/v1/profile", {{"Authorization", "Bearer customer-token"}})));
}

TEST_F(DispatcherTest, WhatTheAuthenticatorKeepsLivesOnlyAsLongAsTheRequest) {
  std::optional<std::string> seen_by_handler;
  router_.Get(
      "/api/v1/peek",
      [&](Request&) -> Result<Response> {
        seen_by_handler = auth_.kept;
        return Response::NoContent();
      },
      RouteOptions::User());
  EXPECT_EQ(Send(Method::kGet, "/api/v1/peek", {{"Authorization", "Bearer customer-token"}}).status, 204);
  EXPECT_EQ(seen_by_handler, "customer-token");
  EXPECT_FALSE(auth_.kept.has_value()) << "kept after the request was answered";
  // Refused requests (a role the route does not admit, a bad token) end the same way.
  EXPECT_EQ(Send(Method::kGet, "/api/v1/admin/users", {{"Authorization", "Bearer customer-token"}}).status, 403);
  EXPECT_FALSE(auth_.kept.has_value());
  EXPECT_EQ(Send(Method::kGet, "/api/v1/me", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_FALSE(auth_.kept.has_value());
  // Something left by an authentication outside any request is gone before the next one runs.
  auth_.kept = "left-over";
  EXPECT_EQ(Send(Method::kGet, "/api/v1/peek", {{"Authorization", "Bearer admin-token"}}).status, 204);
  EXPECT_EQ(seen_by_handler, "admin-token");
  auth_.kept = "left-over";
  seen_by_handler.reset();
  router_.Get("/peek-public", [&](Request&) -> Result<Response> {
    seen_by_handler = auth_.kept;
    return Response::NoContent();
  });
  EXPECT_EQ(Send(Method::kGet, "/peek-public").status, 204);
  EXPECT_FALSE(seen_by_handler.has_value()) << "a public request saw another request's user";
}

TEST_F(DispatcherTest, NoContentHasNoBody) {
  auto r = Send(Method::kPatch, "/api/v1/me", {{"Authorization", "Bearer customer-token"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
}

TEST(DispatcherWithoutAuthenticator, AuthenticatedRouteIs500NotOpen) {
  core::Config config;
  core::ManualClock clock(0);
  Router router;
  router.Get(
      "/secret", [](Request&) -> Result<Response> { return Response(200, "text/plain", "secret"); },
      RouteOptions::User());
  Dispatcher d(router, config, clock, nullptr, nullptr);
  Request req;
  req.path = "/secret";
  req.headers = {{"Authorization", "Bearer x"}};
  auto r = d.Handle(req);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(json::parse(r.body).at("code"), "internal");
}

TEST(RequestQuery, DecodesPercentAndPlus) {
  Request req;
  req.query_string = "q=caf%C3%A9+au+lait&limit=20&empty=&flag&a%20b=c&bad=%zz";
  EXPECT_EQ(req.Query("q"), "café au lait");
  EXPECT_EQ(req.Query("limit"), "20");
  EXPECT_EQ(req.Query("empty"), "");
  EXPECT_EQ(req.Query("flag"), "");
  EXPECT_EQ(req.Query("a b"), "c");
  EXPECT_EQ(req.Query("bad"), "%zz");
  EXPECT_FALSE(req.Query("missing"));
}

TEST(RequestQuery, ReturnsFirstOccurrence) {
  Request req;
  req.query_string = "tag=a&tag=b";
  EXPECT_EQ(req.Query("tag"), "a");
}

TEST(RequestHeader, LookupIsCaseInsensitive) {
  Request req;
  req.headers = {{"Content-Type", "application/json"}, {"content-type", "text/plain"}};
  EXPECT_EQ(req.Header("CONTENT-TYPE"), "application/json");
  EXPECT_FALSE(req.Header("Accept"));
}

TEST(ResponseHeaders, SetReplacesCaseInsensitively) {
  Response r(200, "text/plain", "x");
  r.Set("content-type", "application/json");
  EXPECT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.Get("Content-Type"), "application/json");
}

TEST(ResponseProblem, RateLimitedCarriesRetryAfter) {
  auto r = Response::Problem(Error::RateLimited(7), "/x", "rid");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Get("Retry-After"), "7");
}

TEST(MethodNames, RoundTrip) {
  for (auto m :
       {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete, Method::kOptions}) {
    EXPECT_EQ(ParseMethod(MethodName(m)), m);
  }
  EXPECT_EQ(ParseMethod("get"), Method::kOther);
  EXPECT_EQ(ParseMethod("TRACE"), Method::kOther);
}

}  // namespace
}  // namespace emporium::http
