#pragma once
// What a checkout needs besides the cart: where to ship, how, and the points to redeem. Parsed the
// same way for POST /checkout/quote and POST /orders, resolved the same way (CartModule::Checkout),
// so the quote is exactly what the order gets.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "modules/pricing/pricing.hpp"

namespace emporium::cart {

/// A destination, copied into the order (later edits of the saved address do not change it).
struct ShipTo {
  std::string name;
  std::string line1;
  std::optional<std::string> line2;
  std::string city;
  std::string postal_code;
  std::string country;  ///< ISO 3166-1 alpha-2, upper-case
  std::optional<std::string> phone;
  std::optional<double> lat, lng;
};
boost::json::object ToJson(const ShipTo& to);

struct CheckoutOptions {
  std::optional<std::int64_t> address_id;  ///< one of address_id / address
  std::optional<ShipTo> address;
  pricing::ShippingMethod shipping_method = pricing::ShippingMethod::kStandard;
  bool safe_shipping = false;
  std::int64_t loyalty_points = 0;
};

/// Reads {address_id | address{...}, shipping_method, safe_shipping?, loyalty_points?} from a JSON
/// body, ignoring other members (POST /orders adds payment_method_id). kInvalidArgument with every
/// offending field: neither or both of address_id/address, address fields missing or too long,
/// an unknown country code, unknown shipping_method, loyalty_points negative or not a multiple of 50.
Result<CheckoutOptions> ParseCheckoutOptions(const boost::json::object& body);

/// A priced cart for checkout: the destination resolved and the totals computed in the caller's
/// transaction by pricing::PricingModule::Quote.
struct CheckoutQuote {
  ShipTo ship_to;
  pricing::PricingRequest request;
  pricing::Totals totals;
};

/// {subtotal, discount, shipping, tax, loyalty, total} as money objects, plus
/// shipping_breakdown{...}, loyalty_points_used, loyalty_points_earned, discount_code, weight_grams,
/// tax_included.
boost::json::object TotalsJson(const pricing::Totals& totals);

}  // namespace emporium::cart
