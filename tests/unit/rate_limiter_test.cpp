#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/rate_limiter.hpp"

namespace emporium::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const RateLimitPolicy kPolicy{.name = "test", .capacity = 3, .refill_per_second = 1};

class MemoryRateLimiterTest : public ::testing::Test {
 protected:
  ManualClock clock_{1'760'000'000};
  std::unique_ptr<RateLimiter> limiter_ = MakeMemoryRateLimiter(clock_);
};

TEST_F(MemoryRateLimiterTest, AllowsBurstUpToCapacityThenRefuses) {
  for (int i = 0; i < 3; ++i) {
    auto d = limiter_->Consume("k", kPolicy);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 3);
    EXPECT_EQ(d.remaining, 2 - i);
  }
  auto d = limiter_->Consume("k", kPolicy);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.retry_after_seconds, 1);
  EXPECT_EQ(d.reset_seconds, 3);
}

TEST_F(MemoryRateLimiterTest, RefillsLazilyWithTime) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter_->Consume("k", kPolicy).allowed);
  clock_.Advance(milliseconds(500));
  EXPECT_FALSE(limiter_->Consume("k", kPolicy).allowed);
  clock_.Advance(milliseconds(500));
  auto d = limiter_->Consume("k", kPolicy);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  clock_.Advance(seconds(60));  // never above capacity
  EXPECT_EQ(limiter_->Consume("k", kPolicy).remaining, 2);
}

TEST_F(MemoryRateLimiterTest, RetryAfterCoversTheMissingTokens) {
  const RateLimitPolicy slow{.name = "slow", .capacity = 2, .refill_per_second = 0.1};
  ASSERT_TRUE(limiter_->Consume("k", slow, 2).allowed);
  auto d = limiter_->Consume("k", slow);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 10);
  EXPECT_EQ(d.reset_seconds, 20);
}

TEST_F(MemoryRateLimiterTest, CostTakesSeveralTokens) {
  EXPECT_TRUE(limiter_->Consume("k", kPolicy, 2).allowed);
  auto d = limiter_->Consume("k", kPolicy, 2);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 1);  // a refused request takes nothing
  EXPECT_TRUE(limiter_->Consume("k", kPolicy, 1).allowed);
}

TEST_F(MemoryRateLimiterTest, CostZeroPeeksWithoutConsuming) {
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter_->Consume("k", kPolicy, 0).allowed);
  EXPECT_EQ(limiter_->Consume("k", kPolicy, 0).remaining, 3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter_->Consume("k", kPolicy).allowed);
  auto peek = limiter_->Consume("k", kPolicy, 0);
  EXPECT_FALSE(peek.allowed);
  EXPECT_EQ(peek.retry_after_seconds, 1);
}

TEST_F(MemoryRateLimiterTest, ResetRefillsTheBucket) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter_->Consume("k", kPolicy).allowed);
  ASSERT_FALSE(limiter_->Consume("k", kPolicy).allowed);
  limiter_->Reset("k", kPolicy);
  EXPECT_EQ(limiter_->Consume("k", kPolicy).remaining, 2);
}

TEST_F(MemoryRateLimiterTest, KeysAndPoliciesAreIndependent) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter_->Consume("a", kPolicy).allowed);
  EXPECT_FALSE(limiter_->Consume("a", kPolicy).allowed);
  EXPECT_TRUE(limiter_->Consume("b", kPolicy).allowed);
  const RateLimitPolicy other{.name = "other", .capacity = 3, .refill_per_second = 1};
  EXPECT_TRUE(limiter_->Consume("a", other).allowed);
}

TEST_F(MemoryRateLimiterTest, ClockSteppingBackDoesNotRefill) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter_->Consume("k", kPolicy).allowed);
  clock_.Set(1'760'000'000 - 3600);
  EXPECT_FALSE(limiter_->Consume("k", kPolicy).allowed);
}

TEST_F(MemoryRateLimiterTest, EvictsFullIdleBucketsWithoutChangingAnswers) {
  // Many one-off keys, then time passes so every bucket is full again: the sweep may drop them,
  // and a dropped bucket must answer exactly like a fresh one.
  for (int i = 0; i < 20'000; ++i) ASSERT_TRUE(limiter_->Consume("ip-" + std::to_string(i), kPolicy).allowed);
  clock_.Advance(seconds(10));
  for (int i = 0; i < 20'000; ++i) {
    auto d = limiter_->Consume("ip-" + std::to_string(i), kPolicy);
    ASSERT_TRUE(d.allowed);
    ASSERT_EQ(d.remaining, 2);
  }
}

TEST_F(MemoryRateLimiterTest, ConcurrentConsumersNeverExceedCapacity) {
  const RateLimitPolicy big{.name = "big", .capacity = 1000, .refill_per_second = 0.0001};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) {
        if (limiter_->Consume("shared", big).allowed) allowed.fetch_add(1);
        limiter_->Consume("own-" + std::to_string(i), big);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1000);
  EXPECT_FALSE(limiter_->Consume("shared", big).allowed);
}

}  // namespace
}  // namespace emporium::core
