#pragma once
// The cart module: one cart per customer (items by variant, one discount code), GET /cart with
// totals, and POST /checkout/quote. Orders read the cart through Checkout() and empty it through
// Clear(), both inside the order's transaction.
//
//   cart::CartModule cart(db, clock, catalog, pricing, auth);
//   cart.RegisterRoutes(router);

#include <cstdint>
#include <memory>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "http/router.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/cart/checkout.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/pricing/pricing_module.hpp"

namespace emporium::cart {

inline constexpr int kMaxCartLines = 100;
inline constexpr std::int64_t kMaxLineQuantity = 999;

class CartModule {
 public:
  /// Every reference must outlive the module.
  CartModule(db::Database& db, const core::Clock& clock, catalog::CatalogModule& catalog,
             pricing::PricingModule& pricing, auth::AuthModule& auth);
  ~CartModule();
  CartModule(const CartModule&) = delete;
  CartModule& operator=(const CartModule&) = delete;

  /// GET /api/v1/cart, POST /api/v1/cart/items, PATCH/DELETE /api/v1/cart/items/{item_id},
  /// PUT/DELETE /api/v1/cart/discount-code, POST /api/v1/checkout/quote (signed-in users).
  void RegisterRoutes(http::Router& router);

  /// Prices the user's cart for checkout in `tx`: current catalog prices, the cart's discount code,
  /// the destination (a saved address of this user, or the inline one) and `options`. 422 "items"
  /// for an empty cart; kInsufficientStock when a line asks for more than is available; 422 for a
  /// line whose product is no longer for sale; any pricing error as is.
  Result<CheckoutQuote> Checkout(db::Tx& tx, std::int64_t user_id, const CheckoutOptions& options);

  /// Empties the user's cart and drops its discount code (after an order took it).
  Status Clear(db::Tx& tx, std::int64_t user_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::cart
