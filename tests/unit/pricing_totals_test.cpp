// ComputeTotals and its helpers: every pricing rule and every rounding edge, on hand-built rules.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "modules/pricing/pricing.hpp"

namespace emporium::pricing {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

PricingRules BaseRules() {
  PricingRules r;
  r.currency = "USD";
  r.country_rate = 200;
  r.method_rate = 499;
  r.weight_bands = {{1000, 0}, {5000, 300}, {20000, 900}};
  r.heavy_extra_per_kg = 100;
  r.safe_shipping_fee = 500;
  r.tax_rate_bp = 0;
  r.prices_include_tax = true;
  r.loyalty_point_value = 10;
  r.loyalty_points_per_unit = 1;
  r.now = kNow;
  return r;
}

PricingRequest Cart(std::int64_t unit_price, std::int64_t quantity = 1, std::int64_t weight_grams = 500) {
  PricingRequest q;
  q.user_id = 7;
  q.currency = "USD";
  q.lines.push_back({.variant_id = 1, .product_id = 1, .sku = "SKU-1", .name = "Mug", .unit_price = unit_price,
                     .quantity = quantity, .weight_grams = weight_grams});
  q.country = "DE";
  return q;
}

DiscountRule Percent(std::int64_t bp) {
  DiscountRule d;
  d.id = 3;
  d.code = "SAVE";
  d.percentage = true;
  d.value = bp;
  return d;
}

Totals Priced(const PricingRules& rules, const PricingRequest& request) {
  auto t = ComputeTotals(rules, request);
  EXPECT_TRUE(t) << (t ? "" : t.error().field + ": " + t.error().fields.front().message);
  return t ? *t : Totals{};
}

std::string FailedField(const PricingRules& rules, const PricingRequest& request) {
  auto t = ComputeTotals(rules, request);
  if (t) return "(no error)";
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
  return t.error().field;
}

TEST(PricingMulDiv, RoundsHalfAwayFromZero) {
  EXPECT_EQ(MulDivRoundHalfUp(5, 1, 10), 1);     // 0.5 → 1
  EXPECT_EQ(MulDivRoundHalfUp(4, 1, 10), 0);     // 0.4 → 0
  EXPECT_EQ(MulDivRoundHalfUp(15, 1, 10), 2);    // 1.5 → 2
  EXPECT_EQ(MulDivRoundHalfUp(-5, 1, 10), -1);   // −0.5 → −1
  EXPECT_EQ(MulDivRoundHalfUp(-4, 1, 10), 0);
  EXPECT_EQ(MulDivRoundHalfUp(1, 1, 3), 0);      // odd divisor: 0.33 → 0
  EXPECT_EQ(MulDivRoundHalfUp(2, 1, 3), 1);      // 0.67 → 1
  EXPECT_EQ(MulDivRoundHalfUp(1234, 1000, 10000), 123);  // 123.4
  EXPECT_EQ(MulDivRoundHalfUp(1235, 1000, 10000), 124);  // 123.5
}

TEST(PricingMulDiv, DoesNotOverflowOnLargeProducts) {
  const std::int64_t big = 900'000'000'000'000'000;  // a·b far above 2^63
  EXPECT_EQ(MulDivRoundHalfUp(big, 10000, 10000), big);
  EXPECT_EQ(MulDivRoundHalfUp(big, 5000, 10000), big / 2);
}

TEST(PricingShippingMethod, ParsesNamesAndTheLegacySpelling) {
  EXPECT_EQ(ParseShippingMethod("standard"), ShippingMethod::kStandard);
  EXPECT_EQ(ParseShippingMethod("express"), ShippingMethod::kExpress);
  EXPECT_EQ(ParseShippingMethod("next_day"), ShippingMethod::kNextDay);
  EXPECT_EQ(ParseShippingMethod("next-day"), ShippingMethod::kNextDay);
  EXPECT_EQ(ParseShippingMethod("Express"), std::nullopt);
  EXPECT_EQ(ParseShippingMethod(""), std::nullopt);
  EXPECT_EQ(ShippingMethodName(ShippingMethod::kNextDay), "next_day");
}

TEST(PricingTotals, SubtotalIsPriceTimesQuantityOverAllLines) {
  auto req = Cart(1999, 3, 200);
  req.lines.push_back({.variant_id = 2, .unit_price = 250, .quantity = 2, .weight_grams = 100});
  const auto t = Priced(BaseRules(), req);
  EXPECT_EQ(t.subtotal, 1999 * 3 + 250 * 2);
  EXPECT_EQ(t.weight_grams, 800);
  EXPECT_EQ(t.lines.size(), 2u);
  EXPECT_EQ(t.currency, "USD");
}

TEST(PricingTotals, RejectsAnEmptyCartAForeignCurrencyAndBadLines) {
  auto empty = Cart(100);
  empty.lines.clear();
  EXPECT_EQ(FailedField(BaseRules(), empty), "items");
  auto eur = Cart(100);
  eur.currency = "EUR";
  EXPECT_EQ(FailedField(BaseRules(), eur), "currency");
  EXPECT_EQ(FailedField(BaseRules(), Cart(100, 0)), "items");
  EXPECT_EQ(FailedField(BaseRules(), Cart(-1)), "items");
}

TEST(PricingTotals, ShippingAddsCountryMethodAndWeightBand) {
  const auto t = Priced(BaseRules(), Cart(1000, 1, 1200));  // 1.2 kg: the ≤ 5 kg band
  EXPECT_EQ(t.shipping_breakdown.country_rate, 200);
  EXPECT_EQ(t.shipping_breakdown.method_rate, 499);
  EXPECT_EQ(t.shipping_breakdown.weight_rate, 300);
  EXPECT_EQ(t.shipping_breakdown.safe_shipping_fee, 0);
  EXPECT_EQ(t.shipping, 999);
  EXPECT_EQ(t.total, 1999);
}

TEST(PricingTotals, BandBoundsAreInclusive) {
  EXPECT_EQ(Priced(BaseRules(), Cart(1, 1, 1000)).shipping_breakdown.weight_rate, 0);
  EXPECT_EQ(Priced(BaseRules(), Cart(1, 1, 1001)).shipping_breakdown.weight_rate, 300);
  EXPECT_EQ(Priced(BaseRules(), Cart(1, 1, 20000)).shipping_breakdown.weight_rate, 900);
}

TEST(PricingTotals, HeavyOrdersBeyondTheLastBandPayPerStartedKilogram) {
  EXPECT_EQ(Priced(BaseRules(), Cart(1, 1, 20001)).shipping_breakdown.weight_rate, 900 + 100);      // 1 g → 1 kg started
  EXPECT_EQ(Priced(BaseRules(), Cart(1, 1, 21000)).shipping_breakdown.weight_rate, 900 + 100);      // exactly 1 kg
  EXPECT_EQ(Priced(BaseRules(), Cart(1, 1, 21001)).shipping_breakdown.weight_rate, 900 + 200);      // 2 kg started
  EXPECT_EQ(Priced(BaseRules(), Cart(1, 10, 50'000)).shipping_breakdown.weight_rate, 900 + 480 * 100);  // 500 kg
}

TEST(PricingTotals, NoBandsMeansNoWeightCharge) {
  auto rules = BaseRules();
  rules.weight_bands.clear();
  EXPECT_EQ(Priced(rules, Cart(1, 1, 99'000)).shipping_breakdown.weight_rate, 0);
}

TEST(PricingTotals, SafeShippingAddsItsFeeUnlessThePlanIncludesIt) {
  auto req = Cart(1000);
  req.safe_shipping = true;
  auto t = Priced(BaseRules(), req);
  EXPECT_EQ(t.shipping_breakdown.safe_shipping_fee, 500);
  EXPECT_EQ(t.shipping, 200 + 499 + 500);
  EXPECT_TRUE(t.safe_shipping);

  auto member = BaseRules();
  member.benefits.free_safe_shipping = true;
  t = Priced(member, req);
  EXPECT_EQ(t.shipping_breakdown.safe_shipping_fee, 0);
  EXPECT_EQ(t.shipping, 200 + 499);
  EXPECT_TRUE(t.safe_shipping);

  EXPECT_FALSE(Priced(BaseRules(), Cart(1000)).safe_shipping);
}

TEST(PricingTotals, MemberShippingDiscountRoundsHalfUpOnTheWholeShipping) {
  auto rules = BaseRules();
  rules.country_rate = 0;
  rules.method_rate = 1001;  // 50% of 1001 = 500.5 → 501 off
  rules.benefits.shipping_discount_bp = 5000;
  const auto t = Priced(rules, Cart(1000));
  EXPECT_EQ(t.shipping_breakdown.member_discount, 501);
  EXPECT_EQ(t.shipping, 500);

  rules.benefits.shipping_discount_bp = 10000;  // free shipping
  EXPECT_EQ(Priced(rules, Cart(1000)).shipping, 0);
}

TEST(PricingTotals, NoCountryMeansNoShippingAndNoTaxYet) {
  auto rules = BaseRules();
  rules.tax_rate_bp = 1900;
  rules.prices_include_tax = false;
  auto req = Cart(1000, 1, 50'000);
  req.country.clear();
  req.safe_shipping = true;
  const auto t = Priced(rules, req);
  EXPECT_EQ(t.shipping, 0);
  EXPECT_EQ(t.tax, 0);
  EXPECT_EQ(t.tax_rate_bp, 0);
  EXPECT_EQ(t.total, 1000);
}

TEST(PricingTotals, ACountryTheStoreDoesNotShipToIsRejected) {
  auto rules = BaseRules();
  rules.ships_to_country = false;
  EXPECT_EQ(FailedField(rules, Cart(1000)), "country");
  auto cart_view = Cart(1000);
  cart_view.country.clear();  // the cart before an address is still priced
  EXPECT_TRUE(ComputeTotals(rules, cart_view));
}

TEST(PricingTotals, PercentageDiscountRoundsHalfUp) {
  auto rules = BaseRules();
  rules.discount = Percent(1000);  // 10%
  auto req = Cart(1005);           // 100.5 → 101
  req.discount_code = "save";
  auto t = Priced(rules, req);
  EXPECT_EQ(t.discount, 101);
  EXPECT_EQ(t.discount_id, 3);
  EXPECT_EQ(t.discount_code, "SAVE");
  req = Cart(1004);  // 100.4 → 100
  req.discount_code = "SAVE";
  EXPECT_EQ(Priced(rules, req).discount, 100);
}

TEST(PricingTotals, FixedDiscountNeverExceedsTheSubtotal) {
  auto rules = BaseRules();
  DiscountRule fixed = Percent(0);
  fixed.percentage = false;
  fixed.value = 1500;
  rules.discount = fixed;
  auto req = Cart(1000);
  req.discount_code = "SAVE";
  const auto t = Priced(rules, req);
  EXPECT_EQ(t.discount, 1000);
  EXPECT_EQ(t.total, t.shipping);  // goods free, shipping still due
  req = Cart(4000);
  req.discount_code = "SAVE";
  EXPECT_EQ(Priced(rules, req).discount, 1500);
}

TEST(PricingTotals, EachDiscountFailureHasItsOwnMessage) {
  auto req = Cart(1000);
  req.discount_code = "SAVE";
  std::set<std::string> messages;
  const auto message = [&](const PricingRules& rules) {
    auto t = ComputeTotals(rules, req);
    EXPECT_FALSE(t);
    if (t) return std::string();
    EXPECT_EQ(t.error().field, "discount_code");
    messages.insert(t.error().fields.front().message);
    return t.error().fields.front().message;
  };
  auto rules = BaseRules();
  message(rules);  // unknown code: no rule loaded

  auto rule = Percent(1000);
  rule.active = false;
  rules.discount = rule;
  message(rules);

  rule = Percent(1000);
  rule.starts_at = kNow + 1;
  rules.discount = rule;
  message(rules);

  rule = Percent(1000);
  rule.ends_at = kNow;  // ends_at is exclusive
  rules.discount = rule;
  message(rules);

  rule = Percent(1000);
  rule.min_subtotal = 1001;
  rules.discount = rule;
  EXPECT_NE(message(rules).find("10.01 USD"), std::string::npos);

  rule = Percent(1000);
  rule.max_uses = 5;
  rule.uses = 5;
  rules.discount = rule;
  message(rules);

  rule = Percent(1000);
  rule.max_uses_per_customer = 1;
  rule.uses_by_customer = 1;
  rules.discount = rule;
  message(rules);

  EXPECT_EQ(messages.size(), 7u);
}

TEST(PricingTotals, DiscountLimitsJustBelowTheirBoundApply) {
  auto rule = Percent(1000);
  rule.starts_at = kNow;
  rule.ends_at = kNow + 1;
  rule.min_subtotal = 1000;
  rule.max_uses = 5;
  rule.uses = 4;
  rule.max_uses_per_customer = 2;
  rule.uses_by_customer = 1;
  auto rules = BaseRules();
  rules.discount = rule;
  auto req = Cart(1000);
  req.discount_code = "SAVE";
  EXPECT_EQ(Priced(rules, req).discount, 100);
}

TEST(PricingTotals, AnEmptyCodeIsNoCode) {
  auto req = Cart(1000);
  req.discount_code = "";
  const auto t = Priced(BaseRules(), req);
  EXPECT_EQ(t.discount, 0);
  EXPECT_FALSE(t.discount_id);
}

TEST(PricingTotals, LoyaltyPointsRedeemInMultiplesOfFiftyUpToTheBalance) {
  auto rules = BaseRules();
  rules.loyalty_balance = 120;
  auto req = Cart(5000);
  req.loyalty_points = 100;
  auto t = Priced(rules, req);
  EXPECT_EQ(t.loyalty, 1000);
  EXPECT_EQ(t.loyalty_points_used, 100);
  EXPECT_EQ(t.total, 5000 - 1000 + t.shipping);

  req.loyalty_points = 60;
  EXPECT_EQ(FailedField(rules, req), "loyalty_points");
  req.loyalty_points = -50;
  EXPECT_EQ(FailedField(rules, req), "loyalty_points");
  req.loyalty_points = 150;  // above the balance
  EXPECT_EQ(FailedField(rules, req), "loyalty_points");
}

TEST(PricingTotals, LoyaltyCannotBeWorthMoreThanTheGoodsAfterDiscount) {
  auto rules = BaseRules();
  rules.loyalty_balance = 1000;
  rules.discount = Percent(5000);
  auto req = Cart(1000);  // 500 after the discount
  req.discount_code = "SAVE";
  req.loyalty_points = 50;  // worth exactly 500: allowed
  auto t = Priced(rules, req);
  EXPECT_EQ(t.loyalty, 500);
  EXPECT_EQ(t.total, t.shipping);
  req.loyalty_points = 100;  // worth 1000 > 500
  EXPECT_EQ(FailedField(rules, req), "loyalty_points");
}

TEST(PricingTotals, InclusiveTaxIsTheIncludedPartAndDoesNotGrowTheTotal) {
  auto rules = BaseRules();
  rules.tax_rate_bp = 1900;  // 19%
  rules.country_rate = 0;
  rules.method_rate = 0;
  const auto t = Priced(rules, Cart(11900));
  EXPECT_EQ(t.tax, 1900);  // 11900 × 1900 / 11900
  EXPECT_TRUE(t.tax_included);
  EXPECT_EQ(t.tax_rate_bp, 1900);
  EXPECT_EQ(t.total, 11900);
}

TEST(PricingTotals, InclusiveTaxRoundsHalfUp) {
  auto rules = BaseRules();
  rules.country_rate = 0;
  rules.method_rate = 0;
  rules.tax_rate_bp = 10000;  // 100%: the included part of G is G / 2
  EXPECT_EQ(Priced(rules, Cart(3)).tax, 2);  // 1.5 → 2
  EXPECT_EQ(Priced(rules, Cart(5)).tax, 3);  // 2.5 → 3
  rules.tax_rate_bp = 2000;              // 20%: included part G / 6
  EXPECT_EQ(Priced(rules, Cart(9)).tax, 2);  // 1.5 → 2
  EXPECT_EQ(Priced(rules, Cart(8)).tax, 1);  // 1.33 → 1
}

TEST(PricingTotals, ExclusiveTaxIsAddedAndRoundsHalfUp) {
  auto rules = BaseRules();
  rules.prices_include_tax = false;
  rules.tax_rate_bp = 500;  // 5%
  rules.country_rate = 0;
  rules.method_rate = 0;
  auto t = Priced(rules, Cart(1010));  // 50.5 → 51
  EXPECT_EQ(t.tax, 51);
  EXPECT_FALSE(t.tax_included);
  EXPECT_EQ(t.total, 1061);
  t = Priced(rules, Cart(1009));  // 50.45 → 50
  EXPECT_EQ(t.tax, 50);
  EXPECT_EQ(t.total, 1059);
}

TEST(PricingTotals, TaxIsOnGoodsAfterDiscountAndLoyaltyPlusShipping) {
  auto rules = BaseRules();
  rules.prices_include_tax = false;
  rules.tax_rate_bp = 1000;  // 10%
  rules.discount = Percent(1000);
  rules.loyalty_balance = 50;
  auto req = Cart(10000);
  req.discount_code = "SAVE";
  req.loyalty_points = 50;  // 500
  const auto t = Priced(rules, req);
  const auto base = 10000 - 1000 - 500 + t.shipping;  // 8500 + 699 = 9199
  EXPECT_EQ(base, 9199);
  EXPECT_EQ(t.tax, 920);  // 919.9 rounds up
  EXPECT_EQ(t.total, base + 920);
}

TEST(PricingTotals, PointsEarnedAreWholeUnitsOfGoodsPaidTimesRateAndMultiplier) {
  auto rules = BaseRules();
  rules.loyalty_points_per_unit = 2;
  rules.benefits.loyalty_multiplier = 3;
  rules.discount = Percent(1000);
  auto req = Cart(10099);  // discount 1010 → goods paid 9089: 90 whole units
  req.discount_code = "SAVE";
  EXPECT_EQ(Priced(rules, req).loyalty_points_earned, 90 * 2 * 3);
  EXPECT_EQ(Priced(rules, Cart(99)).loyalty_points_earned, 0);  // below one unit
}

TEST(PricingTotals, ShippingDoesNotEarnPoints) {
  auto rules = BaseRules();
  rules.country_rate = 10'000;
  EXPECT_EQ(Priced(rules, Cart(250)).loyalty_points_earned, 2);
}

TEST(PricingTotals, GoodsPaidEntirelyWithPointsLeaveOnlyShippingToPay) {
  auto rules = BaseRules();
  rules.country_rate = 0;
  rules.method_rate = 0;
  rules.weight_bands.clear();
  rules.loyalty_balance = 100;
  rules.loyalty_point_value = 10;
  auto req = Cart(1000);
  req.loyalty_points = 100;
  const auto t = Priced(rules, req);
  EXPECT_EQ(t.loyalty, 1000);
  EXPECT_EQ(t.shipping, 0);
  EXPECT_EQ(t.total, 0);
  EXPECT_EQ(t.loyalty_points_earned, 0);
}

}  // namespace
}  // namespace emporium::pricing
