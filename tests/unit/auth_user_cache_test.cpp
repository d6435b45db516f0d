#include "modules/auth/user_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace emporium::auth {
namespace {

using namespace std::chrono_literals;

User Named(std::int64_t id, const std::string& first_name) {
  User u;
  u.id = id;
  u.first_name = first_name;
  return u;
}

TEST(UserCache, KeepsARowItWasGivenAndForgetsItOnDrop) {
  UserCache cache(10s);
  EXPECT_FALSE(cache.Find(7));
  cache.Put(Named(7, "Ada"), cache.Generation());
  ASSERT_TRUE(cache.Find(7));
  EXPECT_EQ(cache.Find(7)->first_name, "Ada");
  EXPECT_FALSE(cache.Find(8));
  cache.Drop(7);
  EXPECT_FALSE(cache.Find(7));
}

TEST(UserCache, AReadBegunBeforeADropIsNotKept) {
  UserCache cache(10s);
  const auto before = cache.Generation();
  cache.Drop(99);  // any user's change: the read may have raced it
  cache.Put(Named(7, "stale"), before);
  EXPECT_FALSE(cache.Find(7));
  cache.Put(Named(7, "fresh"), cache.Generation());
  EXPECT_EQ(cache.Find(7)->first_name, "fresh");
}

TEST(UserCache, ARowOlderThanTheTtlIsNotReturned) {
  UserCache cache(1ms);
  cache.Put(Named(7, "Ada"), cache.Generation());
  std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(cache.Find(7));
}

TEST(UserCache, AZeroTtlKeepsNothing) {
  UserCache cache(0ms);
  cache.Put(Named(7, "Ada"), cache.Generation());
  EXPECT_FALSE(cache.Find(7));
}

TEST(UserCache, StartsOverPastItsBound) {
  UserCache cache(10s, 2);
  cache.Put(Named(1, "a"), cache.Generation());
  cache.Put(Named(2, "b"), cache.Generation());
  cache.Put(Named(2, "b2"), cache.Generation());  // a replacement does not count
  EXPECT_TRUE(cache.Find(1));
  cache.Put(Named(3, "c"), cache.Generation());
  EXPECT_FALSE(cache.Find(1));
  EXPECT_FALSE(cache.Find(2));
  EXPECT_EQ(cache.Find(3)->first_name, "c");
}

}  // namespace
}  // namespace emporium::auth
