// The Idempotency-Key store on the test database of the run (SQLite or MariaDB): replay, mismatch,
// in-progress, roll-back leaves no key, expiry, and concurrent first requests.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "infra/idempotency/idempotency_store.hpp"
#include "support/test_database.hpp"

namespace emporium::infra {
namespace {

constexpr std::int64_t kStart = 1'790'000'000;

class IdempotencyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { database_.emplace(test::OpenTestDatabase(true, 8)); }
  db::Database& db() { return **database_; }

  Result<std::optional<StoredResponse>> Begin(const IdempotencyKey& key) {
    return db().Write([&](db::Tx& tx) { return store_.Begin(tx, key); });
  }
  Status Complete(const IdempotencyKey& key, int status, const std::string& body) {
    return db().Write([&](db::Tx& tx) { return store_.Complete(tx, key, status, body); });
  }
  static IdempotencyKey Key(std::string key, std::string body = R"({"a":1})") {
    return {"orders.create", 7, std::move(key), RequestHash("POST", "/api/v1/orders", body)};
  }

  core::ManualClock clock_{kStart};
  IdempotencyStore store_{clock_};
  std::optional<test::TestDatabase> database_;
};

TEST(IdempotencyKeyFormat, AcceptsPrintableAsciiUpTo255) {
  EXPECT_TRUE(ValidateIdempotencyKey("3f1c2b9e-order-1"));
  EXPECT_TRUE(ValidateIdempotencyKey(std::string(255, 'k')));
  EXPECT_FALSE(ValidateIdempotencyKey(""));
  EXPECT_FALSE(ValidateIdempotencyKey(std::string(256, 'k')));
  EXPECT_FALSE(ValidateIdempotencyKey("has space"));
  EXPECT_FALSE(ValidateIdempotencyKey("tab\there"));
  EXPECT_EQ(ValidateIdempotencyKey("").error().fields.at(0).field, "Idempotency-Key");
}

TEST(IdempotencyRequestHash, DependsOnEveryPartAndIsUnambiguous) {
  EXPECT_EQ(RequestHash("POST", "/a", "{}"), RequestHash("POST", "/a", "{}"));
  EXPECT_NE(RequestHash("POST", "/a", "{}"), RequestHash("POST", "/b", "{}"));
  EXPECT_NE(RequestHash("POST", "/a", "{}"), RequestHash("POST", "/a", "{ }"));
  // Length prefixes: moving bytes between parts changes the hash.
  EXPECT_NE(RequestHash("POST", "/ab", "c"), RequestHash("POST", "/a", "bc"));
}

TEST_F(IdempotencyStoreTest, NewKeyThenReplayOfTheStoredResponse) {
  auto first = Begin(Key("k1"));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->has_value());
  ASSERT_TRUE(Complete(Key("k1"), 201, R"({"id":42})"));

  auto again = Begin(Key("k1"));
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->status, 201);
  EXPECT_EQ((*again)->body, R"({"id":42})");
}

TEST_F(IdempotencyStoreTest, SameKeyWithAnotherBodyIs422) {
  ASSERT_TRUE(Begin(Key("k2")));
  ASSERT_TRUE(Complete(Key("k2"), 201, "{}"));
  auto other = Begin(Key("k2", R"({"a":2})"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(other.error().fields.at(0).field, "Idempotency-Key");
}

TEST_F(IdempotencyStoreTest, AResourceNameLongerThanItsColumnIsRefusedOnEveryDatabase) {
  auto key = Key("k-resource");
  key.resource = std::string(IdempotencyKey::kMaxResource, 'r');
  ASSERT_TRUE(Begin(key));
  auto longer = Key("k-resource-longer");
  longer.resource = std::string(IdempotencyKey::kMaxResource + 1, 'r');
  auto refused = Begin(longer);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInternal);
}

TEST_F(IdempotencyStoreTest, KeyStillRunningIs409) {
  ASSERT_TRUE(Begin(Key("k3")));  // committed without a response: the first request is mid-flight
  auto second = Begin(Key("k3"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
}

TEST_F(IdempotencyStoreTest, KeysAreScopedPerUserAndOperation) {
  ASSERT_TRUE(Begin(Key("shared")));
  auto other_user = Key("shared");
  other_user.user_id = 8;
  auto r1 = Begin(other_user);
  ASSERT_TRUE(r1);
  EXPECT_FALSE(r1->has_value());
  auto other_scope = Key("shared");
  other_scope.scope = "refunds.create:1";
  auto r2 = Begin(other_scope);
  ASSERT_TRUE(r2);
  EXPECT_FALSE(r2->has_value());
}

TEST_F(IdempotencyStoreTest, RolledBackWorkLeavesNoKey) {
  auto failed = db().Write([&](db::Tx& tx) -> Result<int> {
    EMP_TRY(store_.Begin(tx, Key("k4")));
    return Error::Conflict("the work failed");  // e.g. insufficient stock: the whole transaction rolls back
  });
  ASSERT_FALSE(failed);
  auto retry = Begin(Key("k4"));
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_FALSE(retry->has_value());  // runs again rather than replaying or reporting "in progress"
}

TEST_F(IdempotencyStoreTest, AReleasedKeyRunsAgainButACompletedOneStays) {
  ASSERT_TRUE(Begin(Key("k6")));
  ASSERT_TRUE(db().Write([&](db::Tx& tx) { return store_.Release(tx, Key("k6")); }));
  auto retry = Begin(Key("k6"));
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_FALSE(retry->has_value());  // runs again

  ASSERT_TRUE(Complete(Key("k6"), 201, "{}"));
  ASSERT_TRUE(db().Write([&](db::Tx& tx) { return store_.Release(tx, Key("k6")); }));
  auto replay = Begin(Key("k6"));
  ASSERT_TRUE(replay);
  ASSERT_TRUE(replay->has_value());  // an answered key is never released
  EXPECT_EQ((*replay)->status, 201);
}

TEST_F(IdempotencyStoreTest, KeysExpireAfter24Hours) {
  ASSERT_TRUE(Begin(Key("k5")));
  ASSERT_TRUE(Complete(Key("k5"), 201, "{}"));
  clock_.Advance(std::chrono::hours(24) + std::chrono::seconds(1));
  auto later = Begin(Key("k5", R"({"different":true})"));
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_FALSE(later->has_value());  // a new request, even with another body

  clock_.Advance(std::chrono::hours(25));
  auto purged = db().Write([&](db::Tx& tx) { return store_.Purge(tx); });
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
}

TEST_F(IdempotencyStoreTest, ConcurrentFirstRequestsOnlyOneProceeds) {
  constexpr int kThreads = 20;
  std::atomic<int> proceeded{0}, in_progress{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      auto r = Begin(Key("race"));
      if (r && !r->has_value()) {
        ++proceeded;
      } else if (!r && r.error().code == ErrorCode::kConflict) {
        ++in_progress;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(proceeded.load(), 1);
  EXPECT_EQ(in_progress.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
}

}  // namespace
}  // namespace emporium::infra
