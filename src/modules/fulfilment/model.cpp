#include "modules/fulfilment/model.hpp"

#include <array>
#include <utility>

#include "core/clock.hpp"

namespace emporium::fulfilment {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<ShipmentStatus, std::string_view>, 6> kNames = {{
    {ShipmentStatus::kAssigned, "assigned"},
    {ShipmentStatus::kOutForDelivery, "out_for_delivery"},
    {ShipmentStatus::kDelivered, "delivered"},
    {ShipmentStatus::kFailedAttempt, "failed_attempt"},
    {ShipmentStatus::kAwaitingPickup, "awaiting_pickup"},
    {ShipmentStatus::kUncollected, "uncollected"},
}};

json::value OptTime(const std::optional<std::int64_t>& t) {
  return t ? json::value(core::FormatRfc3339(*t)) : json::value(nullptr);
}

}  // namespace

std::string_view ShipmentStatusName(ShipmentStatus s) {
  for (const auto& [status, name] : kNames) {
    if (status == s) return name;
  }
  return "assigned";
}

std::optional<ShipmentStatus> ParseShipmentStatus(std::string_view s) {
  for (const auto& [status, name] : kNames) {
    if (name == s) return status;
  }
  return std::nullopt;
}

bool IsFinished(ShipmentStatus s) { return s == ShipmentStatus::kDelivered || s == ShipmentStatus::kUncollected; }

orders::OrderStatus OrderStatusFor(ShipmentStatus reported) {
  switch (reported) {
    case ShipmentStatus::kOutForDelivery:
      return orders::OrderStatus::kOutForDelivery;
    case ShipmentStatus::kDelivered:
      return orders::OrderStatus::kDelivered;
    case ShipmentStatus::kFailedAttempt:
      return orders::OrderStatus::kShipped;
    case ShipmentStatus::kAwaitingPickup:
      return orders::OrderStatus::kAwaitingPickup;
    case ShipmentStatus::kUncollected:
      return orders::OrderStatus::kUncollected;
    case ShipmentStatus::kAssigned:
      break;
  }
  return orders::OrderStatus::kShipped;
}

Status CheckCourierReport(ShipmentStatus from, ShipmentStatus to, bool safe_shipping) {
  using S = ShipmentStatus;
  if (to == S::kAssigned) return Error::Invalid("status", "a shipment is assigned by staff, not reported");
  bool legal = false;
  switch (from) {
    case S::kAssigned:
      legal = to == S::kOutForDelivery || to == S::kDelivered || to == S::kAwaitingPickup;
      break;
    case S::kOutForDelivery:
      legal = to == S::kDelivered || to == S::kFailedAttempt || to == S::kAwaitingPickup;
      break;
    case S::kFailedAttempt:
      legal = to == S::kOutForDelivery || to == S::kDelivered || to == S::kAwaitingPickup;
      break;
    case S::kAwaitingPickup:
      legal = to == S::kDelivered || to == S::kUncollected;
      break;
    case S::kDelivered:
    case S::kUncollected:
      legal = false;
      break;
  }
  if (!legal) {
    return Error::Conflict("A shipment that is " + std::string(ShipmentStatusName(from)) + " cannot become " +
                           std::string(ShipmentStatusName(to)) + ".");
  }
  if (to == S::kAwaitingPickup && !safe_shipping) {
    return Error::Conflict("Only orders with safe shipping can be left at a pickup point.");
  }
  return OkStatus();
}

json::object ToJson(const Shipment& s) {
  json::value last_location = nullptr;
  if (s.last_lat && s.last_lng && s.last_at) {
    last_location = json::object{{"lat", *s.last_lat}, {"lng", *s.last_lng}, {"at", core::FormatRfc3339(*s.last_at)}};
  }
  return json::object{{"id", s.id},
                      {"order_id", s.order_id},
                      {"courier_id", s.courier_id},
                      {"status", ShipmentStatusName(s.status)},
                      {"carrier", s.carrier},
                      {"proof_url", s.proof_url ? json::value(*s.proof_url) : json::value(nullptr)},
                      {"assigned_at", core::FormatRfc3339(s.assigned_at)},
                      {"updated_at", core::FormatRfc3339(s.updated_at)},
                      {"last_location", std::move(last_location)},
                      {"eta", OptTime(s.eta_at)}};
}

}  // namespace emporium::fulfilment
