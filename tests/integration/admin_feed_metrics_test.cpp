// The live admin feed against real orders and carts (both dialects): the figures of a tick match
// what customers did, "today" follows the store's time zone, and staff in the admin room receive
// both halves of the feed (admin.event from the services, admin.metrics from the feed) through the
// real in-process hub.

#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "infra/realtime/hub.hpp"
#include "modules/admin_feed/admin_feed.hpp"
#include "orders_fixture.hpp"

namespace emporium::admin_feed {
namespace {

namespace json = boost::json;
using auth::testing::kStart;
using infra::realtime::Event;

/// A connection as the hub sees it: records every event delivered to it.
class RecordingSubscriber final : public infra::realtime::Subscriber {
 public:
  void Deliver(const std::shared_ptr<const Event>& event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(*event);
  }
  std::vector<Event> Of(const std::string& type) const {
    std::lock_guard lock(mutex_);
    std::vector<Event> out;
    for (const auto& e : events_) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Event> events_;
};

class AdminFeedMetrics : public orders::testing::OrdersHarness {
 protected:
  void SetUp() override {
    OrdersHarness::SetUp();
    hub_ = infra::realtime::MakeLocalHub();
    bridge_ = infra::realtime::BridgeEvents(events_, *hub_);
    hub_->Join("admin", staff_);
  }
  void TearDown() override {
    bridge_.reset();
    OrdersHarness::TearDown();
  }

  AdminFeed Feed(const char* zone) {
    auto tz = infra::jobs::TimeZone::Load(zone);
    EXPECT_TRUE(tz) << zone;
    AdminFeedOptions options;
    options.timezone = tz ? *tz : infra::jobs::TimeZone::Utc();
    options.currency = [] { return std::string("USD"); };
    return AdminFeed(db(), clock_, *hub_, std::move(options));
  }

  /// Places an order paid by card and returns its total in cents.
  std::int64_t PaidOrder(int customer, std::int64_t variant, std::int64_t quantity) {
    auto s = Customer(customer);
    AddToCart(s, variant, quantity);
    auto r = PlaceOrder(s, "paid-" + std::to_string(customer), OrderBody());
    EXPECT_EQ(r.status, 201) << r.response.body;
    EXPECT_EQ(StatusOf(r), "paid");
    return r.obj().at("totals").as_object().at("total").as_object().at("amount").as_int64();
  }

  AdminMetrics Compute(const AdminFeed& feed) {
    auto m = feed.Compute();
    EXPECT_TRUE(m) << m.error().message;
    return m ? *m : AdminMetrics{};
  }

  void SetClock(std::int64_t t) { clock_.Set(t); }

  std::unique_ptr<infra::realtime::Hub> hub_;
  std::shared_ptr<void> bridge_;
  std::shared_ptr<RecordingSubscriber> staff_ = std::make_shared<RecordingSubscriber>();
};

TEST_F(AdminFeedMetrics, FiguresMatchTheStoreDaysOrdersAndCarts) {
  const auto headphones = Variant("HP-1", 100, 2500);
  const auto cable = Variant("CB-1", 100, 900);

  // A cart last touched 25 hours ago is abandoned, not open.
  SetClock(kStart - 25 * 3600);
  AddToCart(Customer(1), cable, 1);
  // Paid at 04:00Z: "today" in UTC, but 23:00 on the previous day in New York.
  SetClock(kStart - 4 * 3600);
  const auto late_last_night = PaidOrder(2, headphones, 1);

  SetClock(kStart);  // 08:00Z = 03:00 in New York
  const auto first = PaidOrder(3, headphones, 2);
  const auto second = PaidOrder(4, cable, 3);
  // Placed but not paid: not a sale, and their carts stay open.
  auto pending = Customer(5);
  AddToCart(pending, headphones, 1);
  ASSERT_EQ(PlaceOrder(pending, "3ds", OrderBody("pm_card_authenticationRequired")).status, 201);
  auto declined = Customer(6);
  AddToCart(declined, cable, 1);
  ASSERT_EQ(PlaceOrder(declined, "declined", OrderBody("pm_card_chargeDeclined")).status, 402);
  AddToCart(Customer(7), headphones, 1);  // still shopping
  // A customer who emptied their cart again has nothing open.
  auto changed_mind = Customer(8);
  AddToCart(changed_mind, cable, 1);
  auto cart = Get("/api/v1/cart", changed_mind.access_token);
  ASSERT_EQ(cart.status, 200) << cart.response.body;
  const auto item_id = cart.obj().at("items").as_array().at(0).as_object().at("id").as_int64();
  ASSERT_EQ(Delete("/api/v1/cart/items/" + std::to_string(item_id), changed_mind.access_token).status, 204);

  clock_.Advance(std::chrono::seconds(30));
  const auto new_york = Compute(Feed("America/New_York"));
  EXPECT_EQ(new_york.orders_today, 2);
  EXPECT_EQ(new_york.revenue_today, first + second);
  EXPECT_EQ(new_york.currency, "USD");
  EXPECT_EQ(new_york.open_carts, 3);
  EXPECT_EQ(new_york.at, kStart + 30);

  const auto utc = Compute(Feed("UTC"));
  EXPECT_EQ(utc.orders_today, 3);
  EXPECT_EQ(utc.revenue_today, late_last_night + first + second);
  EXPECT_EQ(utc.open_carts, 3);

  // The next day starts from zero; the carts are still within 24 hours.
  SetClock(kStart + 16 * 3600 + 1);  // 00:00:01Z on the 16th
  const auto tomorrow = Compute(Feed("UTC"));
  EXPECT_EQ(tomorrow.orders_today, 0);
  EXPECT_EQ(tomorrow.revenue_today, 0);
  EXPECT_EQ(tomorrow.open_carts, 3);
}

TEST_F(AdminFeedMetrics, StaffInTheAdminRoomReceiveOrderEventsAndTheMetricsTick) {
  const auto headphones = Variant("HP-2", 10, 2500);
  // Two connections of one customer and one of another: two active users.
  auto tab1 = std::make_shared<RecordingSubscriber>();
  auto tab2 = std::make_shared<RecordingSubscriber>();
  auto other = std::make_shared<RecordingSubscriber>();
  hub_->Join("user:101", tab1);
  hub_->Join("user:101", tab2);
  hub_->Join("user:102", other);

  const auto total = PaidOrder(1, headphones, 1);
  auto feed = Feed("UTC");
  ASSERT_TRUE(feed.Tick());

  bool saw_paid = false;
  for (const auto& e : staff_->Of("admin.event")) {
    saw_paid = saw_paid || json::parse(e.data).as_object().at("type").as_string() == "order.paid";
  }
  EXPECT_TRUE(saw_paid);

  const auto ticks = staff_->Of("admin.metrics");
  ASSERT_EQ(ticks.size(), 1u);
  const auto data = json::parse(ticks[0].data).as_object();
  EXPECT_EQ(data.at("orders_today").as_int64(), 1);
  EXPECT_EQ(data.at("revenue_today"), (json::object{{"amount", total}, {"currency", "USD"}}));
  EXPECT_EQ(data.at("active_users_now").as_int64(), 2);
  EXPECT_TRUE(data.at("support_queue").is_null());
  EXPECT_TRUE(other->Of("admin.metrics").empty()) << "metrics went beyond the admin room";
}

}  // namespace
}  // namespace emporium::admin_feed
