#pragma once
// SQL of the refunds module (refunds, refund_requests). Every call runs in the caller's
// transaction; driver exceptions propagate to db::Database, which translates them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "modules/refunds/model.hpp"

namespace emporium::refunds {

class RefundsRepository {
 public:
  /// Inserts `r` (id ignored); kConflict (through Database) when the payment refund is already recorded.
  std::int64_t InsertRefund(db::Tx& tx, const Refund& r) const;
  std::optional<Refund> FindRefundByPaymentRefund(db::Tx& tx, std::int64_t payment_refund_id) const;

  /// Inserts a pending request (id and status ignored); kConflict (through Database) when the order
  /// already has a pending one.
  std::int64_t InsertRequest(db::Tx& tx, const RefundRequest& r) const;
  std::optional<RefundRequest> FindRequest(db::Tx& tx, std::int64_t id) const;
  bool HasPendingRequest(db::Tx& tx, std::int64_t order_id) const;
  /// Newest first, ids below `before_id` when given, optionally of one status.
  std::vector<RefundRequest> ListRequests(db::Tx& tx, std::optional<RequestStatus> status,
                                          std::optional<std::int64_t> before_id, int limit) const;
  /// Decides a pending request (approved or denied); false when it was no longer pending.
  bool DecideRequest(db::Tx& tx, std::int64_t id, RequestStatus decision, const std::optional<std::string>& reason,
                     std::int64_t decided_by, std::int64_t now) const;
};

}  // namespace emporium::refunds
