#pragma once
// Fulfilment business rules: assigning a courier, the courier's position and status reports, and
// the customer's tracking view. Handlers in fulfilment_module.cpp parse requests and call these.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "infra/events/event_bus.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/fulfilment/fulfilment_repository.hpp"
#include "modules/fulfilment/model.hpp"
#include "modules/orders/orders_module.hpp"

namespace emporium::fulfilment {

/// At most this many recorded positions go into the tracking polyline.
inline constexpr int kTrackingPathPoints = 500;
/// A position may be stamped at most this far ahead of the server's clock (phones drift).
inline constexpr std::int64_t kMaxClockSkewSeconds = 60;

struct ShipmentPage {
  std::vector<Shipment> items;
  std::optional<std::string> next_cursor;
};

class FulfilmentService {
 public:
  FulfilmentService(db::Database& db, const core::Clock& clock, orders::OrdersModule& orders, auth::AuthModule& auth,
                    audit::AuditLog& audit, infra::EventBus* events);

  /// Hands a paid (or processing) order to a courier: the order becomes "shipped" with that courier.
  /// kInvalidArgument "courier_id" unless it names an active courier; kNotFound for an unknown order;
  /// kConflict when the order is in another state or already has a shipment. Audited.
  Result<Shipment> Assign(const http::Request& req, std::int64_t order_id, std::int64_t courier_id,
                          const std::string& carrier);

  /// The caller's shipments, unfinished first, then newest first. `cursor` from a previous page.
  Result<ShipmentPage> ListForCourier(std::int64_t courier_id, const std::optional<std::string>& cursor, int limit);

  /// Stores a position of the caller's shipment and recomputes its ETA; publishes "shipment.location"
  /// after commit. kNotFound when the shipment is not the caller's; kInvalidArgument "at" for a time
  /// in the future; kConflict when the shipment is finished. Returns the shipment afterwards.
  Result<Shipment> RecordLocation(std::int64_t courier_id, std::int64_t shipment_id, const LocationFix& fix);

  /// Applies the courier's status report to the shipment and the order (see CheckCourierReport).
  /// kNotFound when the shipment is not the caller's; kConflict for an illegal report.
  Result<Shipment> ReportStatus(const http::Request& req, std::int64_t shipment_id, ShipmentStatus to,
                                const std::optional<std::string>& proof_url);

  /// The tracking view of an order for its owner, staff (support, manager, admin) and the courier
  /// carrying it; kNotFound for anyone else.
  Result<boost::json::object> Tracking(const Principal& who, std::int64_t order_id);

 private:
  Result<Shipment> OwnShipment(db::Tx& tx, std::int64_t courier_id, std::int64_t shipment_id) const;
  Result<orders::Order> ReadableOrder(db::Tx& tx, const Principal& who, std::int64_t order_id);

  db::Database& db_;
  const core::Clock& clock_;
  orders::OrdersModule& orders_;
  auth::AuthModule& auth_;
  audit::AuditLog& audit_;
  infra::EventBus* events_;
  FulfilmentRepository repository_;
};

}  // namespace emporium::fulfilment
