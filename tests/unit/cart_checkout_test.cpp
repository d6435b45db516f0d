// The checkout options parser (shared by POST /checkout/quote and POST /orders), the JSON of a
// destination and of totals, and the name an order line gets from its variant.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "modules/cart/cart_service.hpp"
#include "modules/cart/checkout.hpp"

namespace emporium::cart {
namespace {

namespace json = boost::json;

json::object Address() {
  return json::object{{"name", "Ada Lovelace"}, {"line1", "1 Analytical Way"}, {"city", "London"},
                      {"postal_code", "N1 9GU"},    {"country", "gb"}};
}

json::object Body(json::object extra) {
  json::object body{{"address", Address()}, {"shipping_method", "standard"}};
  for (auto& [k, v] : extra) body[k] = v;
  return body;
}

/// The offending fields of a failed parse, sorted.
std::vector<std::string> Fields(const Result<CheckoutOptions>& r) {
  std::vector<std::string> out;
  if (r) return out;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  for (const auto& f : r.error().fields) out.push_back(f.field);
  std::sort(out.begin(), out.end());
  return out;
}

using Strings = std::vector<std::string>;

TEST(CartCheckoutOptions, ReadsAnInlineAddressAndDefaults) {
  auto r = ParseCheckoutOptions(Body({{"payment_method_id", "pm_card_visa"}}));  // other members are ignored
  ASSERT_TRUE(r) << r.error().fields.front().field;
  ASSERT_TRUE(r->address);
  EXPECT_FALSE(r->address_id);
  EXPECT_EQ(r->address->name, "Ada Lovelace");
  EXPECT_EQ(r->address->country, "GB");  // upper-cased
  EXPECT_FALSE(r->address->line2);
  EXPECT_FALSE(r->address->lat);
  EXPECT_EQ(r->shipping_method, pricing::ShippingMethod::kStandard);
  EXPECT_FALSE(r->safe_shipping);
  EXPECT_EQ(r->loyalty_points, 0);
}

TEST(CartCheckoutOptions, ReadsASavedAddressAndEveryOption) {
  auto r = ParseCheckoutOptions(json::object{
      {"address_id", 42}, {"shipping_method", "next-day"}, {"safe_shipping", true}, {"loyalty_points", 150}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address_id, 42);
  EXPECT_FALSE(r->address);
  EXPECT_EQ(r->shipping_method, pricing::ShippingMethod::kNextDay);
  EXPECT_TRUE(r->safe_shipping);
  EXPECT_EQ(r->loyalty_points, 150);
}

TEST(CartCheckoutOptions, ReadsOptionalAddressFields) {
  auto address = Address();
  address["line2"] = "Flat 2";
  address["phone"] = "+442071234567";
  address["lat"] = 51.5;
  address["lng"] = -0.125;
  auto r = ParseCheckoutOptions(Body({{"address", address}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address->line2, "Flat 2");
  EXPECT_EQ(r->address->phone, "+442071234567");
  EXPECT_EQ(r->address->lat, 51.5);
  EXPECT_EQ(r->address->lng, -0.125);
}

TEST(CartCheckoutOptions, NeedsExactlyOneDestination) {
  EXPECT_EQ(Fields(ParseCheckoutOptions(json::object{{"shipping_method", "standard"}})), Strings{"address_id"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"address_id", 3}}))), Strings{"address"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"address", "London"}}))), Strings{"address"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(json::object{{"address_id", 0}, {"shipping_method", "standard"}})),
            Strings{"address_id"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(json::object{{"address_id", "7"}, {"shipping_method", "standard"}})),
            Strings{"address_id"});
}

TEST(CartCheckoutOptions, ReportsEveryMissingAddressField) {
  auto r = ParseCheckoutOptions(Body({{"address", json::object{}}}));
  EXPECT_EQ(Fields(r), (Strings{"address.city", "address.country", "address.line1", "address.name",
                                "address.postal_code"}));
}

TEST(CartCheckoutOptions, RejectsBadAddressValues) {
  auto address = Address();
  address["name"] = std::string(201, 'a');
  address["line1"] = "   ";
  address["line2"] = std::string(201, 'b');
  address["city"] = 12;
  address["postal_code"] = std::string(21, '1');
  address["country"] = "XX";
  address["phone"] = "0207 123";
  address["lat"] = 91;
  address["lng"] = 0;
  address["colour"] = "red";
  auto r = ParseCheckoutOptions(Body({{"address", address}}));
  EXPECT_EQ(Fields(r), (Strings{"address.city", "address.colour", "address.country", "address.lat", "address.line1",
                                "address.line2", "address.name", "address.phone", "address.postal_code"}));
}

TEST(CartCheckoutOptions, NeedsLatitudeAndLongitudeTogether) {
  auto address = Address();
  address["lat"] = 51.5;
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"address", address}}))), Strings{"address.lng"});
  address.erase("lat");
  address["lng"] = 0.1;
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"address", address}}))), Strings{"address.lat"});
}

TEST(CartCheckoutOptions, RejectsBadShippingMethod) {
  auto missing = Body({});
  missing.erase("shipping_method");
  EXPECT_EQ(Fields(ParseCheckoutOptions(missing)), Strings{"shipping_method"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"shipping_method", "teleport"}}))), Strings{"shipping_method"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"shipping_method", 1}}))), Strings{"shipping_method"});
}

TEST(CartCheckoutOptions, RejectsBadSafeShippingAndLoyaltyPoints) {
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"safe_shipping", "yes"}}))), Strings{"safe_shipping"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"loyalty_points", -50}}))), Strings{"loyalty_points"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"loyalty_points", 75}}))), Strings{"loyalty_points"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"loyalty_points", 2.5}}))), Strings{"loyalty_points"});
  EXPECT_EQ(Fields(ParseCheckoutOptions(Body({{"loyalty_points", 0}}))), Strings{});
}

TEST(CartCheckoutOptions, ListsEveryBadFieldAtOnce) {
  auto r = ParseCheckoutOptions(json::object{
      {"address", json::object{{"country", "ZZ"}}}, {"shipping_method", "slow"}, {"loyalty_points", 10}});
  EXPECT_EQ(Fields(r), (Strings{"address.city", "address.country", "address.line1", "address.name",
                                "address.postal_code", "loyalty_points", "shipping_method"}));
}

TEST(CartShipTo, RendersAbsentFieldsAsNull) {
  ShipTo to{.name = "Ada", .line1 = "1 Way", .city = "London", .postal_code = "N1", .country = "GB"};
  auto o = ToJson(to);
  EXPECT_EQ(o.at("country").as_string(), "GB");
  EXPECT_TRUE(o.at("line2").is_null());
  EXPECT_TRUE(o.at("phone").is_null());
  EXPECT_TRUE(o.at("lat").is_null());
  to.phone = "+4412345678";
  EXPECT_EQ(ToJson(to).at("phone").as_string(), "+4412345678");
}

TEST(CartTotals, RendersMoneyAsIntegerMinorUnits) {
  pricing::Totals t;
  t.currency = "USD";
  t.subtotal = 2499;
  t.discount = 250;
  t.shipping = 499;
  t.tax = 0;
  t.total = 2748;
  t.shipping_breakdown.method_rate = 499;
  t.discount_code = "SAVE10";
  t.weight_grams = 750;
  t.loyalty_points_earned = 22;
  const auto o = TotalsJson(t);
  EXPECT_EQ(o.at("subtotal"), (json::object{{"amount", 2499}, {"currency", "USD"}}));
  EXPECT_EQ(o.at("total").at("amount").as_int64(), 2748);
  EXPECT_EQ(o.at("shipping_breakdown").at("method_rate").at("amount").as_int64(), 499);
  EXPECT_EQ(o.at("discount_code").as_string(), "SAVE10");
  EXPECT_EQ(o.at("weight_grams").as_int64(), 750);
  EXPECT_EQ(o.at("loyalty_points_earned").as_int64(), 22);
  EXPECT_TRUE(o.at("tax_included").as_bool());
  t.discount_code.clear();
  EXPECT_TRUE(TotalsJson(t).at("discount_code").is_null());
}

TEST(CartLineName, AppendsOptionValuesInOrder) {
  catalog::SaleVariant v;
  v.product_name = "Trail Runner";
  EXPECT_EQ(LineName(v), "Trail Runner");
  v.options = json::parse(R"({"size": "M", "colour": "blue", "length_cm": 90})").as_object();
  EXPECT_EQ(LineName(v), "Trail Runner (M, blue, 90)");
}

}  // namespace
}  // namespace emporium::cart
