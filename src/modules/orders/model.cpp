#include "modules/orders/model.hpp"

#include <array>
#include <utility>

namespace emporium::orders {

namespace {

constexpr std::array<std::pair<OrderStatus, std::string_view>, 11> kNames{{
    {OrderStatus::kPendingPayment, "pending_payment"},
    {OrderStatus::kPaid, "paid"},
    {OrderStatus::kProcessing, "processing"},
    {OrderStatus::kShipped, "shipped"},
    {OrderStatus::kOutForDelivery, "out_for_delivery"},
    {OrderStatus::kAwaitingPickup, "awaiting_pickup"},
    {OrderStatus::kDelivered, "delivered"},
    {OrderStatus::kUncollected, "uncollected"},
    {OrderStatus::kCancelled, "cancelled"},
    {OrderStatus::kRefunded, "refunded"},
    {OrderStatus::kPartiallyRefunded, "partially_refunded"},
}};

}  // namespace

std::string_view StatusName(OrderStatus s) {
  for (const auto& [status, name] : kNames) {
    if (status == s) return name;
  }
  return "pending_payment";
}

std::optional<OrderStatus> ParseStatus(std::string_view s) {
  for (const auto& [status, name] : kNames) {
    if (name == s) return status;
  }
  return std::nullopt;
}

bool IsLegalTransition(OrderStatus from, OrderStatus to) {
  using S = OrderStatus;
  auto any_of = [to](std::initializer_list<S> allowed) {
    for (S s : allowed) {
      if (s == to) return true;
    }
    return false;
  };
  switch (from) {
    case S::kPendingPayment: return any_of({S::kPaid, S::kCancelled});
    case S::kPaid: return any_of({S::kProcessing, S::kShipped, S::kCancelled, S::kRefunded, S::kPartiallyRefunded});
    case S::kProcessing: return any_of({S::kShipped, S::kCancelled, S::kRefunded, S::kPartiallyRefunded});
    case S::kShipped: return any_of({S::kOutForDelivery, S::kAwaitingPickup, S::kDelivered});
    // A failed delivery attempt takes the parcel back to the depot: shipped again.
    case S::kOutForDelivery: return any_of({S::kDelivered, S::kAwaitingPickup, S::kShipped});
    case S::kAwaitingPickup: return any_of({S::kDelivered, S::kUncollected});
    case S::kDelivered: return any_of({S::kRefunded, S::kPartiallyRefunded});
    case S::kUncollected: return any_of({S::kRefunded, S::kPartiallyRefunded, S::kCancelled});
    // Each further partial refund is a transition too, so the timeline records every one.
    case S::kPartiallyRefunded: return any_of({S::kRefunded, S::kPartiallyRefunded});
    case S::kCancelled:
    case S::kRefunded: return false;
  }
  return false;
}

bool IsCancellable(OrderStatus s) {
  return s == OrderStatus::kPendingPayment || s == OrderStatus::kPaid || s == OrderStatus::kProcessing;
}

}  // namespace emporium::orders
