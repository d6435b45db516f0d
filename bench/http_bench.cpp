// Per-request costs of the HTTP core without sockets: routing, the whole middleware chain for a
// /healthz-like route, query decoding, the in-process rate limiter and writing a JSON answer.
//
//   build/bench/http_bench --benchmark_min_time=1

#include <benchmark/benchmark.h>

#include <boost/json/serialize.hpp>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/json_text.hpp"
#include "core/log.hpp"
#include "core/rate_limiter.hpp"
#include "http/dispatcher.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace {

using namespace emporium;

http::Handler Ok() {
  return [](http::Request&) -> Result<http::Response> {
    return http::Response(200, "application/json", R"({"status":"ok"})");
  };
}

void AddApiRoutes(http::Router& router) {
  for (const char* base : {"/api/v1/products", "/api/v1/orders", "/api/v1/me/addresses", "/api/v1/admin/users",
                           "/api/v1/categories", "/api/v1/reviews"}) {
    router.Get(base, Ok());
    router.Post(base, Ok());
    router.Get(std::string(base) + "/{id}", Ok());
    router.Patch(std::string(base) + "/{id}", Ok());
    router.Delete(std::string(base) + "/{id}", Ok());
  }
  http::RouteOptions probe;
  probe.inline_handler = true;
  probe.rate_limited = false;
  router.Get("/healthz", Ok(), probe);
}

void BM_RouterMatchLiteral(benchmark::State& state) {
  http::Router router;
  AddApiRoutes(router);
  for (auto _ : state) benchmark::DoNotOptimize(router.Match(http::Method::kGet, "/healthz"));
}
BENCHMARK(BM_RouterMatchLiteral);

void BM_RouterMatchParameter(benchmark::State& state) {
  http::Router router;
  AddApiRoutes(router);
  for (auto _ : state) benchmark::DoNotOptimize(router.Match(http::Method::kPatch, "/api/v1/me/addresses/12345"));
}
BENCHMARK(BM_RouterMatchParameter);

void BM_DispatchHealthz(benchmark::State& state) {
  core::InitLogging("warn", "json");  // the access log line is measured by wrk, not here
  http::Router router;
  AddApiRoutes(router);
  core::Config config;
  core::SystemClock clock;
  auto limiter = core::MakeMemoryRateLimiter(clock);
  http::Metrics metrics;
  http::Dispatcher dispatcher(router, config, clock, limiter.get(), &metrics);
  for (auto _ : state) {
    http::Request req;
    req.method = http::Method::kGet;
    req.target = req.path = "/healthz";
    req.remote_ip = "127.0.0.1";
    req.headers = {{"Host", "localhost:8080"}, {"User-Agent", "wrk"}};
    benchmark::DoNotOptimize(dispatcher.Handle(req));
  }
}
BENCHMARK(BM_DispatchHealthz);

void BM_DispatchRateLimitedRoute(benchmark::State& state) {
  core::InitLogging("warn", "json");
  http::Router router;
  AddApiRoutes(router);
  core::Config config;
  config.rate_limit_ip_burst = 1 << 30;
  core::SystemClock clock;
  auto limiter = core::MakeMemoryRateLimiter(clock);
  http::Metrics metrics;
  http::Dispatcher dispatcher(router, config, clock, limiter.get(), &metrics);
  for (auto _ : state) {
    http::Request req;
    req.method = http::Method::kGet;
    req.target = req.path = "/api/v1/products/42";
    req.remote_ip = "127.0.0.1";
    benchmark::DoNotOptimize(dispatcher.Handle(req));
  }
}
BENCHMARK(BM_DispatchRateLimitedRoute);

void BM_QueryDecode(benchmark::State& state) {
  http::Request req;
  req.query_string = "category=shoes&min_price=1000&max_price=5000&q=blue+running%20shoe&sort=price_asc&limit=20";
  for (auto _ : state) benchmark::DoNotOptimize(req.Query("q"));
}
BENCHMARK(BM_QueryDecode);

void BM_MemoryRateLimiter(benchmark::State& state) {
  core::SystemClock clock;
  auto limiter = core::MakeMemoryRateLimiter(clock);
  const core::RateLimitPolicy policy{.name = "ip", .capacity = 1e9, .refill_per_second = 1e9};
  int i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(limiter->Consume("10.0.0." + std::to_string(i++ & 255), policy));
}
BENCHMARK(BM_MemoryRateLimiter)->Threads(1)->Threads(2);

/// An order's answer as POST /orders writes it: lines, an address with coordinates, a timeline.
boost::json::object OrderLikeAnswer() {
  namespace json = boost::json;
  const auto money = [](std::int64_t amount) { return json::object{{"amount", amount}, {"currency", "USD"}}; };
  json::array lines;
  for (int i = 0; i < 3; ++i) {
    lines.push_back(json::object{{"id", 1000 + i},
                                 {"variant_id", 40 + i},
                                 {"sku", "TEE-BLUE-M-" + std::to_string(i)},
                                 {"name", "Organic cotton T-shirt \"Blue\" (M)"},
                                 {"quantity", 1 + i},
                                 {"unit_price", money(2499)},
                                 {"total", money(2499 * (1 + i))}});
  }
  json::array timeline;
  for (const char* status : {"pending_payment", "paid"}) {
    timeline.push_back(json::object{{"status", status},
                                    {"at", "2026-11-27T03:44:54Z"},
                                    {"actor", json::object{{"role", "customer"}, {"user_id", 7}}},
                                    {"note", "order placed"}});
  }
  return json::object{{"id", 123456},
                      {"number", "EMP-20261127-7K3QX9"},
                      {"status", "paid"},
                      {"lines", std::move(lines)},
                      {"subtotal", money(14994)},
                      {"shipping", money(499)},
                      {"total", money(15493)},
                      {"address", json::object{{"name", "Sam Shopper"},
                                               {"line1", "1 Market Street"},
                                               {"city", "Berlin"},
                                               {"country", "DE"},
                                               {"lat", 52.52},
                                               {"lng", 13.405}}},
                      {"timeline", std::move(timeline)}};
}

void BM_JsonTextOrderAnswer(benchmark::State& state) {
  const auto answer = OrderLikeAnswer();
  for (auto _ : state) benchmark::DoNotOptimize(core::JsonText(answer));
}
BENCHMARK(BM_JsonTextOrderAnswer);

/// Boost.JSON's own serializer on the same answer, for comparison (it writes 52.52 as 5.252E1).
void BM_BoostSerializeOrderAnswer(benchmark::State& state) {
  const auto answer = OrderLikeAnswer();
  for (auto _ : state) benchmark::DoNotOptimize(boost::json::serialize(answer));
}
BENCHMARK(BM_BoostSerializeOrderAnswer);

}  // namespace
