#pragma once
// The real processor: Stripe's REST API over libcurl. Every POST carries an Idempotency-Key
// (the caller's, or one derived from it for multi-step calls), reused verbatim on retries, so a
// retried request never charges twice. Network errors, timeouts, 409 (concurrent use of a key),
// 429 and 5xx are retried with exponential backoff and jitter; anything else is answered at once.
// A 401/403 (our key is wrong) is kUnavailable and logged: never blamed on the customer's input.
// Thread-safe (one curl handle per call).

#include <chrono>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "modules/payments/payment_provider.hpp"
#include "modules/payments/stripe_wire.hpp"

namespace emporium::payments {

struct StripeOptions {
  std::string api_base = "https://api.stripe.com";
  std::string secret_key;                     ///< "sk_..." (never logged)
  std::string api_version = "2024-06-20";     ///< pinned: the fields we parse are this version's
  std::chrono::milliseconds timeout{20'000};  ///< per attempt
  int max_attempts = 3;
  std::chrono::milliseconds first_backoff{250};  ///< doubled after each retry, plus up to 50% jitter
};

class StripeProvider final : public PaymentProvider {
 public:
  explicit StripeProvider(StripeOptions options);

  std::string_view Name() const override { return "stripe"; }
  Result<std::string> CreateCustomer(const std::string& email, const std::string& name,
                                     const std::string& idempotency_key) override;
  Result<Card> AttachCard(const std::string& customer, const std::string& provider_token,
                          const std::string& idempotency_key) override;
  Status DetachCard(const std::string& payment_method) override;
  Result<Intent> CreateIntent(const IntentRequest& request) override;
  Result<Intent> ConfirmIntent(const std::string& intent_id, const std::string& idempotency_key) override;
  Result<Intent> RetrieveIntent(const std::string& intent_id) override;
  Result<Intent> CancelIntent(const std::string& intent_id, const std::string& idempotency_key) override;
  Result<Refund> CreateRefund(const RefundRequest& request) override;

 private:
  /// A completed HTTP exchange: 2xx with the object, or 4xx with Stripe's error.
  struct Answer {
    long status = 0;
    boost::json::object object;
    std::optional<StripeError> error;
  };
  struct RawAnswer {
    long status = 0;
    std::string body;
  };

  /// POST (form body, idempotency key) or GET (params in the query), retried as described above.
  /// kUnavailable when every attempt failed or the answer is not Stripe's.
  Result<Answer> Call(const char* method, const std::string& path, const FormParams& params,
                      const std::string& idempotency_key) const;
  /// One attempt; an Error for transport failures (connection, timeout).
  Result<RawAnswer> Perform(const char* method, const std::string& path, const std::string& form,
                            const std::string& idempotency_key) const;
  /// An intent answer: 2xx → the intent, card_error → a declined intent, else the mapped error.
  static Result<Intent> IntentAnswer(const Answer& answer);

  StripeOptions options_;
};

}  // namespace emporium::payments
