// Refunds through the real routes on the test database of the run: the fee policy, partial then
// full refunds, idempotent replays, refusals, restocking, and customers' requests reviewed by staff.

#include <gtest/gtest.h>

#include "fulfilment_fixture.hpp"
#include "integration/simulated_with_faults.hpp"
#include "modules/payments/simulated_provider.hpp"

namespace emporium::fulfilment::testing {
namespace {

using RefundsApi = FulfilmentHarness;

json::object Reason(std::string text = "damaged in transit") { return json::object{{"reason", std::move(text)}}; }

TEST_F(RefundsApi, AFullRefundExcludesTheProcessorFeeAndRefundsTheOrder) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  const std::int64_t fee = FeeOf(order.id);
  ASSERT_EQ(fee, payments::SimulatedFee(order.total));
  ASSERT_GT(fee, 0);

  auto r = Refund(order.id, Reason(), "refund-1");
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_EQ(AmountOf(r), order.total - fee);
  EXPECT_EQ(r.obj().at("amount").as_object().at("currency").as_string(), "USD");
  EXPECT_EQ(OrderStatus(order.id, ada), "refunded");
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM audit_log WHERE action = 'refund.create'"), 1);

  auto mails = MailsOf("refunds_processed");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "buyer1@shop.test");
  bool dashboard_told = false;
  for (const auto& [topic, payload] : Published()) {
    if (topic == "admin.event" && payload.at("type").as_string() == "refund.processed") dashboard_told = true;
  }
  EXPECT_TRUE(dashboard_told);
}

TEST_F(RefundsApi, WhenTheStoreAbsorbsFeesTheDefaultRefundIsEverythingCaptured) {
  config_.refund_includes_fees = true;
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  auto r = Refund(order.id, Reason(), "refund-1");
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_EQ(AmountOf(r), order.total);
  EXPECT_EQ(OrderStatus(order.id, ada), "refunded");
}

TEST_F(RefundsApi, APartialRefundThenTheRestUnderThePolicy) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  const std::int64_t fee = FeeOf(order.id);

  auto partial = Refund(order.id, json::object{{"reason", "one item scratched"}, {"amount", 1000}}, "refund-1");
  ASSERT_EQ(partial.status, 201) << partial.response.body;
  EXPECT_EQ(AmountOf(partial), 1000);
  EXPECT_EQ(OrderStatus(order.id, ada), "partially_refunded");

  // Restocking goes with full refunds only; more than remains is refused.
  auto restock = Refund(order.id, json::object{{"reason", "x"}, {"amount", 500}, {"restock", true}}, "refund-2");
  EXPECT_EQ(restock.status, 422);
  EXPECT_EQ(restock.error_fields(), std::vector<std::string>{"restock"});
  auto too_much = Refund(order.id, json::object{{"reason", "x"}, {"amount", order.total - fee - 1000 + 1}}, "refund-3");
  EXPECT_EQ(too_much.status, 422);
  EXPECT_EQ(too_much.error_fields(), std::vector<std::string>{"amount"});

  auto rest = Refund(order.id, Reason(), "refund-4");
  ASSERT_EQ(rest.status, 201) << rest.response.body;
  EXPECT_EQ(AmountOf(rest), order.total - fee - 1000);
  EXPECT_EQ(OrderStatus(order.id, ada), "refunded");

  // Nothing is left: a further attempt is beyond what remains.
  auto again = Refund(order.id, json::object{{"reason", "x"}, {"amount", 1}}, "refund-5");
  EXPECT_EQ(again.status, 422) << again.response.body;
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 2);
}

TEST_F(RefundsApi, TheSameKeyReplaysTheFirstAnswerAndNeverRefundsTwice) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  auto first = Refund(order.id, json::object{{"reason", "late"}, {"amount", 700}}, "refund-1");
  ASSERT_EQ(first.status, 201) << first.response.body;
  auto replay = Refund(order.id, json::object{{"reason", "late"}, {"amount", 700}}, "refund-1");
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.response.body, first.response.body);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds"), 1);

  // The same key for another request is an error, and the key is required.
  auto other = Refund(order.id, json::object{{"reason", "late"}, {"amount", 800}}, "refund-1");
  EXPECT_EQ(other.status, 422);
  auto no_key = Refund(order.id, Reason(), "");
  EXPECT_EQ(no_key.status, 422);
  EXPECT_EQ(no_key.error_fields(), std::vector<std::string>{"Idempotency-Key"});
}

// The request's process stops after the processor refunded, before the refund was recorded on the
// order and the key completed (here every write to the key's row after its claim fails). While the
// first request could still be running a retry is a 409; once the key is older than any request
// can run, a retry takes it over and records the refund the processor made: one refund, the order
// refunded, the customer told once, and later retries replay the answer.
TEST_F(RefundsApi, AKeyWhoseRequestStoppedAfterTheProcessorRefundedIsFinishedLater) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  FailUpdates("key_stuck", "idempotency_keys");
  const auto first = Refund(order.id, Reason(), "stopped-refund");
  ExecSql("DROP TRIGGER key_stuck");
  EXPECT_GE(first.status, 500) << first.response.body;
  ASSERT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds WHERE status = 'succeeded'"), 1);
  ASSERT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 0);

  EXPECT_EQ(Refund(order.id, Reason(), "stopped-refund").status, 409) << "the first request may still be running";
  clock_.Advance(std::chrono::minutes(9));
  EXPECT_EQ(Refund(order.id, Reason(), "stopped-refund").status, 409);

  clock_.Advance(std::chrono::minutes(2));
  const auto late = Refund(order.id, Reason(), "stopped-refund");
  ASSERT_EQ(late.status, 201) << late.response.body;
  EXPECT_EQ(AmountOf(late), order.total - FeeOf(order.id));
  EXPECT_EQ(OrderStatus(order.id, ada), "refunded");
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds"), 1) << "never a second refund at the processor";
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 1);
  EXPECT_EQ(MailsOf("refunds_processed").size(), 1u);
  const auto again = Refund(order.id, Reason(), "stopped-refund");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.response.body, late.response.body);

  // The same key for another request is still refused, however old the key.
  EXPECT_EQ(Refund(order.id, json::object{{"reason", "other"}, {"amount", 100}}, "stopped-refund").status, 422);
}

// The process stops before the payment refund was even reserved: the retry that takes the key over
// makes the refund, once.
TEST_F(RefundsApi, AKeyWhoseRequestStoppedBeforeRefundingRefundsOnceLater) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  FailUpdates("key_stuck", "idempotency_keys");
  FailInserts("no_refund", "payment_refunds");
  const auto first = Refund(order.id, json::object{{"reason", "late"}, {"amount", 700}}, "stopped-early");
  ExecSql("DROP TRIGGER key_stuck");
  ExecSql("DROP TRIGGER no_refund");
  EXPECT_GE(first.status, 500) << first.response.body;
  ASSERT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds"), 0);
  ASSERT_EQ(CountRows("SELECT COUNT(*) FROM idempotency_keys WHERE status_code IS NULL"), 1);

  clock_.Advance(std::chrono::minutes(11));
  const auto late = Refund(order.id, json::object{{"reason", "late"}, {"amount", 700}}, "stopped-early");
  ASSERT_EQ(late.status, 201) << late.response.body;
  EXPECT_EQ(AmountOf(late), 700);
  EXPECT_EQ(OrderStatus(order.id, ada), "partially_refunded");
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds"), 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 1);
}

TEST_F(RefundsApi, RefusesCancelledOrdersCustomersAndBadInput) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");

  EXPECT_EQ(PostWithKey(OrderPath(order.id) + "/refunds", Reason(), ada.access_token, "k1").status, 403);
  EXPECT_EQ(PostWithKey(OrderPath(order.id) + "/refunds", Reason(), courier_.access_token, "k1").status, 403);
  auto no_reason = Refund(order.id, json::object{{"amount", 100}}, "k2");
  EXPECT_EQ(no_reason.status, 422);
  EXPECT_EQ(no_reason.error_fields(), std::vector<std::string>{"reason"});
  EXPECT_EQ(Refund(order.id, json::object{{"reason", "x"}, {"amount", 0}}, "k3").status, 422);
  EXPECT_EQ(Refund(999'999, Reason(), "k4").status, 404);

  // The cancellation refunded the customer already; staff cannot refund on top of it.
  ASSERT_EQ(Post("/api/v1/orders/" + std::to_string(order.id) + "/cancel", json::object{}, ada.access_token).status,
            200);
  auto after_cancel = Refund(order.id, Reason(), "k5");
  EXPECT_EQ(after_cancel.status, 409) << after_cancel.response.body;
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 0);
}

TEST_F(RefundsApi, AFullRefundCanPutTheGoodsBackInStock) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1", true, /*quantity=*/3);
  ASSERT_EQ(StockOf(order.variant_id).on_hand, 7);
  auto r = Refund(order.id, json::object{{"reason", "returned unopened"}, {"restock", true}}, "refund-1");
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_TRUE(r.obj().at("restock").as_bool());
  EXPECT_EQ(StockOf(order.variant_id).on_hand, 10);
}

TEST_F(RefundsApi, ARequestForADeliveredOrderIsReviewedAndApprovedOnce) {
  auto ada = Customer(1);
  auto support = Staff("support@shop.test", Role::kSupport);
  const auto paid = PlacePaidOrder(ada, "HP-0");
  const auto requests_of = [](std::int64_t order_id) {
    return "/api/v1/orders/" + std::to_string(order_id) + "/refund-requests";
  };

  // Before shipment the customer should cancel instead.
  auto early = Post(requests_of(paid.id), Reason(), ada.access_token);
  EXPECT_EQ(early.status, 409);
  EXPECT_NE(early.response.body.find("/cancel"), std::string::npos) << early.response.body;

  const auto order = DeliveredOrder(ada, "HP-1");
  EXPECT_EQ(Post(requests_of(order.id), json::object{{"reason", ""}}, ada.access_token).status, 422);
  EXPECT_EQ(Post(requests_of(order.id), Reason(), Customer(2).access_token).status, 404);
  auto created =
      Post(requests_of(order.id), json::object{{"reason", "arrived broken"}, {"amount", 1500}}, ada.access_token);
  ASSERT_EQ(created.status, 201) << created.response.body;
  EXPECT_EQ(created.str("status"), "pending");
  EXPECT_EQ(AmountOf(created), 1500);
  EXPECT_EQ(Post(requests_of(order.id), Reason(), ada.access_token).status, 409);  // one pending at a time

  EXPECT_EQ(Get("/api/v1/admin/refund-requests", ada.access_token).status, 403);
  auto pending = Get("/api/v1/admin/refund-requests?status=pending", support.access_token);
  ASSERT_EQ(pending.status, 200) << pending.response.body;
  ASSERT_EQ(pending.obj().at("items").as_array().size(), 1u);
  EXPECT_EQ(Get("/api/v1/admin/refund-requests?status=maybe", support.access_token).status, 422);

  const auto approve_path = "/api/v1/admin/refund-requests/" + std::to_string(Id(created)) + "/approve";
  EXPECT_EQ(Post(approve_path, json::object{}, ada.access_token).status, 403);
  auto approved = Post(approve_path, json::object{}, support.access_token);
  ASSERT_EQ(approved.status, 200) << approved.response.body;
  EXPECT_EQ(approved.str("status"), "approved");
  EXPECT_EQ(approved.obj().at("refund").as_object().at("amount").as_object().at("amount").as_int64(), 1500);
  EXPECT_EQ(OrderStatus(order.id, ada), "partially_refunded");
  EXPECT_EQ(MailsOf("refunds_processed").size(), 1u);

  EXPECT_EQ(Post(approve_path, json::object{}, support.access_token).status, 409);  // already handled
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM audit_log WHERE action = 'refund_request.approve'"), 1);
  auto none_pending = Get("/api/v1/admin/refund-requests?status=pending", support.access_token);
  EXPECT_TRUE(none_pending.obj().at("items").as_array().empty());
}

// An approval stops after the processor refunded the whole remaining amount, before the request
// was marked (here the request's update fails). Approving again finishes with that refund: planning
// a new one would find nothing left to refund and leave the request pending for ever.
TEST_F(RefundsApi, AnApprovalThatStoppedAfterTheProcessorRefundedIsFinishedByTheNext) {
  auto ada = Customer(1);
  auto support = Staff("support@shop.test", Role::kSupport);
  const auto order = DeliveredOrder(ada, "HP-1");
  auto created = Post("/api/v1/orders/" + std::to_string(order.id) + "/refund-requests", Reason(), ada.access_token);
  ASSERT_EQ(created.status, 201) << created.response.body;
  const auto approve_path = "/api/v1/admin/refund-requests/" + std::to_string(Id(created)) + "/approve";

  FailUpdates("request_stuck", "refund_requests");
  const auto first = Post(approve_path, json::object{}, support.access_token);
  ExecSql("DROP TRIGGER request_stuck");
  EXPECT_GE(first.status, 500) << first.response.body;
  ASSERT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds WHERE status = 'succeeded'"), 1);
  ASSERT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 0);

  const auto again = Post(approve_path, json::object{}, support.access_token);
  ASSERT_EQ(again.status, 200) << again.response.body;
  EXPECT_EQ(again.str("status"), "approved");
  EXPECT_EQ(again.obj().at("refund").as_object().at("amount").as_object().at("amount").as_int64(),
            order.total - FeeOf(order.id));
  EXPECT_EQ(OrderStatus(order.id, ada), "refunded");
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds"), 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM refunds"), 1);
}

/// The simulated processor, except that it refuses the first refund asked of it.
class RefusesTheFirstRefund final : public payments::testing::SimulatedWithFaults {
 public:
  Result<payments::Refund> CreateRefund(const payments::RefundRequest& r) override {
    if (refused_++ == 0) return payments::Refund{.id = "re_refused", .amount = r.amount, .status = "failed"};
    return inner_.CreateRefund(r);
  }

 private:
  int refused_ = 0;
};

class RefundsWithARefusal : public FulfilmentHarness {
 protected:
  std::unique_ptr<payments::PaymentProvider> MakeProvider() override {
    return std::make_unique<RefusesTheFirstRefund>();
  }
};

// The processor refuses an approval's refund: the request stays pending, and approving it again
// is a new attempt (a key of its own), which the processor accepts.
TEST_F(RefundsWithARefusal, AnApprovalTheProcessorRefusedCanBeTriedAgain) {
  auto ada = Customer(1);
  auto support = Staff("support@shop.test", Role::kSupport);
  const auto order = DeliveredOrder(ada, "HP-1");
  auto created = Post("/api/v1/orders/" + std::to_string(order.id) + "/refund-requests",
                      json::object{{"reason", "arrived broken"}, {"amount", 1500}}, ada.access_token);
  ASSERT_EQ(created.status, 201) << created.response.body;
  const auto approve_path = "/api/v1/admin/refund-requests/" + std::to_string(Id(created)) + "/approve";

  const auto refused = Post(approve_path, json::object{}, support.access_token);
  EXPECT_EQ(refused.status, 409) << refused.response.body;
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM refund_requests WHERE status = 'pending'"), 1);

  const auto again = Post(approve_path, json::object{}, support.access_token);
  ASSERT_EQ(again.status, 200) << again.response.body;
  EXPECT_EQ(again.obj().at("refund").as_object().at("amount").as_object().at("amount").as_int64(), 1500);
  EXPECT_EQ(OrderStatus(order.id, ada), "partially_refunded");
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds WHERE status = 'failed'"), 1);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM payment_refunds WHERE status = 'succeeded'"), 1);
}

TEST_F(RefundsApi, ADeniedRequestNeedsAReasonThatTheCustomerIsSent) {
  auto ada = Customer(1);
  const auto order = DeliveredOrder(ada, "HP-1");
  auto created = Post("/api/v1/orders/" + std::to_string(order.id) + "/refund-requests", Reason("changed my mind"),
                      ada.access_token);
  ASSERT_EQ(created.status, 201) << created.response.body;
  const auto deny_path = "/api/v1/admin/refund-requests/" + std::to_string(Id(created)) + "/deny";

  auto no_reason = Post(deny_path, json::object{}, manager_.access_token);
  EXPECT_EQ(no_reason.status, 422);
  EXPECT_EQ(no_reason.error_fields(), std::vector<std::string>{"reason"});

  auto denied = Post(deny_path, Reason("opened and used"), manager_.access_token);
  ASSERT_EQ(denied.status, 200) << denied.response.body;
  EXPECT_EQ(denied.str("status"), "denied");
  EXPECT_EQ(denied.str("decision_reason"), "opened and used");
  EXPECT_EQ(OrderStatus(order.id, ada), "delivered");

  auto mails = MailsOf("refunds_request_denied");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].text.find("opened and used"), std::string::npos);
  EXPECT_EQ(Post(deny_path, Reason("again"), manager_.access_token).status, 409);
  const auto approve_path = "/api/v1/admin/refund-requests/" + std::to_string(Id(created)) + "/approve";
  EXPECT_EQ(Post(approve_path, json::object{}, manager_.access_token).status, 409);

  // Decided: the customer may ask again.
  EXPECT_EQ(Post("/api/v1/orders/" + std::to_string(order.id) + "/refund-requests", Reason(), ada.access_token).status,
            201);
}

}  // namespace
}  // namespace emporium::fulfilment::testing
