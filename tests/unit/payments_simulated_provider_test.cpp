// The simulated processor: Stripe test-mode outcomes, fees, idempotency and refund limits.

#include <gtest/gtest.h>

#include <cctype>

#include "core/crypto.hpp"
#include "modules/payments/simulated_provider.hpp"

namespace emporium::payments {
namespace {

class SimulatedProviderTest : public ::testing::Test {
 protected:
  void SetUp() override { core::InitCrypto(); }

  Result<Intent> Pay(const std::string& payment_method, const std::string& key, std::int64_t amount = 1000) {
    return provider_.CreateIntent({.amount = amount,
                                   .currency = "USD",
                                   .payment_method = payment_method,
                                   .metadata = {{"order_id", "42"}},
                                   .idempotency_key = key});
  }

  SimulatedProvider provider_;
};

TEST(SimulatedFee, IsTwoPointNinePercentPlusThirtyRoundedHalfUp) {
  EXPECT_EQ(SimulatedFee(1000), 59);      // 29 + 30
  EXPECT_EQ(SimulatedFee(500), 45);       // 14.5 → 15
  EXPECT_EQ(SimulatedFee(50), 31);        // 1.45 → 1
  EXPECT_EQ(SimulatedFee(18), 31);        // 0.522 → 1
  EXPECT_EQ(SimulatedFee(1), 30);         // 0.029 → 0
  EXPECT_EQ(SimulatedFee(123456), 3610);  // 3580.224 → 3580
}

TEST_F(SimulatedProviderTest, ChargesTheSucceedingTestCards) {
  for (const char* pm : {"pm_card_visa", "pm_card_mastercard", "tok_visa"}) {
    const auto intent = Pay(pm, std::string("k-") + pm, 2599);
    ASSERT_TRUE(intent) << pm;
    EXPECT_EQ(intent->status, IntentStatus::kSucceeded) << pm;
    EXPECT_EQ(intent->amount, 2599);
    EXPECT_EQ(intent->fee, SimulatedFee(2599));
    EXPECT_TRUE(intent->charge_id.starts_with("ch_"));
    EXPECT_EQ(intent->metadata.at("order_id"), "42");
    ASSERT_EQ(intent->id.size(), 3u + 24u);
    EXPECT_TRUE(intent->id.starts_with("pi_"));
    for (char c : intent->id.substr(3)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << intent->id;
  }
}

TEST_F(SimulatedProviderTest, DeclinesWithStripesDeclineCodes) {
  const auto declined = Pay("pm_card_chargeDeclined", "k1");
  ASSERT_TRUE(declined);
  EXPECT_EQ(declined->status, IntentStatus::kDeclined);
  EXPECT_EQ(declined->decline_code, "card_declined");
  EXPECT_FALSE(declined->failure_message.empty());
  EXPECT_EQ(declined->fee, 0);

  const auto poor = Pay("pm_card_insufficientFunds", "k2");
  ASSERT_TRUE(poor);
  EXPECT_EQ(poor->status, IntentStatus::kDeclined);
  EXPECT_EQ(poor->decline_code, "insufficient_funds");
}

TEST_F(SimulatedProviderTest, RequiresActionThenConfirmSucceeds) {
  const auto intent = Pay("pm_card_authenticationRequired", "k3");
  ASSERT_TRUE(intent);
  EXPECT_EQ(intent->status, IntentStatus::kRequiresAction);
  EXPECT_TRUE(intent->client_secret.starts_with(intent->id + "_secret_")) << intent->client_secret;
  EXPECT_EQ(intent->fee, 0);

  const auto confirmed = provider_.ConfirmIntent(intent->id, "c3");
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->status, IntentStatus::kSucceeded);
  EXPECT_EQ(confirmed->fee, SimulatedFee(1000));
  const auto again = provider_.ConfirmIntent(intent->id, "c3");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->charge_id, confirmed->charge_id) << "confirming twice charges once";
  EXPECT_EQ(provider_.RetrieveIntent(intent->id)->status, IntentStatus::kSucceeded);
}

TEST_F(SimulatedProviderTest, ACancelledIntentCanNoLongerBeCharged) {
  const auto intent = Pay("pm_card_authenticationRequired", "k-cancel");
  ASSERT_TRUE(intent);
  const auto cancelled = provider_.CancelIntent(intent->id, "cancel-1");
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, IntentStatus::kCanceled);
  EXPECT_TRUE(cancelled->client_secret.empty());
  const auto confirmed = provider_.ConfirmIntent(intent->id, "c-after-cancel");
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->status, IntentStatus::kCanceled);
  EXPECT_TRUE(confirmed->charge_id.empty()) << "nothing charged";
  EXPECT_FALSE(provider_.CancelIntent("pi_doesnotexist", "cancel-2"));
}

TEST_F(SimulatedProviderTest, ASucceededIntentIsAnsweredAsItStandsWhenCancelled) {
  const auto paid = Pay("pm_card_visa", "k-paid");
  ASSERT_TRUE(paid);
  const auto answer = provider_.CancelIntent(paid->id, "cancel-paid");
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->status, IntentStatus::kSucceeded);
  EXPECT_EQ(answer->charge_id, paid->charge_id);
}

TEST_F(SimulatedProviderTest, RejectsUnknownPaymentMethods) {
  const auto intent = Pay("pm_card_unknown", "k4");
  ASSERT_FALSE(intent);
  EXPECT_EQ(intent.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(intent.error().field, "payment_method_id");
  EXPECT_FALSE(Pay("4242424242424242", "k5"));
  EXPECT_FALSE(provider_.ConfirmIntent("pi_doesnotexist", "c"));
}

TEST_F(SimulatedProviderTest, TheSameKeyReturnsTheSameIntent) {
  const auto first = Pay("pm_card_visa", "same-key");
  const auto second = Pay("pm_card_visa", "same-key");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(first->charge_id, second->charge_id);
  EXPECT_NE(Pay("pm_card_visa", "other-key")->id, first->id);

  const auto changed = Pay("pm_card_visa", "same-key", 999);
  ASSERT_FALSE(changed) << "a key reused for a different request";
  EXPECT_EQ(changed.error().code, ErrorCode::kConflict);
}

TEST_F(SimulatedProviderTest, ForgetsTheOldestKeysBeyondItsBound) {
  SimulatedProvider small(2);
  auto pay = [&](const std::string& key) {
    return small
        .CreateIntent({.amount = 100, .currency = "USD", .payment_method = "pm_card_visa", .idempotency_key = key})
        ->id;
  };
  const std::string first = pay("a");
  pay("b");
  pay("c");
  EXPECT_NE(pay("a"), first) << "key a was forgotten";
  EXPECT_EQ(pay("c"), pay("c"));
}

TEST_F(SimulatedProviderTest, SavedCardsKeepTheirTestCardsBehaviour) {
  const auto customer = provider_.CreateCustomer("jane@example.com", "Jane Doe", "cust-1");
  ASSERT_TRUE(customer);
  EXPECT_TRUE(customer->starts_with("cus_"));
  EXPECT_EQ(*provider_.CreateCustomer("jane@example.com", "Jane Doe", "cust-1"), *customer);

  const auto visa = provider_.AttachCard(*customer, "tok_visa", "card-1");
  ASSERT_TRUE(visa);
  EXPECT_EQ(visa->brand, "visa");
  EXPECT_EQ(visa->last4, "4242");
  EXPECT_EQ(visa->exp_month, 12);
  EXPECT_EQ(visa->exp_year, 2034);
  EXPECT_EQ(provider_.AttachCard(*customer, "tok_visa", "card-1")->id, visa->id) << "replayed";

  const auto action = provider_.AttachCard(*customer, "pm_card_authenticationRequired", "card-2");
  ASSERT_TRUE(action);
  // A fresh simulator (a restart) still knows what the saved card does.
  SimulatedProvider restarted;
  EXPECT_EQ(
      restarted.CreateIntent({.amount = 100, .currency = "USD", .payment_method = visa->id, .idempotency_key = "r1"})
          ->status,
      IntentStatus::kSucceeded);
  EXPECT_EQ(
      restarted.CreateIntent({.amount = 100, .currency = "USD", .payment_method = action->id, .idempotency_key = "r2"})
          ->status,
      IntentStatus::kRequiresAction);

  EXPECT_EQ(provider_.AttachCard(*customer, "pm_card_chargeDeclined", "card-3").error().code,
            ErrorCode::kPaymentDeclined);
  EXPECT_EQ(provider_.AttachCard(*customer, "tok_bogus", "card-4").error().field, "provider_token");
  EXPECT_TRUE(provider_.DetachCard(visa->id));
}

TEST_F(SimulatedProviderTest, RefundsNoMoreThanWasCharged) {
  const auto intent = Pay("pm_card_visa", "k6", 1000);
  ASSERT_TRUE(intent);
  const auto first = provider_.CreateRefund({.payment_intent = intent->id, .amount = 600, .idempotency_key = "r1"});
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->id.starts_with("re_"));
  EXPECT_EQ(first->status, "succeeded");
  EXPECT_EQ(provider_.CreateRefund({.payment_intent = intent->id, .amount = 600, .idempotency_key = "r1"})->id,
            first->id);
  const auto too_much = provider_.CreateRefund({.payment_intent = intent->id, .amount = 401, .idempotency_key = "r2"});
  ASSERT_FALSE(too_much);
  EXPECT_EQ(too_much.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(provider_.CreateRefund({.payment_intent = intent->id, .amount = 400, .idempotency_key = "r3"}));

  const auto declined = Pay("pm_card_chargeDeclined", "k7");
  EXPECT_FALSE(provider_.CreateRefund({.payment_intent = declined->id, .amount = 1, .idempotency_key = "r4"}));
}

}  // namespace
}  // namespace emporium::payments
