#pragma once
// Checkout pricing, in one place: the value types and the pure function that turns a cart, a
// destination and the store's rules into totals. The cart, the checkout quote and the order all
// call PricingModule::Quote, which loads the rules in the caller's transaction and then calls
// ComputeTotals — so a quote and the order placed right after it cannot disagree.
//
// Money is integer minor units in the store currency. Rounding is explicit: every percentage is
// applied with RoundHalfUp(amount * basis_points, 10000) once per total (never per line).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace emporium::pricing {

enum class ShippingMethod { kStandard, kExpress, kNextDay };
/// "standard" | "express" | "next_day" ("next-day" accepted); nullopt otherwise.
std::optional<ShippingMethod> ParseShippingMethod(std::string_view s);
std::string_view ShippingMethodName(ShippingMethod m);

/// a * b / d rounded half away from zero (d > 0). Overflow-safe for |a*b| < 2^63.
std::int64_t MulDivRoundHalfUp(std::int64_t a, std::int64_t b, std::int64_t d);

/// What a membership plan gives at checkout. Plans arrive with the memberships issue; until then
/// every customer has the `free` plan (FreePlanOnly).
struct MemberBenefits {
  std::string plan = "free";
  int shipping_discount_bp = 0;    ///< basis points off shipping (10000 = free shipping)
  bool free_safe_shipping = false; ///< safe shipping included without its fee
  int loyalty_multiplier = 1;      ///< points earned per currency unit × this
};

class PlanReader {
 public:
  virtual ~PlanReader() = default;
  /// The benefits `user_id` holds now. Called inside the checkout transaction; thread-safe.
  virtual MemberBenefits BenefitsFor(std::int64_t user_id, std::int64_t now) const = 0;
};

class FreePlanOnly final : public PlanReader {
 public:
  MemberBenefits BenefitsFor(std::int64_t, std::int64_t) const override { return {}; }
};

/// One cart line as priced (prices copied from the catalog at quote time).
struct PriceLine {
  std::int64_t variant_id = 0;
  std::int64_t product_id = 0;
  std::string sku;
  std::string name;              ///< product name (+ option summary), copied into orders
  std::int64_t unit_price = 0;   ///< minor units, as listed (tax-inclusive or not per the tax setting)
  std::int64_t quantity = 0;     ///< ≥ 1
  std::int64_t weight_grams = 0; ///< per unit
};

struct PricingRequest {
  std::int64_t user_id = 0;
  std::string currency;          ///< of every line; must equal the store currency
  std::vector<PriceLine> lines;  ///< non-empty
  std::string country;           ///< ISO 3166-1 alpha-2 destination (upper-case); empty: no shipping/tax yet (cart view)
  ShippingMethod method = ShippingMethod::kStandard;
  bool safe_shipping = false;
  std::optional<std::string> discount_code;  ///< as typed; matched case-insensitively
  std::int64_t loyalty_points = 0;           ///< to redeem: ≥ 0, a multiple of 50
};

/// The store's rules for one request, loaded by PricingModule (or built by hand in unit tests).
struct DiscountRule {
  std::int64_t id = 0;
  std::string code;
  bool percentage = true;
  std::int64_t value = 0;              ///< basis points when percentage (1000 = 10%), else minor units
  std::int64_t min_subtotal = 0;
  std::optional<std::int64_t> starts_at, ends_at;  ///< Unix seconds
  std::optional<std::int64_t> max_uses;            ///< all customers
  std::optional<std::int64_t> max_uses_per_customer;
  std::int64_t uses = 0;               ///< so far, all customers
  std::int64_t uses_by_customer = 0;   ///< so far, this customer
  bool active = true;
};

struct WeightBand {
  std::int64_t up_to_grams = 0;  ///< inclusive upper bound; the last band covers everything heavier
  std::int64_t rate = 0;
};

struct PricingRules {
  std::string currency = "USD";
  bool ships_to_country = true;        ///< false: the store does not ship there (422 on country)
  std::int64_t country_rate = 0;
  std::int64_t method_rate = 0;
  std::vector<WeightBand> weight_bands;  ///< ascending; empty = no weight charge
  std::int64_t heavy_extra_per_kg = 0;   ///< beyond the last band: this much per started kg above it
  std::int64_t safe_shipping_fee = 0;
  std::int64_t tax_rate_bp = 0;          ///< for the destination country
  bool prices_include_tax = true;
  std::optional<DiscountRule> discount;  ///< the rule matching the request's code, if any
  std::int64_t loyalty_balance = 0;
  std::int64_t loyalty_point_value = 10; ///< minor units one point is worth when redeemed (10 = €0.10)
  std::int64_t loyalty_points_per_unit = 1;  ///< points earned per whole currency unit (100 minor units) paid
  MemberBenefits benefits;
  std::int64_t now = 0;
};

struct ShippingBreakdown {
  std::int64_t country_rate = 0, method_rate = 0, weight_rate = 0, safe_shipping_fee = 0;
  std::int64_t member_discount = 0;  ///< subtracted
};

struct Totals {
  std::string currency;
  std::int64_t subtotal = 0;   ///< Σ unit_price × quantity
  std::int64_t discount = 0;   ///< discount code, ≤ subtotal
  std::int64_t shipping = 0;   ///< after member benefits
  std::int64_t tax = 0;        ///< added when prices exclude tax; the included part otherwise (informative)
  std::int64_t loyalty = 0;    ///< value of redeemed points, ≤ subtotal − discount
  std::int64_t total = 0;      ///< what the customer pays
  std::int64_t weight_grams = 0;
  std::int64_t loyalty_points_used = 0;
  std::int64_t loyalty_points_earned = 0;  ///< on payment: floor(goods paid / 100) × per_unit × multiplier
  std::optional<std::int64_t> discount_id;
  std::string discount_code;
  bool safe_shipping = false;
  bool tax_included = true;
  std::int64_t tax_rate_bp = 0;
  ShippingBreakdown shipping_breakdown;
  std::vector<PriceLine> lines;
};

/// The pure pricing function. kInvalidArgument with a field for: a currency other than the store's
/// ("currency"), no lines ("items"), a country the store does not ship to ("country"), a discount
/// code that is unknown, inactive, outside its dates, below its minimum subtotal or used up
/// ("discount_code", each with its own message), loyalty points not a multiple of 50, above the
/// balance or worth more than the goods after discount ("loyalty_points").
Result<Totals> ComputeTotals(const PricingRules& rules, const PricingRequest& request);

}  // namespace emporium::pricing
