#pragma once
// The payments module: our record of every charge and refund (`payments`, `payment_refunds`), the
// processor behind PaymentProvider, saved cards (/api/v1/me/payment-methods), and the Stripe
// webhook (POST /api/v1/webhooks/stripe). Orders (and later memberships, replenishment) use it as:
//
//   // 1. in the order's transaction: a payment record (status "created")
//   EMP_ASSIGN(auto payment_id, payments.CreatePayment(tx, {.user_id=..., .order_id=..., ...}));
//   // 2. after commit, outside any transaction: charge it (idempotency key from the record id)
//   EMP_ASSIGN(auto outcome, payments.Execute(payment_id));
//   // Execute records the answer through the same path as a webhook: HandleEvent → every sink.
//
// Thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "http/router.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/payments/payment_events.hpp"
#include "modules/payments/payment_provider.hpp"

namespace emporium::payments {

struct NewPayment {
  std::int64_t user_id = 0;
  std::optional<std::int64_t> order_id;
  std::string purpose = "order";       ///< "order" | "membership" | "replenishment"
  std::int64_t amount = 0;             ///< minor units, > 0
  std::string currency;
  /// A saved card id (digits, ours), a provider payment method ("pm_..."), or empty for the user's
  /// default saved card. Validated here: 422 "payment_method_id" for a card that is not the user's,
  /// or when empty and the user has no default card.
  std::string payment_method;
  bool off_session = false;
};

struct PaymentRecord {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::optional<std::int64_t> order_id;
  std::string purpose;
  std::string provider;                ///< "simulated" | "stripe"
  std::string status;                  ///< created | requires_action | processing | succeeded | failed | canceled
  std::int64_t amount = 0;
  std::string currency;
  std::int64_t fee = 0;                ///< processor fee of the charge
  std::int64_t refunded = 0;           ///< sum of succeeded (and pending) refunds
  std::string payment_method;          ///< provider pm id
  std::string intent_id;
  std::string client_secret;
  std::string failure_message;
  std::int64_t created_at = 0, updated_at = 0;
};

struct PaymentOutcome {
  std::int64_t payment_id = 0;
  IntentStatus status = IntentStatus::kProcessing;
  std::string intent_id;
  std::string client_secret;           ///< requires_action
  std::string failure_message;         ///< declined
  std::string decline_code;
};

struct RefundRecord {
  std::int64_t id = 0;
  std::int64_t payment_id = 0;
  std::int64_t amount = 0;
  std::string reason;
  std::string status;                  ///< pending | succeeded | failed
  std::string provider_refund_id;
  std::int64_t created_at = 0;
};

class PaymentsModule {
 public:
  /// Builds the provider from `config` (SimulatedProvider unless STRIPE_SECRET_KEY is set) unless
  /// one is given (tests). Every reference must outlive the module.
  PaymentsModule(db::Database& db, const core::Config& config, const core::Clock& clock, auth::AuthModule& auth,
                 std::unique_ptr<PaymentProvider> provider = nullptr);
  ~PaymentsModule();
  PaymentsModule(const PaymentsModule&) = delete;
  PaymentsModule& operator=(const PaymentsModule&) = delete;

  /// GET/POST /api/v1/me/payment-methods, DELETE /api/v1/me/payment-methods/{id}, POST
  /// /api/v1/me/payment-methods/{id}/default, POST /api/v1/webhooks/stripe (active when
  /// STRIPE_WEBHOOK_SECRET is set).
  void RegisterRoutes(http::Router& router);

  /// Sinks are called for every event, in registration order. Call at wiring time.
  void AddSink(PaymentEventSink* sink);

  PaymentProvider& provider();

  /// A payment record in the caller's transaction (status "created"; nothing is charged yet).
  Result<std::int64_t> CreatePayment(db::Tx& tx, const NewPayment& payment);
  /// Charges a created payment (outside any transaction; blocking). Idempotent: the provider call
  /// carries the key "emporium-payment-<id>-<created_at>", and a payment already charged returns its outcome
  /// without calling the provider. The answer is recorded through HandleEvent (sinks included).
  /// kUnavailable when the processor cannot be reached (the payment stays "created"/"processing"
  /// and may be retried).
  Result<PaymentOutcome> Execute(std::int64_t payment_id);
  /// Completes a requires_action payment (simulated mode; Stripe: re-reads the intent).
  Result<PaymentOutcome> Confirm(std::int64_t payment_id);

  Result<PaymentRecord> Get(db::Tx& tx, std::int64_t payment_id);
  /// The latest payment of an order, if any.
  Result<std::optional<PaymentRecord>> FindForOrder(db::Tx& tx, std::int64_t order_id);

  /// Refunds `amount` of a succeeded payment (outside any transaction; blocking). The amount is
  /// checked against what remains refundable with a conditional update (kConflict when a concurrent
  /// refund took it, kInvalidArgument "amount" when it is more than remains). `key` makes the call
  /// idempotent (the same key returns the same refund; our "Idempotency-Key" or a derived one).
  Result<RefundRecord> Refund(std::int64_t payment_id, std::int64_t amount, const std::string& reason,
                              const std::string& key);

  /// Records a processor event once (by id) and passes it to the sinks, in one transaction. A
  /// replayed id returns OK and changes nothing. Used by the webhook route and by Execute/Confirm.
  Status HandleEvent(const PaymentEvent& event);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::payments
