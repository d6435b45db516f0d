// The Redis-backed limiter against a real redis-server (scripts/with-services redis exports
// EMPORIUM_TEST_REDIS_URL). Skipped when no Redis is configured.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "infra/redis/redis_rate_limiter.hpp"

namespace emporium::infra {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string RedisUrl() {
  const char* url = std::getenv("EMPORIUM_TEST_REDIS_URL");
  return url ? url : "";
}

/// A fresh policy name per test, so runs never see each other's buckets.
core::RateLimitPolicy Policy(double capacity = 3, double refill = 1) {
  static std::mt19937_64 rng(std::random_device{}());
  return {.name = "test-" + std::to_string(rng()), .capacity = capacity, .refill_per_second = refill};
}

class RedisRateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisUrl().empty()) GTEST_SKIP() << "EMPORIUM_TEST_REDIS_URL is not set";
    auto limiter = MakeRedisRateLimiter(RedisUrl(), clock_);
    ASSERT_TRUE(limiter) << limiter.error().message;
    limiter_ = std::move(*limiter);
  }

  core::ManualClock clock_{1'760'000'000};
  std::unique_ptr<core::RateLimiter> limiter_;
};

TEST_F(RedisRateLimiterTest, AllowsBurstUpToCapacityThenRefuses) {
  const auto policy = Policy();
  for (int i = 0; i < 3; ++i) {
    auto d = limiter_->Consume("k", policy);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 3);
    EXPECT_EQ(d.remaining, 2 - i);
  }
  auto d = limiter_->Consume("k", policy);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.retry_after_seconds, 1);
  EXPECT_EQ(d.reset_seconds, 3);
}

TEST_F(RedisRateLimiterTest, RefillsWithTheInjectedClock) {
  const auto policy = Policy();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter_->Consume("k", policy).allowed);
  clock_.Advance(milliseconds(500));
  EXPECT_FALSE(limiter_->Consume("k", policy).allowed);
  clock_.Advance(milliseconds(500));
  auto d = limiter_->Consume("k", policy);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  clock_.Advance(seconds(60));
  EXPECT_EQ(limiter_->Consume("k", policy).remaining, 2);
}

TEST_F(RedisRateLimiterTest, CostZeroPeeksWithoutConsuming) {
  const auto policy = Policy();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter_->Consume("k", policy, 0).allowed);
  EXPECT_EQ(limiter_->Consume("k", policy, 0).remaining, 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter_->Consume("k", policy).allowed);
  EXPECT_FALSE(limiter_->Consume("k", policy, 0).allowed);
}

TEST_F(RedisRateLimiterTest, CostTakesSeveralTokens) {
  const auto policy = Policy();
  EXPECT_TRUE(limiter_->Consume("k", policy, 2).allowed);
  auto d = limiter_->Consume("k", policy, 2);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 1);
}

TEST_F(RedisRateLimiterTest, ResetRefillsTheBucket) {
  const auto policy = Policy();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter_->Consume("k", policy).allowed);
  ASSERT_FALSE(limiter_->Consume("k", policy).allowed);
  limiter_->Reset("k", policy);
  EXPECT_EQ(limiter_->Consume("k", policy).remaining, 2);
}

TEST_F(RedisRateLimiterTest, TwoInstancesShareOneBucket) {
  auto other = MakeRedisRateLimiter(RedisUrl(), clock_);
  ASSERT_TRUE(other);
  const auto policy = Policy();
  EXPECT_TRUE(limiter_->Consume("shared", policy).allowed);
  EXPECT_TRUE((*other)->Consume("shared", policy).allowed);
  EXPECT_TRUE(limiter_->Consume("shared", policy).allowed);
  EXPECT_FALSE((*other)->Consume("shared", policy).allowed);
  EXPECT_FALSE(limiter_->Consume("shared", policy).allowed);
}

TEST_F(RedisRateLimiterTest, ConcurrentConsumersNeverExceedCapacity) {
  const auto policy = Policy(100, 0.0001);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (limiter_->Consume("hot", policy).allowed) allowed.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 100);
}

TEST(RedisRateLimiterOffline, FailsOpenWhenRedisIsUnreachable) {
  // A port nothing listens on: bind an ephemeral port, then close it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);

  core::ManualClock clock(1'760'000'000);
  auto limiter = MakeRedisRateLimiter("redis://127.0.0.1:" + std::to_string(port) + "/0", clock);
  ASSERT_TRUE(limiter) << "an unreachable server is not a configuration error";
  const core::RateLimitPolicy policy{.name = "offline", .capacity = 1, .refill_per_second = 0.001};
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) EXPECT_TRUE((*limiter)->Consume("k", policy).allowed);
  (*limiter)->Reset("k", policy);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

TEST(RedisUrl, ParsesEveryPart) {
  auto a = ParseRedisUrl("redis://:s%40cret@cache.internal:6380/2");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "cache.internal");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->password, "s@cret");
  EXPECT_EQ(a->username, "");
  EXPECT_EQ(a->db, 2);

  auto b = ParseRedisUrl("redis://127.0.0.1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, 6379);
  EXPECT_EQ(b->db, 0);

  auto c = ParseRedisUrl("redis://app:pw@[::1]:7000");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->username, "app");
  EXPECT_EQ(c->password, "pw");

  auto d = ParseRedisUrl("redis://secret@host");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->password, "secret");
  EXPECT_EQ(d->username, "");
}

TEST(RedisUrl, RejectsOtherSchemesAndJunk) {
  for (const char* url : {"rediss://host", "http://host", "redis://", "redis://host:99999", "redis://host/x",
                          "not a url", "redis://host:6379/1?timeout=3"}) {
    EXPECT_FALSE(ParseRedisUrl(url)) << url;
  }
}

}  // namespace
}  // namespace emporium::infra
