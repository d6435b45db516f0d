#include "modules/orders/order_json.hpp"

#include <boost/json/array.hpp>

#include "core/clock.hpp"
#include "modules/catalog/model.hpp"

namespace emporium::orders {

namespace json = boost::json;

namespace {

json::value TimeOrNull(const std::optional<std::int64_t>& t) {
  if (!t) return nullptr;
  return json::value(core::FormatRfc3339(*t));
}

json::object LineJson(const OrderLine& l, const std::string& currency) {
  return {{"id", l.id},
          {"variant_id", l.variant_id},
          {"product_id", l.product_id},
          {"sku", l.sku},
          {"name", l.name},
          {"unit_price", catalog::MoneyJson(l.unit_price, currency)},
          {"quantity", l.quantity},
          {"line_total", catalog::MoneyJson(l.line_total, currency)},
          {"weight_grams", l.weight_grams}};
}

json::value PaymentJson(const std::optional<PaymentView>& p) {
  if (!p) return nullptr;
  json::object out{{"id", p->id},
                   {"status", p->status},
                   {"provider", p->provider},
                   {"amount", catalog::MoneyJson(p->amount, p->currency)},
                   {"refunded", catalog::MoneyJson(p->refunded, p->currency)}};
  // The client secret only matters (and is only shown) while the customer must act on it.
  if (p->status == "requires_action" && !p->client_secret.empty()) out["client_secret"] = p->client_secret;
  if (!p->failure_message.empty()) out["failure_message"] = p->failure_message;
  return out;
}

}  // namespace

json::object OrderSummaryJson(const Order& o) {
  const auto money = [&](std::int64_t amount) { return catalog::MoneyJson(amount, o.currency); };
  json::object totals{{"subtotal", money(o.subtotal)}, {"discount", money(o.discount)},
                      {"shipping", money(o.shipping)}, {"tax", money(o.tax)},
                      {"loyalty", money(o.loyalty)},   {"total", money(o.total)}};
  const bool pending = o.status == OrderStatus::kPendingPayment;
  return {{"id", o.id},
          {"number", o.number},
          {"user_id", o.user_id},
          {"status", StatusName(o.status)},
          {"currency", o.currency},
          {"totals", std::move(totals)},
          {"loyalty_points_used", o.loyalty_points_used},
          {"loyalty_points_earned", o.loyalty_points_earned},
          {"discount_code", o.discount_code.empty() ? json::value(nullptr) : json::value(o.discount_code)},
          {"shipping_method", o.shipping_method},
          {"safe_shipping", o.safe_shipping},
          {"tracking_number", o.tracking_number},
          {"courier_id", o.courier_id ? json::value(*o.courier_id) : json::value(nullptr)},
          {"reserved_until", pending ? TimeOrNull(o.reserved_until) : json::value(nullptr)},
          {"paid_at", TimeOrNull(o.paid_at)},
          {"created_at", core::FormatRfc3339(o.created_at)},
          {"updated_at", core::FormatRfc3339(o.updated_at)}};
}

json::object TimelineEventJson(const OrderEvent& e) {
  json::object actor{{"id", e.actor_user_id ? json::value(*e.actor_user_id) : json::value(nullptr)},
                     {"role", e.actor_role}};
  return {{"from", e.from_status ? json::value(*e.from_status) : json::value(nullptr)},
          {"to", e.to_status},
          {"actor", std::move(actor)},
          {"note", e.note},
          {"at", core::FormatRfc3339(e.created_at)}};
}

json::object OrderDetailJson(const OrderDetail& d) {
  auto out = OrderSummaryJson(d.order);
  out["ship_to"] = cart::ToJson(d.order.ship_to);
  json::array lines;
  for (const auto& l : d.order.lines) lines.push_back(LineJson(l, d.order.currency));
  out["lines"] = std::move(lines);
  out["payment"] = PaymentJson(d.payment);
  json::array timeline;
  for (const auto& e : d.timeline) timeline.push_back(TimelineEventJson(e));
  out["timeline"] = std::move(timeline);
  return out;
}

}  // namespace emporium::orders
