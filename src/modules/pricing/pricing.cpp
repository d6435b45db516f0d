#include "modules/pricing/pricing.hpp"

#include <algorithm>
#include <cassert>

namespace emporium::pricing {

namespace {

constexpr std::int64_t kBasisPoints = 10'000;
constexpr std::int64_t kPointsStep = 50;
constexpr std::int64_t kGramsPerKg = 1'000;
constexpr std::int64_t kMinorUnitsPerUnit = 100;

std::string FormatMinor(std::int64_t amount, const std::string& currency) {
  const auto units = amount / kMinorUnitsPerUnit;
  const auto cents = amount % kMinorUnitsPerUnit;
  return std::to_string(units) + "." + (cents < 10 ? "0" : "") + std::to_string(cents) + " " + currency;
}

Status ValidateRequest(const PricingRules& rules, const PricingRequest& request) {
  if (request.lines.empty()) return Error::Invalid("items", "the cart is empty");
  if (request.currency != rules.currency) {
    return Error::Invalid("currency", "must be the store currency " + rules.currency);
  }
  for (const auto& line : request.lines) {
    if (line.quantity < 1 || line.unit_price < 0 || line.weight_grams < 0) {
      return Error::Invalid("items", "every line needs a quantity of at least 1 and a price and weight of at least 0");
    }
  }
  if (!request.country.empty() && !rules.ships_to_country) {
    return Error::Invalid("country", "the store does not ship to " + request.country);
  }
  if (request.loyalty_points < 0 || request.loyalty_points % kPointsStep != 0) {
    return Error::Invalid("loyalty_points", "must be a multiple of 50");
  }
  return OkStatus();
}

/// The discount a code gives on `subtotal`, or why it does not apply (each failure its own message,
/// so the customer knows whether to wait, add goods or give up).
Result<std::int64_t> DiscountFor(const DiscountRule& d, std::int64_t subtotal, std::int64_t now,
                                 const std::string& currency) {
  const auto invalid = [](std::string message) { return Error::Invalid("discount_code", std::move(message)); };
  if (!d.active) return invalid("this code is no longer active");
  if (d.starts_at && now < *d.starts_at) return invalid("this code is not valid yet");
  if (d.ends_at && now >= *d.ends_at) return invalid("this code has expired");
  if (subtotal < d.min_subtotal) {
    return invalid("this code needs a subtotal of at least " + FormatMinor(d.min_subtotal, currency));
  }
  if (d.max_uses && d.uses >= *d.max_uses) return invalid("this code has been used up");
  if (d.max_uses_per_customer && d.uses_by_customer >= *d.max_uses_per_customer) {
    return invalid("you have already used this code as often as it allows");
  }
  const auto amount = d.percentage ? MulDivRoundHalfUp(subtotal, d.value, kBasisPoints) : d.value;
  return std::clamp<std::int64_t>(amount, 0, subtotal);
}

/// The weight part of shipping: the first band whose bound is at or above the weight; beyond the
/// last band, its rate plus heavy_extra_per_kg for every started kilogram above its bound.
std::int64_t WeightRate(const PricingRules& rules, std::int64_t weight_grams) {
  if (rules.weight_bands.empty()) return 0;
  for (const auto& band : rules.weight_bands) {
    if (weight_grams <= band.up_to_grams) return band.rate;
  }
  const auto& last = rules.weight_bands.back();
  const auto started_kg = (weight_grams - last.up_to_grams + kGramsPerKg - 1) / kGramsPerKg;
  return last.rate + started_kg * rules.heavy_extra_per_kg;
}

ShippingBreakdown Shipping(const PricingRules& rules, const PricingRequest& request, std::int64_t weight_grams) {
  ShippingBreakdown b;
  b.country_rate = rules.country_rate;
  b.method_rate = rules.method_rate;
  b.weight_rate = WeightRate(rules, weight_grams);
  if (request.safe_shipping && !rules.benefits.free_safe_shipping) b.safe_shipping_fee = rules.safe_shipping_fee;
  const auto gross = b.country_rate + b.method_rate + b.weight_rate + b.safe_shipping_fee;
  b.member_discount =
      std::clamp<std::int64_t>(MulDivRoundHalfUp(gross, rules.benefits.shipping_discount_bp, kBasisPoints), 0, gross);
  return b;
}

std::int64_t ShippingTotal(const ShippingBreakdown& b) {
  return b.country_rate + b.method_rate + b.weight_rate + b.safe_shipping_fee - b.member_discount;
}

}  // namespace

std::optional<ShippingMethod> ParseShippingMethod(std::string_view s) {
  if (s == "standard") return ShippingMethod::kStandard;
  if (s == "express") return ShippingMethod::kExpress;
  if (s == "next_day" || s == "next-day") return ShippingMethod::kNextDay;
  return std::nullopt;
}

std::string_view ShippingMethodName(ShippingMethod m) {
  switch (m) {
    case ShippingMethod::kStandard: return "standard";
    case ShippingMethod::kExpress: return "express";
    case ShippingMethod::kNextDay: return "next_day";
  }
  return "standard";
}

std::int64_t MulDivRoundHalfUp(std::int64_t a, std::int64_t b, std::int64_t d) {
  assert(d > 0);
  // 128-bit intermediate: a * b cannot overflow, and the quotient fits whenever the result does.
  const __int128 product = static_cast<__int128>(a) * b;
  const __int128 magnitude = product < 0 ? -product : product;
  const __int128 rounded = (magnitude + d / 2) / d;  // remainders of half of d and above round up
  return static_cast<std::int64_t>(product < 0 ? -rounded : rounded);
}

Result<Totals> ComputeTotals(const PricingRules& rules, const PricingRequest& request) {
  EMP_TRY(ValidateRequest(rules, request));

  Totals t;
  t.currency = rules.currency;
  t.lines = request.lines;
  for (const auto& line : request.lines) {
    t.subtotal += line.unit_price * line.quantity;
    t.weight_grams += line.weight_grams * line.quantity;
  }

  const bool has_code = request.discount_code && !request.discount_code->empty();
  if (has_code) {
    if (!rules.discount) return Error::Invalid("discount_code", "this code does not exist");
    EMP_ASSIGN(t.discount, DiscountFor(*rules.discount, t.subtotal, rules.now, rules.currency));
    t.discount_id = rules.discount->id;
    t.discount_code = rules.discount->code;
  }

  const auto goods_after_discount = t.subtotal - t.discount;
  if (request.loyalty_points > rules.loyalty_balance) {
    return Error::Invalid("loyalty_points", "you have only " + std::to_string(rules.loyalty_balance) + " points");
  }
  const auto loyalty_value = request.loyalty_points * rules.loyalty_point_value;
  if (loyalty_value > goods_after_discount) {
    return Error::Invalid("loyalty_points", "the points are worth more than the goods in the order");
  }
  t.loyalty_points_used = request.loyalty_points;
  t.loyalty = loyalty_value;
  const auto goods_paid = goods_after_discount - t.loyalty;

  // Without a destination (the cart before an address) there is neither shipping nor tax yet.
  const bool has_destination = !request.country.empty();
  if (has_destination) {
    t.shipping_breakdown = Shipping(rules, request, t.weight_grams);
    t.shipping = ShippingTotal(t.shipping_breakdown);
    t.tax_rate_bp = rules.tax_rate_bp;
  }
  t.safe_shipping = request.safe_shipping || rules.benefits.free_safe_shipping;

  // Tax is charged on what the customer pays for goods and shipping, rounded once on the whole
  // amount (never per line). Inclusive prices already contain it: the included part of a gross
  // amount G at rate r is G·r / (1 + r), i.e. round(G × bp / (10000 + bp)); exclusive prices get
  // round(G × bp / 10000) added. Both round half up (0.5 minor units → 1).
  const auto taxable = goods_paid + t.shipping;
  t.tax_included = rules.prices_include_tax;
  if (t.tax_rate_bp > 0) {
    t.tax = rules.prices_include_tax ? MulDivRoundHalfUp(taxable, t.tax_rate_bp, kBasisPoints + t.tax_rate_bp)
                                     : MulDivRoundHalfUp(taxable, t.tax_rate_bp, kBasisPoints);
  }
  t.total = std::max<std::int64_t>(0, taxable + (rules.prices_include_tax ? 0 : t.tax));

  t.loyalty_points_earned =
      goods_paid / kMinorUnitsPerUnit * rules.loyalty_points_per_unit * rules.benefits.loyalty_multiplier;
  return t;
}

}  // namespace emporium::pricing
