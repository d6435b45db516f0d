// PaymentsModule on the test database (SQLite and MariaDB) with the simulated processor: saved
// card routes, payments executed through the one event path, processor events applied once and
// only forward, and refunds held against what remains with a conditional update.

#include <atomic>
#include <thread>

#include "integration/payments_fixture.hpp"
#include "integration/simulated_with_faults.hpp"
#include "modules/payments/simulated_provider.hpp"

namespace emporium::payments::testing {
namespace {

using auth::testing::Session;

class PaymentsApi : public PaymentsHarness {
 protected:
  void SetUp() override {
    PaymentsHarness::SetUp();
    jane_ = Register("jane@shop.test");
    john_ = Register("john@shop.test");
  }
  Session jane_, john_;
};

TEST_F(PaymentsApi, SavedCardsCanBeListedAddedMadeDefaultAndDeleted) {
  auto first = Post("/api/v1/me/payment-methods", json::object{{"provider_token", "tok_visa"}}, jane_.access_token);
  ASSERT_EQ(first.status, 201) << first.response.body;
  EXPECT_EQ(first.obj().at("brand"), "visa");
  EXPECT_EQ(first.obj().at("last4"), "4242");
  EXPECT_EQ(first.obj().at("exp_month"), 12);
  EXPECT_EQ(first.obj().at("exp_year"), 2034);
  EXPECT_EQ(first.obj().at("is_default"), true) << "the first card becomes the default";
  const std::int64_t visa = first.obj().at("id").as_int64();
  const std::int64_t mastercard = SaveCard(jane_.access_token, "pm_card_mastercard");

  auto list = Get("/api/v1/me/payment-methods", jane_.access_token);
  ASSERT_EQ(list.status, 200);
  const auto& items = list.obj().at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].as_object().at("brand"), "mastercard");
  EXPECT_EQ(items[1].as_object().at("is_default"), false);
  EXPECT_TRUE(list.obj().at("next_cursor").is_null());
  EXPECT_EQ(Get("/api/v1/me/payment-methods", john_.access_token).obj().at("items").as_array().size(), 0u);

  auto made_default =
      Post("/api/v1/me/payment-methods/" + std::to_string(mastercard) + "/default", json::object{}, jane_.access_token);
  ASSERT_EQ(made_default.status, 200) << made_default.response.body;
  EXPECT_EQ(made_default.obj().at("is_default"), true);
  list = Get("/api/v1/me/payment-methods", jane_.access_token);
  EXPECT_EQ(list.obj().at("items").as_array()[0].as_object().at("is_default"), false);

  EXPECT_EQ(Delete("/api/v1/me/payment-methods/" + std::to_string(mastercard), jane_.access_token).status, 204);
  list = Get("/api/v1/me/payment-methods", jane_.access_token);
  ASSERT_EQ(list.obj().at("items").as_array().size(), 1u);
  EXPECT_EQ(list.obj().at("items").as_array()[0].as_object().at("id"), visa);
  EXPECT_EQ(list.obj().at("items").as_array()[0].as_object().at("is_default"), true)
      << "deleting the default promotes the remaining card";
  EXPECT_EQ(Delete("/api/v1/me/payment-methods/" + std::to_string(mastercard), jane_.access_token).status, 404);
}

TEST_F(PaymentsApi, AnotherUsersCardIsNotFound) {
  const std::int64_t card = SaveCard(jane_.access_token, "tok_visa");
  EXPECT_EQ(Delete("/api/v1/me/payment-methods/" + std::to_string(card), john_.access_token).status, 404);
  EXPECT_EQ(Post("/api/v1/me/payment-methods/" + std::to_string(card) + "/default", json::object{}, john_.access_token)
                .status,
            404);
  EXPECT_EQ(Delete("/api/v1/me/payment-methods/abc", jane_.access_token).status, 404);
  EXPECT_EQ(Get("/api/v1/me/payment-methods").status, 401);
}

TEST_F(PaymentsApi, BadTokensAreRejectedWithoutSavingAnything) {
  auto unknown = Post("/api/v1/me/payment-methods", json::object{{"provider_token", "tok_nope"}}, jane_.access_token);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.error_fields(), std::vector<std::string>{"provider_token"});
  auto missing = Post("/api/v1/me/payment-methods", json::object{}, jane_.access_token);
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.error_fields(), std::vector<std::string>{"provider_token"});
  auto declined = Post("/api/v1/me/payment-methods", json::object{{"provider_token", "pm_card_chargeDeclined"}},
                       jane_.access_token);
  EXPECT_EQ(declined.status, 402) << declined.response.body;
  EXPECT_EQ(Post("/api/v1/me/payment-methods", json::object{{"provider_token", "tok_visa"}}).status, 401);
  EXPECT_EQ(Get("/api/v1/me/payment-methods", jane_.access_token).obj().at("items").as_array().size(), 0u);
}

TEST_F(PaymentsApi, ExecuteChargesOnceAndRecordsThroughTheEventPath) {
  const std::int64_t card = SaveCard(jane_.access_token, "tok_visa");
  auto payment_id = NewPaymentFor(jane_.user_id, std::to_string(card));
  ASSERT_TRUE(payment_id) << payment_id.error().message;
  EXPECT_EQ(Record(*payment_id).status, "created");

  auto outcome = payments_->Execute(*payment_id);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->status, IntentStatus::kSucceeded);
  EXPECT_TRUE(outcome->intent_id.starts_with("pi_"));

  const PaymentRecord record = Record(*payment_id);
  EXPECT_EQ(record.status, "succeeded");
  EXPECT_EQ(record.intent_id, outcome->intent_id);
  EXPECT_EQ(record.fee, SimulatedFee(2599));
  EXPECT_EQ(record.provider, "simulated");
  EXPECT_EQ(record.order_id, 42);

  ASSERT_EQ(sink_.Events().size(), 1u);
  const PaymentEvent event = sink_.Events()[0];
  EXPECT_EQ(event.type, "payment_intent.succeeded");
  EXPECT_EQ(event.id, "api_" + outcome->intent_id + "_succeeded");
  EXPECT_EQ(event.payment_id, *payment_id);
  EXPECT_EQ(event.metadata.at("order_id"), "42");
  EXPECT_EQ(event.object.at("status"), "succeeded");

  auto again = payments_->Execute(*payment_id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->intent_id, outcome->intent_id);
  EXPECT_EQ(sink_.Events().size(), 1u) << "a charged payment is not charged or recorded again";
}

TEST_F(PaymentsApi, ADeclineIsAnOutcomeAndFailsThePayment) {
  auto payment_id = NewPaymentFor(jane_.user_id, "pm_card_insufficientFunds");
  ASSERT_TRUE(payment_id);
  auto outcome = payments_->Execute(*payment_id);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->status, IntentStatus::kDeclined);
  EXPECT_EQ(outcome->decline_code, "insufficient_funds");
  const PaymentRecord record = Record(*payment_id);
  EXPECT_EQ(record.status, "failed");
  EXPECT_EQ(record.failure_message, outcome->failure_message);
  EXPECT_EQ(record.fee, 0);
  EXPECT_EQ(sink_.CountOf("payment_intent.payment_failed"), 1);
}

TEST_F(PaymentsApi, RequiresActionThenConfirmSucceeds) {
  auto payment_id = NewPaymentFor(jane_.user_id, "pm_card_authenticationRequired");
  ASSERT_TRUE(payment_id);
  auto outcome = payments_->Execute(*payment_id);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->status, IntentStatus::kRequiresAction);
  EXPECT_TRUE(outcome->client_secret.starts_with(outcome->intent_id + "_secret_"));
  EXPECT_EQ(Record(*payment_id).status, "requires_action");
  EXPECT_EQ(Record(*payment_id).client_secret, outcome->client_secret);

  auto confirmed = payments_->Confirm(*payment_id);
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  EXPECT_EQ(confirmed->status, IntentStatus::kSucceeded);
  EXPECT_EQ(Record(*payment_id).status, "succeeded");
  EXPECT_EQ(Record(*payment_id).fee, SimulatedFee(2599));
  EXPECT_EQ(sink_.CountOf("payment_intent.requires_action"), 1);
  EXPECT_EQ(sink_.CountOf("payment_intent.succeeded"), 1);
  EXPECT_EQ(payments_->Confirm(*payment_id)->status, IntentStatus::kSucceeded);
  EXPECT_EQ(sink_.CountOf("payment_intent.succeeded"), 1) << "confirming again changes nothing";
}

TEST_F(PaymentsApi, CreatePaymentChecksThePaymentMethodBelongsToTheUser) {
  const std::int64_t johns_card = SaveCard(john_.access_token, "tok_visa");
  auto theirs = NewPaymentFor(jane_.user_id, std::to_string(johns_card));
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(theirs.error().field, "payment_method_id");

  EXPECT_TRUE(NewPaymentFor(john_.user_id, "")) << "empty means his default card";
  auto no_default = NewPaymentFor(jane_.user_id, "");
  ASSERT_FALSE(no_default);
  EXPECT_EQ(no_default.error().field, "payment_method_id");
  EXPECT_EQ(NewPaymentFor(jane_.user_id, "card-1").error().field, "payment_method_id");
  EXPECT_EQ(NewPaymentFor(jane_.user_id, "pm_card_visa", 0).error().field, "amount");
  EXPECT_TRUE(NewPaymentFor(jane_.user_id, "pm_card_visa", 100, std::nullopt));
}

PaymentEvent IntentEvent(const std::string& id, const std::string& type, const std::string& intent) {
  PaymentEvent e;
  e.id = id;
  e.type = type;
  e.intent_id = intent;
  e.created = 1;
  return e;
}

TEST_F(PaymentsApi, AnEventIsHandledOnceAndOnlyMovesAPaymentForward) {
  auto payment_id = NewPaymentFor(jane_.user_id, "pm_card_visa");
  auto outcome = payments_->Execute(*payment_id);
  ASSERT_TRUE(outcome);
  const std::string intent = outcome->intent_id;

  // Stripe's own webhook for the same success, delivered twice.
  auto webhook = IntentEvent("evt_1", "payment_intent.succeeded", intent);
  ASSERT_TRUE(payments_->HandleEvent(webhook));
  ASSERT_TRUE(payments_->HandleEvent(webhook));
  EXPECT_EQ(sink_.CountOf("payment_intent.succeeded"), 2) << "the API answer and the webhook, each once";
  EXPECT_EQ(sink_.Events().back().payment_id, *payment_id) << "found by its intent";

  auto late_failure = IntentEvent("evt_2", "payment_intent.payment_failed", intent);
  late_failure.failure_message = "stale";
  ASSERT_TRUE(payments_->HandleEvent(late_failure));
  EXPECT_EQ(Record(*payment_id).status, "succeeded") << "never from succeeded back to failed";
  EXPECT_EQ(sink_.CountOf("payment_intent.payment_failed"), 1) << "sinks still see it and decide";
}

TEST_F(PaymentsApi, ASinkErrorRollsTheEventBackSoItCanBeRedelivered) {
  auto payment_id = NewPaymentFor(jane_.user_id, "pm_card_authenticationRequired");
  auto outcome = payments_->Execute(*payment_id);
  ASSERT_TRUE(outcome);
  sink_.SetFailing(true);
  auto event = IntentEvent("evt_retry", "payment_intent.succeeded", outcome->intent_id);
  EXPECT_FALSE(payments_->HandleEvent(event));
  EXPECT_EQ(Record(*payment_id).status, "requires_action");
  sink_.SetFailing(false);
  EXPECT_TRUE(payments_->HandleEvent(event));
  EXPECT_EQ(Record(*payment_id).status, "succeeded");
}

TEST_F(PaymentsApi, EventsOfOtherObjectsReachTheSinksWithoutAPayment) {
  PaymentEvent invoice;
  invoice.id = "evt_invoice";
  invoice.type = "invoice.paid";
  invoice.object = json::object{{"id", "in_1"}};
  ASSERT_TRUE(payments_->HandleEvent(invoice));
  ASSERT_EQ(sink_.Events().size(), 1u);
  EXPECT_EQ(sink_.Events()[0].payment_id, 0);
}

class PaymentsRefunds : public PaymentsApi {
 protected:
  std::int64_t PaidPayment(std::int64_t amount) {
    auto payment_id = NewPaymentFor(jane_.user_id, "pm_card_visa", amount);
    EXPECT_TRUE(payment_id);
    auto outcome = payments_->Execute(*payment_id);
    EXPECT_TRUE(outcome && outcome->status == IntentStatus::kSucceeded);
    return *payment_id;
  }
};

TEST_F(PaymentsRefunds, RefundsUpToTheAmountAndNoMore) {
  const std::int64_t payment = PaidPayment(5000);
  auto first = payments_->Refund(payment, 2000, "damaged", "refund-a");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->status, "succeeded");
  EXPECT_TRUE(first->provider_refund_id.starts_with("re_"));
  EXPECT_EQ(Record(payment).refunded, 2000);

  auto replay = payments_->Refund(payment, 2000, "damaged", "refund-a");
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->id, first->id) << "the same key returns the same refund";
  EXPECT_EQ(Record(payment).refunded, 2000);

  auto too_much = payments_->Refund(payment, 3001, "more", "refund-b");
  ASSERT_FALSE(too_much);
  EXPECT_EQ(too_much.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(too_much.error().field, "amount");
  EXPECT_EQ(payments_->Refund(payment, 0, "zero", "refund-c").error().field, "amount");
  ASSERT_TRUE(payments_->Refund(payment, 3000, "rest", "refund-d"));
  EXPECT_EQ(Record(payment).refunded, 5000);
}

TEST_F(PaymentsRefunds, OnlySucceededPaymentsCanBeRefunded) {
  auto declined = NewPaymentFor(jane_.user_id, "pm_card_chargeDeclined", 1000);
  ASSERT_TRUE(payments_->Execute(*declined));
  EXPECT_EQ(payments_->Refund(*declined, 100, "x", "k").error().code, ErrorCode::kConflict);
  EXPECT_EQ(payments_->Refund(999999, 100, "x", "k").error().code, ErrorCode::kNotFound);
}

TEST_F(PaymentsRefunds, TwoConcurrentRefundsOfTheRemainderExactlyOneWins) {
  const std::int64_t payment = PaidPayment(4000);
  ASSERT_TRUE(payments_->Refund(payment, 1000, "first", "k0"));
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      auto r = payments_->Refund(payment, 3000, "race", "race-" + std::to_string(i));
      if (r) {
        ++won;
      } else if (r.error().code == ErrorCode::kConflict || r.error().code == ErrorCode::kInvalidArgument) {
        ++lost;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 1);
  EXPECT_EQ(Record(payment).refunded, 4000);
}

TEST_F(PaymentsRefunds, ChargeRefundedEventsRaiseTheRefundedTotal) {
  const std::int64_t payment = PaidPayment(3000);
  PaymentEvent refunded;
  refunded.id = "evt_refund";
  refunded.type = "charge.refunded";
  refunded.intent_id = Record(payment).intent_id;
  refunded.amount_refunded = 1200;
  ASSERT_TRUE(payments_->HandleEvent(refunded));
  EXPECT_EQ(Record(payment).refunded, 1200);
  refunded.id = "evt_refund_older";
  refunded.amount_refunded = 500;
  ASSERT_TRUE(payments_->HandleEvent(refunded));
  EXPECT_EQ(Record(payment).refunded, 1200) << "a cumulative total never goes down";
}

/// The simulated processor, except that refunds are refused: the held amount must come back.
class RefusingRefunds final : public testing::SimulatedWithFaults {
 public:
  Result<Refund> CreateRefund(const RefundRequest&) override {
    return Error::Invalid("amount", "refused by the processor");
  }
};

class PaymentsRefusedRefunds : public PaymentsRefunds {
 protected:
  std::unique_ptr<PaymentProvider> MakeProvider() override { return std::make_unique<RefusingRefunds>(); }
};

TEST_F(PaymentsRefusedRefunds, ARefusedRefundGivesTheAmountBack) {
  const std::int64_t payment = PaidPayment(3000);
  auto refused = payments_->Refund(payment, 1000, "x", "k1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Record(payment).refunded, 0);
  auto replay = payments_->Refund(payment, 1000, "x", "k1");
  ASSERT_TRUE(replay) << "the key's refund row is the answer";
  EXPECT_EQ(replay->status, "failed");
  EXPECT_EQ(Record(payment).refunded, 0);
}

TEST(PaymentsRoutes, TheWebhookIsNotRoutedWithoutASecret) {
  auto database = test::OpenTestDatabase();
  core::ManualClock clock(auth::testing::kStart);
  core::Config config;  // no STRIPE_WEBHOOK_SECRET
  config.jwt_secret = "integration-test-secret-0123456789abcdef";
  config.password_ops_limit = 1;
  config.password_mem_limit = 8192;
  http::Router router;
  infra::MailService mail(std::make_unique<auth::testing::CapturingMailer>());
  auto limiter = core::MakeMemoryRateLimiter(clock);
  audit::AuditLog audit(*database, clock);
  auth::AuthModule auth(*database, config, clock, mail, *limiter, audit);
  PaymentsModule payments(*database, config, clock, auth);
  payments.RegisterRoutes(router);
  EXPECT_EQ(router.Match(http::Method::kPost, "/api/v1/webhooks/stripe").route, nullptr);
  EXPECT_NE(router.Match(http::Method::kGet, "/api/v1/me/payment-methods").route, nullptr);
  EXPECT_EQ(payments.provider().Name(), "simulated");
}

}  // namespace
}  // namespace emporium::payments::testing
