#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "infra/events/event_bus.hpp"
#include "infra/realtime/event_codec.hpp"
#include "infra/realtime/hub.hpp"

namespace emporium::infra::realtime {
namespace {

/// Records what it receives; thread-safe so publishers on several threads can share it.
class Recorder : public Subscriber {
 public:
  void Deliver(const std::shared_ptr<const Event>& event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
  }
  std::vector<std::shared_ptr<const Event>> Events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<std::string> Summary() const {
    std::vector<std::string> out;
    for (const auto& e : Events()) out.push_back(e->room + " " + e->type + " " + e->data);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const Event>> events_;
};

TEST(RealtimeHub, DeliversToTheRoomsMembersOnly) {
  auto hub = MakeLocalHub();
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  hub->Join("order:1", a);
  hub->Join("order:2", b);
  hub->Publish("order:1", "order.updated", {{"status", "paid"}});
  EXPECT_EQ(a->Summary(), std::vector<std::string>{R"(order:1 order.updated {"status":"paid"})"});
  EXPECT_TRUE(b->Events().empty());
}

TEST(RealtimeHub, SerialisesOnceAndSharesTheEventBetweenSubscribers) {
  auto hub = MakeLocalHub();
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  hub->Join("admin", a);
  hub->Join("admin", b);
  hub->Publish("admin", "admin.event", {{"type", "order.paid"}});
  ASSERT_EQ(a->Events().size(), 1u);
  ASSERT_EQ(b->Events().size(), 1u);
  EXPECT_EQ(a->Events()[0].get(), b->Events()[0].get());
}

TEST(RealtimeHub, JoiningTwiceDeliversOnce) {
  auto hub = MakeLocalHub();
  auto a = std::make_shared<Recorder>();
  hub->Join("user:5", a);
  hub->Join("user:5", a);
  EXPECT_EQ(hub->LocalSubscribers("user:5"), 1u);
  hub->Publish("user:5", "notification", {});
  EXPECT_EQ(a->Events().size(), 1u);
}

TEST(RealtimeHub, LeaveAndLeaveAllStopDelivery) {
  auto hub = MakeLocalHub();
  auto a = std::make_shared<Recorder>();
  hub->Join("user:5", a);
  hub->Join("order:9", a);
  hub->Join("admin", a);
  hub->Leave("order:9", a.get());
  hub->Publish("order:9", "order.updated", {});
  EXPECT_TRUE(a->Events().empty());
  EXPECT_EQ(hub->LocalSubscribers("order:9"), 0u);

  hub->LeaveAll(a.get());
  hub->Publish("user:5", "notification", {});
  hub->Publish("admin", "admin.event", {});
  EXPECT_TRUE(a->Events().empty());
  EXPECT_EQ(hub->LocalRooms(""), 0u);
}

TEST(RealtimeHub, HoldsSubscribersWeakly) {
  auto hub = MakeLocalHub();
  auto a = std::make_shared<Recorder>();
  std::weak_ptr<Recorder> watch = a;
  auto b = std::make_shared<Recorder>();
  hub->Join("admin", a);
  hub->Join("admin", b);
  a.reset();
  EXPECT_TRUE(watch.expired()) << "the hub must not keep a subscriber alive";
  EXPECT_EQ(hub->LocalSubscribers("admin"), 1u);
  hub->Publish("admin", "admin.event", {});
  EXPECT_EQ(b->Events().size(), 1u);
}

TEST(RealtimeHub, CountsRoomsByPrefix) {
  auto hub = MakeLocalHub();
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  hub->Join("user:1", a);
  hub->Join("user:2", b);
  hub->Join("admin", b);
  hub->Join("order:3", a);
  EXPECT_EQ(hub->LocalRooms("user:"), 2u);
  EXPECT_EQ(hub->LocalRooms("admin"), 1u);
  EXPECT_EQ(hub->LocalRooms(""), 4u);
}

TEST(RealtimeHub, RefusesEventTypesThatWouldNeedEscaping) {
  auto hub = MakeLocalHub();
  auto a = std::make_shared<Recorder>();
  hub->Join("admin", a);
  hub->Publish("admin", "bad\"type", {});
  hub->Publish("admin", "", {});
  hub->Publish("admin", "line\nbreak", {});
  EXPECT_TRUE(a->Events().empty());
}

/// A subscriber that leaves its room from inside Deliver, as a transport closing a slow client does.
class LeavesOnDelivery : public Subscriber {
 public:
  explicit LeavesOnDelivery(Hub& hub) : hub_(hub) {}
  void Deliver(const std::shared_ptr<const Event>&) override {
    ++received;
    hub_.LeaveAll(this);
  }
  int received = 0;

 private:
  Hub& hub_;
};

TEST(RealtimeHub, ASubscriberMayLeaveFromInsideDeliver) {
  auto hub = MakeLocalHub();
  auto a = std::make_shared<LeavesOnDelivery>(*hub);
  auto b = std::make_shared<Recorder>();
  hub->Join("admin", a);
  hub->Join("admin", b);
  hub->Publish("admin", "admin.event", {});
  hub->Publish("admin", "admin.event", {});
  EXPECT_EQ(a->received, 1);
  EXPECT_EQ(b->Events().size(), 2u);
}

TEST(RealtimeHub, ConcurrentJoinsPublishesAndLeavesAreSafe) {
  auto hub = MakeLocalHub();
  auto stable = std::make_shared<Recorder>();
  hub->Join("admin", stable);
  constexpr int kThreads = 4;
  constexpr int kRounds = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        auto s = std::make_shared<Recorder>();
        hub->Join("admin", s);
        hub->Join("user:" + std::to_string(t), s);
        hub->Publish("admin", "admin.event", {{"i", i}});
        hub->LeaveAll(s.get());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(stable->Events().size(), static_cast<std::size_t>(kThreads * kRounds));
  EXPECT_EQ(hub->LocalSubscribers("admin"), 1u);
  EXPECT_EQ(hub->LocalRooms("user:"), 0u);
}

class RealtimeBridge : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = MakeLocalHub();
    bridge_ = BridgeEvents(bus_, *hub_);
  }
  std::shared_ptr<Recorder> In(const std::string& room) {
    auto r = std::make_shared<Recorder>();
    hub_->Join(room, r);
    recorders_.push_back(r);
    return r;
  }

  EventBus bus_;
  std::unique_ptr<Hub> hub_;
  std::shared_ptr<void> bridge_;
  std::vector<std::shared_ptr<Recorder>> recorders_;
};

TEST_F(RealtimeBridge, OrderUpdatesGoToTheCustomerAndTheOrderRoom) {
  auto user = In("user:7");
  auto order = In("order:31");
  auto other = In("user:8");
  bus_.Publish("order.updated", {{"order_id", 31}, {"user_id", 7}, {"status", "paid"}});
  ASSERT_EQ(user->Events().size(), 1u);
  ASSERT_EQ(order->Events().size(), 1u);
  EXPECT_TRUE(other->Events().empty());
  EXPECT_EQ(user->Events()[0]->type, "order.updated");
  EXPECT_EQ(boost::json::parse(order->Events()[0]->data).at("status"), "paid");
}

TEST_F(RealtimeBridge, ShipmentLocationGoesToTheOrderRoom) {
  auto order = In("order:4");
  auto user = In("user:1");
  bus_.Publish("shipment.location", {{"order_id", 4}, {"lat", "52.1"}, {"lng", "4.3"}});
  EXPECT_EQ(order->Summary(), std::vector<std::string>{R"(order:4 shipment.location {"order_id":4,"lat":"52.1","lng":"4.3"})"});
  EXPECT_TRUE(user->Events().empty());
}

TEST_F(RealtimeBridge, AdminEventsAndMetricsGoToTheAdminRoom) {
  auto admin = In("admin");
  bus_.Publish("admin.event", {{"type", "inventory.low_stock"}});
  bus_.Publish("admin.metrics", {{"orders_today", 3}});
  const auto events = admin->Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]->type, "admin.event");
  EXPECT_EQ(events[1]->type, "admin.metrics");
}

TEST_F(RealtimeBridge, NotificationsGoToTheUserAsTheNotificationObject) {
  auto user = In("user:12");
  bus_.Publish("notification.created", {{"user_id", 12}, {"notification", {{"id", 99}, {"title", "Paid"}}}});
  EXPECT_EQ(user->Summary(), std::vector<std::string>{R"(user:12 notification {"id":99,"title":"Paid"})"});
}

TEST_F(RealtimeBridge, SupportMessagesGoToTheChatRoom) {
  auto chat = In("support:3");
  bus_.Publish("support.message", {{"chat_id", 3}, {"body", "hello"}});
  ASSERT_EQ(chat->Events().size(), 1u);
  EXPECT_EQ(chat->Events()[0]->type, "support.message");
}

TEST_F(RealtimeBridge, EventsWithoutAUsableIdOrOnOtherTopicsAreDropped) {
  auto user = In("user:0");
  auto admin = In("admin");
  bus_.Publish("order.updated", {{"status", "paid"}});
  bus_.Publish("order.updated", {{"order_id", -1}, {"user_id", "abc"}});
  bus_.Publish("notification.created", {{"user_id", 0}});
  bus_.Publish("cart.updated", {{"user_id", 0}});
  EXPECT_TRUE(user->Events().empty());
  EXPECT_TRUE(admin->Events().empty());
}

TEST_F(RealtimeBridge, DestroyingTheBridgeUnsubscribesFromTheBus) {
  auto admin = In("admin");
  bridge_.reset();
  bus_.Publish("admin.event", {{"type", "order.paid"}});
  EXPECT_TRUE(admin->Events().empty());
}

TEST(RealtimeEventCodec, RoundTripsThroughTheRedisMessageForm) {
  auto event = MakeEvent("order:1", "order.updated", {{"status", "paid"}});
  ASSERT_TRUE(event);
  const auto decoded = DecodeMessage("order:1", EncodeMessage(*event));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->type, "order.updated");
  EXPECT_EQ(decoded->data, R"({"status":"paid"})");
  EXPECT_EQ(ChannelFor("order:1"), "emporium:rt:order:1");
  EXPECT_EQ(RoomOfChannel("emporium:rt:order:1"), "order:1");
  EXPECT_FALSE(RoomOfChannel("other:order:1"));
  EXPECT_FALSE(RoomOfChannel("emporium:rt:"));
}

TEST(RealtimeEventCodec, RejectsForeignOrMalformedMessages) {
  EXPECT_FALSE(DecodeMessage("admin", "no newline"));
  EXPECT_FALSE(DecodeMessage("admin", "bad\"type\n{}"));
  EXPECT_FALSE(DecodeMessage("admin", "ok\n[1,2]"));
  EXPECT_FALSE(DecodeMessage("admin", "ok\n{\"a\":"));
  EXPECT_FALSE(DecodeMessage("admin", "ok\n{} trailing"));
  EXPECT_TRUE(DecodeMessage("admin", "ok\n{}"));
}

}  // namespace
}  // namespace emporium::infra::realtime
