#pragma once
// The payment processor of development and tests, without a network: behaves like Stripe test mode
// for Stripe's documented test payment methods.
//
//   pm_card_visa, pm_card_mastercard, tok_visa, tok_mastercard   succeed
//   pm_card_chargeDeclined                                       declined (card_declined)
//   pm_card_insufficientFunds                                    declined (insufficient_funds)
//   pm_card_authenticationRequired                               requires_action; ConfirmIntent succeeds,
//                                                                CancelIntent cancels
//
// Anything else is kInvalidArgument. A succeeded charge costs 2.9% + 30 minor units (half up).
// Saved cards get ids that name their test card ("pm_<random>_visa"), so they keep behaving the
// same after a restart although the simulator's memory (intents, idempotency keys) does not.
// Idempotency: the same key returns the same answer; the memory of keys is bounded (oldest first
// forgotten): our own payments rows are the lasting guard. Thread-safe.

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "modules/payments/payment_provider.hpp"

namespace emporium::payments {

/// Stripe's standard fee: 2.9% + 30 minor units, rounded half up.
std::int64_t SimulatedFee(std::int64_t amount);

class SimulatedProvider final : public PaymentProvider {
 public:
  explicit SimulatedProvider(std::size_t memory_limit = 10'000);

  std::string_view Name() const override { return "simulated"; }
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
  /// One remembered answer per idempotency key, with what was asked (a key reused for a different
  /// request is an error, as at Stripe).
  struct Remembered {
    std::string request;
    std::string answer_id;  ///< customer / card / intent / refund id
  };

  /// The remembered answer id for `key`, "" when new; kConflict when `key` was used for a
  /// different request (Stripe's idempotency_error). Caller holds mutex_.
  Result<std::string> Recall(const std::string& key, const std::string& request) const;
  void Remember(const std::string& key, std::string request, std::string answer_id);
  void StoreIntent(const Intent& intent);
  Intent Charge(Intent intent) const;

  const std::size_t memory_limit_;
  mutable std::mutex mutex_;
  std::map<std::string, Remembered> keys_;
  std::deque<std::string> key_order_;
  std::map<std::string, Intent> intents_;
  std::deque<std::string> intent_order_;
  std::map<std::string, Card> cards_;
  std::map<std::string, Refund> refunds_;
  std::map<std::string, std::int64_t> refunded_;  ///< intent id → amount refunded so far
};

}  // namespace emporium::payments
