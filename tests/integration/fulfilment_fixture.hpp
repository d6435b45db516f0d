#pragma once
// The fulfilment and refunds test harness: the orders harness (real catalog, pricing, cart,
// payments with the simulated processor, orders) plus the fulfilment and refunds modules on the same
// Router. Orders are placed and paid through the real routes with pm_card_visa.

#include <optional>
#include <string>

#include "modules/fulfilment/fulfilment_module.hpp"
#include "modules/fulfilment/geo.hpp"
#include "modules/refunds/refunds_module.hpp"
#include "orders_fixture.hpp"

namespace emporium::fulfilment::testing {

namespace json = boost::json;
using auth::testing::CallResult;
using auth::testing::Session;

struct PaidOrder {
  std::int64_t id = 0;
  std::int64_t total = 0;
  std::int64_t variant_id = 0;
};

class FulfilmentHarness : public orders::testing::OrdersHarness {
 protected:
  void SetUp() override {
    OrdersHarness::SetUp();
    fulfilment_ = std::make_unique<FulfilmentModule>(db(), clock_, *orders_, *auth_, *audit_, &events_);
    refunds_ = std::make_unique<refunds::RefundsModule>(db(), config_, clock_, *orders_, *payments_, *pricing_,
                                                        *catalog_, *auth_, *audit_,
                                                        notifications_->notifier(), &events_);
    fulfilment_->RegisterRoutes(*router_);
    refunds_->RegisterRoutes(*router_);
    manager_ = Staff("manager@shop.test", Role::kManager);
    courier_ = Staff("courier@shop.test", Role::kCourier);
  }

  void TearDown() override {
    refunds_.reset();
    fulfilment_.reset();
    OrdersHarness::TearDown();
  }

  /// A paid order of `quantity` units at 2500 cents, shipped to London (with coordinates unless
  /// `with_coordinates` is false).
  PaidOrder PlacePaidOrder(const Session& customer, const std::string& sku, bool with_coordinates = true,
                           std::int64_t quantity = 2) {
    PaidOrder out;
    out.variant_id = Variant(sku, 10, 2500);
    AddToCart(customer, out.variant_id, quantity);
    auto body = OrderBody();
    if (with_coordinates) {
      body["address"].as_object()["lat"] = kHome.lat;
      body["address"].as_object()["lng"] = kHome.lng;
    }
    auto r = PlaceOrder(customer, "order-" + sku, body);
    EXPECT_EQ(r.status, 201) << r.response.body;
    EXPECT_EQ(StatusOf(r), "paid") << r.response.body;
    out.id = Id(r);
    out.total = r.obj().at("totals").as_object().at("total").as_object().at("amount").as_int64();
    return out;
  }

  CallResult Assign(std::int64_t order_id, std::int64_t courier_id, const std::string& token) {
    return Post(OrderPath(order_id) + "/shipments", json::object{{"courier_id", courier_id}}, token);
  }

  /// Assigns the order to courier_ and returns the shipment id.
  std::int64_t Ship(std::int64_t order_id) {
    auto r = Assign(order_id, courier_.user_id, manager_.access_token);
    EXPECT_EQ(r.status, 201) << r.response.body;
    return r.status == 201 ? Id(r) : 0;
  }

  CallResult Report(std::int64_t shipment_id, const std::string& status, const Session& who) {
    return Post("/api/v1/courier/shipments/" + std::to_string(shipment_id) + "/status",
                json::object{{"status", status}}, who.access_token);
  }

  CallResult Locate(std::int64_t shipment_id, json::object body, const Session& who) {
    return Post("/api/v1/courier/shipments/" + std::to_string(shipment_id) + "/location", std::move(body),
                who.access_token);
  }

  /// A paid order, shipped and delivered by courier_.
  PaidOrder DeliveredOrder(const Session& customer, const std::string& sku) {
    auto order = PlacePaidOrder(customer, sku);
    const auto shipment = Ship(order.id);
    auto r = Report(shipment, "delivered", courier_);
    EXPECT_EQ(r.status, 200) << r.response.body;
    return order;
  }

  std::string OrderStatus(std::int64_t order_id, const Session& owner) {
    auto r = Get("/api/v1/orders/" + std::to_string(order_id), owner.access_token);
    EXPECT_EQ(r.status, 200) << r.response.body;
    return r.str("status");
  }

  /// A POST with an Idempotency-Key header (none when `key` is empty).
  CallResult PostWithKey(const std::string& path, const json::object& body, const std::string& token,
                         const std::string& key) {
    http::Request req;
    req.method = http::Method::kPost;
    req.target = req.path = path;
    req.remote_ip = auth::testing::kClientIp;
    req.body = json::serialize(body);
    req.headers.push_back({"Content-Type", "application/json"});
    req.headers.push_back({"Authorization", "Bearer " + token});
    if (!key.empty()) req.headers.push_back({"Idempotency-Key", key});
    CallResult out;
    out.response = dispatcher_->Handle(req);
    out.status = out.response.status;
    boost::system::error_code ec;
    if (!out.response.body.empty()) out.body = json::parse(out.response.body, ec);
    return out;
  }

  CallResult Refund(std::int64_t order_id, const json::object& body, const std::string& key) {
    return PostWithKey(OrderPath(order_id) + "/refunds", body, manager_.access_token, key);
  }

  /// What the simulated processor charged as its fee for the order's payment.
  std::int64_t FeeOf(std::int64_t order_id) {
    auto payment = db().Read([&](db::Tx& tx) { return payments_->FindForOrder(tx, order_id); });
    EXPECT_TRUE(payment && *payment);
    return payment && *payment ? (*payment)->fee : 0;
  }

  static std::string OrderPath(std::int64_t order_id) { return "/api/v1/admin/orders/" + std::to_string(order_id); }
  static std::int64_t AmountOf(const CallResult& r) { return r.obj().at("amount").as_object().at("amount").as_int64(); }

  static constexpr GeoPoint kHome{51.5074, -0.1278};  // the order's destination: central London

  std::unique_ptr<FulfilmentModule> fulfilment_;
  std::unique_ptr<refunds::RefundsModule> refunds_;
  Session manager_, courier_;
};

}  // namespace emporium::fulfilment::testing
