// The events wired into orders and catalog, end to end through the real routes: placing and paying
// an order leaves in-app notifications and a durable receipt job that the runner delivers; a
// declined card notifies the customer and tells the admin feed; low stock reaches the staff.

#include "modules/notifications/notifications_service.hpp"
#include "orders_fixture.hpp"

namespace emporium::orders::testing {
namespace {

class OrderNotifications : public OrdersHarness {
 protected:
  void SetUp() override {
    OrdersHarness::SetUp();
    runner_ = std::make_unique<infra::jobs::JobRunner>(db(), clock_, *jobs_,
                                                       infra::jobs::RunnerOptions{.runner_id = "test", .concurrency = 1});
    mail_->UseJobQueue(db(), *jobs_, clock_, config_.mail_from);
    mail_->RegisterJobHandler(*runner_);
    notifications_->RegisterRoutes(*router_);
  }
  void TearDown() override {
    runner_.reset();
    OrdersHarness::TearDown();
  }

  std::vector<std::string> TypesOf(const Session& s) {
    std::vector<std::string> out;
    auto r = Get("/api/v1/me/notifications", s.access_token);
    for (const auto& n : r.obj().at("items").as_array()) out.emplace_back(n.as_object().at("type").as_string());
    return out;
  }

  std::unique_ptr<infra::jobs::JobRunner> runner_;
};

TEST_F(OrderNotifications, APaidOrderNotifiesInAppAndMailsTheReceiptThroughTheQueue) {
  auto ada = Customer(1);
  runner_->RunDue();  // the verification mail
  AddToCart(ada, Variant("NOTIFY-1", 10), 2);
  auto r = PlaceOrder(ada, "paid-1", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  ASSERT_EQ(StatusOf(r), "paid");

  // The customer hears of the outcome once: the receipt, not "placed" and then "paid".
  EXPECT_EQ(TypesOf(ada), (std::vector<std::string>{"order.paid"}));
  EXPECT_TRUE(mailer_->Messages().size() == 1u) << "only the verification mail went out so far";
  EXPECT_EQ(runner_->RunDue(), 1);  // the receipt (order placed is in-app only by default)
  auto receipts = MailsOf("orders_receipt");
  ASSERT_EQ(receipts.size(), 1u);
  EXPECT_EQ(receipts[0].to, "buyer1@shop.test");
  EXPECT_NE(receipts[0].text.find("NOTIFY-1"), std::string::npos) << receipts[0].text;
  EXPECT_TRUE(MailsOf("notifications_order_placed").empty());

  // The same payment reported again (a webhook after the API answer) notifies nobody twice.
  EXPECT_EQ(runner_->RunDue(), 0);
  EXPECT_EQ(TypesOf(ada).size(), 1u);

  bool pushed = false;
  for (const auto& [topic, payload] : Published()) {
    if (topic == "notification.created" && payload.at("user_id").as_int64() == ada.user_id) pushed = true;
  }
  EXPECT_TRUE(pushed);
}

TEST_F(OrderNotifications, ADeclinedCardNotifiesTheCustomerAndTheAdminFeed) {
  auto ada = Customer(1);
  AddToCart(ada, Variant("NOTIFY-2", 10), 1);
  ASSERT_EQ(PlaceOrder(ada, "declined-1", OrderBody("pm_card_chargeDeclined")).status, 402);
  EXPECT_EQ(TypesOf(ada), (std::vector<std::string>{"order.payment_failed"}));
  runner_->RunDue();
  EXPECT_EQ(MailsOf("orders_payment_failed").size(), 1u);
  EXPECT_TRUE(MailsOf("orders_receipt").empty());
  int payment_failed = 0;
  for (const auto& [topic, payload] : Published()) {
    if (topic == "admin.event" && payload.at("type").as_string() == "payment.failed") ++payment_failed;
  }
  EXPECT_EQ(payment_failed, 1);
}

TEST_F(OrderNotifications, AnOrderWaitingForTheCustomersAuthenticationIsPlacedThenPaid) {
  auto ada = Customer(1);
  AddToCart(ada, Variant("NOTIFY-3DS", 10), 1);
  auto r = PlaceOrder(ada, "3ds-1", OrderBody("pm_card_authenticationRequired"));
  ASSERT_EQ(r.status, 201) << r.response.body;
  ASSERT_EQ(StatusOf(r), "pending_payment");
  EXPECT_EQ(TypesOf(ada), (std::vector<std::string>{"order.placed"}));

  const auto id = r.obj().at("id").as_int64();
  auto confirmed = Post("/api/v1/orders/" + std::to_string(id) + "/payment/confirm", json::object{}, ada.access_token);
  ASSERT_EQ(confirmed.status, 200) << confirmed.response.body;
  EXPECT_EQ(TypesOf(ada), (std::vector<std::string>{"order.paid", "order.placed"}));
}

TEST_F(OrderNotifications, LowStockReachesManagersAndAdminsNotCustomers) {
  auto manager = Staff("manager@shop.test", Role::kManager);
  auto admin = Staff("admin@shop.test", Role::kAdmin);
  auto ada = Customer(1);
  const auto v = Variant("NOTIFY-3", 6);  // default low-stock threshold: 5
  AddToCart(ada, v, 2);
  ASSERT_EQ(PlaceOrder(ada, "low-1", OrderBody()).status, 201);
  EXPECT_EQ(TypesOf(manager), (std::vector<std::string>{"inventory.low_stock"}));
  EXPECT_EQ(TypesOf(admin), (std::vector<std::string>{"inventory.low_stock"}));
  for (const auto& type : TypesOf(ada)) EXPECT_NE(type, "inventory.low_stock");
  runner_->RunDue();
  EXPECT_EQ(MailsOf("notifications_low_stock").size(), 2u);
}

}  // namespace
}  // namespace emporium::orders::testing
