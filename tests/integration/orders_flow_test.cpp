// POST /api/v1/orders end to end on the test database of the run, with the real catalog, pricing,
// cart and payments modules and the simulated processor: paid, declined and 3-D Secure orders,
// idempotent replays, the statement budget, duplicate payment events, cancellation with refund,
// reservation expiry and the staff routes.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "integration/simulated_with_faults.hpp"
#include "orders_fixture.hpp"

namespace emporium::orders::testing {
namespace {

using OrdersFlow = OrdersHarness;

TEST_F(OrdersFlow, PaysAnOrderCommitsStockEmptiesTheCartAndMailsOneReceipt) {
  const auto headphones = Variant("HP-1", 5, 2500);
  const auto cable = Variant("CB-1", 10, 900);
  auto ada = Customer(1);
  AddToCart(ada, headphones, 2);
  AddToCart(ada, cable, 1);

  auto r = PlaceOrder(ada, "order-1", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_EQ(StatusOf(r), "paid");
  EXPECT_EQ(PaymentStatus(r), "succeeded");
  EXPECT_EQ(r.obj().at("totals").as_object().at("subtotal").as_object().at("amount").as_int64(), 2 * 2500 + 900);
  EXPECT_EQ(r.obj().at("lines").as_array().size(), 2u);
  EXPECT_EQ(r.obj().at("ship_to").as_object().at("country").as_string(), "GB");
  EXPECT_TRUE(r.str("number").starts_with("EMP-2027-")) << r.str("number");
  EXPECT_TRUE(r.str("tracking_number").starts_with("EMP")) << r.str("tracking_number");
  EXPECT_FALSE(r.obj().at("paid_at").is_null());

  EXPECT_EQ(StockOf(headphones).on_hand, 3);
  EXPECT_EQ(StockOf(headphones).reserved, 0);
  EXPECT_EQ(StockOf(cable).on_hand, 9);
  auto cart = Get("/api/v1/cart", ada.access_token);
  ASSERT_EQ(cart.status, 200) << cart.response.body;
  EXPECT_TRUE(cart.obj().at("items").as_array().empty());

  auto receipts = MailsOf("orders_receipt");
  ASSERT_EQ(receipts.size(), 1u);
  EXPECT_EQ(receipts[0].to, "buyer1@shop.test");
  EXPECT_NE(receipts[0].text.find(r.str("number")), std::string::npos);
  EXPECT_NE(receipts[0].html.find("Product HP-1"), std::string::npos);

  // The timeline: created, then paid by the system (the payment).
  auto detail = Get("/api/v1/orders/" + std::to_string(Id(r)), ada.access_token);
  ASSERT_EQ(detail.status, 200) << detail.response.body;
  const auto& timeline = detail.obj().at("timeline").as_array();
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_TRUE(timeline[0].as_object().at("from").is_null());
  EXPECT_EQ(timeline[1].as_object().at("to").as_string(), "paid");
  EXPECT_EQ(timeline[1].as_object().at("actor").as_object().at("role").as_string(), "system");
  // POST /orders builds its answer from what the flow recorded instead of reading it back: it must
  // be exactly what reading the order gives.
  EXPECT_EQ(json::serialize(r.obj()), json::serialize(detail.obj()));

  bool order_updated = false, admin_paid = false;
  for (const auto& [topic, payload] : Published()) {
    if (topic == "order.updated" && payload.at("status").as_string() == "paid") order_updated = true;
    if (topic == "admin.event" && payload.at("type").as_string() == "order.paid") admin_paid = true;
  }
  EXPECT_TRUE(order_updated);
  EXPECT_TRUE(admin_paid);
}

TEST_F(OrdersFlow, ACustomerCannotSeeAnotherCustomersOrder) {
  const auto v = Variant("HP-2", 5);
  auto ada = Customer(1);
  auto bob = Customer(2);
  AddToCart(ada, v, 1);
  auto r = PlaceOrder(ada, "k", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  const auto path = "/api/v1/orders/" + std::to_string(Id(r));
  EXPECT_EQ(Get(path, bob.access_token).status, 404);
  EXPECT_EQ(Post(path + "/cancel", json::object{}, bob.access_token).status, 404);
  EXPECT_EQ(Get("/api/v1/orders/999999", ada.access_token).status, 404);
  auto mine = Get("/api/v1/orders", bob.access_token);
  ASSERT_EQ(mine.status, 200);
  EXPECT_TRUE(mine.obj().at("items").as_array().empty());
  auto adas = Get("/api/v1/orders", ada.access_token);
  ASSERT_EQ(adas.obj().at("items").as_array().size(), 1u);
}

TEST_F(OrdersFlow, ADeclinedCardAnswers402CancelsTheOrderAndReleasesTheStock) {
  const auto v = Variant("HP-3", 4);
  auto ada = Customer(1);
  AddToCart(ada, v, 3);
  auto r = PlaceOrder(ada, "declined-1", OrderBody("pm_card_chargeDeclined"));
  ASSERT_EQ(r.status, 402) << r.response.body;
  EXPECT_EQ(r.response.Get("Content-Type").value_or(""), "application/problem+json");
  EXPECT_FALSE(r.str("detail").empty());

  EXPECT_EQ(StockOf(v).on_hand, 4);
  EXPECT_EQ(StockOf(v).reserved, 0);
  auto list = Get("/api/v1/orders", ada.access_token);
  ASSERT_EQ(list.obj().at("items").as_array().size(), 1u);
  EXPECT_EQ(list.obj().at("items").as_array()[0].as_object().at("status").as_string(), "cancelled");
  EXPECT_EQ(MailsOf("orders_payment_failed").size(), 1u);
  EXPECT_TRUE(MailsOf("orders_receipt").empty());
  // The cart survives a decline, so the customer can pay with another card (new key).
  auto retry = PlaceOrder(ada, "declined-2", OrderBody("pm_card_visa"));
  ASSERT_EQ(retry.status, 201) << retry.response.body;
  EXPECT_EQ(StockOf(v).on_hand, 1);
}

TEST_F(OrdersFlow, ADeclinedOrderGivesTheDiscountUseBackAndAPaidOneKeepsIt) {
  const auto v = Variant("HP-16", 5, 10'000);
  auto manager = Staff("manager@shop.test", Role::kManager);
  auto code = Post("/api/v1/admin/discount-codes",
                   json::object{{"code", "ONCE10"}, {"kind", "percentage"}, {"value", 1000}, {"max_uses", 1}},
                   manager.access_token);
  ASSERT_EQ(code.status, 201) << code.response.body;
  const auto code_path = "/api/v1/admin/discount-codes/" + std::to_string(Id(code));
  auto ada = Customer(1);
  AddToCart(ada, v, 1);
  ASSERT_EQ(Put("/api/v1/cart/discount-code", json::object{{"code", "ONCE10"}}, ada.access_token).status, 200);

  ASSERT_EQ(PlaceOrder(ada, "with-code-1", OrderBody("pm_card_chargeDeclined")).status, 402);
  EXPECT_EQ(Get(code_path, manager.access_token).obj().at("uses").as_int64(), 0);

  auto paid = PlaceOrder(ada, "with-code-2", OrderBody());
  ASSERT_EQ(paid.status, 201) << paid.response.body;
  EXPECT_EQ(paid.str("discount_code"), "ONCE10");
  EXPECT_EQ(paid.obj().at("totals").as_object().at("discount").as_object().at("amount").as_int64(), 1000);
  EXPECT_EQ(Get(code_path, manager.access_token).obj().at("uses").as_int64(), 1);
}

TEST_F(OrdersFlow, AnOrderWithNothingToChargeIsPaidWithoutTheProcessor) {
  const auto v = Variant("FREE-1", 5, 2'000);
  auto manager = Staff("manager@shop.test", Role::kManager);
  // Free standard shipping (the light weight band costs nothing by default) and a 100% code.
  auto method = Put("/api/v1/admin/shipping/methods/standard",
                    json::object{{"rate", json::object{{"amount", 0}, {"currency", "USD"}}}}, manager.access_token);
  ASSERT_EQ(method.status, 200) << method.response.body;
  auto code = Post("/api/v1/admin/discount-codes",
                   json::object{{"code", "ALLFREE"}, {"kind", "percentage"}, {"value", 10000}}, manager.access_token);
  ASSERT_EQ(code.status, 201) << code.response.body;
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  ASSERT_EQ(Put("/api/v1/cart/discount-code", json::object{{"code", "ALLFREE"}}, ada.access_token).status, 200);

  auto r = PlaceOrder(ada, "free", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_EQ(StatusOf(r), "paid");
  EXPECT_EQ(r.obj().at("totals").as_object().at("total").as_object().at("amount").as_int64(), 0);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payments"), 0);  // the processor was never asked
  EXPECT_EQ(StockOf(v).on_hand, 3);
  EXPECT_EQ(StockOf(v).reserved, 0);
  EXPECT_EQ(MailsOf("orders_receipt").size(), 1u);
  // The replay answers the same, still without a charge.
  auto again = PlaceOrder(ada, "free", OrderBody());
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.response.body, r.response.body);
}

TEST_F(OrdersFlow, ThreeDSecureStaysPendingUntilConfirmed) {
  const auto v = Variant("HP-4", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  auto r = PlaceOrder(ada, "3ds", OrderBody("pm_card_authenticationRequired"));
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_EQ(StatusOf(r), "pending_payment");
  EXPECT_EQ(PaymentStatus(r), "requires_action");
  EXPECT_FALSE(r.obj().at("payment").as_object().at("client_secret").as_string().empty());
  EXPECT_EQ(StockOf(v).reserved, 2);

  const auto confirm = "/api/v1/orders/" + std::to_string(Id(r)) + "/payment/confirm";
  auto other = Customer(2);
  EXPECT_EQ(Post(confirm, json::object{}, other.access_token).status, 404);
  auto paid = Post(confirm, json::object{}, ada.access_token);
  ASSERT_EQ(paid.status, 200) << paid.response.body;
  EXPECT_EQ(StatusOf(paid), "paid");
  EXPECT_EQ(StockOf(v).on_hand, 3);
  EXPECT_EQ(StockOf(v).reserved, 0);
  EXPECT_EQ(Post(confirm, json::object{}, ada.access_token).status, 409);
  EXPECT_EQ(MailsOf("orders_receipt").size(), 1u);
}

// Nothing listens at the processor's address: the order waits for the webhook or the sweeper.
class OrdersWithTheProcessorDown : public OrdersHarness {
 protected:
  void SetUp() override {
    config_.stripe_secret_key = "sk_test_unreachable";
    config_.stripe_api_base = "http://127.0.0.1:9";  // the discard port, closed here
    config_.stripe_timeout = std::chrono::seconds(2);
    OrdersHarness::SetUp();
  }
};

TEST_F(OrdersWithTheProcessorDown, TheOrderWaitsWithItsStockReservedAndTheAnswerReplays) {
  const auto v = Variant("DOWN-1", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  auto r = PlaceOrder(ada, "down", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_EQ(StatusOf(r), "pending_payment");
  EXPECT_EQ(PaymentStatus(r), "processing");
  EXPECT_EQ(StockOf(v).reserved, 2);
  EXPECT_EQ(StockOf(v).on_hand, 5);
  // Not settled here, so the answer is the stored order, and the customer hears it was placed.
  auto detail = Get("/api/v1/orders/" + std::to_string(Id(r)), ada.access_token);
  ASSERT_EQ(detail.status, 200) << detail.response.body;
  EXPECT_EQ(r.obj().at("timeline"), detail.obj().at("timeline"));
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM notifications WHERE type = 'order.placed'"), 1);
  EXPECT_TRUE(MailsOf("orders_receipt").empty());

  auto again = PlaceOrder(ada, "down", OrderBody());
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.response.body, r.response.body);
}

// The charge succeeds but the transaction that records it fails (here a trigger refuses the move
// to paid): the order stands, pending, and its key is completed with it instead of answering 409
// "still being processed" to every retry for a day. The processor's event settles it later, once.
TEST_F(OrdersFlow, ASettlementThatFailsStillCompletesTheKeyWithTheOrderAsStored) {
  FailUpdates("settlement_fails", "orders", "NEW.status = 'paid'");
  const auto v = Variant("HP-SETTLE", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  auto r = PlaceOrder(ada, "settlement-fails", OrderBody());
  ExecSql("DROP TRIGGER settlement_fails");
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_EQ(StatusOf(r), "pending_payment");
  EXPECT_EQ(PaymentStatus(r), "created");
  EXPECT_EQ(StockOf(v).reserved, 2);
  auto again = PlaceOrder(ada, "settlement-fails", OrderBody());
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.response.body, r.response.body);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders"), 1);

  auto webhook = SucceededEvent(r, "evt_after_failed_settlement");
  webhook.intent_id = "pi_after_failed_settlement";  // the failed transaction did not record it
  ASSERT_TRUE(payments_->HandleEvent(webhook));
  EXPECT_EQ(StatusOf(Get("/api/v1/orders/" + std::to_string(Id(r)), ada.access_token)), "paid");
  EXPECT_EQ(StockOf(v).on_hand, 3);
  EXPECT_EQ(StockOf(v).reserved, 0);
  EXPECT_EQ(MailsOf("orders_receipt").size(), 1u);
}

// The request's process stops between the order's two transactions: the order and its key are
// committed, the answer never is (here every write to the key's row after its claim fails, so
// neither the settlement nor its fallback can complete it). While the first request could still be
// running a retry is a 409; once the key is older than any request can run, a retry completes it
// with the order as stored and answers that, and later retries replay it. One order throughout.
TEST_F(OrdersFlow, AKeyWhoseRequestStoppedIsCompletedWithItsOrderLater) {
  FailUpdates("key_stuck", "idempotency_keys");
  const auto v = Variant("HP-STOPPED", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  const auto first = PlaceOrder(ada, "stopped-request", OrderBody());
  ExecSql("DROP TRIGGER key_stuck");
  EXPECT_GE(first.status, 500) << first.response.body;
  ASSERT_EQ(CountRows("SELECT COUNT(*) FROM orders"), 1);
  ASSERT_EQ(CountRows("SELECT COUNT(*) FROM idempotency_keys WHERE status_code IS NULL"), 1);

  EXPECT_EQ(PlaceOrder(ada, "stopped-request", OrderBody()).status, 409) << "the first request may still be running";
  clock_.Advance(std::chrono::minutes(9));
  EXPECT_EQ(PlaceOrder(ada, "stopped-request", OrderBody()).status, 409);

  clock_.Advance(std::chrono::minutes(2));
  const auto late = PlaceOrder(ada, "stopped-request", OrderBody());
  ASSERT_EQ(late.status, 201) << late.response.body;
  EXPECT_EQ(StatusOf(late), "pending_payment");
  EXPECT_EQ(StockOf(v).reserved, 2);
  const auto again = PlaceOrder(ada, "stopped-request", OrderBody());
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.response.body, late.response.body);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders"), 1);

  // The same key with another body is still refused, however old the key.
  auto other_body = OrderBody();
  other_body["shipping_method"] = "express";
  EXPECT_EQ(PlaceOrder(ada, "stopped-request", other_body).status, 422);
}

TEST_F(OrdersFlow, ReplaysTheFirstAnswerForTheSameKeyAndBody) {
  const auto v = Variant("HP-5", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 1);
  auto first = PlaceOrder(ada, "same-key", OrderBody());
  ASSERT_EQ(first.status, 201) << first.response.body;
  auto again = PlaceOrder(ada, "same-key", OrderBody());
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.response.body, first.response.body);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders"), 1);
  EXPECT_EQ(StockOf(v).on_hand, 4);

  auto other_body = OrderBody();
  other_body["shipping_method"] = "express";
  auto mismatch = PlaceOrder(ada, "same-key", other_body);
  ASSERT_EQ(mismatch.status, 422) << mismatch.response.body;
  EXPECT_EQ(mismatch.error_fields(), std::vector<std::string>{"Idempotency-Key"});

  // A declined answer replays as the same 402.
  AddToCart(ada, v, 1);
  auto declined = PlaceOrder(ada, "declined-key", OrderBody("pm_card_chargeDeclined"));
  ASSERT_EQ(declined.status, 402);
  auto replayed = PlaceOrder(ada, "declined-key", OrderBody("pm_card_chargeDeclined"));
  EXPECT_EQ(replayed.status, 402);
  EXPECT_EQ(replayed.response.body, declined.response.body);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders"), 2);
}

TEST_F(OrdersFlow, RejectsAMissingOrMalformedKeyAndBadBodiesWithoutSideEffects) {
  const auto v = Variant("HP-6", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 1);
  auto missing = PlaceOrder(ada, "", OrderBody());
  ASSERT_EQ(missing.status, 422) << missing.response.body;
  EXPECT_EQ(missing.error_fields(), std::vector<std::string>{"Idempotency-Key"});
  auto spaced = PlaceOrder(ada, "has space", OrderBody());
  EXPECT_EQ(spaced.status, 422);
  auto no_address = OrderBody();
  no_address.erase("address");
  EXPECT_EQ(PlaceOrder(ada, "k1", no_address).status, 422);
  auto bad_pm = OrderBody();
  bad_pm["payment_method_id"] = json::array{};
  auto r = PlaceOrder(ada, "k2", bad_pm);
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.error_fields(), std::vector<std::string>{"payment_method_id"});
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders"), 0);
  EXPECT_EQ(StockOf(v).reserved, 0);
  // An empty cart is a 422 too, and a rejected request leaves its key free for a real one.
  auto bob = Customer(2);
  EXPECT_EQ(PlaceOrder(bob, "bob-1", OrderBody()).status, 422);
  AddToCart(bob, v, 1);
  EXPECT_EQ(PlaceOrder(bob, "bob-1", OrderBody()).status, 201);
}

TEST_F(OrdersFlow, AnExpiredKeyPlacesANewOrder) {
  const auto v = Variant("HP-7", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 1);
  ASSERT_EQ(PlaceOrder(ada, "daily", OrderBody()).status, 201);
  clock_.Advance(std::chrono::hours(25));
  ada = Login("buyer1@shop.test");  // the access token expired too
  AddToCart(ada, v, 1);
  auto r = PlaceOrder(ada, "daily", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders"), 2);
  EXPECT_EQ(StockOf(v).on_hand, 3);
}

TEST_F(OrdersFlow, InsufficientStockIs409AndRollsEverythingBack) {
  const auto v = Variant("HP-8", 2);
  auto ada = Customer(1);
  auto bob = Customer(2);
  AddToCart(ada, v, 2);
  AddToCart(bob, v, 2);
  ASSERT_EQ(PlaceOrder(ada, "a", OrderBody("pm_card_authenticationRequired")).status, 201);
  auto r = PlaceOrder(bob, "b", OrderBody());
  ASSERT_EQ(r.status, 409) << r.response.body;
  EXPECT_NE(r.str("type").find("insufficient"), std::string::npos) << r.response.body;
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders"), 1);
  EXPECT_EQ(StockOf(v).reserved, 2);
}

// The target for POST /orders with a 3-line cart is 20 statements; it runs 19, traced with
// LOG_LEVEL=trace: first transaction 8 (claim the key; cart, variants; order, lines, timeline
// entry; one reservation UPDATE for every line, returning the levels; payment record; the pricing
// rules are cached, and the customer's points and code are read only when the order uses them),
// second transaction 11 (payment, order and timeline of the move to paid; the in-app notification
// and the receipt's mail job, with the buyer's preferences; the stock commit; loyalty ledger and
// balance; the cart; the stored answer). The ceiling is what it runs, so that a regression shows.
constexpr int kCheckoutStatementCeiling = 19;

TEST_F(OrdersFlow, ThreeLineCheckoutStaysWithinTheStatementBudget) {
  auto ada = Customer(1);
  for (int i = 0; i < 3; ++i) AddToCart(ada, Variant("BUDGET-" + std::to_string(i), 10), 1);
  auto r = PlaceOrder(ada, "budget", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  const auto header = r.response.Get("X-Sql-Statements");
  ASSERT_TRUE(header.has_value());
  const int statements = std::stoi(std::string(*header));
  RecordProperty("sql_statements", statements);
  EXPECT_LE(statements, kCheckoutStatementCeiling) << "POST /orders ran " << statements << " statements";
}

TEST_F(OrdersFlow, ReadingAnOrderTakesTheSameStatementsWhateverItsSize) {
  auto ada = Customer(1);
  AddToCart(ada, Variant("SMALL", 10), 1);
  auto small = PlaceOrder(ada, "small", OrderBody());
  ASSERT_EQ(small.status, 201) << small.response.body;
  for (int i = 0; i < 5; ++i) AddToCart(ada, Variant("BIG-" + std::to_string(i), 10), 2);
  auto big = PlaceOrder(ada, "big", OrderBody());
  ASSERT_EQ(big.status, 201) << big.response.body;

  auto statements = [&](const std::string& target) {
    auto r = Get(target, ada.access_token);
    EXPECT_EQ(r.status, 200) << r.response.body;
    return std::stoi(std::string(r.response.Get("X-Sql-Statements").value_or("-1")));
  };
  const auto small_detail = statements("/api/v1/orders/" + std::to_string(Id(small)));
  EXPECT_EQ(statements("/api/v1/orders/" + std::to_string(Id(big))), small_detail);
  EXPECT_LE(small_detail, 4);  // the principal, the order with its lines, its payment, its timeline
  EXPECT_LE(statements("/api/v1/orders"), 2);
}

TEST_F(OrdersFlow, AnEventWithoutOurMetadataFindsTheOrderThroughItsPayment) {
  const auto v = Variant("HP-META", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 1);
  auto r = PlaceOrder(ada, "no-metadata", OrderBody("pm_card_authenticationRequired"));
  ASSERT_EQ(r.status, 201) << r.response.body;
  ASSERT_EQ(StatusOf(r), "pending_payment");
  const auto payment_id = r.obj().at("payment").as_object().at("id").as_int64();
  auto record = db().Read([&](db::Tx& tx) { return payments_->Get(tx, payment_id); });
  ASSERT_TRUE(record) << record.error().message;

  payments::PaymentEvent event;  // e.g. sent from the processor's dashboard: no order_id in metadata
  event.id = "evt_no_metadata";
  event.type = "payment_intent.succeeded";
  event.intent_id = record->intent_id;
  event.amount = record->amount;
  event.currency = record->currency;
  event.created = clock_.NowSeconds();
  ASSERT_TRUE(payments_->HandleEvent(event));

  auto detail = Get("/api/v1/orders/" + std::to_string(Id(r)), ada.access_token);
  ASSERT_EQ(detail.status, 200) << detail.response.body;
  EXPECT_EQ(StatusOf(detail), "paid");
  EXPECT_EQ(StockOf(v).reserved, 0);
}

TEST_F(OrdersFlow, APaymentEventDeliveredTwiceMarksThePaymentOnce) {
  const auto v = Variant("HP-9", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  auto r = PlaceOrder(ada, "twice", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  const auto order_id = Id(r);

  // The webhook of the same success arrives after the API answer, with its own event id.
  auto webhook = SucceededEvent(r, "evt_webhook_twice");
  ASSERT_TRUE(payments_->HandleEvent(webhook));
  ASSERT_TRUE(payments_->HandleEvent(webhook));  // and Stripe retries it

  EXPECT_EQ(StockOf(v).on_hand, 3);
  EXPECT_EQ(StockOf(v).reserved, 0);
  EXPECT_EQ(MailsOf("orders_receipt").size(), 1u);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM order_events WHERE to_status = 'paid'"), 1);
  // A late failure for the paid order changes nothing either.
  webhook.id = "evt_late_failure";
  webhook.type = "payment_intent.payment_failed";
  ASSERT_TRUE(payments_->HandleEvent(webhook));
  EXPECT_EQ(StatusOf(Get("/api/v1/orders/" + std::to_string(order_id), ada.access_token)), "paid");
}

TEST_F(OrdersFlow, CancellingAPaidOrderRestocksAndRefundsInFull) {
  const auto v = Variant("HP-10", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  auto r = PlaceOrder(ada, "cancel-paid", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  ASSERT_EQ(StockOf(v).on_hand, 3);
  const auto path = "/api/v1/orders/" + std::to_string(Id(r));

  auto cancelled = Post(path + "/cancel", json::object{{"reason", "changed my mind"}}, ada.access_token);
  ASSERT_EQ(cancelled.status, 200) << cancelled.response.body;
  EXPECT_EQ(StatusOf(cancelled), "cancelled");
  const auto& payment = cancelled.obj().at("payment").as_object();
  EXPECT_EQ(payment.at("refunded").as_object().at("amount").as_int64(),
            payment.at("amount").as_object().at("amount").as_int64());
  EXPECT_EQ(StockOf(v).on_hand, 5);
  EXPECT_EQ(StockOf(v).reserved, 0);
  const auto& timeline = cancelled.obj().at("timeline").as_array();
  ASSERT_EQ(timeline.size(), 4u);  // placed, paid, cancelled, refunded
  EXPECT_EQ(timeline[2].as_object().at("actor").as_object().at("role").as_string(), "customer");
  EXPECT_NE(std::string(timeline[3].as_object().at("note").as_string()).find("refunded"), std::string::npos);

  EXPECT_EQ(Post(path + "/cancel", json::object{}, ada.access_token).status, 409);
}

TEST_F(OrdersFlow, CancellingAnUnpaidOrderReleasesTheReservation) {
  const auto v = Variant("HP-11", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  auto r = PlaceOrder(ada, "cancel-pending", OrderBody("pm_card_authenticationRequired"));
  ASSERT_EQ(r.status, 201) << r.response.body;
  auto cancelled = Post("/api/v1/orders/" + std::to_string(Id(r)) + "/cancel", json::object{}, ada.access_token);
  ASSERT_EQ(cancelled.status, 200) << cancelled.response.body;
  EXPECT_EQ(StatusOf(cancelled), "cancelled");
  EXPECT_EQ(StockOf(v).on_hand, 5);
  EXPECT_EQ(StockOf(v).reserved, 0);

  // The intent waiting for 3-D Secure is cancelled at the processor with the order: completing
  // the authentication afterwards charges nothing.
  EXPECT_EQ(cancelled.obj().at("payment").as_object().at("status").as_string(), "canceled");
  const auto intent_id = IntentIdOf(PaymentId(r));
  auto at_processor = payments_->provider().ConfirmIntent(intent_id, "late-3ds");
  ASSERT_TRUE(at_processor) << at_processor.error().message;
  EXPECT_EQ(at_processor->status, payments::IntentStatus::kCanceled);
  EXPECT_TRUE(at_processor->charge_id.empty());
}

TEST_F(OrdersFlow, ExpiredReservationsAreCancelledAndReleased) {
  const auto v = Variant("HP-12", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  auto pending = PlaceOrder(ada, "expire", OrderBody("pm_card_authenticationRequired"));
  ASSERT_EQ(pending.status, 201) << pending.response.body;
  ASSERT_EQ(StockOf(v).reserved, 2);

  auto early = orders_->ExpireReservations();
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_EQ(*early, 0);
  clock_.Advance(config_.reservation_ttl + std::chrono::seconds(1));
  auto expired = orders_->ExpireReservations();
  ASSERT_TRUE(expired) << expired.error().message;
  EXPECT_EQ(*expired, 1);
  EXPECT_EQ(StockOf(v).reserved, 0);
  EXPECT_EQ(StockOf(v).on_hand, 5);
  auto again = orders_->ExpireReservations();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);

  ada = Login("buyer1@shop.test");
  auto detail = Get("/api/v1/orders/" + std::to_string(Id(pending)), ada.access_token);
  EXPECT_EQ(StatusOf(detail), "cancelled");
  const auto& last = detail.obj().at("timeline").as_array().back().as_object();
  EXPECT_EQ(last.at("actor").as_object().at("role").as_string(), "system");
  EXPECT_EQ(last.at("note").as_string(), "reservation expired");
  // Confirming the expired payment is refused: the order is no longer waiting for it, and its
  // intent was cancelled at the processor, so the bank's page cannot charge it either.
  EXPECT_EQ(Post("/api/v1/orders/" + std::to_string(Id(pending)) + "/payment/confirm", json::object{}, ada.access_token)
                .status,
            409);
  EXPECT_EQ(detail.obj().at("payment").as_object().at("status").as_string(), "canceled");
  auto at_processor = payments_->provider().ConfirmIntent(IntentIdOf(PaymentId(pending)), "late-3ds");
  ASSERT_TRUE(at_processor) << at_processor.error().message;
  EXPECT_EQ(at_processor->status, payments::IntentStatus::kCanceled);
}

// The customer completes 3-D Secure just as the reservation expires: the processor has charged
// but its event has not arrived when the order is cancelled. Cancelling the intent finds it
// succeeded, and the payment is refunded in full at once; the event arriving later changes nothing.
TEST_F(OrdersFlow, APaymentThatSucceedsAsTheOrderIsCancelledIsRefunded) {
  const auto v = Variant("HP-LATE", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 2);
  auto pending = PlaceOrder(ada, "late", OrderBody("pm_card_authenticationRequired"));
  ASSERT_EQ(pending.status, 201) << pending.response.body;
  const auto order_id = Id(pending);
  const auto payment_id = PaymentId(pending);
  auto late = SucceededEvent(pending, "evt_late_success");
  auto confirmed = payments_->provider().ConfirmIntent(late.intent_id, "late-3ds");  // at the bank's page
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  ASSERT_EQ(confirmed->status, payments::IntentStatus::kSucceeded);

  clock_.Advance(config_.reservation_ttl + std::chrono::seconds(1));
  auto expired = orders_->ExpireReservations();
  ASSERT_TRUE(expired) << expired.error().message;
  ASSERT_EQ(*expired, 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds WHERE payment_id = " + std::to_string(payment_id)), 1);

  ASSERT_TRUE(payments_->HandleEvent(late));
  late.id = "evt_late_success_again";  // another delivery of the same fact
  ASSERT_TRUE(payments_->HandleEvent(late));

  ada = Login("buyer1@shop.test");
  auto detail = Get("/api/v1/orders/" + std::to_string(order_id), ada.access_token);
  ASSERT_EQ(detail.status, 200) << detail.response.body;
  EXPECT_EQ(StatusOf(detail), "cancelled");
  const auto& payment = detail.obj().at("payment").as_object();
  EXPECT_EQ(payment.at("status").as_string(), "succeeded");
  EXPECT_EQ(payment.at("refunded").as_object().at("amount").as_int64(), late.amount);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds WHERE payment_id = " + std::to_string(payment_id)), 1);
  EXPECT_EQ(StockOf(v).on_hand, 5);
  EXPECT_EQ(StockOf(v).reserved, 0);
}

/// The simulated processor, except that cancelling an intent cannot reach it; counts the attempts.
class UnreachableForCancels final : public payments::testing::SimulatedWithFaults {
 public:
  explicit UnreachableForCancels(std::atomic<int>& attempts) : attempts_(attempts) {}
  Result<payments::Intent> CancelIntent(const std::string&, const std::string&) override {
    ++attempts_;
    return Error::Unavailable("The payment processor cannot be reached.");
  }

 private:
  std::atomic<int>& attempts_;
};

class OrdersWithoutProcessorCancels : public OrdersFlow {
 protected:
  std::unique_ptr<payments::PaymentProvider> MakeProvider() override {
    return std::make_unique<UnreachableForCancels>(cancel_attempts_);
  }
  std::atomic<int> cancel_attempts_{0};
};

// The processor is down when reservations expire: every reservation is still released, the first
// cancellation that cannot reach the processor ends the tries for the rest of the sweep (each could
// take its three attempts' timeouts), and the payments stay as they were, for a late success to be
// refunded.
TEST_F(OrdersWithoutProcessorCancels, ASweepReleasesEveryReservationWhenTheProcessorIsDown) {
  const auto v = Variant("HP-DOWN", 10);
  std::vector<CallResult> pending;
  for (int i = 1; i <= 3; ++i) {
    auto buyer = Customer(i);
    AddToCart(buyer, v, 1);
    pending.push_back(PlaceOrder(buyer, "down-" + std::to_string(i), OrderBody("pm_card_authenticationRequired")));
    ASSERT_EQ(pending.back().status, 201) << pending.back().response.body;
  }
  ASSERT_EQ(StockOf(v).reserved, 3);
  clock_.Advance(config_.reservation_ttl + std::chrono::seconds(1));
  auto expired = orders_->ExpireReservations();
  ASSERT_TRUE(expired) << expired.error().message;
  EXPECT_EQ(*expired, 3);
  EXPECT_EQ(StockOf(v).reserved, 0);
  EXPECT_EQ(cancel_attempts_.load(), 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payments WHERE status = 'requires_action'"), 3);
}

TEST_F(OrdersFlow, TheSweeperThreadExpiresReservationsOnItsOwn) {
  const auto v = Variant("HP-15", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 3);
  ASSERT_EQ(PlaceOrder(ada, "sweep", OrderBody("pm_card_authenticationRequired")).status, 201);
  clock_.Advance(config_.reservation_ttl + std::chrono::seconds(1));
  orders_->StartSweeper(std::chrono::milliseconds(10));
  for (int i = 0; i < 500 && StockOf(v).reserved != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(StockOf(v).reserved, 0);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM orders WHERE status = 'cancelled'"), 1);
}

TEST_F(OrdersFlow, StaffMoveOrdersOnlyAlongLegalTransitions) {
  const auto v = Variant("HP-13", 5);
  auto ada = Customer(1);
  AddToCart(ada, v, 1);
  auto r = PlaceOrder(ada, "staff", OrderBody());
  ASSERT_EQ(r.status, 201) << r.response.body;
  const auto path = "/api/v1/admin/orders/" + std::to_string(Id(r));
  auto manager = Staff("manager@shop.test", Role::kManager);
  auto support = Staff("support@shop.test", Role::kSupport);

  auto illegal = Post(path + "/status", json::object{{"status", "delivered"}}, manager.access_token);
  ASSERT_EQ(illegal.status, 409) << illegal.response.body;
  auto unknown = Post(path + "/status", json::object{{"status", "lost"}}, manager.access_token);
  ASSERT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.error_fields(), std::vector<std::string>{"status"});
  EXPECT_EQ(Post(path + "/status", json::object{{"status", "processing"}}, support.access_token).status, 403);
  EXPECT_EQ(Post(path + "/status", json::object{{"status", "processing"}}, ada.access_token).status, 403);

  auto moved =
      Post(path + "/status", json::object{{"status", "processing"}, {"note", "picking"}}, manager.access_token);
  ASSERT_EQ(moved.status, 200) << moved.response.body;
  EXPECT_EQ(StatusOf(moved), "processing");
  const auto& last = moved.obj().at("timeline").as_array().back().as_object();
  EXPECT_EQ(last.at("actor").as_object().at("role").as_string(), "manager");
  EXPECT_EQ(last.at("note").as_string(), "picking");
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM audit_log WHERE action = 'order.status'"), 1);

  // Support reads the staff views; customers do not.
  EXPECT_EQ(Get(path, support.access_token).status, 200);
  EXPECT_EQ(Get(path, ada.access_token).status, 403);
}

TEST_F(OrdersFlow, StaffListFiltersByStatusCustomerAndDate) {
  const auto v = Variant("HP-14", 20);
  auto ada = Customer(1);
  auto bob = Customer(2);
  AddToCart(ada, v, 1);
  ASSERT_EQ(PlaceOrder(ada, "a1", OrderBody()).status, 201);
  clock_.Advance(std::chrono::hours(48));
  ada = Login("buyer1@shop.test");
  bob = Login("buyer2@shop.test");
  AddToCart(ada, v, 1);
  ASSERT_EQ(PlaceOrder(ada, "a2", OrderBody("pm_card_authenticationRequired")).status, 201);
  AddToCart(bob, v, 1);
  ASSERT_EQ(PlaceOrder(bob, "b1", OrderBody()).status, 201);
  auto admin = Staff("admin@shop.test", Role::kAdmin);

  auto count = [&](const std::string& query) {
    auto r = Get("/api/v1/admin/orders" + query, admin.access_token);
    EXPECT_EQ(r.status, 200) << query << ": " << r.response.body;
    return r.status == 200 ? r.obj().at("items").as_array().size() : 0;
  };
  EXPECT_EQ(count(""), 3u);
  EXPECT_EQ(count("?status=paid"), 2u);
  EXPECT_EQ(count("?status=pending_payment"), 1u);
  EXPECT_EQ(count("?customer_id=" + std::to_string(ada.user_id)), 2u);
  EXPECT_EQ(count("?from=2027-01-16"), 2u);
  EXPECT_EQ(count("?to=2027-01-15"), 1u);
  EXPECT_EQ(count("?from=2027-01-15T08:00:00Z&to=2027-01-15T08:00:00Z"), 1u);
  EXPECT_EQ(Get("/api/v1/admin/orders?status=lost", admin.access_token).status, 422);
  EXPECT_EQ(Get("/api/v1/admin/orders?from=yesterday", admin.access_token).status, 422);
  EXPECT_EQ(Get("/api/v1/admin/orders?cursor=zz", admin.access_token).status, 422);

  // Keyset pages: newest first, no overlap.
  auto page1 = Get("/api/v1/admin/orders?limit=2", admin.access_token);
  ASSERT_EQ(page1.obj().at("items").as_array().size(), 2u);
  const auto cursor = std::string(page1.obj().at("next_cursor").as_string());
  auto page2 = Get("/api/v1/admin/orders?limit=2&cursor=" + cursor, admin.access_token);
  ASSERT_EQ(page2.obj().at("items").as_array().size(), 1u);
  EXPECT_TRUE(page2.obj().at("next_cursor").is_null());
  EXPECT_LT(page2.obj().at("items").as_array()[0].as_object().at("id").as_int64(),
            page1.obj().at("items").as_array()[1].as_object().at("id").as_int64());
}

}  // namespace
}  // namespace emporium::orders::testing
