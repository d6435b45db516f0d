#include "modules/refunds/refunds_repository.hpp"

#include <soci/soci.h>

#include <deque>

#include "db/binds.hpp"
#include "db/rows.hpp"

namespace emporium::refunds {

namespace {

constexpr const char* kInsertRefund =
    "INSERT INTO refunds (order_id, payment_refund_id, amount, currency, reason, restock, actor_user_id, created_at) "
    "VALUES (:order_id, :payment_refund_id, :amount, :currency, :reason, :restock, :actor, :created_at) RETURNING id";
constexpr const char* kRefundByPaymentRefund =
    "SELECT id, order_id, payment_refund_id, amount, currency, reason, restock, actor_user_id, created_at FROM refunds "
    "WHERE payment_refund_id = :payment_refund_id";
// pending_order_id is the order id while pending: its unique index allows one pending request per order.
constexpr const char* kInsertRequest =
    "INSERT INTO refund_requests (order_id, user_id, amount, currency, reason, status, created_at, pending_order_id) "
    "VALUES (:order_id, :user_id, :amount, :currency, :reason, 'pending', :created_at, :pending_order_id) "
    "RETURNING id";
constexpr const char* kRequestColumns =
    "SELECT id, order_id, user_id, amount, currency, reason, status, decision_reason, decided_by, decided_at, "
    "created_at FROM refund_requests";
constexpr const char* kPendingForOrder = "SELECT id FROM refund_requests WHERE pending_order_id = :order_id";
constexpr const char* kDecide =
    "UPDATE refund_requests SET status = :status, decision_reason = :reason, decided_by = :decided_by, "
    "decided_at = :now, pending_order_id = NULL WHERE id = :id AND status = 'pending'";

using db::Binds;
using db::Exec;
using db::Rows;
using db::RowOptStr;

Refund ToRefund(const db::Row& r) {
  Refund out;
  out.id = db::RowInt(r, 0);
  out.order_id = db::RowInt(r, 1);
  out.payment_refund_id = db::RowInt(r, 2);
  out.amount = db::RowInt(r, 3);
  out.currency = db::RowStr(r, 4);
  out.reason = db::RowStr(r, 5);
  out.restock = db::RowInt(r, 6) != 0;
  out.actor_user_id = db::RowOptInt(r, 7);
  out.created_at = db::RowInt(r, 8);
  return out;
}

RefundRequest ToRequest(const db::Row& r) {
  RefundRequest out;
  out.id = db::RowInt(r, 0);
  out.order_id = db::RowInt(r, 1);
  out.user_id = db::RowInt(r, 2);
  out.amount = db::RowOptInt(r, 3);
  out.currency = db::RowStr(r, 4);
  out.reason = db::RowStr(r, 5);
  // Written only from the enum (and CHECKed): an unknown value would be a corrupted row.
  out.status = ParseRequestStatus(db::RowStr(r, 6)).value_or(RequestStatus::kPending);
  out.decision_reason = RowOptStr(r, 7);
  out.decided_by = db::RowOptInt(r, 8);
  out.decided_at = db::RowOptInt(r, 9);
  out.created_at = db::RowInt(r, 10);
  return out;
}

}  // namespace

std::int64_t RefundsRepository::InsertRefund(db::Tx& tx, const Refund& r) const {
  Binds b;
  b.Int(r.order_id).Int(r.payment_refund_id).Int(r.amount).Str(r.currency).Str(r.reason).Int(r.restock ? 1 : 0);
  b.OptInt(r.actor_user_id).Int(r.created_at);
  std::int64_t id = 0;
  Rows(tx, kInsertRefund, std::move(b), [&](const db::Row& row) { id = db::RowInt(row, 0); });
  return id;
}

std::optional<Refund> RefundsRepository::FindRefundByPaymentRefund(db::Tx& tx, std::int64_t payment_refund_id) const {
  std::optional<Refund> out;
  Rows(tx, kRefundByPaymentRefund, std::move(Binds().Int(payment_refund_id)),
       [&](const db::Row& r) { out = ToRefund(r); });
  return out;
}

std::int64_t RefundsRepository::InsertRequest(db::Tx& tx, const RefundRequest& r) const {
  Binds b;
  b.Int(r.order_id).Int(r.user_id).OptInt(r.amount).Str(r.currency).Str(r.reason).Int(r.created_at).Int(r.order_id);
  std::int64_t id = 0;
  Rows(tx, kInsertRequest, std::move(b), [&](const db::Row& row) { id = db::RowInt(row, 0); });
  return id;
}

std::optional<RefundRequest> RefundsRepository::FindRequest(db::Tx& tx, std::int64_t id) const {
  std::optional<RefundRequest> out;
  Rows(tx, std::string(kRequestColumns) + " WHERE id = :id", std::move(Binds().Int(id)),
       [&](const db::Row& r) { out = ToRequest(r); });
  return out;
}

bool RefundsRepository::HasPendingRequest(db::Tx& tx, std::int64_t order_id) const {
  bool found = false;
  Rows(tx, kPendingForOrder, std::move(Binds().Int(order_id)), [&](const db::Row&) { found = true; });
  return found;
}

std::vector<RefundRequest> RefundsRepository::ListRequests(db::Tx& tx, std::optional<RequestStatus> status,
                                                           std::optional<std::int64_t> before_id, int limit) const {
  std::string sql = std::string(kRequestColumns) + " WHERE 1 = 1";
  Binds b;
  if (status) {
    sql += " AND status = :status";
    b.Str(std::string(RequestStatusName(*status)));
  }
  if (before_id) {
    sql += " AND id < :before_id";
    b.Int(*before_id);
  }
  sql += " ORDER BY id DESC LIMIT :limit";
  b.Int(limit);
  std::vector<RefundRequest> out;
  Rows(tx, sql, std::move(b), [&](const db::Row& r) { out.push_back(ToRequest(r)); });
  return out;
}

bool RefundsRepository::DecideRequest(db::Tx& tx, std::int64_t id, RequestStatus decision,
                                      const std::optional<std::string>& reason, std::int64_t decided_by,
                                      std::int64_t now) const {
  Binds b;
  b.Str(std::string(RequestStatusName(decision))).OptStr(reason).Int(decided_by).Int(now).Int(id);
  return Exec(tx, kDecide, std::move(b)) > 0;
}

}  // namespace emporium::refunds
