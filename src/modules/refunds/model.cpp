#include "modules/refunds/model.hpp"

#include "core/clock.hpp"
#include "modules/catalog/model.hpp"

namespace emporium::refunds {

namespace json = boost::json;

namespace {

template <class T>
json::value OrNull(const std::optional<T>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

}  // namespace

std::string_view RequestStatusName(RequestStatus s) {
  switch (s) {
    case RequestStatus::kPending:
      return "pending";
    case RequestStatus::kApproved:
      return "approved";
    case RequestStatus::kDenied:
      return "denied";
  }
  return "pending";
}

std::optional<RequestStatus> ParseRequestStatus(std::string_view s) {
  if (s == "pending") return RequestStatus::kPending;
  if (s == "approved") return RequestStatus::kApproved;
  if (s == "denied") return RequestStatus::kDenied;
  return std::nullopt;
}

json::object ToJson(const Refund& r) {
  return json::object{
      {"id", r.id},         {"order_id", r.order_id}, {"amount", catalog::MoneyJson(r.amount, r.currency)},
      {"reason", r.reason}, {"restock", r.restock},   {"created_at", core::FormatRfc3339(r.created_at)}};
}

json::object ToJson(const RefundRequest& r) {
  return json::object{
      {"id", r.id},
      {"order_id", r.order_id},
      {"user_id", r.user_id},
      {"amount", r.amount ? json::value(catalog::MoneyJson(*r.amount, r.currency)) : json::value(nullptr)},
      {"reason", r.reason},
      {"status", RequestStatusName(r.status)},
      {"decision_reason", OrNull(r.decision_reason)},
      {"decided_by", OrNull(r.decided_by)},
      {"decided_at", r.decided_at ? json::value(core::FormatRfc3339(*r.decided_at)) : json::value(nullptr)},
      {"created_at", core::FormatRfc3339(r.created_at)}};
}

}  // namespace emporium::refunds
