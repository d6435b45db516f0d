// StripeProvider against tests/fakes/stripe/fake-stripe.js, a local server speaking Stripe's wire
// format: form bodies, Bearer auth, error objects, Idempotency-Key replay, and injected faults.

#include <curl/curl.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "integration/payments_fixture.hpp"
#include "modules/payments/simulated_provider.hpp"
#include "modules/payments/stripe_provider.hpp"

namespace emporium::payments::testing {
namespace {

constexpr const char* kFake = "tests/fakes/stripe/fake-stripe.js";
constexpr const char* kSecretKey = "sk_test_emporium";

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

/// The fake, started once for the suite (node takes ~100 ms to start).
class FakeStripe {
 public:
  FakeStripe() {
    const std::string node = NodeBinary();
    const fs::path script = SourceFile(kFake);
    if (node.empty() || script.empty()) {
      error_ = node.empty() ? "node is not on PATH (it is part of the bootstrap)" : std::string(kFake) + " not found";
      return;
    }
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{node, script.string(), "--port", "0", "--secret", kSecretKey});
    const std::string out = process_->ReadUntil([](const std::string& s) { return s.find('\n') != std::string::npos; },
                                                std::chrono::seconds(10));
    const auto at = out.find("PORT=");
    if (at == std::string::npos) {
      error_ = "the fake did not print its port: " + out;
      return;
    }
    base_ = "http://127.0.0.1:" + std::to_string(std::stoi(out.substr(at + 5)));
  }

  const std::string& base() const { return base_; }
  const std::string& error() const { return error_; }

  json::value Control(const json::object& body) const { return Send("POST", "/__control", json::serialize(body)); }
  json::array Requests() const { return Send("GET", "/__requests", "").as_array(); }

  /// Recorded API requests to `path` (method and path as the fake saw them).
  std::vector<json::object> RequestsTo(const std::string& method, const std::string& path) const {
    std::vector<json::object> out;
    for (const auto& r : Requests()) {
      if (r.at("method") == method.c_str() && r.at("path") == path.c_str()) out.push_back(r.as_object());
    }
    return out;
  }

 private:
  json::value Send(const char* method, const std::string& path, const std::string& body) const {
    CURL* curl = curl_easy_init();
    std::string answer;
    const std::string url = base_ + path;
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (!body.empty()) curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    const CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    EXPECT_EQ(code, CURLE_OK) << "control request to the fake failed";
    boost::system::error_code ec;
    return json::parse(answer, ec);
  }

  std::unique_ptr<ChildProcess> process_;
  std::string base_;
  std::string error_;
};

class StripeProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    core::InitCrypto();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    fake_ = new FakeStripe();
  }
  static void TearDownTestSuite() {
    delete fake_;
    fake_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(fake_->error().empty()) << fake_->error();
    fake_->Control({{"reset", true}});
  }

  static StripeOptions Options() {
    return StripeOptions{.api_base = fake_->base(),
                         .secret_key = kSecretKey,
                         .timeout = std::chrono::milliseconds(5000),
                         .max_attempts = 3,
                         .first_backoff = std::chrono::milliseconds(20)};
  }
  static IntentRequest Charge(const std::string& pm, const std::string& key, std::int64_t amount = 1000) {
    return IntentRequest{.amount = amount,
                         .currency = "USD",
                         .payment_method = pm,
                         .description = "order 42",
                         .metadata = {{"order_id", "42"}, {"payment_id", "7"}},
                         .idempotency_key = key};
  }

  static FakeStripe* fake_;
  StripeProvider stripe_{Options()};
};

FakeStripe* StripeProviderTest::fake_ = nullptr;

TEST_F(StripeProviderTest, ChargesWithStripesWireFormatAndReadsTheFee) {
  const auto intent = stripe_.CreateIntent(Charge("pm_card_visa", "emporium-payment-1", 2599));
  ASSERT_TRUE(intent) << intent.error().message;
  EXPECT_EQ(intent->status, IntentStatus::kSucceeded);
  EXPECT_TRUE(intent->id.starts_with("pi_"));
  EXPECT_TRUE(intent->charge_id.starts_with("ch_"));
  EXPECT_EQ(intent->fee, SimulatedFee(2599)) << "same fee rule as the simulator, read from the balance transaction";
  EXPECT_EQ(intent->metadata.at("order_id"), "42");

  const auto sent = fake_->RequestsTo("POST", "/v1/payment_intents");
  ASSERT_EQ(sent.size(), 1u);
  const auto& body = sent[0].at("body").as_object();
  EXPECT_EQ(body.at("amount"), "2599");
  EXPECT_EQ(body.at("currency"), "usd") << "Stripe wants lower-case currencies";
  EXPECT_EQ(body.at("confirm"), "true");
  EXPECT_EQ(body.at("metadata").at("order_id"), "42");
  EXPECT_EQ(body.at("expand").as_array().at(0), "latest_charge.balance_transaction");
  EXPECT_EQ(sent[0].at("idempotency_key"), "emporium-payment-1");
  EXPECT_EQ(sent[0].at("stripe_version"), "2024-06-20");
  EXPECT_EQ(sent[0].at("content_type"), "application/x-www-form-urlencoded");
}

TEST_F(StripeProviderTest, ADeclineIsADeclinedIntentNotAnError) {
  const auto declined = stripe_.CreateIntent(Charge("pm_card_chargeDeclined", "k-declined"));
  ASSERT_TRUE(declined) << declined.error().message;
  EXPECT_EQ(declined->status, IntentStatus::kDeclined);
  EXPECT_EQ(declined->decline_code, "card_declined");
  EXPECT_EQ(declined->failure_message, "Your card was declined.");
  EXPECT_TRUE(declined->id.starts_with("pi_"));

  const auto poor = stripe_.CreateIntent(Charge("pm_card_insufficientFunds", "k-poor"));
  ASSERT_TRUE(poor);
  EXPECT_EQ(poor->decline_code, "insufficient_funds");
}

TEST_F(StripeProviderTest, RequiresActionUntilTheCustomerAuthenticates) {
  const auto intent = stripe_.CreateIntent(Charge("pm_card_authenticationRequired", "k-3ds"));
  ASSERT_TRUE(intent);
  EXPECT_EQ(intent->status, IntentStatus::kRequiresAction);
  EXPECT_TRUE(intent->client_secret.starts_with(intent->id + "_secret_"));
  EXPECT_EQ(stripe_.ConfirmIntent(intent->id, "k-3ds-confirm")->status, IntentStatus::kRequiresAction)
      << "not authenticated yet";

  fake_->Control({{"authenticate", intent->id}});
  const auto confirmed = stripe_.ConfirmIntent(intent->id, "k-3ds-confirm");
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  EXPECT_EQ(confirmed->status, IntentStatus::kSucceeded);
  EXPECT_EQ(confirmed->fee, SimulatedFee(1000));
  EXPECT_EQ(stripe_.RetrieveIntent(intent->id)->status, IntentStatus::kSucceeded);
}

TEST_F(StripeProviderTest, CancelsAnIntentWaitingForTheCustomer) {
  const auto intent = stripe_.CreateIntent(Charge("pm_card_authenticationRequired", "k-3ds-cancel"));
  ASSERT_TRUE(intent) << intent.error().message;
  const auto cancelled = stripe_.CancelIntent(intent->id, "emporium-cancel-7");
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, IntentStatus::kCanceled);
  const auto sent = fake_->RequestsTo("POST", "/v1/payment_intents/" + intent->id + "/cancel");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].at("idempotency_key"), "emporium-cancel-7");
  EXPECT_EQ(sent[0].at("body").at("cancellation_reason"), "abandoned");

  fake_->Control({{"authenticate", intent->id}});  // too late: nothing to authenticate
  EXPECT_EQ(stripe_.RetrieveIntent(intent->id)->status, IntentStatus::kCanceled);
  const auto again = stripe_.CancelIntent(intent->id, "emporium-cancel-7-again");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, IntentStatus::kCanceled);
}

TEST_F(StripeProviderTest, ASucceededIntentIsAnsweredAsItStandsWhenCancelled) {
  const auto paid = stripe_.CreateIntent(Charge("pm_card_visa", "k-paid-cancel"));
  ASSERT_TRUE(paid) << paid.error().message;
  const auto answer = stripe_.CancelIntent(paid->id, "emporium-cancel-8");
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->status, IntentStatus::kSucceeded);
  EXPECT_EQ(answer->fee, SimulatedFee(1000));
  const auto unknown = stripe_.CancelIntent("pi_does_not_exist", "emporium-cancel-9");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(StripeProviderTest, AnUnknownPaymentMethodIsInvalidArgument) {
  const auto intent = stripe_.CreateIntent(Charge("pm_does_not_exist", "k-unknown"));
  ASSERT_FALSE(intent);
  EXPECT_EQ(intent.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(intent.error().field, "payment_method_id");
}

TEST_F(StripeProviderTest, RetriesA500WithTheSameIdempotencyKey) {
  fake_->Control({{"fail_next", 1}, {"status", 500}});
  const auto intent = stripe_.CreateIntent(Charge("pm_card_visa", "emporium-payment-retry"));
  ASSERT_TRUE(intent) << intent.error().message;
  EXPECT_EQ(intent->status, IntentStatus::kSucceeded);
  const auto sent = fake_->RequestsTo("POST", "/v1/payment_intents");
  ASSERT_EQ(sent.size(), 2u) << "one failure, one retry";
  EXPECT_EQ(sent[0].at("idempotency_key"), "emporium-payment-retry");
  EXPECT_EQ(sent[1].at("idempotency_key"), "emporium-payment-retry");
  EXPECT_EQ(sent[0].at("raw_body"), sent[1].at("raw_body"));
}

TEST_F(StripeProviderTest, TheSameKeyReplaysTheFirstAnswer) {
  const auto first = stripe_.CreateIntent(Charge("pm_card_visa", "emporium-payment-replay"));
  const auto second = stripe_.CreateIntent(Charge("pm_card_visa", "emporium-payment-replay"));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, second->id) << "never charged twice";
  const auto reused = stripe_.CreateIntent(Charge("pm_card_visa", "emporium-payment-replay", 5));
  ASSERT_FALSE(reused) << "Stripe's idempotency_error for a key reused with other parameters";
  EXPECT_EQ(reused.error().code, ErrorCode::kConflict);
}

TEST_F(StripeProviderTest, GivesUpAfterRepeated5xxOr429) {
  fake_->Control({{"fail_next", 3}, {"status", 503}});
  const auto failed = stripe_.CreateIntent(Charge("pm_card_visa", "k-503"));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(fake_->RequestsTo("POST", "/v1/payment_intents").size(), 3u);

  fake_->Control({{"reset", true}, {"fail_next", 2}, {"status", 429}});
  EXPECT_TRUE(stripe_.CreateIntent(Charge("pm_card_visa", "k-429"))) << "the third attempt gets through";
}

TEST_F(StripeProviderTest, ATimeoutIsUnavailable) {
  StripeOptions options = Options();
  options.timeout = std::chrono::milliseconds(300);
  options.max_attempts = 2;
  StripeProvider impatient(options);
  fake_->Control({{"delay_next", 2}, {"delay_ms", 1500}});
  const auto started = std::chrono::steady_clock::now();
  const auto intent = impatient.CreateIntent(Charge("pm_card_visa", "k-slow"));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(intent);
  EXPECT_EQ(intent.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(took, std::chrono::milliseconds(1400)) << "two attempts of 300 ms plus a short backoff";
}

TEST_F(StripeProviderTest, AWrongApiKeyIsUnavailableNotTheCustomersFault) {
  StripeOptions options = Options();
  options.secret_key = "sk_test_wrong";
  StripeProvider wrong(options);
  const auto intent = wrong.CreateIntent(Charge("pm_card_visa", "k-auth"));
  ASSERT_FALSE(intent);
  EXPECT_EQ(intent.error().code, ErrorCode::kUnavailable);
}

TEST_F(StripeProviderTest, SavesAndDetachesCardsForACustomer) {
  const auto customer = stripe_.CreateCustomer("jane@shop.test", "Jane Doe", "emporium-customer-1");
  ASSERT_TRUE(customer) << customer.error().message;
  EXPECT_TRUE(customer->starts_with("cus_"));

  const auto card = stripe_.AttachCard(*customer, "tok_visa", "emporium-card-1");
  ASSERT_TRUE(card) << card.error().message;
  EXPECT_TRUE(card->id.starts_with("pm_"));
  EXPECT_EQ(card->brand, "visa");
  EXPECT_EQ(card->last4, "4242");
  EXPECT_EQ(card->exp_month, 12);
  EXPECT_EQ(card->exp_year, 2034);
  const auto created = fake_->RequestsTo("POST", "/v1/payment_methods");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].at("body").at("card").at("token"), "tok_visa");

  const auto declined = stripe_.AttachCard(*customer, "pm_card_chargeDeclined", "emporium-card-2");
  ASSERT_FALSE(declined);
  EXPECT_EQ(declined.error().code, ErrorCode::kPaymentDeclined);
  EXPECT_EQ(stripe_.AttachCard(*customer, "tok_nope", "emporium-card-3").error().field, "provider_token");

  EXPECT_TRUE(stripe_.DetachCard(card->id));
  EXPECT_TRUE(stripe_.DetachCard(card->id)) << "the same key: Stripe replays the first answer";
  const auto unknown = stripe_.DetachCard("pm_never_attached");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(StripeProviderTest, RefundsWithinTheChargedAmount) {
  const auto intent = stripe_.CreateIntent(Charge("pm_card_visa", "k-refundable", 3000));
  ASSERT_TRUE(intent);
  const auto refund = stripe_.CreateRefund(
      {.payment_intent = intent->id, .amount = 1000, .reason = "damaged", .idempotency_key = "emporium-refund-1"});
  ASSERT_TRUE(refund) << refund.error().message;
  EXPECT_TRUE(refund->id.starts_with("re_"));
  EXPECT_EQ(refund->amount, 1000);
  EXPECT_EQ(refund->status, "succeeded");
  EXPECT_EQ(fake_->RequestsTo("POST", "/v1/refunds")[0].at("body").at("metadata").at("reason"), "damaged");

  const auto too_much = stripe_.CreateRefund(
      {.payment_intent = intent->id, .amount = 2001, .reason = "", .idempotency_key = "emporium-refund-2"});
  ASSERT_FALSE(too_much);
  EXPECT_EQ(too_much.error().code, ErrorCode::kInvalidArgument);
}

/// The module end to end on the Stripe provider: the same behaviour as with the simulator.
class PaymentsOnStripe : public PaymentsHarness {
 protected:
  static void SetUpTestSuite() { fake_ = new FakeStripe(); }
  static void TearDownTestSuite() {
    delete fake_;
    fake_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(fake_->error().empty()) << fake_->error();
    PaymentsHarness::SetUp();
  }
  std::unique_ptr<PaymentProvider> MakeProvider() override {
    return std::make_unique<StripeProvider>(StripeOptions{
        .api_base = fake_->base(), .secret_key = kSecretKey, .first_backoff = std::chrono::milliseconds(20)});
  }
  static FakeStripe* fake_;
};

FakeStripe* PaymentsOnStripe::fake_ = nullptr;

TEST_F(PaymentsOnStripe, SavesACardChargesItAndRefunds) {
  const auto jane = Register("jane@shop.test");
  const std::int64_t card = SaveCard(jane.access_token, "tok_visa");
  ASSERT_GT(card, 0);
  auto payment_id = NewPaymentFor(jane.user_id, std::to_string(card), 5000);
  ASSERT_TRUE(payment_id) << payment_id.error().message;
  auto outcome = payments_->Execute(*payment_id);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->status, IntentStatus::kSucceeded);
  EXPECT_EQ(Record(*payment_id).provider, "stripe");
  EXPECT_EQ(Record(*payment_id).fee, SimulatedFee(5000));

  const auto refund = payments_->Refund(*payment_id, 1500, "late", "refund-key");
  ASSERT_TRUE(refund) << refund.error().message;
  EXPECT_EQ(refund->status, "succeeded");
  EXPECT_EQ(Record(*payment_id).refunded, 1500);
}

}  // namespace
}  // namespace emporium::payments::testing
