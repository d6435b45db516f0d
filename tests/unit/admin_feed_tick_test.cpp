// The admin feed's tick: when it publishes (only while the admin room is watched on this instance,
// and only locally), what it publishes, and the pacing of its thread. The figures' SQL runs on an
// empty in-memory SQLite database here; tests/integration/admin_feed_metrics_test.cpp checks the
// figures against real orders and carts on both dialects.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "db/database.hpp"
#include "db/migrator.hpp"
#include "infra/realtime/hub.hpp"
#include "modules/admin_feed/admin_feed.hpp"

namespace emporium::admin_feed {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

/// A hub that records what is published and reports the room sizes the test sets.
class FakeHub final : public infra::realtime::Hub {
 public:
  std::atomic<std::size_t> admin_subscribers{0};
  std::atomic<std::size_t> user_rooms{0};

  struct Published {
    bool local;
    std::string room, type;
    json::object data;
  };
  std::vector<Published> published() const {
    std::lock_guard lock(mutex_);
    return published_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return published_.size();
  }

  void Join(const std::string&, const std::shared_ptr<infra::realtime::Subscriber>&) override {}
  void Leave(const std::string&, const infra::realtime::Subscriber*) override {}
  void LeaveAll(const infra::realtime::Subscriber*) override {}
  void Publish(const std::string& room, const std::string& type, const json::object& data) override {
    Record(false, room, type, data);
  }
  void PublishLocal(const std::string& room, const std::string& type, const json::object& data) override {
    Record(true, room, type, data);
  }
  std::size_t LocalSubscribers(const std::string& room) const override {
    return room == "admin" ? admin_subscribers.load() : 0;
  }
  std::size_t LocalRooms(std::string_view prefix) const override { return prefix == "user:" ? user_rooms.load() : 0; }

 private:
  void Record(bool local, const std::string& room, const std::string& type, const json::object& data) {
    std::lock_guard lock(mutex_);
    published_.push_back({local, room, type, data});
  }
  mutable std::mutex mutex_;
  std::vector<Published> published_;
};

class AdminFeedTick : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db::Database::Open("sqlite://:memory:", 1);
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    auto migrated = db::Migrate(*db_);
    ASSERT_TRUE(migrated) << migrated.error().message;
  }

  AdminFeedOptions Options() const {
    AdminFeedOptions options;
    options.currency = [] { return std::string("EUR"); };
    return options;
  }

  std::unique_ptr<db::Database> db_;
  core::ManualClock clock_{1'800'000'000};  // 2027-01-15T08:00:00Z
  FakeHub hub_;
};

TEST_F(AdminFeedTick, StaysQuietWhileNoStaffWatches) {
  AdminFeed feed(*db_, clock_, hub_, Options());
  EXPECT_FALSE(feed.Tick());
  EXPECT_EQ(hub_.count(), 0u);
}

TEST_F(AdminFeedTick, PublishesTheFiguresToThisInstancesAdminRoomOnly) {
  hub_.admin_subscribers = 2;
  hub_.user_rooms = 3;
  AdminFeed feed(*db_, clock_, hub_, Options(), [] { return std::optional<std::int64_t>(7); });

  ASSERT_TRUE(feed.Tick());
  const auto published = hub_.published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_TRUE(published[0].local) << "a cross-instance Publish would repeat the tick once per instance";
  EXPECT_EQ(published[0].room, "admin");
  EXPECT_EQ(published[0].type, "admin.metrics");
  const json::object expected{{"orders_today", 0},
                              {"revenue_today", {{"amount", 0}, {"currency", "EUR"}}},
                              {"active_users_now", 3},
                              {"open_carts", 0},
                              {"queue_depth", 7},
                              {"support_queue", nullptr},
                              {"at", "2027-01-15T08:00:00Z"}};
  EXPECT_EQ(published[0].data, expected) << json::serialize(published[0].data);
}

TEST_F(AdminFeedTick, AnUnknownQueueDepthIsNull) {
  hub_.admin_subscribers = 1;
  AdminFeed without_queue(*db_, clock_, hub_, Options());
  AdminFeed failing_queue(*db_, clock_, hub_, Options(), [] { return std::optional<std::int64_t>(); });
  ASSERT_TRUE(without_queue.Tick());
  ASSERT_TRUE(failing_queue.Tick());
  for (const auto& p : hub_.published()) EXPECT_TRUE(p.data.at("queue_depth").is_null());
}

TEST(AdminFeedJson, WritesMoneyAsMinorUnitsAndTimeAsRfc3339) {
  AdminMetrics m;
  m.orders_today = 12;
  m.revenue_today = 45'999;
  m.currency = "USD";
  m.active_users_now = 37;
  m.open_carts = 5;
  m.queue_depth = 0;
  m.support_queue = 4;
  m.at = 1'800'000'005;
  EXPECT_EQ(json::serialize(ToJson(m)),
            R"({"orders_today":12,"revenue_today":{"amount":45999,"currency":"USD"},"active_users_now":37,)"
            R"("open_carts":5,"queue_depth":0,"support_queue":4,"at":"2027-01-15T08:00:05Z"})");
}

// Real time, short intervals: the bounds are loose so that a loaded machine cannot fail the test,
// while a feed that ticks without staff, never ticks, or ignores Stop() still does.
TEST_F(AdminFeedTick, TheThreadTicksOnlyWhileWatchedAndStopsPromptly) {
  auto options = Options();
  options.interval = 50ms;
  options.idle_check = 10ms;
  AdminFeed feed(*db_, clock_, hub_, options);
  feed.Start();

  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(hub_.count(), 0u) << "ticked with nobody in the admin room";

  hub_.admin_subscribers = 1;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (hub_.count() < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_GE(hub_.count(), 3u);

  hub_.admin_subscribers = 0;
  std::this_thread::sleep_for(100ms);  // lets a tick already under way finish
  const auto after_leave = hub_.count();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(hub_.count(), after_leave) << "kept ticking after the last staff member left";

  const auto stop_started = std::chrono::steady_clock::now();
  feed.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 1s);
}

TEST_F(AdminFeedTick, TheFirstFiguresArriveSoonAfterStaffJoinsNotAWholeIntervalLater) {
  auto options = Options();
  options.interval = 1h;
  options.idle_check = 10ms;
  AdminFeed feed(*db_, clock_, hub_, options);
  feed.Start();
  std::this_thread::sleep_for(30ms);
  hub_.admin_subscribers = 1;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (hub_.count() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(hub_.count(), 1u);
  feed.Stop();
}

}  // namespace
}  // namespace emporium::admin_feed
