#pragma once
// Fulfilment value types and the courier's status rules (pure, unit-tested).

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "modules/orders/model.hpp"

namespace emporium::fulfilment {

/// A shipment's own status, as the courier reports it. It is finer than the order's: a failed
/// delivery attempt is visible here while the order simply goes back to "shipped".
enum class ShipmentStatus { kAssigned, kOutForDelivery, kDelivered, kFailedAttempt, kAwaitingPickup, kUncollected };

std::string_view ShipmentStatusName(ShipmentStatus s);
std::optional<ShipmentStatus> ParseShipmentStatus(std::string_view s);
/// Delivered and uncollected shipments are finished: no more positions or reports.
bool IsFinished(ShipmentStatus s);

/// The order status a courier's report leads to:
///   out_for_delivery → out_for_delivery, delivered → delivered, awaiting_pickup → awaiting_pickup,
///   uncollected → uncollected, failed_attempt → shipped (back to the depot for another attempt).
orders::OrderStatus OrderStatusFor(ShipmentStatus reported);

/// Whether a courier may report `to` for a shipment in `from`. kInvalidArgument "status" for
/// "assigned" (set only at assignment); kConflict for an illegal step, and for awaiting_pickup when
/// the order has no safe shipping (the original store's rule: only safe-shipping parcels are left at
/// a pickup point). The order's own state machine is checked again by OrdersModule::Transition.
///   assigned         → out_for_delivery | delivered | awaiting_pickup
///   out_for_delivery → delivered | failed_attempt | awaiting_pickup
///   failed_attempt   → out_for_delivery | delivered | awaiting_pickup
///   awaiting_pickup  → delivered | uncollected
///   delivered, uncollected: final
Status CheckCourierReport(ShipmentStatus from, ShipmentStatus to, bool safe_shipping);

struct Shipment {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::int64_t courier_id = 0;
  ShipmentStatus status = ShipmentStatus::kAssigned;
  std::string carrier;
  std::optional<std::string> proof_url;
  std::int64_t assigned_at = 0, updated_at = 0;
  std::optional<double> last_lat, last_lng;
  std::optional<std::int64_t> last_at;
  std::optional<std::int64_t> eta_at;
};

/// One position report of the courier app.
struct LocationFix {
  double lat = 0;
  double lng = 0;
  std::optional<double> accuracy_m;
  std::int64_t at = 0;  ///< Unix seconds
};

/// {id, order_id, courier_id, status, carrier, proof_url|null, assigned_at, updated_at,
///  last_location{lat, lng, at}|null, eta|null} with RFC 3339 times.
boost::json::object ToJson(const Shipment& s);

}  // namespace emporium::fulfilment
