#pragma once
// SQL of the payments module (tables payment_customers, payment_methods, payments, payment_refunds,
// payment_webhook_events; migrations V010). Every method runs in the caller's transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "modules/payments/payments_module.hpp"

namespace emporium::payments {

struct SavedCard {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string provider_id;  ///< "pm_..."
  std::string brand, last4;
  int exp_month = 0, exp_year = 0;
  bool is_default = false;
  std::int64_t created_at = 0;
};

/// The columns HandleEvent moves; applied only while the row still has `expected_status`.
struct PaymentStateChange {
  std::string expected_status;
  std::string status;
  std::string intent_id;        ///< set when the row has none yet
  std::string charge_id;        ///< kept when empty
  std::string client_secret;    ///< kept when empty
  std::string failure_message;  ///< kept when empty
  std::int64_t fee = 0;         ///< kept when 0
};

class PaymentsRepository {
 public:
  std::optional<std::string> FindCustomer(db::Tx& tx, std::int64_t user_id, const std::string& provider) const;
  /// Inserts unless the user already has a customer at `provider` (a concurrent request won).
  void InsertCustomerIfAbsent(db::Tx& tx, std::int64_t user_id, const std::string& provider,
                              const std::string& customer_ref, std::int64_t now) const;

  std::vector<SavedCard> ListCards(db::Tx& tx, std::int64_t user_id, const std::string& provider) const;
  std::optional<SavedCard> FindCard(db::Tx& tx, std::int64_t user_id, std::int64_t card_id) const;
  /// The owner of a saved provider payment method, if it is saved (and not deleted).
  std::optional<std::int64_t> FindCardOwner(db::Tx& tx, const std::string& provider,
                                            const std::string& provider_id) const;
  std::optional<SavedCard> DefaultCard(db::Tx& tx, std::int64_t user_id, const std::string& provider) const;
  std::int64_t InsertCard(db::Tx& tx, const SavedCard& card, const std::string& provider) const;
  /// Makes `card_id` the user's only default card.
  void SetDefaultCard(db::Tx& tx, std::int64_t user_id, std::int64_t card_id) const;
  bool SoftDeleteCard(db::Tx& tx, std::int64_t user_id, std::int64_t card_id, std::int64_t now) const;

  std::int64_t InsertPayment(db::Tx& tx, const PaymentRecord& p, bool off_session) const;
  std::optional<PaymentRecord> FindPayment(db::Tx& tx, std::int64_t id) const;
  std::optional<PaymentRecord> FindPaymentByIntent(db::Tx& tx, const std::string& intent_id) const;
  /// A payment with what charging it needs besides the row, in one statement.
  std::optional<PaymentToCharge> FindPaymentToCharge(db::Tx& tx, std::int64_t id) const;
  std::optional<PaymentRecord> LatestForOrder(db::Tx& tx, std::int64_t order_id) const;
  bool ApplyStateChange(db::Tx& tx, std::int64_t id, const PaymentStateChange& change, std::int64_t now) const;
  /// Raises `refunded` to a cumulative amount reported by the processor (never lowers it).
  void RaiseRefunded(db::Tx& tx, std::int64_t id, std::int64_t cumulative, std::int64_t now) const;
  /// refunded += amount while the payment is succeeded and the sum stays within its amount.
  bool ReserveRefund(db::Tx& tx, std::int64_t id, std::int64_t amount, std::int64_t now) const;
  void ReturnRefund(db::Tx& tx, std::int64_t id, std::int64_t amount, std::int64_t now) const;

  std::optional<RefundRecord> FindRefundByKey(db::Tx& tx, std::int64_t payment_id, const std::string& key) const;
  std::optional<RefundRecord> FindRefund(db::Tx& tx, std::int64_t id) const;
  std::int64_t InsertRefund(db::Tx& tx, const RefundRecord& r, const std::string& key) const;
  /// Moves a pending refund to `status`; false when it is no longer pending.
  bool FinishRefund(db::Tx& tx, std::int64_t id, const std::string& status, const std::string& provider_refund_id,
                    std::int64_t now) const;

  /// Records an event id; false when it was recorded before.
  bool InsertEventIfNew(db::Tx& tx, const std::string& event_id, const std::string& type, std::int64_t payment_id,
                        std::int64_t now) const;
};

}  // namespace emporium::payments
