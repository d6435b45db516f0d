#pragma once
// The pricing module's rules: loading and caching the store's pricing rules, quoting, the discount
// and loyalty bookkeeping of orders, and the admin operations behind the routes. Internal to the
// module: other code goes through PricingModule. Thread-safe.

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/pricing/model.hpp"
#include "modules/pricing/pricing.hpp"
#include "modules/pricing/pricing_repository.hpp"

namespace emporium::pricing {

/// PUT /admin/pricing/settings: only the fields present change.
struct SettingsPatch {
  std::optional<std::string> currency;
  std::optional<bool> prices_include_tax, ships_to_all;
  std::optional<std::int64_t> safe_shipping_fee, default_country_rate, loyalty_point_value, loyalty_points_per_unit,
      heavy_extra_per_kg;
};

/// A discount code as the admin routes write it; validated by PricingService.
struct DiscountInput {
  std::optional<std::string> code;
  std::optional<bool> percentage;
  std::optional<std::int64_t> value, min_subtotal;
  std::optional<std::optional<std::int64_t>> starts_at, ends_at, max_uses, max_uses_per_customer;  ///< inner nullopt: clear
  std::optional<bool> active;
};

struct LoyaltyPage {
  std::int64_t balance = 0;
  std::int64_t point_value = 0;
  std::string currency;
  std::vector<LedgerEntry> items;
  std::optional<std::string> next_cursor;
};

struct DiscountPage {
  std::vector<DiscountCode> items;
  std::optional<std::string> next_cursor;
};

class PricingService {
 public:
  PricingService(db::Database& db, const core::Clock& clock, audit::AuditLog& audit, const PlanReader& plans);

  /// The cached rules, reloaded in `tx` when stale (after an admin write, or older than kRulesTtl:
  /// other instances may have changed them).
  std::shared_ptr<const RulesSnapshot> Rules(db::Tx& tx);
  /// Same, in its own read transaction.
  Result<std::shared_ptr<const RulesSnapshot>> Rules();
  std::string Currency();

  Result<Totals> Quote(db::Tx& tx, const PricingRequest& request);
  Status CommitOrder(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, const Totals& totals);
  Status ReleaseOrder(db::Tx& tx, std::int64_t user_id, std::int64_t order_id);
  Status EarnPoints(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, std::int64_t points);
  Status ReverseForRefund(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, std::int64_t refund_id,
                          std::int64_t fraction_bp);
  std::int64_t LoyaltyBalance(db::Tx& tx, std::int64_t user_id);

  // Public and customer routes.
  Result<std::vector<ShippingCountry>> ShippingCountries(bool enabled_only);
  /// The shipping price of a parcel of `weight_grams` to `country` (what a quote would charge).
  Result<Totals> ShippingRate(const std::string& country, ShippingMethod method, std::int64_t weight_grams,
                              bool safe_shipping, std::optional<std::int64_t> user_id);
  Result<LoyaltyPage> Loyalty(std::int64_t user_id, std::optional<std::int64_t> before_id, int limit);

  // Admin routes: every write is audited with `who` (actor, ip, request id) in its transaction.
  Result<StoreSettings> UpdateSettings(const SettingsPatch& patch, audit::AuditEntry who);
  Result<ShippingCountry> Country(const std::string& country);
  Result<ShippingCountry> SaveCountry(ShippingCountry c, audit::AuditEntry who);
  Status DeleteCountry(const std::string& country, audit::AuditEntry who);
  Result<std::int64_t> SaveMethodRate(ShippingMethod method, std::int64_t rate, audit::AuditEntry who);
  Status ReplaceWeightBands(const std::vector<WeightBand>& bands, std::optional<std::int64_t> heavy_extra_per_kg,
                            audit::AuditEntry who);
  Result<std::vector<TaxRate>> TaxRates();
  Result<TaxRate> GetTaxRate(const std::string& country);
  Result<TaxRate> SaveTaxRate(const std::string& country, std::int64_t rate_bp, audit::AuditEntry who);
  Status DeleteTaxRate(const std::string& country, audit::AuditEntry who);
  Result<DiscountPage> Discounts(std::optional<std::int64_t> after_id, int limit);
  Result<DiscountCode> Discount(std::int64_t id);
  Result<DiscountCode> CreateDiscount(const DiscountInput& in, audit::AuditEntry who);
  Result<DiscountCode> UpdateDiscount(std::int64_t id, const DiscountInput& in, audit::AuditEntry who);
  Status DeleteDiscount(std::int64_t id, audit::AuditEntry who);

 private:
  PricingRules RulesFor(db::Tx& tx, const PricingRequest& request);
  /// Marks the cached rules stale once `tx` commits.
  void InvalidateAfterCommit(db::Tx& tx);
  Status Audit(db::Tx& tx, audit::AuditEntry who, std::string action, std::string type,
               std::optional<std::int64_t> id, boost::json::object details);
  Status ReturnRedeemedPoints(db::Tx& tx, std::int64_t user_id, std::int64_t order_id);

  db::Database& db_;
  const core::Clock& clock_;
  audit::AuditLog& audit_;
  const PlanReader& plans_;
  PricingRepository repo_;

  std::mutex cache_mutex_;
  std::shared_ptr<const RulesSnapshot> cached_;
  std::int64_t cached_at_ = 0;
};

/// Upper-cases and trims a typed discount code.
std::string NormalizeCode(std::string_view code);

}  // namespace emporium::pricing
