#include "modules/cart/checkout.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <string_view>
#include <vector>

#include "http/validation.hpp"
#include "core/postal.hpp"
#include "modules/catalog/model.hpp"

namespace emporium::cart {

namespace json = boost::json;

namespace {

constexpr std::int64_t kLoyaltyStep = 50;
// Far above any real balance; keeps the arithmetic of pricing well inside 64 bits.
constexpr std::int64_t kMaxLoyaltyPoints = 1'000'000'000;

const std::vector<std::string_view> kAddressFields = {"name",    "line1", "line2", "city", "postal_code",
                                                      "country", "phone", "lat",   "lng"};

// The same limits as a saved address (auth_addresses), so an inline address fits an order as well.
constexpr http::StringRule kName{.required = true, .min = 1, .max = 200};
constexpr http::StringRule kLine{.required = true, .min = 1, .max = 200};
constexpr http::StringRule kOptionalLine{.max = 200};
constexpr http::StringRule kCity{.required = true, .min = 1, .max = 100};
constexpr http::StringRule kPostalCode{.required = true, .min = 1, .max = 20};
constexpr http::StringRule kCountry{.required = true, .min = 2, .max = 2};
constexpr http::StringRule kPhone{.max = 20};

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

// Optional text where "" means absent, like null.
std::optional<std::string> OptionalText(http::JsonInput& in, std::string_view field, http::StringRule rule) {
  auto v = in.String(field, rule);
  if (v && v->empty()) return std::nullopt;
  return v;
}

ShipTo ReadAddress(const json::object& obj, std::vector<FieldError>& errors) {
  http::JsonInput in(obj);
  in.AllowOnly(kAddressFields);
  ShipTo to;
  to.name = in.String("name", kName).value_or("");
  to.line1 = in.String("line1", kLine).value_or("");
  to.line2 = OptionalText(in, "line2", kOptionalLine);
  to.city = in.String("city", kCity).value_or("");
  to.postal_code = in.String("postal_code", kPostalCode).value_or("");
  if (auto country = in.String("country", kCountry)) {
    to.country = Upper(std::move(*country));
    if (!core::IsCountryCode(to.country)) in.Fail("country", "must be an ISO 3166-1 alpha-2 country code");
  }
  to.phone = OptionalText(in, "phone", kPhone);
  if (to.phone && !core::IsPhoneNumber(*to.phone)) in.Fail("phone", "must be an international phone number such as +4915112345678");
  to.lat = in.Number("lat", {.min = -90, .max = 90});
  to.lng = in.Number("lng", {.min = -180, .max = 180});
  const bool has_lat = in.Has("lat") && !in.IsNull("lat"), has_lng = in.Has("lng") && !in.IsNull("lng");
  if (has_lat != has_lng) in.Fail(has_lat ? "lng" : "lat", "lat and lng must be given together");
  if (auto st = in.Finish(); !st) {
    for (const auto& f : st.error().fields) errors.push_back({"address." + f.field, f.message});
  }
  return to;
}

json::value OptionalJson(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }
json::value OptionalJson(const std::optional<double>& d) { return d ? json::value(*d) : json::value(nullptr); }

}  // namespace

Result<CheckoutOptions> ParseCheckoutOptions(const json::object& body) {
  http::JsonInput in(body);
  std::vector<FieldError> address_errors;
  CheckoutOptions options;

  options.address_id = in.Int("address_id", {.min = 1});
  const json::value* address = body.if_contains("address");
  if (address && !address->is_null()) {
    if (address->is_object()) {
      options.address = ReadAddress(address->as_object(), address_errors);
    } else {
      in.Fail("address", "must be an object");
    }
  }
  const bool has_id = in.Has("address_id") && !in.IsNull("address_id");
  const bool has_address = address && !address->is_null();
  if (!has_id && !has_address) in.Fail("address_id", "address_id or address is required");
  if (has_id && has_address) in.Fail("address", "give either address_id or address, not both");

  if (auto method = in.String("shipping_method", {.required = true, .min = 1, .max = 20})) {
    if (auto parsed = pricing::ParseShippingMethod(*method)) {
      options.shipping_method = *parsed;
    } else {
      in.Fail("shipping_method", "must be one of standard, express, next_day");
    }
  }
  options.safe_shipping = in.Bool("safe_shipping").value_or(false);
  if (auto points = in.Int("loyalty_points", {.min = 0, .max = kMaxLoyaltyPoints})) {
    if (*points % kLoyaltyStep != 0) {
      in.Fail("loyalty_points", "must be a multiple of " + std::to_string(kLoyaltyStep));
    } else {
      options.loyalty_points = *points;
    }
  }

  for (auto& e : address_errors) in.Fail(std::move(e.field), std::move(e.message));
  EMP_TRY(in.Finish());
  return options;
}

json::object ToJson(const ShipTo& to) {
  return json::object{{"name", to.name},
                      {"line1", to.line1},
                      {"line2", OptionalJson(to.line2)},
                      {"city", to.city},
                      {"postal_code", to.postal_code},
                      {"country", to.country},
                      {"phone", OptionalJson(to.phone)},
                      {"lat", OptionalJson(to.lat)},
                      {"lng", OptionalJson(to.lng)}};
}

json::object TotalsJson(const pricing::Totals& t) {
  const auto money = [&](std::int64_t amount) { return catalog::MoneyJson(amount, t.currency); };
  const auto& b = t.shipping_breakdown;
  return json::object{
      {"subtotal", money(t.subtotal)},
      {"discount", money(t.discount)},
      {"shipping", money(t.shipping)},
      {"tax", money(t.tax)},
      {"loyalty", money(t.loyalty)},
      {"total", money(t.total)},
      {"shipping_breakdown", json::object{{"country_rate", money(b.country_rate)},
                                          {"method_rate", money(b.method_rate)},
                                          {"weight_rate", money(b.weight_rate)},
                                          {"safe_shipping_fee", money(b.safe_shipping_fee)},
                                          {"member_discount", money(b.member_discount)}}},
      {"loyalty_points_used", t.loyalty_points_used},
      {"loyalty_points_earned", t.loyalty_points_earned},
      {"discount_code", t.discount_code.empty() ? json::value(nullptr) : json::value(t.discount_code)},
      {"weight_grams", t.weight_grams},
      {"tax_included", t.tax_included},
  };
}

}  // namespace emporium::cart
