// POST /api/v1/webhooks/stripe with deliveries signed by the official `stripe` npm package
// (tests/fakes/stripe/sign-webhook.js → stripe.webhooks.generateTestHeaderString).

#include "integration/payments_fixture.hpp"

namespace emporium::payments::testing {
namespace {

constexpr const char* kSigner = "tests/fakes/stripe/sign-webhook.js";

class PaymentsWebhook : public PaymentsHarness {
 protected:
  void SetUp() override {
    PaymentsHarness::SetUp();
    jane_ = Register("jane@shop.test");
  }

  std::string Sign(const std::string& payload, std::int64_t timestamp, const std::string& secret = kWebhookSecret) {
    return RunNodeScript(kSigner, {secret, std::to_string(timestamp)}, payload);
  }

  auth::testing::CallResult Deliver(const std::string& payload, const std::string& signature) {
    return Raw(http::Method::kPost, "/api/v1/webhooks/stripe", payload, {{"Stripe-Signature", signature}});
  }

  /// A payment waiting for 3-D Secure: the webhook is what completes it.
  std::pair<std::int64_t, std::string> PendingPayment() {
    auto payment_id = NewPaymentFor(jane_.user_id, "pm_card_authenticationRequired", 4200);
    EXPECT_TRUE(payment_id);
    auto outcome = payments_->Execute(*payment_id);
    EXPECT_TRUE(outcome && outcome->status == IntentStatus::kRequiresAction);
    return {*payment_id, outcome->intent_id};
  }

  static std::string SucceededEvent(const std::string& event_id, const std::string& intent, std::int64_t payment_id) {
    return json::serialize(json::object{
        {"id", event_id},
        {"object", "event"},
        {"type", "payment_intent.succeeded"},
        {"created", auth::testing::kStart},
        {"data", json::object{{"object", json::object{{"id", intent},
                                                      {"object", "payment_intent"},
                                                      {"status", "succeeded"},
                                                      {"amount", 4200},
                                                      {"currency", "usd"},
                                                      {"latest_charge", "ch_webhook"},
                                                      {"metadata",
                                                       json::object{{"payment_id", std::to_string(payment_id)}}}}}}}});
  }

  auth::testing::Session jane_;
};

TEST_F(PaymentsWebhook, AcceptsStripeSignedDeliveriesAndHandlesEachEventOnce) {
  const auto [payment_id, intent] = PendingPayment();
  const std::string payload = SucceededEvent("evt_signed_1", intent, payment_id);
  const std::string signature = Sign(payload, clock_.NowSeconds());
  ASSERT_TRUE(signature.starts_with("t=")) << "signer output: " << signature;

  auto delivered = Deliver(payload, signature);
  ASSERT_EQ(delivered.status, 200) << delivered.response.body;
  EXPECT_EQ(delivered.obj().at("received"), true);
  EXPECT_EQ(Record(payment_id).status, "succeeded");
  EXPECT_EQ(sink_.CountOf("payment_intent.succeeded"), 1);
  EXPECT_EQ(sink_.Events().back().id, "evt_signed_1");
  EXPECT_EQ(sink_.Events().back().payment_id, payment_id);

  auto replayed = Deliver(payload, signature);
  EXPECT_EQ(replayed.status, 200) << "Stripe retries until it gets a 2xx";
  EXPECT_EQ(sink_.CountOf("payment_intent.succeeded"), 1) << "a replayed event id changes nothing";
}

TEST_F(PaymentsWebhook, RejectsTamperedPayloadsOtherSecretsAndOldTimestamps) {
  const auto [payment_id, intent] = PendingPayment();
  const std::string payload = SucceededEvent("evt_bad", intent, payment_id);
  const std::int64_t now = clock_.NowSeconds();

  std::string tampered = payload;
  tampered.replace(tampered.find("4200"), 4, "4201");
  const auto bad_body = Deliver(tampered, Sign(payload, now));
  EXPECT_EQ(bad_body.status, 400);
  EXPECT_EQ(bad_body.response.Get("Content-Type"), "application/problem+json");

  EXPECT_EQ(Deliver(payload, Sign(payload, now, "whsec_someone_else")).status, 400);
  EXPECT_EQ(Deliver(payload, Sign(payload, now - 301)).status, 400);
  EXPECT_EQ(Deliver(payload, Sign(payload, now - 299)).status, 200) << "within the five minutes";
  EXPECT_EQ(Raw(http::Method::kPost, "/api/v1/webhooks/stripe", payload, {}).status, 400) << "no signature";
  EXPECT_EQ(Deliver("not json", Sign("not json", now)).status, 400);
}

TEST_F(PaymentsWebhook, UnknownEventTypesAreStoredAndAcknowledged) {
  const std::string payload = R"({"id":"evt_sub","object":"event","type":"customer.subscription.updated",)"
                              R"("created":1800000000,"data":{"object":{"id":"sub_1","status":"active"}}})";
  auto r = Deliver(payload, Sign(payload, clock_.NowSeconds()));
  ASSERT_EQ(r.status, 200) << r.response.body;
  ASSERT_EQ(sink_.Events().size(), 1u);
  EXPECT_EQ(sink_.Events()[0].type, "customer.subscription.updated");
  EXPECT_EQ(sink_.Events()[0].object.at("id"), "sub_1");
}

TEST_F(PaymentsWebhook, ASinkFailureAnswers500SoStripeRetries) {
  const auto [payment_id, intent] = PendingPayment();
  const std::string payload = SucceededEvent("evt_retry", intent, payment_id);
  sink_.SetFailing(true);
  EXPECT_EQ(Deliver(payload, Sign(payload, clock_.NowSeconds())).status, 500);
  sink_.SetFailing(false);
  EXPECT_EQ(Deliver(payload, Sign(payload, clock_.NowSeconds())).status, 200);
  EXPECT_EQ(Record(payment_id).status, "succeeded");
}

}  // namespace
}  // namespace emporium::payments::testing
