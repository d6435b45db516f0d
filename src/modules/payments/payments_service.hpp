#pragma once
// The payments module's behaviour behind PaymentsModule (the facade) and the controller: saved
// cards, payment records and their execution at the processor, refunds, and the one path every
// processor event takes (HandleEvent). Processor calls never run inside a database transaction.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/payments/payment_events.hpp"
#include "modules/payments/payment_provider.hpp"
#include "modules/payments/payments_module.hpp"
#include "modules/payments/payments_repository.hpp"

namespace emporium::payments {

class PaymentsService {
 public:
  PaymentsService(db::Database& db, const core::Config& config, const core::Clock& clock, auth::AuthModule& auth,
                  std::unique_ptr<PaymentProvider> provider);

  PaymentProvider& provider() { return *provider_; }
  void AddSink(PaymentEventSink* sink) { sinks_.push_back(sink); }

  Result<std::vector<SavedCard>> ListCards(std::int64_t user_id);
  /// Saves a card from a client-side token; the user's first card becomes the default.
  /// `request_key` (the client's Idempotency-Key, may be empty) keeps a retried request from saving
  /// the card twice at the processor.
  Result<SavedCard> AddCard(std::int64_t user_id, const std::string& provider_token, const std::string& request_key);
  /// Detaches the card at the processor and forgets it; the newest remaining card becomes the
  /// default if it was. kNotFound for a card that is not the user's.
  Status DeleteCard(std::int64_t user_id, std::int64_t card_id);
  Result<SavedCard> MakeDefaultCard(std::int64_t user_id, std::int64_t card_id);

  Result<PaymentToCharge> CreatePayment(db::Tx& tx, const NewPayment& payment);
  Status Charge(const PaymentToCharge& payment, const Settlement& settle);
  Result<PaymentOutcome> Execute(std::int64_t payment_id);
  Result<PaymentOutcome> Confirm(std::int64_t payment_id);
  Result<PaymentOutcome> CancelPending(std::int64_t payment_id);
  Result<PaymentRecord> Get(db::Tx& tx, std::int64_t payment_id);
  Result<std::optional<PaymentRecord>> FindForOrder(db::Tx& tx, std::int64_t order_id);
  std::optional<RefundRecord> FindRefund(db::Tx& tx, std::int64_t payment_id, const std::string& key) const {
    return repo_.FindRefundByKey(tx, payment_id, key);
  }
  Result<RefundRecord> Refund(std::int64_t payment_id, std::int64_t amount, const std::string& reason,
                              const std::string& key);
  Status HandleEvent(const PaymentEvent& event);
  /// A webhook delivery: signature check (kBadRequest), parse, HandleEvent.
  Status HandleWebhook(std::string_view signature_header, std::string_view payload);

 private:
  Result<std::string> EnsureCustomer(std::int64_t user_id);
  struct ResolvedMethod {
    std::string provider_id;
    bool saved = false;  ///< one of the user's saved cards (attached to their processor customer)
  };
  Result<ResolvedMethod> ResolvePaymentMethod(db::Tx& tx, const NewPayment& payment);
  /// Asks the processor about a payment it has not answered for: creates the intent, or for a
  /// processing one asks for its news.
  Result<Intent> AskProcessor(const PaymentToCharge& prepared);
  /// A processor's answer as the event a webhook would deliver.
  PaymentEvent EventFor(const PaymentRecord& payment, const Intent& intent) const;
  /// Records an intent answered by the processor through HandleEvent, as a webhook would.
  Status RecordIntent(const PaymentRecord& payment, const Intent& intent);
  /// Our payment an event is about: by intent id, else by metadata payment_id.
  std::optional<PaymentRecord> ResolvePayment(db::Tx& tx, const PaymentEvent& event) const;
  Status ApplyToPayment(db::Tx& tx, PaymentRecord payment, const PaymentEvent& event) const;
  Result<RefundRecord> ReserveRefund(std::int64_t payment_id, std::int64_t amount, const std::string& reason,
                                     const std::string& key);
  Result<RefundRecord> FinishRefund(RefundRecord refund, const Result<payments::Refund>& answer);

  db::Database& db_;
  const core::Config& config_;
  const core::Clock& clock_;
  auth::AuthModule& auth_;
  std::unique_ptr<PaymentProvider> provider_;
  PaymentsRepository repo_;
  std::vector<PaymentEventSink*> sinks_;
};

}  // namespace emporium::payments
