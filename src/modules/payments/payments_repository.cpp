#include "modules/payments/payments_repository.hpp"

#include <soci/soci.h>

#include "db/binds.hpp"
#include "db/rows.hpp"

namespace emporium::payments {

namespace {

constexpr const char* kSelectCustomer =
    "SELECT customer_ref FROM payment_customers WHERE user_id = :user_id AND provider = :provider";
constexpr const char* kInsertCustomerSqlite =
    "INSERT INTO payment_customers (user_id, provider, customer_ref, created_at) "
    "VALUES (:user_id, :provider, :customer_ref, :now) ON CONFLICT (user_id, provider) DO NOTHING";
constexpr const char* kInsertCustomerMariaDb =
    "INSERT IGNORE INTO payment_customers (user_id, provider, customer_ref, created_at) "
    "VALUES (:user_id, :provider, :customer_ref, :now)";

constexpr const char* kCardColumns =
    "SELECT id, user_id, provider_id, brand, last4, exp_month, exp_year, is_default, created_at FROM payment_methods ";
constexpr const char* kListCards =
    "WHERE user_id = :user_id AND provider = :provider AND deleted_at IS NULL ORDER BY id LIMIT 100";
constexpr const char* kFindCard = "WHERE id = :id AND user_id = :user_id AND deleted_at IS NULL";
constexpr const char* kDefaultCard =
    "WHERE user_id = :user_id AND provider = :provider AND deleted_at IS NULL AND is_default = 1 "
    "ORDER BY id DESC LIMIT 1";
constexpr const char* kCardOwner =
    "SELECT user_id FROM payment_methods WHERE provider = :provider AND provider_id = :provider_id "
    "AND deleted_at IS NULL";
constexpr const char* kInsertCard =
    "INSERT INTO payment_methods (user_id, provider, provider_id, brand, last4, exp_month, exp_year, is_default, "
    "created_at) VALUES (:user_id, :provider, :provider_id, :brand, :last4, :exp_month, :exp_year, :is_default, "
    ":created_at) RETURNING id";
constexpr const char* kSetDefaultCard =
    "UPDATE payment_methods SET is_default = CASE WHEN id = :id THEN 1 ELSE 0 END "
    "WHERE user_id = :user_id AND deleted_at IS NULL";
constexpr const char* kSoftDeleteCard =
    "UPDATE payment_methods SET deleted_at = :now, is_default = 0 "
    "WHERE id = :id AND user_id = :user_id AND deleted_at IS NULL";

constexpr const char* kPaymentColumns =
    "SELECT id, user_id, order_id, purpose, provider, status, amount, currency, fee, refunded, payment_method, "
    "intent_id, client_secret, failure_message, created_at, updated_at FROM payments ";
constexpr const char* kInsertPayment =
    "INSERT INTO payments (user_id, order_id, purpose, provider, status, amount, currency, payment_method, "
    "off_session, created_at, updated_at) VALUES (:user_id, :order_id, :purpose, :provider, :status, :amount, "
    ":currency, :payment_method, :off_session, :now, :now2)";
constexpr const char* kPaymentToCharge =
    "SELECT p.id, p.user_id, p.order_id, p.purpose, p.provider, p.status, p.amount, p.currency, p.fee, p.refunded, "
    "p.payment_method, p.intent_id, p.client_secret, p.failure_message, p.created_at, p.updated_at, p.off_session, "
    "c.customer_ref FROM payments p LEFT JOIN payment_customers c ON c.user_id = p.user_id AND c.provider = "
    "p.provider WHERE p.id = :id";
constexpr const char* kApplyStateChange =
    "UPDATE payments SET status = :status, intent_id = COALESCE(intent_id, :intent_id), "
    "charge_id = COALESCE(:charge_id, charge_id), client_secret = COALESCE(:client_secret, client_secret), "
    "failure_message = COALESCE(:failure_message, failure_message), "
    "fee = CASE WHEN :fee > 0 THEN :fee2 ELSE fee END, updated_at = :now "
    "WHERE id = :id AND status = :expected";
constexpr const char* kRaiseRefunded =
    "UPDATE payments SET refunded = :cumulative, updated_at = :now "
    "WHERE id = :id AND refunded < :cumulative2 AND :cumulative3 <= amount";
constexpr const char* kReserveRefund =
    "UPDATE payments SET refunded = refunded + :amount, updated_at = :now "
    "WHERE id = :id AND status = 'succeeded' AND refunded + :amount2 <= amount";
constexpr const char* kReturnRefund =
    "UPDATE payments SET refunded = refunded - :amount, updated_at = :now WHERE id = :id AND refunded >= :amount2";

constexpr const char* kRefundColumns =
    "SELECT id, payment_id, amount, reason, status, provider_refund_id, created_at FROM payment_refunds ";
constexpr const char* kInsertRefund =
    "INSERT INTO payment_refunds (payment_id, amount, reason, status, idem_key, created_at, updated_at) "
    "VALUES (:payment_id, :amount, :reason, 'pending', :idem_key, :now, :now2) RETURNING id";
constexpr const char* kFinishRefund =
    "UPDATE payment_refunds SET status = :status, provider_refund_id = :provider_refund_id, updated_at = :now "
    "WHERE id = :id AND status = 'pending'";

constexpr const char* kInsertEventSqlite =
    "INSERT INTO payment_webhook_events (event_id, type, payment_id, received_at) "
    "VALUES (:event_id, :type, :payment_id, :now) ON CONFLICT (event_id) DO NOTHING";
constexpr const char* kInsertEventMariaDb =
    "INSERT IGNORE INTO payment_webhook_events (event_id, type, payment_id, received_at) "
    "VALUES (:event_id, :type, :payment_id, :now)";

SavedCard CardFromRow(const db::Row& r) {
  return SavedCard{.id = db::RowInt(r, 0),
                   .user_id = db::RowInt(r, 1),
                   .provider_id = db::RowStr(r, 2),
                   .brand = db::RowStr(r, 3),
                   .last4 = db::RowStr(r, 4),
                   .exp_month = static_cast<int>(db::RowInt(r, 5)),
                   .exp_year = static_cast<int>(db::RowInt(r, 6)),
                   .is_default = db::RowInt(r, 7) != 0,
                   .created_at = db::RowInt(r, 8)};
}

PaymentRecord PaymentFromRow(const db::Row& r) {
  return PaymentRecord{.id = db::RowInt(r, 0),
                       .user_id = db::RowInt(r, 1),
                       .order_id = db::RowOptInt(r, 2),
                       .purpose = db::RowStr(r, 3),
                       .provider = db::RowStr(r, 4),
                       .status = db::RowStr(r, 5),
                       .amount = db::RowInt(r, 6),
                       .currency = db::RowStr(r, 7),
                       .fee = db::RowInt(r, 8),
                       .refunded = db::RowInt(r, 9),
                       .payment_method = db::RowStr(r, 10),
                       .intent_id = db::RowStr(r, 11),
                       .client_secret = db::RowStr(r, 12),
                       .failure_message = db::RowStr(r, 13),
                       .created_at = db::RowInt(r, 14),
                       .updated_at = db::RowInt(r, 15)};
}

RefundRecord RefundFromRow(const db::Row& r) {
  return RefundRecord{.id = db::RowInt(r, 0),
                      .payment_id = db::RowInt(r, 1),
                      .amount = db::RowInt(r, 2),
                      .reason = db::RowStr(r, 3),
                      .status = db::RowStr(r, 4),
                      .provider_refund_id = db::RowStr(r, 5),
                      .created_at = db::RowInt(r, 6)};
}

/// The first row of a query, converted; nullopt when there is none.
template <class Convert, class... Binds>
auto FirstRow(db::Tx& tx, const std::string& sql, Convert convert, Binds&&... binds)
    -> std::optional<decltype(convert(std::declval<const db::Row&>()))> {
  soci::rowset<soci::row> rows = ((tx.sql.prepare << sql), ..., std::forward<Binds>(binds));
  for (const auto& row : rows) return convert(row);
  return std::nullopt;
}

/// An empty string bound as NULL (COALESCE then keeps the column).
struct NullableText {
  explicit NullableText(const std::string& s) : value(s), ind(s.empty() ? soci::i_null : soci::i_ok) {}
  std::string value;
  soci::indicator ind;
};

}  // namespace

std::optional<std::string> PaymentsRepository::FindCustomer(db::Tx& tx, std::int64_t user_id,
                                                            const std::string& provider) const {
  long long uid = user_id;
  return FirstRow(
      tx, kSelectCustomer, [](const db::Row& r) { return db::RowStr(r, 0); }, soci::use(uid, "user_id"),
      soci::use(provider, "provider"));
}

void PaymentsRepository::InsertCustomerIfAbsent(db::Tx& tx, std::int64_t user_id, const std::string& provider,
                                                const std::string& customer_ref, std::int64_t now) const {
  long long uid = user_id, ts = now;
  tx.sql << (tx.dialect == db::Dialect::kSqlite ? kInsertCustomerSqlite : kInsertCustomerMariaDb),
      soci::use(uid, "user_id"), soci::use(provider, "provider"), soci::use(customer_ref, "customer_ref"),
      soci::use(ts, "now");
}

std::vector<SavedCard> PaymentsRepository::ListCards(db::Tx& tx, std::int64_t user_id,
                                                     const std::string& provider) const {
  long long uid = user_id;
  soci::rowset<soci::row> rows = (tx.sql.prepare << std::string(kCardColumns) + kListCards, soci::use(uid, "user_id"),
                                  soci::use(provider, "provider"));
  std::vector<SavedCard> out;
  for (const auto& row : rows) out.push_back(CardFromRow(row));
  return out;
}

std::optional<SavedCard> PaymentsRepository::FindCard(db::Tx& tx, std::int64_t user_id, std::int64_t card_id) const {
  long long uid = user_id, id = card_id;
  return FirstRow(tx, std::string(kCardColumns) + kFindCard, CardFromRow, soci::use(id, "id"),
                  soci::use(uid, "user_id"));
}

std::optional<std::int64_t> PaymentsRepository::FindCardOwner(db::Tx& tx, const std::string& provider,
                                                              const std::string& provider_id) const {
  return FirstRow(
      tx, kCardOwner, [](const db::Row& r) { return db::RowInt(r, 0); }, soci::use(provider, "provider"),
      soci::use(provider_id, "provider_id"));
}

std::optional<SavedCard> PaymentsRepository::DefaultCard(db::Tx& tx, std::int64_t user_id,
                                                         const std::string& provider) const {
  long long uid = user_id;
  return FirstRow(tx, std::string(kCardColumns) + kDefaultCard, CardFromRow, soci::use(uid, "user_id"),
                  soci::use(provider, "provider"));
}

std::int64_t PaymentsRepository::InsertCard(db::Tx& tx, const SavedCard& card, const std::string& provider) const {
  long long uid = card.user_id, created = card.created_at, id = 0;
  int month = card.exp_month, year = card.exp_year, is_default = card.is_default ? 1 : 0;
  tx.sql << kInsertCard, soci::use(uid, "user_id"), soci::use(provider, "provider"),
      soci::use(card.provider_id, "provider_id"), soci::use(card.brand, "brand"), soci::use(card.last4, "last4"),
      soci::use(month, "exp_month"), soci::use(year, "exp_year"), soci::use(is_default, "is_default"),
      soci::use(created, "created_at"), soci::into(id);
  return id;
}

void PaymentsRepository::SetDefaultCard(db::Tx& tx, std::int64_t user_id, std::int64_t card_id) const {
  long long uid = user_id, id = card_id;
  tx.sql << kSetDefaultCard, soci::use(id, "id"), soci::use(uid, "user_id");
}

bool PaymentsRepository::SoftDeleteCard(db::Tx& tx, std::int64_t user_id, std::int64_t card_id,
                                        std::int64_t now) const {
  long long uid = user_id, id = card_id, ts = now;
  soci::statement st =
      (tx.sql.prepare << kSoftDeleteCard, soci::use(ts, "now"), soci::use(id, "id"), soci::use(uid, "user_id"));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

std::int64_t PaymentsRepository::InsertPayment(db::Tx& tx, const PaymentRecord& p, bool off_session) const {
  db::Binds b;
  b.Int(p.user_id).OptInt(p.order_id).Str(p.purpose).Str(p.provider).Str(p.status).Int(p.amount).Str(p.currency);
  b.Str(p.payment_method).Int(off_session ? 1 : 0).Int(p.created_at).Int(p.created_at);
  return db::InsertOne(tx, kInsertPayment, std::move(b)).value_or(0);
}

std::optional<PaymentRecord> PaymentsRepository::FindPayment(db::Tx& tx, std::int64_t id) const {
  long long key = id;
  return FirstRow(tx, std::string(kPaymentColumns) + "WHERE id = :id", PaymentFromRow, soci::use(key, "id"));
}

std::optional<PaymentRecord> PaymentsRepository::FindPaymentByIntent(db::Tx& tx, const std::string& intent_id) const {
  return FirstRow(tx, std::string(kPaymentColumns) + "WHERE intent_id = :intent_id", PaymentFromRow,
                  soci::use(intent_id, "intent_id"));
}

std::optional<PaymentToCharge> PaymentsRepository::FindPaymentToCharge(db::Tx& tx, std::int64_t id) const {
  long long key = id;
  return FirstRow(
      tx, kPaymentToCharge,
      [](const db::Row& r) {
        return PaymentToCharge{PaymentFromRow(r), db::RowInt(r, 16) != 0, db::RowStr(r, 17)};
      },
      soci::use(key, "id"));
}

std::optional<PaymentRecord> PaymentsRepository::LatestForOrder(db::Tx& tx, std::int64_t order_id) const {
  long long key = order_id;
  return FirstRow(tx, std::string(kPaymentColumns) + "WHERE order_id = :order_id ORDER BY id DESC LIMIT 1",
                  PaymentFromRow, soci::use(key, "order_id"));
}

bool PaymentsRepository::ApplyStateChange(db::Tx& tx, std::int64_t id, const PaymentStateChange& change,
                                          std::int64_t now) const {
  // On every payment's settlement, inside the writer's transaction: through db::Exec (SQLite's API
  // on SQLite), not a SOCI statement. Empty texts are bound as NULL so COALESCE keeps the stored one.
  const auto text = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
  db::Binds b;
  b.Str(change.status).OptStr(text(change.intent_id)).OptStr(text(change.charge_id));
  b.OptStr(text(change.client_secret)).OptStr(text(change.failure_message));
  b.Int(change.fee).Int(change.fee).Int(now).Int(id).Str(change.expected_status);
  return db::Exec(tx, kApplyStateChange, std::move(b)) == 1;
}

void PaymentsRepository::RaiseRefunded(db::Tx& tx, std::int64_t id, std::int64_t cumulative, std::int64_t now) const {
  long long key = id, total = cumulative, ts = now;
  tx.sql << kRaiseRefunded, soci::use(total, "cumulative"), soci::use(ts, "now"), soci::use(key, "id"),
      soci::use(total, "cumulative2"), soci::use(total, "cumulative3");
}

bool PaymentsRepository::ReserveRefund(db::Tx& tx, std::int64_t id, std::int64_t amount, std::int64_t now) const {
  long long key = id, a = amount, ts = now;
  soci::statement st = (tx.sql.prepare << kReserveRefund, soci::use(a, "amount"), soci::use(ts, "now"),
                        soci::use(key, "id"), soci::use(a, "amount2"));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

void PaymentsRepository::ReturnRefund(db::Tx& tx, std::int64_t id, std::int64_t amount, std::int64_t now) const {
  long long key = id, a = amount, ts = now;
  tx.sql << kReturnRefund, soci::use(a, "amount"), soci::use(ts, "now"), soci::use(key, "id"), soci::use(a, "amount2");
}

std::optional<RefundRecord> PaymentsRepository::FindRefundByKey(db::Tx& tx, std::int64_t payment_id,
                                                                const std::string& key) const {
  long long pid = payment_id;
  return FirstRow(tx, std::string(kRefundColumns) + "WHERE payment_id = :payment_id AND idem_key = :idem_key",
                  RefundFromRow, soci::use(pid, "payment_id"), soci::use(key, "idem_key"));
}

std::optional<RefundRecord> PaymentsRepository::FindRefund(db::Tx& tx, std::int64_t id) const {
  long long key = id;
  return FirstRow(tx, std::string(kRefundColumns) + "WHERE id = :id", RefundFromRow, soci::use(key, "id"));
}

std::int64_t PaymentsRepository::InsertRefund(db::Tx& tx, const RefundRecord& r, const std::string& key) const {
  long long pid = r.payment_id, amount = r.amount, now = r.created_at, id = 0;
  tx.sql << kInsertRefund, soci::use(pid, "payment_id"), soci::use(amount, "amount"), soci::use(r.reason, "reason"),
      soci::use(key, "idem_key"), soci::use(now, "now"), soci::use(now, "now2"), soci::into(id);
  return id;
}

bool PaymentsRepository::FinishRefund(db::Tx& tx, std::int64_t id, const std::string& status,
                                      const std::string& provider_refund_id, std::int64_t now) const {
  long long key = id, ts = now;
  NullableText provider_id(provider_refund_id);
  soci::statement st =
      (tx.sql.prepare << kFinishRefund, soci::use(status, "status"),
       soci::use(provider_id.value, provider_id.ind, "provider_refund_id"), soci::use(ts, "now"), soci::use(key, "id"));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

bool PaymentsRepository::InsertEventIfNew(db::Tx& tx, const std::string& event_id, const std::string& type,
                                          std::int64_t payment_id, std::int64_t now) const {
  long long pid = payment_id, ts = now;
  soci::indicator pid_ind = payment_id > 0 ? soci::i_ok : soci::i_null;
  soci::statement st =
      (tx.sql.prepare << (tx.dialect == db::Dialect::kSqlite ? kInsertEventSqlite : kInsertEventMariaDb),
       soci::use(event_id, "event_id"), soci::use(type, "type"), soci::use(pid, pid_ind, "payment_id"),
       soci::use(ts, "now"));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

}  // namespace emporium::payments
