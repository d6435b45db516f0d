#pragma once
// The pricing module: the store's shipping, tax, discount-code and loyalty rules (tables, admin
// routes, public shipping routes) and the one entry point the cart, the checkout quote and orders
// use to price a cart inside their own transaction.
//
//   pricing::FreePlanOnly plans;
//   pricing::PricingModule pricing(db, clock, audit, plans);
//   pricing.RegisterRoutes(router);
//   db.Write([&](db::Tx& tx) -> Result<...> {
//     EMP_ASSIGN(auto totals, pricing.Quote(tx, request));
//     ... insert the order ...
//     EMP_TRY(pricing.CommitOrder(tx, request.user_id, order_id, totals));
//   });

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "http/router.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/pricing/pricing.hpp"

namespace emporium::pricing {

class PricingModule {
 public:
  /// Every reference must outlive the module.
  PricingModule(db::Database& db, const core::Clock& clock, audit::AuditLog& audit, const PlanReader& plans);
  ~PricingModule();
  PricingModule(const PricingModule&) = delete;
  PricingModule& operator=(const PricingModule&) = delete;

  /// Public: GET /api/v1/shipping/countries, GET /api/v1/shipping/rates; customer: GET
  /// /api/v1/me/loyalty; manager/admin: /api/v1/admin/shipping/..., /api/v1/admin/tax-rates...,
  /// /api/v1/admin/discount-codes..., /api/v1/admin/pricing/settings.
  void RegisterRoutes(http::Router& router);

  /// The store currency (settings; "USD" by default). Cheap (cached; refreshed on admin writes).
  std::string Currency() const;

  /// Loads the rules for `request` in `tx` and prices it (ComputeTotals). Read-only: use it for the
  /// cart view and the quote as well as for the order.
  Result<Totals> Quote(db::Tx& tx, const PricingRequest& request);

  /// For a new order, in its transaction, after Quote: counts one use of the discount code (a
  /// conditional update: kConflict "discount_code" when the last use was taken concurrently) and
  /// debits the redeemed points (never below zero: kInvalidArgument "loyalty_points").
  Status CommitOrder(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, const Totals& totals);
  /// The order will never be paid (declined, expired, cancelled before payment): gives back the
  /// discount use and the redeemed points. Idempotent per order.
  Status ReleaseOrder(db::Tx& tx, std::int64_t user_id, std::int64_t order_id);
  /// The order was paid: credits `points` (Totals::loyalty_points_earned). Idempotent per order.
  Status EarnPoints(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, std::int64_t points);
  /// The order was refunded (fully, or `fraction_bp` of it for a partial refund): takes back the
  /// earned points in proportion (never below zero) and returns redeemed points on a full refund.
  /// Idempotent per (order, refund_id).
  Status ReverseForRefund(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, std::int64_t refund_id,
                          std::int64_t fraction_bp);
  /// Current points balance.
  Result<std::int64_t> LoyaltyBalance(db::Tx& tx, std::int64_t user_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::pricing
