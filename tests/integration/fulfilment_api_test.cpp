// Fulfilment through the real routes on the test database of the run: assigning a courier, the
// courier's position and status reports, and the customer's tracking view.

#include <gtest/gtest.h>

#include "fulfilment_fixture.hpp"

namespace emporium::fulfilment::testing {
namespace {

using FulfilmentApi = FulfilmentHarness;

TEST_F(FulfilmentApi, AssigningACourierShipsTheOrderAndListsItForTheCourier) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");

  auto r = Assign(order.id, courier_.user_id, manager_.access_token);
  ASSERT_EQ(r.status, 201) << r.response.body;
  EXPECT_EQ(r.str("status"), "assigned");
  EXPECT_EQ(r.obj().at("courier_id").as_int64(), courier_.user_id);
  EXPECT_EQ(r.str("carrier"), "Emporium Courier");
  EXPECT_TRUE(r.obj().at("eta").is_null());
  EXPECT_EQ(OrderStatus(order.id, ada), "shipped");
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM audit_log WHERE action = 'shipment.create'"), 1);

  auto mine = Get("/api/v1/courier/shipments", courier_.access_token);
  ASSERT_EQ(mine.status, 200) << mine.response.body;
  ASSERT_EQ(mine.obj().at("items").as_array().size(), 1u);
  EXPECT_EQ(mine.obj().at("items").as_array()[0].as_object().at("order_id").as_int64(), order.id);

  // Once only.
  EXPECT_EQ(Assign(order.id, courier_.user_id, manager_.access_token).status, 409);
}

TEST_F(FulfilmentApi, OnlyAnActiveCourierCanBeAssignedAndOnlyToAPaidOrder) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  auto support = Staff("support@shop.test", Role::kSupport);

  auto not_courier = Assign(order.id, support.user_id, manager_.access_token);
  EXPECT_EQ(not_courier.status, 422) << not_courier.response.body;
  EXPECT_EQ(not_courier.error_fields(), std::vector<std::string>{"courier_id"});
  EXPECT_EQ(Assign(order.id, 999'999, manager_.access_token).status, 422);
  EXPECT_EQ(Assign(999'999, courier_.user_id, manager_.access_token).status, 404);
  EXPECT_EQ(Assign(order.id, courier_.user_id, ada.access_token).status, 403);
  EXPECT_EQ(Assign(order.id, courier_.user_id, courier_.access_token).status, 403);
  EXPECT_EQ(OrderStatus(order.id, ada), "paid");  // nothing changed

  // A cancelled order cannot ship.
  ASSERT_EQ(Post("/api/v1/orders/" + std::to_string(order.id) + "/cancel", json::object{}, ada.access_token).status,
            200);
  EXPECT_EQ(Assign(order.id, courier_.user_id, manager_.access_token).status, 409);
}

TEST_F(FulfilmentApi, ALocationUpdatesTheEtaAndIsPublishedForTheOrdersRoom) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  const auto shipment = Ship(order.id);

  const GeoPoint courier_at{51.5155, -0.0922};  // the City, about 2.6 km from the destination
  clock_.Advance(std::chrono::minutes(10));
  auto r =
      Locate(shipment, json::object{{"lat", courier_at.lat}, {"lng", courier_at.lng}, {"accuracy_m", 12.5}}, courier_);
  ASSERT_EQ(r.status, 202) << r.response.body;
  const std::int64_t now = clock_.NowSeconds();
  const std::int64_t expected_eta = *EstimateArrival(courier_at, now, kHome);
  EXPECT_GT(expected_eta, now + kStopMarginSeconds);
  EXPECT_EQ(r.str("eta"), core::FormatRfc3339(expected_eta));
  EXPECT_EQ(r.obj().at("last_location").as_object().at("at").as_string(), core::FormatRfc3339(now));

  bool published = false;
  for (const auto& [topic, payload] : Published()) {
    if (topic != "shipment.location") continue;
    published = true;
    EXPECT_EQ(payload.at("order_id").as_int64(), order.id);
    EXPECT_EQ(payload.at("shipment_id").as_int64(), shipment);
    EXPECT_DOUBLE_EQ(payload.at("lat").as_double(), courier_at.lat);
    EXPECT_EQ(payload.at("eta").as_string(), core::FormatRfc3339(expected_eta));
  }
  EXPECT_TRUE(published);

  // An older fix (a phone that was offline) joins the path but does not move the courier back.
  r = Locate(shipment, json::object{{"lat", 51.53}, {"lng", -0.05}, {"at", core::FormatRfc3339(now - 300)}}, courier_);
  ASSERT_EQ(r.status, 202) << r.response.body;
  EXPECT_DOUBLE_EQ(r.obj().at("last_location").as_object().at("lat").as_double(), courier_at.lat);
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM shipment_locations"), 2);
}

TEST_F(FulfilmentApi, LocationsAreValidatedAndOnlyTheAssignedCourierMaySendThem) {
  auto ada = Customer(1);
  const auto shipment = Ship(PlacePaidOrder(ada, "HP-1").id);
  auto other = Staff("other-courier@shop.test", Role::kCourier);

  EXPECT_EQ(Locate(shipment, json::object{{"lat", 51.5}, {"lng", -0.1}}, other).status, 404);
  EXPECT_EQ(Locate(999'999, json::object{{"lat", 51.5}, {"lng", -0.1}}, courier_).status, 404);
  EXPECT_EQ(Locate(shipment, json::object{{"lat", 51.5}, {"lng", -0.1}}, ada).status, 403);

  auto bad = Locate(shipment, json::object{{"lat", 91}, {"lng", -181}}, courier_);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.error_fields(), (std::vector<std::string>{"lat", "lng"}));
  const auto in_two_minutes = core::FormatRfc3339(clock_.NowSeconds() + 120);
  bad = Locate(shipment, json::object{{"lat", 51.5}, {"lng", -0.1}, {"at", in_two_minutes}}, courier_);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.error_fields(), std::vector<std::string>{"at"});
  bad = Locate(shipment, json::object{{"lat", 51.5}, {"lng", -0.1}, {"at", "yesterday"}}, courier_);
  EXPECT_EQ(bad.error_fields(), std::vector<std::string>{"at"});
  EXPECT_EQ(CountRows("SELECT COUNT(*) FROM shipment_locations"), 0);
}

TEST_F(FulfilmentApi, StatusReportsMoveTheOrderAndIllegalOnesAreConflicts) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  const auto shipment = Ship(order.id);

  EXPECT_EQ(Report(shipment, "uncollected", courier_).status, 409);  // never left for a pickup point
  auto r = Report(shipment, "out_for_delivery", courier_);
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_EQ(OrderStatus(order.id, ada), "out_for_delivery");

  // Nobody home: the parcel goes back to the depot.
  r = Report(shipment, "failed_attempt", courier_);
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_EQ(r.str("status"), "failed_attempt");
  EXPECT_EQ(OrderStatus(order.id, ada), "shipped");

  // Not a safe-shipping order: it cannot wait at a pickup point.
  EXPECT_EQ(Report(shipment, "awaiting_pickup", courier_).status, 409);
  EXPECT_EQ(Report(shipment, "assigned", courier_).status, 422);
  EXPECT_EQ(Report(shipment, "out_for_delivery", Staff("c2@shop.test", Role::kCourier)).status, 404);

  ASSERT_EQ(Report(shipment, "out_for_delivery", courier_).status, 200);
  r = Post("/api/v1/courier/shipments/" + std::to_string(shipment) + "/status",
           json::object{{"status", "delivered"}, {"proof_url", "https://proof.test/door.jpg"}}, courier_.access_token);
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_EQ(r.str("proof_url"), "https://proof.test/door.jpg");
  EXPECT_EQ(OrderStatus(order.id, ada), "delivered");

  // Finished: no more reports or positions.
  EXPECT_EQ(Report(shipment, "failed_attempt", courier_).status, 409);
  EXPECT_EQ(Locate(shipment, json::object{{"lat", 51.5}, {"lng", -0.1}}, courier_).status, 409);

  // Delivered ones come after active ones in the courier's list.
  const auto second = Ship(PlacePaidOrder(ada, "HP-2").id);
  auto list = Get("/api/v1/courier/shipments?limit=1", courier_.access_token);
  ASSERT_EQ(list.status, 200) << list.response.body;
  ASSERT_EQ(list.obj().at("items").as_array().size(), 1u);
  EXPECT_EQ(list.obj().at("items").as_array()[0].as_object().at("id").as_int64(), second);
  const std::string cursor(list.obj().at("next_cursor").as_string());
  list = Get("/api/v1/courier/shipments?limit=1&cursor=" + cursor, courier_.access_token);
  ASSERT_EQ(list.obj().at("items").as_array().size(), 1u);
  EXPECT_EQ(list.obj().at("items").as_array()[0].as_object().at("id").as_int64(), shipment);
  EXPECT_TRUE(list.obj().at("next_cursor").is_null());
}

TEST_F(FulfilmentApi, TrackingShowsTimelineCourierEtaAndTheRouteToTheDoor) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1");
  const auto tracking_path = "/api/v1/orders/" + std::to_string(order.id) + "/tracking";

  auto before = Get(tracking_path, ada.access_token);
  ASSERT_EQ(before.status, 200) << before.response.body;
  EXPECT_EQ(before.str("status"), "paid");
  EXPECT_TRUE(before.obj().at("courier").is_null());
  EXPECT_TRUE(before.obj().at("eta").is_null());
  EXPECT_EQ(before.str("route_polyline"), "");

  const auto shipment = Ship(order.id);
  ASSERT_EQ(Report(shipment, "out_for_delivery", courier_).status, 200);
  const std::vector<GeoPoint> path = {{51.5230, -0.0800}, {51.5155, -0.0922}};
  for (const auto& p : path) {
    clock_.Advance(std::chrono::seconds(30));
    ASSERT_EQ(Locate(shipment, json::object{{"lat", p.lat}, {"lng", p.lng}}, courier_).status, 202);
  }

  auto r = Get(tracking_path, ada.access_token);
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_EQ(r.str("status"), "out_for_delivery");
  const auto& timeline = r.obj().at("timeline").as_array();
  ASSERT_GE(timeline.size(), 4u);  // created, paid, shipped, out for delivery
  EXPECT_EQ(timeline.back().as_object().at("status").as_string(), "out_for_delivery");
  const auto& courier = r.obj().at("courier").as_object();
  EXPECT_EQ(courier.at("name").as_string(), "Staff");
  EXPECT_DOUBLE_EQ(courier.at("location").as_object().at("lat").as_double(), path.back().lat);
  EXPECT_DOUBLE_EQ(r.obj().at("destination").as_object().at("lng").as_double(), kHome.lng);
  EXPECT_EQ(r.str("eta"), core::FormatRfc3339(*EstimateArrival(path.back(), clock_.NowSeconds(), kHome)));

  auto route = DecodePolyline(r.str("route_polyline"));
  ASSERT_TRUE(route);
  ASSERT_EQ(route->size(), 3u);  // the two positions, then the destination
  EXPECT_NEAR((*route)[0].lat, path[0].lat, 1e-5);
  EXPECT_NEAR((*route)[2].lng, kHome.lng, 1e-5);

  // Staff see it too; another customer does not learn the order exists.
  EXPECT_EQ(Get(tracking_path, manager_.access_token).status, 200);
  EXPECT_EQ(Get(tracking_path, courier_.access_token).status, 200);
  EXPECT_EQ(Get(tracking_path, Customer(2).access_token).status, 404);
  EXPECT_EQ(Get(tracking_path, Staff("c3@shop.test", Role::kCourier).access_token).status, 404);
}

TEST_F(FulfilmentApi, WithoutDestinationCoordinatesThereIsNoEta) {
  auto ada = Customer(1);
  const auto order = PlacePaidOrder(ada, "HP-1", /*with_coordinates=*/false);
  const auto shipment = Ship(order.id);
  auto r = Locate(shipment, json::object{{"lat", 51.5}, {"lng", -0.1}}, courier_);
  ASSERT_EQ(r.status, 202) << r.response.body;
  EXPECT_TRUE(r.obj().at("eta").is_null());

  auto tracking = Get("/api/v1/orders/" + std::to_string(order.id) + "/tracking", ada.access_token);
  ASSERT_EQ(tracking.status, 200) << tracking.response.body;
  EXPECT_TRUE(tracking.obj().at("destination").is_null());
  EXPECT_TRUE(tracking.obj().at("eta").is_null());
  auto route = DecodePolyline(tracking.str("route_polyline"));
  ASSERT_TRUE(route);
  EXPECT_EQ(route->size(), 1u);  // the courier's position only
}

TEST_F(FulfilmentApi, ASafeShippingParcelCanWaitAtAPickupPointAndGoUncollected) {
  auto ada = Customer(1);
  const auto variant = Variant("HP-1", 10, 2500);
  AddToCart(ada, variant, 1);
  auto body = OrderBody();
  body["safe_shipping"] = true;
  auto placed = PlaceOrder(ada, "order-safe", body);
  ASSERT_EQ(placed.status, 201) << placed.response.body;
  const auto order_id = Id(placed);
  const auto shipment = Ship(order_id);

  ASSERT_EQ(Report(shipment, "out_for_delivery", courier_).status, 200);
  auto r = Report(shipment, "awaiting_pickup", courier_);
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_EQ(OrderStatus(order_id, ada), "awaiting_pickup");
  ASSERT_EQ(Report(shipment, "uncollected", courier_).status, 200);
  EXPECT_EQ(OrderStatus(order_id, ada), "uncollected");

  // An uncollected order can be refunded on request.
  auto request = Post("/api/v1/orders/" + std::to_string(order_id) + "/refund-requests",
                      json::object{{"reason", "never picked it up"}}, ada.access_token);
  EXPECT_EQ(request.status, 201) << request.response.body;
}

}  // namespace
}  // namespace emporium::fulfilment::testing
