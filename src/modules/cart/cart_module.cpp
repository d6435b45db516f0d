#include "modules/cart/cart_module.hpp"

#include "modules/cart/cart_controller.hpp"
#include "modules/cart/cart_service.hpp"

namespace emporium::cart {

struct CartModule::Impl {
  Impl(db::Database& db, const core::Clock& clock, catalog::CatalogModule& catalog, pricing::PricingModule& pricing,
       auth::AuthModule& auth)
      : service(db, clock, catalog, pricing, auth), controller(service) {}

  CartService service;
  CartController controller;
};

CartModule::CartModule(db::Database& db, const core::Clock& clock, catalog::CatalogModule& catalog,
                       pricing::PricingModule& pricing, auth::AuthModule& auth)
    : impl_(std::make_unique<Impl>(db, clock, catalog, pricing, auth)) {}

CartModule::~CartModule() = default;

void CartModule::RegisterRoutes(http::Router& router) { impl_->controller.RegisterRoutes(router); }

Result<CheckoutQuote> CartModule::Checkout(db::Tx& tx, std::int64_t user_id, const CheckoutOptions& options) {
  return impl_->service.Checkout(tx, user_id, options);
}

Status CartModule::Clear(db::Tx& tx, std::int64_t user_id) { return impl_->service.Clear(tx, user_id); }

}  // namespace emporium::cart
