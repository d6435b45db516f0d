#pragma once
// The payment processor behind one interface. Two implementations, chosen by configuration:
// SimulatedProvider (default, no STRIPE_SECRET_KEY: behaves like Stripe test mode) and
// StripeProvider (the real REST API over libcurl). Calls block (network): never call them inside a
// database transaction. Every mutating call takes an idempotency key derived from our own record,
// the same across retries, so a retried call never charges twice.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace emporium::payments {

enum class IntentStatus { kSucceeded, kRequiresAction, kProcessing, kDeclined, kCanceled };
std::string_view IntentStatusName(IntentStatus s);  ///< "succeeded", "requires_action", ...

struct IntentRequest {
  std::int64_t amount = 0;           ///< minor units, > 0
  std::string currency;              ///< ISO 4217 (sent lower-case to Stripe)
  std::string customer;              ///< provider customer id ("cus_..."); may be empty
  std::string payment_method;        ///< "pm_..." (test: pm_card_visa, pm_card_chargeDeclined, pm_card_authenticationRequired)
  bool off_session = false;          ///< replenishment charges: no customer present
  std::string description;
  std::map<std::string, std::string> metadata;  ///< e.g. {"order_id": "42", "payment_id": "7"}
  std::string idempotency_key;       ///< required
};

struct Intent {
  std::string id;                    ///< "pi_..."
  IntentStatus status = IntentStatus::kProcessing;
  std::int64_t amount = 0;
  std::string currency;
  std::string client_secret;         ///< for requires_action
  std::string charge_id;             ///< latest charge, when there is one
  std::int64_t fee = 0;              ///< processor fee of the charge (balance transaction), 0 if unknown
  std::string decline_code;          ///< for kDeclined: e.g. "card_declined", "insufficient_funds"
  std::string failure_message;
  std::map<std::string, std::string> metadata;
};

struct RefundRequest {
  std::string payment_intent;        ///< "pi_..."
  std::int64_t amount = 0;           ///< minor units, > 0
  std::string reason;                ///< free text, sent as metadata
  std::string idempotency_key;       ///< required
};

struct Refund {
  std::string id;                    ///< "re_..."
  std::int64_t amount = 0;
  std::string status;                ///< "succeeded", "pending", "failed"
};

/// A saved card as shown to its owner.
struct Card {
  std::string id;                    ///< "pm_..."
  std::string brand;                 ///< "visa", "mastercard", ...
  std::string last4;
  int exp_month = 0;
  int exp_year = 0;
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  virtual std::string_view Name() const = 0;  ///< "simulated" | "stripe"

  /// A provider-side customer for one of our users (Stripe: POST /v1/customers).
  virtual Result<std::string> CreateCustomer(const std::string& email, const std::string& name,
                                             const std::string& idempotency_key) = 0;
  /// Saves a card for `customer` from a client-side token or payment method id ("pm_card_visa",
  /// "tok_visa"; Stripe: PaymentMethod + confirmed SetupIntent). kPaymentDeclined for a card that
  /// cannot be saved, kInvalidArgument (field provider_token) for an unknown token.
  virtual Result<Card> AttachCard(const std::string& customer, const std::string& provider_token,
                                  const std::string& idempotency_key) = 0;
  virtual Status DetachCard(const std::string& payment_method) = 0;

  /// Creates and confirms a PaymentIntent. A decline is not an error: it comes back as
  /// IntentStatus::kDeclined with decline_code/failure_message. Errors: kUnavailable (network,
  /// timeouts, 5xx after retries), kInvalidArgument (the processor rejected the request).
  virtual Result<Intent> CreateIntent(const IntentRequest& request) = 0;
  /// Completes a requires_action intent (simulated mode: the 3-D Secure step succeeds).
  virtual Result<Intent> ConfirmIntent(const std::string& intent_id, const std::string& idempotency_key) = 0;
  virtual Result<Intent> RetrieveIntent(const std::string& intent_id) = 0;
  /// Cancels an intent that has not succeeded, so that no charge can follow (Stripe: POST
  /// /v1/payment_intents/{id}/cancel, reason "abandoned"): its order was cancelled while the
  /// customer still had to authenticate, say. An intent that can no longer be cancelled (it
  /// succeeded, or was cancelled already) is answered as it stands, not as an error.
  virtual Result<Intent> CancelIntent(const std::string& intent_id, const std::string& idempotency_key) = 0;
  virtual Result<Refund> CreateRefund(const RefundRequest& request) = 0;
};

}  // namespace emporium::payments
