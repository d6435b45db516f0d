#include "http/response_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/rate_limiter.hpp"
#include "db/statement_counter.hpp"
#include "http/dispatcher.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace emporium::http {
namespace {

using namespace std::chrono_literals;

Response Text(std::string body) { return Response(200, "text/plain", std::move(body)); }

TEST(ResponseCache, KeepsAnAnswerUntilItsTtlRunsOut) {
  core::ManualClock clock(1'760'000'000);
  ResponseCache cache(clock, {.ttl = 1000ms, .max_entries = 100});
  cache.Store("/a?", Text("one"), 7, cache.generation());

  auto hit = cache.Find("/a?");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->response.body, "one");
  EXPECT_EQ(hit->tag, 7);
  EXPECT_FALSE(cache.Find("/a?x=1"));

  clock.Advance(999ms);
  EXPECT_TRUE(cache.Find("/a?"));
  clock.Advance(1ms);
  EXPECT_FALSE(cache.Find("/a?")) << "expired and nobody recomputes it yet";
  EXPECT_FALSE(cache.Find("/a?", /*claim=*/true)) << "this caller recomputes it";
  ASSERT_TRUE(cache.Find("/a?")) << "the others get the expired copy meanwhile";
  EXPECT_EQ(cache.Find("/a?", true)->response.body, "one");

  clock.Advance(1000ms);  // two TTLs after it was stored: too old even while a refresh runs
  EXPECT_FALSE(cache.Find("/a?"));
  EXPECT_FALSE(cache.Find("/a?", true));

  cache.Store("/a?", Text("two"), 7, cache.generation());
  EXPECT_EQ(cache.Find("/a?")->response.body, "two");
}

// When a hot entry expires under load, one request goes to the database, not all of them.
TEST(ResponseCache, OneCallerRecomputesAnExpiredEntry) {
  core::ManualClock clock(1'760'000'000);
  ResponseCache cache(clock, {.ttl = 1000ms, .max_entries = 100});
  cache.Store("/search?q=headphones", Text("hits"), 0, cache.generation());
  clock.Advance(1500ms);
  std::atomic<int> misses{0}, stale{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (cache.Find("/search?q=headphones", true)) {
          stale.fetch_add(1);
        } else {
          misses.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(misses.load(), 1);
  EXPECT_EQ(stale.load(), 799);
}

TEST(ResponseCache, InvalidatedEntryIsNeverServedEvenWhileRecomputed) {
  core::ManualClock clock(1'760'000'000);
  ResponseCache cache(clock, {.ttl = 1000ms, .max_entries = 100});
  cache.Store("/a?", Text("old price"), 0, cache.generation());
  clock.Advance(1200ms);
  EXPECT_FALSE(cache.Find("/a?", true));  // claimed
  cache.Invalidate();                     // and now this instance writes
  EXPECT_FALSE(cache.Find("/a?"));
  EXPECT_FALSE(cache.Find("/a?", true));
}

TEST(ResponseCache, InvalidateTurnsEveryEarlierEntryIntoAMiss) {
  core::ManualClock clock(1'760'000'000);
  ResponseCache cache(clock, {.ttl = 60'000ms, .max_entries = 100});
  cache.Store("/a?", Text("a"), 0, cache.generation());
  cache.Store("/b?", Text("b"), 0, cache.generation());
  cache.Invalidate();
  EXPECT_FALSE(cache.Find("/a?"));
  EXPECT_FALSE(cache.Find("/b?"));

  cache.Store("/a?", Text("a2"), 0, cache.generation());
  ASSERT_TRUE(cache.Find("/a?"));
  EXPECT_EQ(cache.Find("/a?")->response.body, "a2");
}

// A handler that started reading before a commit must not publish what it read after the commit
// invalidated the cache: its generation is already past.
TEST(ResponseCache, AnswerComputedBeforeAnInvalidationIsNotKept) {
  core::ManualClock clock(1'760'000'000);
  ResponseCache cache(clock, {.ttl = 60'000ms, .max_entries = 100});
  const auto generation = cache.generation();
  cache.Invalidate();  // a writer commits while the handler runs
  cache.Store("/a?", Text("old"), 0, generation);
  EXPECT_FALSE(cache.Find("/a?"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ResponseCache, ZeroTtlTurnsItOff) {
  core::ManualClock clock(1'760'000'000);
  ResponseCache cache(clock, {.ttl = 0ms, .max_entries = 100});
  EXPECT_FALSE(cache.enabled());
  cache.Store("/a?", Text("a"), 0, cache.generation());
  EXPECT_FALSE(cache.Find("/a?"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ResponseCache, MemoryStaysBounded) {
  core::ManualClock clock(1'760'000'000);
  ResponseCache cache(clock, {.ttl = 60'000ms, .max_entries = 64});
  for (int i = 0; i < 10'000; ++i) cache.Store("/p/" + std::to_string(i), Text("x"), 0, cache.generation());
  EXPECT_LE(cache.size(), 64u);
  // The latest entry always survives its own store.
  EXPECT_TRUE(cache.Find("/p/9999"));
}

TEST(ResponseCache, ConcurrentReadersWritersAndInvalidations) {
  core::SystemClock clock;
  ResponseCache cache(clock, {.ttl = 60'000ms, .max_entries = 256});
  std::atomic<bool> stop{false};
  std::atomic<long> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        const std::string key = "/k/" + std::to_string((i * 7 + t) % 300);
        if (auto e = cache.Find(key)) {
          if (e->response.body == key) hits.fetch_add(1);
        } else {
          cache.Store(key, Text(key), 0, cache.generation());
        }
      }
    });
  }
  threads.emplace_back([&] {
    while (!stop.load()) {
      cache.Invalidate();
      std::this_thread::yield();
    }
  });
  for (int t = 0; t < 4; ++t) threads[t].join();
  stop = true;
  threads.back().join();
  EXPECT_LE(cache.size(), 256u);
}

// ---- Through the Dispatcher ----

class InProcessOnlyNot final : public core::RateLimiter {
 public:
  core::RateLimitDecision Consume(std::string_view, const core::RateLimitPolicy&, int) override { return {}; }
  void Reset(std::string_view, const core::RateLimitPolicy&) override {}
  bool InProcess() const override { return false; }
};

class CachedRouteTest : public ::testing::Test {
 protected:
  CachedRouteTest()
      : clock_(1'760'000'000), limiter_(core::MakeMemoryRateLimiter(clock_)), cache_(clock_, {.ttl = 1000ms}) {
    config_.environment = "test";
    router_.Get(
        "/products/{id}",
        [this](Request& req) -> Result<Response> {
          ++handler_calls_;
          db::StatementCounter::Increment();
          if (req.Param("id") == "missing") return Error::NotFound("The product does not exist.");
          req.cache_tag = 42;
          return Response(200, "application/json",
                          std::string(R"({"id":")") + std::string(req.Param("id")) + R"(","q":")" +
                              req.query_string + "\"}");
        },
        {.cache = &cache_, .on_cache_hit = [this](std::int64_t tag) { hit_tags_.push_back(tag); }});
  }

  Dispatcher& Make(core::RateLimiter* limiter) {
    dispatcher_ = std::make_unique<Dispatcher>(router_, config_, clock_, limiter, &metrics_);
    dispatcher_->SetAuthenticator(&auth_);
    return *dispatcher_;
  }

  static Request Req(std::string path, std::string query = {}, std::vector<Header> headers = {}) {
    Request req;
    req.method = Method::kGet;
    req.path = std::move(path);
    req.query_string = std::move(query);
    req.target = req.path + (req.query_string.empty() ? "" : "?" + req.query_string);
    req.headers = std::move(headers);
    req.remote_ip = "192.0.2.7";
    return req;
  }

  class Auth final : public Authenticator {
   public:
    Result<Principal> Authenticate(std::string_view token) override {
      if (token != "member") return Error::Unauthorized("The access token is invalid or expired.");
      Principal p;
      p.user_id = 5;
      p.role = Role::kCustomer;
      return p;
    }
  };

  core::Config config_;
  core::ManualClock clock_;
  std::unique_ptr<core::RateLimiter> limiter_;
  ResponseCache cache_;
  Metrics metrics_;
  Router router_;
  Auth auth_;
  std::unique_ptr<Dispatcher> dispatcher_;
  int handler_calls_ = 0;
  std::vector<std::int64_t> hit_tags_;
};

TEST_F(CachedRouteTest, SecondAnonymousRequestIsAnsweredInlineFromTheCache) {
  auto& d = Make(limiter_.get());
  auto first = Req("/products/a", "limit=20");
  EXPECT_FALSE(d.TryHandleInline(first)) << "nothing cached yet: the worker pool must run the handler";
  const auto miss = d.Handle(first);
  EXPECT_EQ(miss.status, 200);
  EXPECT_EQ(miss.Get("X-Sql-Statements"), "1");
  EXPECT_EQ(handler_calls_, 1);

  auto second = Req("/products/a", "limit=20");
  auto hit = d.TryHandleInline(second);
  ASSERT_TRUE(hit);
  EXPECT_EQ(handler_calls_, 1);
  EXPECT_EQ(hit->status, 200);
  EXPECT_EQ(hit->body, miss.body);
  EXPECT_EQ(hit->Get("X-Sql-Statements"), "0");
  EXPECT_NE(hit->Get("X-Request-Id"), miss.Get("X-Request-Id")) << "the chain still runs for a cached answer";
  EXPECT_EQ(hit->Get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(hit_tags_, std::vector<std::int64_t>{42}) << "a cached product page still counts a view";

  auto other_query = Req("/products/a", "limit=21");
  EXPECT_FALSE(d.TryHandleInline(other_query));
}

TEST_F(CachedRouteTest, InvalidationAndExpiryGoBackToTheHandler) {
  auto& d = Make(limiter_.get());
  auto r1 = Req("/products/a");
  d.Handle(r1);
  cache_.Invalidate();
  auto r2 = Req("/products/a");
  EXPECT_FALSE(d.TryHandleInline(r2));
  d.Handle(r2);
  EXPECT_EQ(handler_calls_, 2);

  clock_.Advance(1001ms);
  auto r3 = Req("/products/a");
  EXPECT_FALSE(d.TryHandleInline(r3));
  d.Handle(r3);
  EXPECT_EQ(handler_calls_, 3);
}

TEST_F(CachedRouteTest, OnlyAnonymousSuccessesAreShared) {
  auto& d = Make(limiter_.get());
  // A signed-in caller may see member prices: computed for them, never stored, never served from it.
  auto member = Req("/products/a", "", {{"Authorization", "Bearer member"}});
  EXPECT_FALSE(d.TryHandleInline(member));
  d.Handle(member);
  EXPECT_EQ(cache_.size(), 0u);
  auto anonymous = Req("/products/a");
  d.Handle(anonymous);
  auto member_again = Req("/products/a", "", {{"Authorization", "Bearer member"}});
  EXPECT_FALSE(d.TryHandleInline(member_again));
  d.Handle(member_again);
  EXPECT_EQ(handler_calls_, 3);

  // Errors are not cached: a product created a moment later must not stay a 404.
  auto missing = Req("/products/missing");
  EXPECT_EQ(d.Handle(missing).status, 404);
  auto missing_again = Req("/products/missing");
  EXPECT_FALSE(d.TryHandleInline(missing_again));
}

TEST_F(CachedRouteTest, InvalidTokenIsServedTheAnonymousAnswer) {
  auto& d = Make(limiter_.get());
  auto anonymous = Req("/products/a");
  d.Handle(anonymous);
  // Not inline (the token must be checked, which may read the database), but from the cache.
  auto bad = Req("/products/a", "", {{"Authorization", "Bearer forged"}});
  EXPECT_FALSE(d.TryHandleInline(bad));
  EXPECT_EQ(d.Handle(bad).status, 200);
  EXPECT_EQ(handler_calls_, 1);
}

TEST_F(CachedRouteTest, NetworkRateLimiterKeepsHitsOffTheIoThread) {
  InProcessOnlyNot remote;
  auto& d = Make(&remote);
  auto r1 = Req("/products/a");
  d.Handle(r1);
  auto r2 = Req("/products/a");
  EXPECT_FALSE(d.TryHandleInline(r2));
  EXPECT_EQ(d.Handle(r2).status, 200);
  EXPECT_EQ(handler_calls_, 1) << "still a hit, on the worker pool";
}

TEST_F(CachedRouteTest, RateLimitStillAppliesToCachedAnswers) {
  config_.rate_limit_ip_per_minute = 60;
  config_.rate_limit_ip_burst = 2;
  auto& d = Make(limiter_.get());
  auto r1 = Req("/products/a");
  EXPECT_EQ(d.Handle(r1).status, 200);
  auto r2 = Req("/products/a");
  auto hit = d.TryHandleInline(r2);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->status, 200);
  auto r3 = Req("/products/a");
  auto limited = d.TryHandleInline(r3);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
}

}  // namespace
}  // namespace emporium::http
