#include "modules/refunds/refunds_module.hpp"

#include "modules/refunds/refunds_controller.hpp"
#include "modules/refunds/refunds_service.hpp"

namespace emporium::refunds {

struct RefundsModule::Impl {
  template <class... Args>
  explicit Impl(Args&&... args) : service(std::forward<Args>(args)...) {}
  RefundsService service;
};

RefundsModule::RefundsModule(db::Database& db, const core::Config& config, const core::Clock& clock,
                             orders::OrdersModule& orders, payments::PaymentsModule& payments,
                             pricing::PricingModule& pricing, catalog::CatalogModule& catalog, auth::AuthModule& auth,
                             audit::AuditLog& audit, notifications::Notifier& notifier, infra::EventBus* events)
    : impl_(std::make_unique<Impl>(db, config, clock, orders, payments, pricing, catalog, auth, audit, notifier, events)) {}

RefundsModule::~RefundsModule() = default;

void RefundsModule::RegisterRoutes(http::Router& router) { RegisterRefundRoutes(router, impl_->service); }

}  // namespace emporium::refunds
