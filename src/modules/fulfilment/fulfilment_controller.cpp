#include "modules/fulfilment/fulfilment_controller.hpp"

#include <boost/json/array.hpp>

#include "http/validation.hpp"
#include "modules/fulfilment/geo.hpp"

namespace emporium::fulfilment {

namespace json = boost::json;

namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;
constexpr const char* kDefaultCarrier = "Emporium Courier";

bool IsHttpUrl(const std::string& url) { return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0; }

Result<http::Response> AssignShipment(FulfilmentService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t order_id, req.IdParam("id"));
  EMP_ASSIGN(auto in, http::JsonInput::From(req));
  in.AllowOnly({"courier_id", "carrier"});
  const auto courier_id = in.Int("courier_id", {.required = true, .min = 1});
  const auto carrier = in.String("carrier", {.min = 1, .max = 100});
  EMP_TRY(in.Finish());
  EMP_ASSIGN(const Shipment s, service.Assign(req, order_id, *courier_id, carrier.value_or(kDefaultCarrier)));
  return http::Response::Json(201, ToJson(s));
}

Result<http::Response> ListShipments(FulfilmentService& service, http::Request& req) {
  http::QueryInput q(req);
  const int limit = static_cast<int>(q.Int("limit", {.min = 1, .max = kMaxLimit}).value_or(kDefaultLimit));
  const auto cursor = q.String("cursor", {.min = 1, .max = 200});
  EMP_TRY(q.Finish());
  EMP_ASSIGN(const ShipmentPage page, service.ListForCourier(req.user().user_id, cursor, limit));
  json::array items;
  for (const auto& s : page.items) items.push_back(ToJson(s));
  return http::Response::List(std::move(items), page.next_cursor);
}

Result<http::Response> RecordLocation(FulfilmentService& service, const core::Clock& clock, http::Request& req) {
  EMP_ASSIGN(const std::int64_t shipment_id, req.IdParam("id"));
  EMP_ASSIGN(auto in, http::JsonInput::From(req));
  in.AllowOnly({"lat", "lng", "accuracy_m", "at"});
  LocationFix fix;
  const auto lat = in.Number("lat", {.required = true, .min = -90, .max = 90});
  const auto lng = in.Number("lng", {.required = true, .min = -180, .max = 180});
  fix.accuracy_m = in.Number("accuracy_m", {.min = 0, .max = 100'000});
  const auto at_text = in.String("at", {.min = 1, .max = 64});
  std::optional<std::int64_t> at;
  if (at_text) {
    at = ParseRfc3339(*at_text);
    if (!at) in.Fail("at", "must be an RFC 3339 date-time, e.g. 2027-01-15T08:00:00Z");
  }
  EMP_TRY(in.Finish());
  fix.lat = *lat;
  fix.lng = *lng;
  fix.at = at.value_or(clock.NowSeconds());
  EMP_ASSIGN(const Shipment s, service.RecordLocation(req.user().user_id, shipment_id, fix));
  return http::Response::Json(202, ToJson(s));
}

Result<http::Response> ReportStatus(FulfilmentService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t shipment_id, req.IdParam("id"));
  EMP_ASSIGN(auto in, http::JsonInput::From(req));
  in.AllowOnly({"status", "proof_url"});
  const auto status =
      in.Enum("status", {"out_for_delivery", "delivered", "failed_attempt", "awaiting_pickup", "uncollected"},
              /*required=*/true);
  const auto proof_url = in.String("proof_url", {.min = 1, .max = 2048});
  if (proof_url && !IsHttpUrl(*proof_url)) in.Fail("proof_url", "must be an http(s) URL");
  EMP_TRY(in.Finish());
  EMP_ASSIGN(const Shipment s, service.ReportStatus(req, shipment_id, *ParseShipmentStatus(*status), proof_url));
  return http::Response::Json(200, ToJson(s));
}

Result<http::Response> Tracking(FulfilmentService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t order_id, req.IdParam("id"));
  EMP_ASSIGN(auto body, service.Tracking(req.user(), order_id));
  return http::Response::Json(200, body);
}

}  // namespace

void RegisterFulfilmentRoutes(http::Router& router, FulfilmentService& service, const core::Clock& clock) {
  FulfilmentService* s = &service;
  const core::Clock* c = &clock;
  router.Post(
      "/api/v1/admin/orders/{id}/shipments", [s](http::Request& req) { return AssignShipment(*s, req); },
      http::RouteOptions::Roles({Role::kManager, Role::kAdmin}));
  router.Get(
      "/api/v1/courier/shipments", [s](http::Request& req) { return ListShipments(*s, req); },
      http::RouteOptions::Roles({Role::kCourier}));
  router.Post(
      "/api/v1/courier/shipments/{id}/location", [s, c](http::Request& req) { return RecordLocation(*s, *c, req); },
      http::RouteOptions::Roles({Role::kCourier}));
  router.Post(
      "/api/v1/courier/shipments/{id}/status", [s](http::Request& req) { return ReportStatus(*s, req); },
      http::RouteOptions::Roles({Role::kCourier}));
  router.Get(
      "/api/v1/orders/{id}/tracking", [s](http::Request& req) { return Tracking(*s, req); },
      http::RouteOptions::User());
}

}  // namespace emporium::fulfilment
