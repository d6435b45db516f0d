#pragma once
// The payments module: our record of every charge and refund (`payments`, `payment_refunds`), the
// processor behind PaymentProvider, saved cards (/api/v1/me/payment-methods), and the Stripe
// webhook (POST /api/v1/webhooks/stripe). Orders (and later memberships, replenishment) use it as:
//
//   // 1. in the order's transaction: a payment record (status "created")
//   EMP_ASSIGN(auto payment, payments.CreatePayment(tx, {.user_id=..., .order_id=..., ...}));
//   // 2. after commit, outside any transaction: charge it (idempotency key from the record id),
//   //    then record the answer and settle it in one transaction
//   EMP_TRY(payments.Charge(payment, [&](db::Tx& tx, const Result<PaymentOutcome>& outcome) { ... }));
//   // Execute(payment_id) charges a payment by id and records the answer through the same path
//   // as a webhook: HandleEvent → every sink.
//
// Thread-safe.

#include <cstdint>
#include <functional>
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

/// A created payment with what charging it needs: CreatePayment's answer, Charge's input.
struct PaymentToCharge {
  PaymentRecord payment;
  bool off_session = false;
  std::string customer;  ///< the owner's customer at the payment's processor, "" if not needed
};

/// What the caller of Charge does with the processor's answer, inside the transaction that records
/// it on the payment: the outcome, or why the processor could not answer (kUnavailable: it could not
/// be reached and the payment stays "created"; anything else: it refused the request itself).
using Settlement = std::function<Status(db::Tx& tx, const Result<PaymentOutcome>& outcome)>;

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

  /// A payment record in the caller's transaction (status "created"; nothing is charged yet). The
  /// processor customer is looked up only for a saved card or an off-session charge, which need it.
  Result<PaymentToCharge> CreatePayment(db::Tx& tx, const NewPayment& payment);
  /// Charges a payment that CreatePayment made (its transaction committed), outside any
  /// transaction and blocking, then in one transaction records the processor's answer on the
  /// payment and runs `settle` with it. The caller that created the payment settles its own answer:
  /// the sinks are not called for it, and no event row is stored (an API answer is not a delivery
  /// that can be replayed; recording it is idempotent by the payment's conditional update). Webhooks
  /// about the same payment still reach the sinks, before or after, so `settle` must be idempotent
  /// like a sink. Same idempotency key at the processor as Execute.
  Status Charge(const PaymentToCharge& payment, const Settlement& settle);
  /// Charges a created payment (outside any transaction; blocking). Idempotent: the provider call
  /// carries the key "emporium-payment-<id>-<created_at>", and a payment already charged returns its outcome
  /// without calling the provider. The answer is recorded through HandleEvent (sinks included).
  /// kUnavailable when the processor cannot be reached (the payment stays "created"/"processing"
  /// and may be retried).
  Result<PaymentOutcome> Execute(std::int64_t payment_id);
  /// Completes a requires_action payment (simulated mode; Stripe: re-reads the intent).
  Result<PaymentOutcome> Confirm(std::int64_t payment_id);
  /// Cancels at the processor a payment that still waits for the customer or the processor
  /// (requires_action, processing), so that it can no longer be charged; its order was cancelled
  /// (outside any transaction; blocking). The processor's answer is recorded through HandleEvent,
  /// sinks included: "canceled", or "succeeded" when the customer paid just before, which the
  /// order's sink then refunds. Any other payment is answered as it stands, without a call.
  Result<PaymentOutcome> CancelPending(std::int64_t payment_id);

  Result<PaymentRecord> Get(db::Tx& tx, std::int64_t payment_id);
  /// The latest payment of an order, if any.
  Result<std::optional<PaymentRecord>> FindForOrder(db::Tx& tx, std::int64_t order_id);
  /// The refund of `payment_id` made under `key` (Refund's key), if there is one.
  std::optional<RefundRecord> FindRefund(db::Tx& tx, std::int64_t payment_id, const std::string& key);

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
