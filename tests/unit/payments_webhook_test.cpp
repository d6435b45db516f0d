// Stripe-Signature verification and webhook event parsing. The reference signature was computed
// with Node's crypto.createHmac('sha256', secret).update(`${t}.${payload}`), independently of our
// HMAC helper.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "modules/payments/stripe_webhook.hpp"

namespace emporium::payments {
namespace {

constexpr const char* kSecret = "whsec_test_secret";
constexpr const char* kPayload = R"({"id":"evt_1","type":"payment_intent.succeeded"})";
constexpr std::int64_t kSigned = 1'700'000'000;
constexpr const char* kReference = "22d8dc182f5c588077683bd378368e29765bfe5df2560112b4f28fef120f0e31";

std::string Header(std::int64_t t, const std::string& v1) { return "t=" + std::to_string(t) + ",v1=" + v1; }

class StripeSignature : public ::testing::Test {
 protected:
  void SetUp() override { core::InitCrypto(); }
};

TEST_F(StripeSignature, AcceptsStripesSignatureOfThePayload) {
  EXPECT_TRUE(VerifyStripeSignature(Header(kSigned, kReference), kPayload, kSecret, kSigned));
}

TEST_F(StripeSignature, AcceptsAnyOfSeveralV1SignaturesDuringASecretRoll) {
  const std::string other(64, 'a');
  const std::string header = "t=1700000000,v1=" + other + ",v1=" + kReference + ",v0=deadbeef";
  EXPECT_TRUE(VerifyStripeSignature(header, kPayload, kSecret, kSigned));
  EXPECT_TRUE(VerifyStripeSignature(" t=1700000000 , v1=" + std::string(kReference), kPayload, kSecret, kSigned))
      << "spaces around items are tolerated";
}

TEST_F(StripeSignature, RejectsATamperedPayloadOrAnotherSecret) {
  const std::string tampered = R"({"id":"evt_1","type":"payment_intent.succeeded" })";
  EXPECT_EQ(VerifyStripeSignature(Header(kSigned, kReference), tampered, kSecret, kSigned).error().code,
            ErrorCode::kBadRequest);
  EXPECT_FALSE(VerifyStripeSignature(Header(kSigned, kReference), kPayload, "whsec_other", kSigned));
  EXPECT_FALSE(VerifyStripeSignature(Header(kSigned + 1, kReference), kPayload, kSecret, kSigned))
      << "the timestamp is part of what is signed";
}

TEST_F(StripeSignature, AppliesAFiveMinuteToleranceBothWays) {
  const std::string header = Header(kSigned, kReference);
  EXPECT_TRUE(VerifyStripeSignature(header, kPayload, kSecret, kSigned + 300));
  EXPECT_FALSE(VerifyStripeSignature(header, kPayload, kSecret, kSigned + 301));
  EXPECT_TRUE(VerifyStripeSignature(header, kPayload, kSecret, kSigned - 300));
  EXPECT_FALSE(VerifyStripeSignature(header, kPayload, kSecret, kSigned - 301));
  EXPECT_TRUE(VerifyStripeSignature(header, kPayload, kSecret, kSigned + 900, 1000)) << "custom tolerance";
}

TEST_F(StripeSignature, RejectsMalformedHeaders) {
  const std::string reference(kReference);
  for (const std::string& header :
       std::vector<std::string>{"", "v1=" + reference, "t=1700000000", "t=1700000000,v0=abc", "t=abc,v1=" + reference,
                                "t=1700000000,t=1700000000,v1=" + reference, "garbage"}) {
    EXPECT_FALSE(VerifyStripeSignature(header, kPayload, kSecret, kSigned)) << header;
  }
}

TEST(StripeEvent, ReadsAPaymentIntentEvent) {
  const auto event = ParseStripeEvent(R"({
    "id": "evt_123", "type": "payment_intent.succeeded", "created": 1700000001,
    "data": {"object": {"id": "pi_abc", "object": "payment_intent", "status": "succeeded", "amount": 2599,
      "currency": "usd", "metadata": {"payment_id": "17", "order_id": "42"},
      "latest_charge": {"id": "ch_1", "balance_transaction": {"fee": 105}}}}})");
  ASSERT_TRUE(event) << event.error().message;
  EXPECT_EQ(event->id, "evt_123");
  EXPECT_EQ(event->type, "payment_intent.succeeded");
  EXPECT_EQ(event->created, 1700000001);
  EXPECT_EQ(event->intent_id, "pi_abc");
  EXPECT_EQ(event->charge_id, "ch_1");
  EXPECT_EQ(event->amount, 2599);
  EXPECT_EQ(event->fee, 105);
  EXPECT_EQ(event->currency, "usd");
  EXPECT_EQ(event->payment_id, 17);
  EXPECT_EQ(event->metadata.at("order_id"), "42");
  EXPECT_EQ(event->object.at("status"), "succeeded");
}

TEST(StripeEvent, ReadsAFailedIntentsErrorMessage) {
  const auto event = ParseStripeEvent(R"({"id": "evt_2", "type": "payment_intent.payment_failed", "created": 1,
    "data": {"object": {"id": "pi_x", "amount": 100, "status": "requires_payment_method",
      "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds",
                             "message": "Your card has insufficient funds."}}}})");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->failure_message, "Your card has insufficient funds.");
  EXPECT_EQ(event->payment_id, 0) << "no metadata";
}

TEST(StripeEvent, ReadsARefundedCharge) {
  const auto event = ParseStripeEvent(R"({"id": "evt_3", "type": "charge.refunded", "created": 2,
    "data": {"object": {"id": "ch_9", "object": "charge", "payment_intent": "pi_9", "amount": 5000,
      "amount_refunded": 1250, "currency": "usd", "metadata": {}}}})");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->intent_id, "pi_9");
  EXPECT_EQ(event->charge_id, "ch_9");
  EXPECT_EQ(event->amount, 5000);
  EXPECT_EQ(event->amount_refunded, 1250);
}

TEST(StripeEvent, KeepsUnknownEventTypesWithTheirObject) {
  const auto event = ParseStripeEvent(R"({"id": "evt_4", "type": "invoice.paid", "created": 3,
    "data": {"object": {"id": "in_1", "subscription": "sub_1"}}})");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, "invoice.paid");
  EXPECT_TRUE(event->intent_id.empty());
  EXPECT_EQ(event->object.at("subscription"), "sub_1");
}

TEST(StripeEvent, RejectsWhatIsNotAnEvent) {
  for (const char* body :
       {"", "[]", "not json", R"({"id": "evt_1"})", R"({"id": "evt_1", "type": "x"})",
        R"({"id": "evt_1", "type": "x", "data": {"object": 5}})", R"({"type": "x", "data": {"object": {}}})"}) {
    const auto event = ParseStripeEvent(body);
    ASSERT_FALSE(event) << body;
    EXPECT_EQ(event.error().code, ErrorCode::kBadRequest);
  }
}

}  // namespace
}  // namespace emporium::payments
