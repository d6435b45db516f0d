#pragma once
// The orders module: POST /orders (idempotent, stock reserved atomically, charged through
// PaymentsModule), the customer's and the staff's order routes, cancellation, the state machine
// with its timeline, the reservation sweeper, and the PaymentEventSink that marks orders paid or
// failed (once, whichever of the API answer and the webhook comes first).
//
//   orders::OrdersModule orders(db, config, clock, catalog, cart, pricing, payments, auth, audit,
//                                notifications.notifier(), &events);
//   payments.AddSink(&orders.payment_sink());
//   orders.RegisterRoutes(router);
//   orders.StartSweeper();   // serve only

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "http/router.hpp"
#include "infra/events/event_bus.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/cart/cart_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/notifications/notifier.hpp"
#include "modules/orders/model.hpp"
#include "modules/payments/payments_module.hpp"
#include "modules/pricing/pricing_module.hpp"

namespace emporium::orders {

class OrdersModule {
 public:
  /// Every reference must outlive the module; `events` may be null.
  OrdersModule(db::Database& db, const core::Config& config, const core::Clock& clock,
               catalog::CatalogModule& catalog, cart::CartModule& cart, pricing::PricingModule& pricing,
               payments::PaymentsModule& payments, auth::AuthModule& auth, audit::AuditLog& audit,
               notifications::Notifier& notifier, infra::EventBus* events);
  ~OrdersModule();  ///< stops the sweeper
  OrdersModule(const OrdersModule&) = delete;
  OrdersModule& operator=(const OrdersModule&) = delete;

  /// POST /api/v1/orders, GET /api/v1/orders[/{id}], POST /api/v1/orders/{id}/cancel,
  /// POST /api/v1/orders/{id}/payment/confirm, GET /api/v1/admin/orders[/{id}],
  /// POST /api/v1/admin/orders/{id}/status.
  void RegisterRoutes(http::Router& router);

  payments::PaymentEventSink& payment_sink();

  /// An order with its lines. kNotFound when absent.
  Result<Order> Get(db::Tx& tx, std::int64_t order_id);
  /// The same, for its owner only (kNotFound for anyone else's order: a customer must not learn it exists).
  Result<Order> GetOwned(db::Tx& tx, std::int64_t order_id, std::int64_t user_id);

  /// Moves an order along the state machine with a conditional update (kConflict "status" when the
  /// transition is illegal or the order moved concurrently), records the timeline entry (who, when,
  /// from, to, note) and, after commit, publishes "order.updated" (and an admin event) on the event
  /// bus. Returns the order as it is after the transition.
  Result<Order> Transition(db::Tx& tx, std::int64_t order_id, OrderStatus to, const catalog::Actor& actor,
                           const std::string& note);
  /// Sets the courier of a shipped order (fulfilment).
  Status SetCourier(db::Tx& tx, std::int64_t order_id, std::int64_t courier_id);
  /// The order's transitions, oldest first.
  Result<std::vector<OrderEvent>> Timeline(db::Tx& tx, std::int64_t order_id);

  /// Cancels orders still pending payment after RESERVATION_TTL_SECONDS (their stock, discount use
  /// and points are released). Returns how many. Called by the sweeper thread; public for tests.
  Result<int> ExpireReservations();
  /// Runs ExpireReservations every `interval` on a background thread until destruction.
  void StartSweeper(std::chrono::milliseconds interval = std::chrono::seconds(30));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::orders
