#pragma once
// The refunds module: staff refunds of an order (idempotent, under the store's fee policy),
// customers' refund requests for delivered orders, and their review by staff. The only header
// other modules and the app include.
//
//   refunds::RefundsModule refunds(db, config, clock, orders, payments, pricing, catalog, auth, audit,
//                                  notifications.notifier(), &events);
//   refunds.RegisterRoutes(router);
//
// Policy (config.refund_includes_fees, REFUND_INCLUDES_FEES): a refund without an amount returns
// everything still refundable: the amount captured minus the processor's fee ("full refunds exclude
// third-party fees") minus earlier refunds; with the setting on, the fee is refunded too.

#include <memory>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"
#include "http/router.hpp"
#include "infra/events/event_bus.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/notifications/notifier.hpp"
#include "modules/orders/orders_module.hpp"
#include "modules/payments/payments_module.hpp"
#include "modules/pricing/pricing_module.hpp"

namespace emporium::refunds {

class RefundsModule {
 public:
  /// Every reference must outlive the module; `events` may be null (no dashboard events then).
  /// `notifier` tells the customer about refunds and request decisions (in-app and e-mail).
  RefundsModule(db::Database& db, const core::Config& config, const core::Clock& clock, orders::OrdersModule& orders,
                payments::PaymentsModule& payments, pricing::PricingModule& pricing, catalog::CatalogModule& catalog,
                auth::AuthModule& auth, audit::AuditLog& audit, notifications::Notifier& notifier, infra::EventBus* events);
  ~RefundsModule();
  RefundsModule(const RefundsModule&) = delete;
  RefundsModule& operator=(const RefundsModule&) = delete;

  /// POST /api/v1/admin/orders/{id}/refunds, POST /api/v1/orders/{id}/refund-requests,
  /// GET /api/v1/admin/refund-requests, POST /api/v1/admin/refund-requests/{id}/approve and /deny.
  void RegisterRoutes(http::Router& router);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::refunds
