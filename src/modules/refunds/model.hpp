#pragma once
// Refund value types: refunds made, and customers' refund requests awaiting review.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emporium::refunds {

/// A refund actually made (money returned through the processor).
struct Refund {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::int64_t payment_refund_id = 0;  ///< the payments module's refund record
  std::int64_t amount = 0;             ///< minor units
  std::string currency;                ///< the order's
  std::string reason;
  bool restock = false;
  std::optional<std::int64_t> actor_user_id;
  std::int64_t created_at = 0;
};

enum class RequestStatus { kPending, kApproved, kDenied };
std::string_view RequestStatusName(RequestStatus s);
std::optional<RequestStatus> ParseRequestStatus(std::string_view s);

/// A customer's request for a refund of a delivered (or uncollected) order, decided by staff.
struct RefundRequest {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::optional<std::int64_t> amount;  ///< null: "whatever the policy allows"
  std::string currency;                ///< the order's
  std::string reason;
  RequestStatus status = RequestStatus::kPending;
  std::optional<std::string> decision_reason;
  std::optional<std::int64_t> decided_by;
  std::optional<std::int64_t> decided_at;
  std::int64_t created_at = 0;
};

/// {id, order_id, amount{amount, currency}, reason, restock, created_at}
boost::json::object ToJson(const Refund& r);
/// {id, order_id, user_id, amount{..}|null, reason, status, decision_reason|null, decided_by|null,
///  decided_at|null, created_at}
boost::json::object ToJson(const RefundRequest& r);

}  // namespace emporium::refunds
