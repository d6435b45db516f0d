// Two Redis hubs on one redis-server stand for two `emporium serve` instances. Needs a real Redis
// (scripts/with-services redis exports EMPORIUM_TEST_REDIS_URL); skipped without one.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "infra/realtime/hub.hpp"

namespace emporium::infra::realtime {
namespace {

using namespace std::chrono_literals;

std::string RedisUrl() {
  const char* url = std::getenv("EMPORIUM_TEST_REDIS_URL");
  return url ? url : "";
}

/// A room name no other run of the suite uses (Redis channels are global to the server).
std::string UniqueRoom(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  return prefix + std::to_string(rng() % 1000000000);
}

class Counter : public Subscriber {
 public:
  void Deliver(const std::shared_ptr<const Event>& event) override {
    std::lock_guard lock(mutex_);
    types_.push_back(event->type);
    last_data_ = event->data;
  }
  int Count(const std::string& type) const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count(types_.begin(), types_.end(), type));
  }
  std::string LastData() const {
    std::lock_guard lock(mutex_);
    return last_data_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> types_;
  std::string last_data_;
};

/// Waits until `done` holds or the deadline passes.
template <class Predicate>
bool Eventually(Predicate done, std::chrono::milliseconds deadline = 3s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

class RealtimeRedisHub : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisUrl().empty()) GTEST_SKIP() << "EMPORIUM_TEST_REDIS_URL is not set";
    auto a = MakeRedisHub(RedisUrl());
    ASSERT_TRUE(a) << a.error().message;
    auto b = MakeRedisHub(RedisUrl());
    ASSERT_TRUE(b) << b.error().message;
    a_ = std::move(*a);
    b_ = std::move(*b);
  }

  /// Subscriptions reach Redis asynchronously: publish probes until every counter heard one.
  void WaitUntilSubscribed(Hub& publisher, const std::string& room, const std::vector<Counter*>& counters) {
    ASSERT_TRUE(Eventually([&] {
      publisher.Publish(room, "probe", {});
      std::this_thread::sleep_for(10ms);
      return std::all_of(counters.begin(), counters.end(), [](Counter* c) { return c->Count("probe") > 0; });
    })) << "the hubs never subscribed to " << room;
  }

  std::unique_ptr<Hub> a_;
  std::unique_ptr<Hub> b_;
};

TEST_F(RealtimeRedisHub, APublishOnOneInstanceReachesSubscribersOnBothExactlyOnce) {
  const auto room = UniqueRoom("order:");
  auto on_a = std::make_shared<Counter>();
  auto on_b = std::make_shared<Counter>();
  a_->Join(room, on_a);
  b_->Join(room, on_b);
  WaitUntilSubscribed(*a_, room, {on_a.get(), on_b.get()});

  a_->Publish(room, "order.updated", {{"status", "paid"}});
  ASSERT_TRUE(Eventually([&] { return on_a->Count("order.updated") == 1 && on_b->Count("order.updated") == 1; }));
  EXPECT_EQ(on_b->LastData(), R"({"status":"paid"})");
  // Anything late (a second copy through a pattern or a double subscription) would show up here.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(on_a->Count("order.updated"), 1);
  EXPECT_EQ(on_b->Count("order.updated"), 1);
}

TEST_F(RealtimeRedisHub, EveryMemberOfARoomOnAnInstanceGetsOneCopy) {
  const auto room = UniqueRoom("admin-");
  std::vector<std::shared_ptr<Counter>> members;
  for (int i = 0; i < 3; ++i) {
    members.push_back(std::make_shared<Counter>());
    b_->Join(room, members.back());
  }
  WaitUntilSubscribed(*a_, room, {members[0].get()});
  for (int i = 0; i < 10; ++i) a_->Publish(room, "admin.event", {{"i", i}});
  ASSERT_TRUE(Eventually([&] {
    return std::all_of(members.begin(), members.end(), [](auto& m) { return m->Count("admin.event") == 10; });
  }));
  EXPECT_EQ(members[2]->LastData(), R"({"i":9})") << "events of one publisher arrive in order";
}

TEST_F(RealtimeRedisHub, LeavingTheLastMemberStopsDelivery) {
  const auto room = UniqueRoom("user:");
  auto on_a = std::make_shared<Counter>();
  auto on_b = std::make_shared<Counter>();
  a_->Join(room, on_a);
  b_->Join(room, on_b);
  WaitUntilSubscribed(*a_, room, {on_a.get(), on_b.get()});

  b_->LeaveAll(on_b.get());
  EXPECT_EQ(b_->LocalSubscribers(room), 0u);
  a_->Publish(room, "notification", {});
  ASSERT_TRUE(Eventually([&] { return on_a->Count("notification") == 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(on_b->Count("notification"), 0);

  // Joining again subscribes again.
  b_->Join(room, on_b);
  WaitUntilSubscribed(*a_, room, {on_b.get()});
  a_->Publish(room, "notification", {});
  EXPECT_TRUE(Eventually([&] { return on_b->Count("notification") == 1; }));
}

TEST_F(RealtimeRedisHub, PublishLocalStaysOnItsInstance) {
  const auto room = UniqueRoom("admin-");
  auto on_a = std::make_shared<Counter>();
  auto on_b = std::make_shared<Counter>();
  a_->Join(room, on_a);
  b_->Join(room, on_b);
  WaitUntilSubscribed(*a_, room, {on_a.get(), on_b.get()});

  a_->PublishLocal(room, "admin.metrics", {{"orders_today", 1}});
  EXPECT_EQ(on_a->Count("admin.metrics"), 1) << "local delivery is synchronous";
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(on_b->Count("admin.metrics"), 0);
}

TEST_F(RealtimeRedisHub, ManyConcurrentPublishersLoseNothing) {
  const auto room = UniqueRoom("order:");
  auto on_b = std::make_shared<Counter>();
  b_->Join(room, on_b);
  WaitUntilSubscribed(*a_, room, {on_b.get()});
  constexpr int kThreads = 4;
  constexpr int kEach = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) a_->Publish(room, "order.updated", {{"i", i}});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(Eventually([&] { return on_b->Count("order.updated") == kThreads * kEach; }, 5s))
      << on_b->Count("order.updated");
}

TEST(RealtimeRedisHubSetup, RefusesAMalformedUrlAndAnUnreachableServer) {
  auto bad = MakeRedisHub("http://localhost");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  auto down = MakeRedisHub("redis://127.0.0.1:1/0");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace emporium::infra::realtime
