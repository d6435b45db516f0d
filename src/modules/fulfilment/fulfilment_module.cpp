#include "modules/fulfilment/fulfilment_module.hpp"

#include "modules/fulfilment/fulfilment_controller.hpp"
#include "modules/fulfilment/fulfilment_service.hpp"

namespace emporium::fulfilment {

struct FulfilmentModule::Impl {
  Impl(db::Database& db, const core::Clock& clock, orders::OrdersModule& orders, auth::AuthModule& auth,
       audit::AuditLog& audit, infra::EventBus* events)
      : clock(clock), service(db, clock, orders, auth, audit, events) {}
  const core::Clock& clock;
  FulfilmentService service;
};

FulfilmentModule::FulfilmentModule(db::Database& db, const core::Clock& clock, orders::OrdersModule& orders,
                                   auth::AuthModule& auth, audit::AuditLog& audit, infra::EventBus* events)
    : impl_(std::make_unique<Impl>(db, clock, orders, auth, audit, events)) {}

FulfilmentModule::~FulfilmentModule() = default;

void FulfilmentModule::RegisterRoutes(http::Router& router) {
  RegisterFulfilmentRoutes(router, impl_->service, impl_->clock);
}

}  // namespace emporium::fulfilment
