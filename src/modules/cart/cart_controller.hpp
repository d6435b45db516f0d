#pragma once
// HTTP in and out for the cart and the checkout quote: body validation (422 with errors[]), JSON
// rendering and status codes. The rules live in CartService.

#include <boost/json/object.hpp>

#include "core/error.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "modules/cart/cart_service.hpp"

namespace emporium::cart {

class CartController {
 public:
  explicit CartController(CartService& service) : service_(service) {}

  /// GET /api/v1/cart, POST /api/v1/cart/items, PATCH/DELETE /api/v1/cart/items/{item_id},
  /// PUT/DELETE /api/v1/cart/discount-code, POST /api/v1/checkout/quote; signed-in users.
  void RegisterRoutes(http::Router& router);

  Result<http::Response> GetCart(http::Request& req);
  Result<http::Response> AddItem(http::Request& req);
  Result<http::Response> PatchItem(http::Request& req);
  Result<http::Response> DeleteItem(http::Request& req);
  Result<http::Response> PutDiscountCode(http::Request& req);
  Result<http::Response> DeleteDiscountCode(http::Request& req);
  Result<http::Response> PostQuote(http::Request& req);

 private:
  CartService& service_;
};

/// {items[...], discount_code, discount_code_error, totals} as GET /cart answers.
boost::json::object CartJson(const CartView& cart);
/// {items[...], ship_to, shipping_method, safe_shipping, totals, loyalty_balance}.
boost::json::object QuoteJson(const QuoteView& quote);

}  // namespace emporium::cart
