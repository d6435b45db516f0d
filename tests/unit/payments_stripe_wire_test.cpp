// Stripe's wire format: form encoding, error objects and their mapping, intent fields.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "modules/payments/stripe_wire.hpp"

namespace emporium::payments {
namespace {

TEST(StripeForm, KeepsBracketsOfNestedKeysAndEncodesEverythingElse) {
  EXPECT_EQ(
      FormEncode({{"amount", "2599"}, {"metadata[order_id]", "42"}, {"expand[]", "latest_charge.balance_transaction"}}),
      "amount=2599&metadata[order_id]=42&expand[]=latest_charge.balance_transaction");
  EXPECT_EQ(FormEncode({{"description", "a b&c=d/é"}}), "description=a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(FormEncode({{"metadata[a b]", "[x]"}}), "metadata[a%20b]=%5Bx%5D") << "brackets are literal in keys only";
  EXPECT_EQ(FormEncode({}), "");
  EXPECT_EQ(PercentEncode("pm_1/../x y[]"), "pm_1%2F..%2Fx%20y%5B%5D");
  EXPECT_EQ(FormEncode({{"email", "jane+shop@example.com"}}), "email=jane%2Bshop%40example.com");
}

TEST(StripeErrors, ParsesTheErrorObject) {
  const auto e = ParseStripeError(R"({"error": {"type": "card_error", "code": "card_declined",
      "decline_code": "insufficient_funds", "message": "Your card has insufficient funds.",
      "payment_intent": {"id": "pi_1", "status": "requires_payment_method", "amount": 500}}})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "card_error");
  EXPECT_EQ(e->decline_code, "insufficient_funds");
  ASSERT_TRUE(e->payment_intent);
  const Intent declined = DeclinedIntent(*e);
  EXPECT_EQ(declined.id, "pi_1");
  EXPECT_EQ(declined.status, IntentStatus::kDeclined);
  EXPECT_EQ(declined.decline_code, "insufficient_funds");
  EXPECT_EQ(declined.failure_message, "Your card has insufficient funds.");
  EXPECT_FALSE(ParseStripeError(R"({"id": "pi_1"})"));
  EXPECT_FALSE(ParseStripeError("<html>Bad gateway</html>"));
}

TEST(StripeErrors, MapsErrorTypesOntoOurCodes) {
  const Error card = MapStripeError({.type = "card_error", .code = "card_declined", .message = "Declined."}, "x");
  EXPECT_EQ(card.code, ErrorCode::kPaymentDeclined);
  EXPECT_EQ(card.message, "Declined.");

  const Error invalid =
      MapStripeError({.type = "invalid_request_error", .code = "resource_missing"}, "payment_method_id");
  EXPECT_EQ(invalid.code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(invalid.fields.size(), 1u);
  EXPECT_EQ(invalid.fields[0].field, "payment_method_id");

  EXPECT_EQ(MapStripeError({.type = "idempotency_error"}, "x").code, ErrorCode::kConflict);
  for (const char* type : {"api_error", "rate_limit_error", "authentication_error", ""}) {
    EXPECT_EQ(MapStripeError({.type = type}, "x").code, ErrorCode::kUnavailable) << type;
  }
}

TEST(StripeIntent, MapsStatusesAndReadsTheExpandedFee) {
  EXPECT_EQ(IntentStatusFromStripe("succeeded"), IntentStatus::kSucceeded);
  EXPECT_EQ(IntentStatusFromStripe("requires_action"), IntentStatus::kRequiresAction);
  EXPECT_EQ(IntentStatusFromStripe("requires_payment_method"), IntentStatus::kDeclined);
  EXPECT_EQ(IntentStatusFromStripe("processing"), IntentStatus::kProcessing);
  EXPECT_EQ(IntentStatusFromStripe("canceled"), IntentStatus::kCanceled);

  const auto expanded = boost::json::parse(R"({"id": "pi_1", "status": "succeeded", "amount": 1000,
      "currency": "usd", "latest_charge": {"id": "ch_1", "balance_transaction": {"fee": 59}},
      "metadata": {"order_id": "42"}})")
                            .as_object();
  const Intent intent = IntentFromJson(expanded);
  EXPECT_EQ(intent.id, "pi_1");
  EXPECT_EQ(intent.charge_id, "ch_1");
  EXPECT_EQ(intent.fee, 59);
  EXPECT_EQ(intent.metadata.at("order_id"), "42");

  const auto plain = boost::json::parse(R"({"id": "pi_2", "status": "requires_action", "amount": 1000,
      "client_secret": "pi_2_secret_abc", "latest_charge": "ch_2"})")
                         .as_object();
  const Intent action = IntentFromJson(plain);
  EXPECT_EQ(action.status, IntentStatus::kRequiresAction);
  EXPECT_EQ(action.client_secret, "pi_2_secret_abc");
  EXPECT_EQ(action.charge_id, "ch_2");
  EXPECT_EQ(action.fee, 0) << "unknown without expansion";
}

TEST(StripeCard, ReadsThePaymentMethodsCard) {
  const auto pm = boost::json::parse(R"({"id": "pm_1", "card": {"brand": "visa", "last4": "4242",
      "exp_month": 12, "exp_year": 2034}})")
                      .as_object();
  const Card card = CardFromJson(pm);
  EXPECT_EQ(card.id, "pm_1");
  EXPECT_EQ(card.brand, "visa");
  EXPECT_EQ(card.last4, "4242");
  EXPECT_EQ(card.exp_month, 12);
  EXPECT_EQ(card.exp_year, 2034);
}

}  // namespace
}  // namespace emporium::payments
