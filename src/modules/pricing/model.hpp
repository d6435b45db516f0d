#pragma once
// Value types of the pricing module's own tables (settings, shipping, tax, discount codes,
// loyalty). The checkout-facing types (PricingRules, Totals ...) are in pricing.hpp.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "modules/pricing/pricing.hpp"

namespace emporium::pricing {

/// The store-wide settings (table pricing_settings). Defaults are those a new store starts with.
struct StoreSettings {
  std::string currency = "USD";
  bool prices_include_tax = true;
  std::int64_t safe_shipping_fee = 500;
  std::int64_t default_country_rate = 0;     ///< countries without a row, while ships_to_all
  std::int64_t loyalty_point_value = 10;
  std::int64_t loyalty_points_per_unit = 1;
  std::int64_t heavy_extra_per_kg = 100;     ///< per started kg above the last weight band
  bool ships_to_all = true;                  ///< false: only enabled shipping_countries rows ship
};

/// A shipping_countries row as a quote reads it.
struct CountryRule {
  std::int64_t rate = 0;
  bool enabled = true;
};

/// The rules that rarely change and are read by every quote: cached in memory by the module.
/// Countries and tax rates are a few hundred rows at most.
struct RulesSnapshot {
  StoreSettings settings;
  std::array<std::int64_t, 3> method_rates{};               ///< indexed by ShippingMethod
  std::vector<WeightBand> weight_bands;                     ///< ascending
  std::unordered_map<std::string, CountryRule> countries;   ///< listed shipping countries
  std::unordered_map<std::string, std::int64_t> tax_rates;  ///< basis points by country
};

struct ShippingCountry {
  std::string country;  ///< ISO 3166-1 alpha-2
  std::string name;
  std::int64_t rate = 0;
  bool enabled = true;
  std::int64_t updated_at = 0;
};

struct TaxRate {
  std::string country;
  std::int64_t rate_bp = 0;
  std::int64_t updated_at = 0;
};

/// A discount code as stored (uses = redemptions not released).
struct DiscountCode {
  std::int64_t id = 0;
  std::string code;  ///< upper-case
  bool percentage = true;
  std::int64_t value = 0;  ///< basis points when percentage, else minor units
  std::int64_t min_subtotal = 0;
  std::optional<std::int64_t> starts_at, ends_at;
  std::optional<std::int64_t> max_uses, max_uses_per_customer;
  std::int64_t uses = 0;
  bool active = true;
  std::int64_t created_at = 0, updated_at = 0;
};

/// What a quote reads per request, in one statement.
struct QuoteData {
  std::int64_t loyalty_balance = 0;
  std::optional<DiscountRule> discount;
};

enum class LedgerKind { kRedeem, kRelease, kEarn, kReverse };
std::string_view LedgerKindName(LedgerKind k);

/// One change of a loyalty balance (points signed: redeem and reverse are negative).
struct LedgerEntry {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::int64_t order_id = 0;
  std::int64_t refund_id = 0;  ///< 0 when not about a refund
  std::string kind;
  std::int64_t points = 0;
  std::int64_t created_at = 0;
};

}  // namespace emporium::pricing
