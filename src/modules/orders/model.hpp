#pragma once
// Orders: statuses, the state machine (pure, unit-tested) and the value types other modules see.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/cart/checkout.hpp"

namespace emporium::orders {

enum class OrderStatus {
  kPendingPayment,
  kPaid,
  kProcessing,
  kShipped,
  kOutForDelivery,
  kAwaitingPickup,
  kDelivered,
  kUncollected,
  kCancelled,
  kRefunded,
  kPartiallyRefunded,
};
std::string_view StatusName(OrderStatus s);               ///< "pending_payment", ...
std::optional<OrderStatus> ParseStatus(std::string_view s);

/// The order state machine (docs/orders.md draws it):
///   pending_payment → paid | cancelled
///   paid → processing | shipped | cancelled | refunded | partially_refunded
///   processing → shipped | cancelled | refunded | partially_refunded
///   shipped → out_for_delivery | awaiting_pickup | delivered
///   out_for_delivery → delivered | awaiting_pickup | shipped (failed attempt, back to the depot)
///   awaiting_pickup → delivered | uncollected
///   delivered → refunded | partially_refunded
///   uncollected → refunded | partially_refunded | cancelled
///   partially_refunded → refunded | partially_refunded
///   cancelled, refunded: final
bool IsLegalTransition(OrderStatus from, OrderStatus to);
/// Before shipment: the customer may still cancel (pending_payment, paid, processing).
bool IsCancellable(OrderStatus s);

struct OrderLine {
  std::int64_t id = 0;
  std::int64_t variant_id = 0;
  std::int64_t product_id = 0;
  std::string sku;
  std::string name;           ///< copied at order time
  std::int64_t unit_price = 0;
  std::int64_t quantity = 0;
  std::int64_t line_total = 0;
  std::int64_t weight_grams = 0;
};

struct Order {
  std::int64_t id = 0;
  std::string number;         ///< human-readable, e.g. "EMP-2026-000042"
  std::int64_t user_id = 0;
  OrderStatus status = OrderStatus::kPendingPayment;
  std::string currency;
  std::int64_t subtotal = 0, discount = 0, shipping = 0, tax = 0, loyalty = 0, total = 0;
  std::int64_t loyalty_points_used = 0;
  std::int64_t loyalty_points_earned = 0;
  std::string discount_code;
  cart::ShipTo ship_to;
  std::string shipping_method; ///< standard | express | next_day
  bool safe_shipping = false;
  std::string tracking_number; ///< e.g. "EMP1Z8K4Q2M7W"
  std::optional<std::int64_t> courier_id;
  std::int64_t reserved_until = 0;  ///< pending_payment only: the reservation expires then
  std::int64_t created_at = 0, updated_at = 0;
  std::optional<std::int64_t> paid_at;
  std::vector<OrderLine> lines;
};

/// One transition, for the timeline.
struct OrderEvent {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::optional<std::string> from_status;  ///< null for the creation
  std::string to_status;
  std::optional<std::int64_t> actor_user_id;
  std::string actor_role;                  ///< "customer", "manager", "courier", "system", ...
  std::string note;
  std::int64_t created_at = 0;
};

}  // namespace emporium::orders
