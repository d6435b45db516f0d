#pragma once
// The fulfilment module: shipments (an order handed to a courier), the courier's position and
// status reports, and the order tracking view (timeline, courier position, ETA, route polyline).
// The only header other modules and the app include.
//
//   fulfilment::FulfilmentModule fulfilment(db, clock, orders, auth, audit, &events);
//   fulfilment.RegisterRoutes(router);
//
// Position reports publish "shipment.location" {order_id, shipment_id, lat, lng, at, eta} on the
// event bus after commit; the real-time layer carries it to the order's room.

#include <memory>

#include "core/clock.hpp"
#include "db/database.hpp"
#include "http/router.hpp"
#include "infra/events/event_bus.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/orders/orders_module.hpp"

namespace emporium::fulfilment {

class FulfilmentModule {
 public:
  /// Every reference must outlive the module; `events` may be null (no live positions then).
  FulfilmentModule(db::Database& db, const core::Clock& clock, orders::OrdersModule& orders, auth::AuthModule& auth,
                   audit::AuditLog& audit, infra::EventBus* events);
  ~FulfilmentModule();
  FulfilmentModule(const FulfilmentModule&) = delete;
  FulfilmentModule& operator=(const FulfilmentModule&) = delete;

  /// POST /api/v1/admin/orders/{id}/shipments, GET /api/v1/courier/shipments,
  /// POST /api/v1/courier/shipments/{id}/location, POST /api/v1/courier/shipments/{id}/status,
  /// GET /api/v1/orders/{id}/tracking.
  void RegisterRoutes(http::Router& router);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::fulfilment
