#include "modules/cart/cart_controller.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <string_view>
#include <vector>

#include "http/validation.hpp"
#include "modules/cart/cart_module.hpp"
#include "modules/catalog/model.hpp"

namespace emporium::cart {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxCodeLength = 64;

json::object ItemJson(const CartLine& line) {
  const auto& item = line.item;
  json::object o{{"id", item.id}, {"variant_id", item.variant_id}, {"quantity", item.quantity}};
  if (line.variant) {
    const auto& v = *line.variant;
    o["product_id"] = v.product_id;
    o["sku"] = v.sku;
    o["name"] = v.product_name;
    o["options"] = v.options;
    o["image_url"] = v.image_url.empty() ? json::value(nullptr) : json::value(v.image_url);
    o["unit_price"] = catalog::MoneyJson(v.price, v.currency);
    o["line_total"] = catalog::MoneyJson(v.price * item.quantity, v.currency);
  } else {
    // The variant row is gone (it cannot normally be: variants are only soft-deleted). Keep the
    // line visible so the customer can remove it.
    o["product_id"] = nullptr;
    o["sku"] = "";
    o["name"] = "";
    o["options"] = json::object{};
    o["image_url"] = nullptr;
    o["unit_price"] = nullptr;
    o["line_total"] = nullptr;
  }
  o["available"] = line.available();
  o["for_sale"] = line.for_sale;
  return o;
}

json::object PriceLineJson(const pricing::PriceLine& line, const std::string& currency) {
  return json::object{{"variant_id", line.variant_id},
                      {"product_id", line.product_id},
                      {"sku", line.sku},
                      {"name", line.name},
                      {"unit_price", catalog::MoneyJson(line.unit_price, currency)},
                      {"quantity", line.quantity},
                      {"line_total", catalog::MoneyJson(line.unit_price * line.quantity, currency)},
                      {"weight_grams", line.weight_grams}};
}

json::value OptionalJson(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

}  // namespace

json::object CartJson(const CartView& cart) {
  json::array items;
  items.reserve(cart.lines.size());
  for (const auto& line : cart.lines) items.push_back(ItemJson(line));
  return json::object{{"items", std::move(items)},
                      {"discount_code", OptionalJson(cart.discount_code)},
                      {"discount_code_error", OptionalJson(cart.discount_code_error)},
                      {"totals", TotalsJson(cart.totals)}};
}

json::object QuoteJson(const QuoteView& view) {
  const auto& q = view.quote;
  json::array items;
  items.reserve(q.request.lines.size());
  for (const auto& line : q.request.lines) items.push_back(PriceLineJson(line, q.request.currency));
  return json::object{{"items", std::move(items)},
                      {"ship_to", ToJson(q.ship_to)},
                      {"shipping_method", pricing::ShippingMethodName(q.request.method)},
                      {"safe_shipping", q.request.safe_shipping},
                      {"totals", TotalsJson(q.totals)},
                      {"loyalty_balance", view.loyalty_balance}};
}

void CartController::RegisterRoutes(http::Router& router) {
  const auto bind = [this](Result<http::Response> (CartController::*handler)(http::Request&)) {
    return [this, handler](http::Request& req) { return (this->*handler)(req); };
  };
  const auto user = http::RouteOptions::User();
  router.Get("/api/v1/cart", bind(&CartController::GetCart), user);
  router.Post("/api/v1/cart/items", bind(&CartController::AddItem), user);
  router.Patch("/api/v1/cart/items/{item_id}", bind(&CartController::PatchItem), user);
  router.Delete("/api/v1/cart/items/{item_id}", bind(&CartController::DeleteItem), user);
  router.Put("/api/v1/cart/discount-code", bind(&CartController::PutDiscountCode), user);
  router.Delete("/api/v1/cart/discount-code", bind(&CartController::DeleteDiscountCode), user);
  router.Post("/api/v1/checkout/quote", bind(&CartController::PostQuote), user);
}

Result<http::Response> CartController::GetCart(http::Request& req) {
  EMP_ASSIGN(const auto cart, service_.View(req.user().user_id));
  return http::Response::Json(200, CartJson(cart));
}

Result<http::Response> CartController::AddItem(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  in.AllowOnly({"variant_id", "quantity"});
  const auto variant_id = in.Int("variant_id", {.required = true, .min = 1});
  const auto quantity = in.Int("quantity", {.required = true, .min = 1, .max = kMaxLineQuantity});
  EMP_TRY(in.Finish());
  EMP_ASSIGN(const auto cart, service_.AddItem(req.user().user_id, *variant_id, *quantity));
  return http::Response::Json(201, CartJson(cart));
}

Result<http::Response> CartController::PatchItem(http::Request& req) {
  EMP_ASSIGN(const auto item_id, req.IdParam("item_id"));
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  in.AllowOnly({"quantity"});
  const auto quantity = in.Int("quantity", {.required = true, .min = 0, .max = kMaxLineQuantity});
  EMP_TRY(in.Finish());
  EMP_ASSIGN(const auto cart, service_.SetQuantity(req.user().user_id, item_id, *quantity));
  return http::Response::Json(200, CartJson(cart));
}

Result<http::Response> CartController::DeleteItem(http::Request& req) {
  EMP_ASSIGN(const auto item_id, req.IdParam("item_id"));
  EMP_TRY(service_.RemoveItem(req.user().user_id, item_id));
  return http::Response::NoContent();
}

Result<http::Response> CartController::PutDiscountCode(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  in.AllowOnly({"code"});
  const auto code = in.String("code", {.required = true, .min = 1, .max = kMaxCodeLength});
  EMP_TRY(in.Finish());
  EMP_ASSIGN(const auto cart, service_.ApplyDiscountCode(req.user().user_id, *code));
  return http::Response::Json(200, CartJson(cart));
}

Result<http::Response> CartController::DeleteDiscountCode(http::Request& req) {
  EMP_TRY(service_.RemoveDiscountCode(req.user().user_id));
  return http::Response::NoContent();
}

Result<http::Response> CartController::PostQuote(http::Request& req) {
  EMP_ASSIGN(const http::JsonInput in, http::JsonInput::From(req));
  EMP_ASSIGN(const auto options, ParseCheckoutOptions(in.object()));
  EMP_ASSIGN(const auto quote, service_.Quote(req.user().user_id, options));
  return http::Response::Json(200, QuoteJson(quote));
}

}  // namespace emporium::cart
