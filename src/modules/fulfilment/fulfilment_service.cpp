#include "modules/fulfilment/fulfilment_service.hpp"

#include <boost/json/array.hpp>

#include "core/cursor.hpp"
#include "modules/fulfilment/geo.hpp"

namespace emporium::fulfilment {

namespace json = boost::json;

namespace {

// A courier-list cursor carries the sort key of the last item: its id and whether it was finished.
std::string EncodeListCursor(const Shipment& last) {
  return core::EncodeIdCursor(last.id * 2 + (IsFinished(last.status) ? 1 : 0));
}

std::optional<CourierListKey> DecodeListCursor(const std::string& cursor) {
  const auto v = core::DecodeIdCursor(cursor);
  if (!v || *v < 2) return std::nullopt;
  return CourierListKey{.finished = static_cast<int>(*v % 2), .id = *v / 2};
}

catalog::Actor ActorOf(const http::Request& req) {
  catalog::Actor a;
  if (req.principal) {
    a.user_id = req.principal->user_id;
    a.role = req.principal->role;
  }
  a.ip = req.remote_ip;
  a.request_id = req.request_id;
  return a;
}

std::optional<GeoPoint> DestinationOf(const orders::Order& order) {
  if (!order.ship_to.lat || !order.ship_to.lng) return std::nullopt;
  return GeoPoint{*order.ship_to.lat, *order.ship_to.lng};
}

json::value OptTime(const std::optional<std::int64_t>& t) {
  return t ? json::value(core::FormatRfc3339(*t)) : json::value(nullptr);
}

bool SeesEveryOrder(Role role) { return role == Role::kSupport || role == Role::kManager || role == Role::kAdmin; }

}  // namespace

FulfilmentService::FulfilmentService(db::Database& db, const core::Clock& clock, orders::OrdersModule& orders,
                                     auth::AuthModule& auth, audit::AuditLog& audit, infra::EventBus* events)
    : db_(db), clock_(clock), orders_(orders), auth_(auth), audit_(audit), events_(events) {}

Result<Shipment> FulfilmentService::Assign(const http::Request& req, std::int64_t order_id, std::int64_t courier_id,
                                           const std::string& carrier) {
  return db_.Write([&](db::Tx& tx) -> Result<Shipment> {
    auto courier = auth_.FindUser(tx, courier_id);
    if (!courier && courier.error().code != ErrorCode::kNotFound) return std::move(courier).error();
    if (!courier || !courier->active || courier->role != Role::kCourier) {
      return Error::Invalid("courier_id", "must be an active courier");
    }
    EMP_ASSIGN(const orders::Order order, orders_.Get(tx, order_id));
    if (repository_.FindByOrder(tx, order.id)) return Error::Conflict("The order already has a shipment.");
    EMP_TRY(orders_.Transition(tx, order.id, orders::OrderStatus::kShipped, ActorOf(req),
                               "handed to courier #" + std::to_string(courier_id)));
    EMP_TRY(orders_.SetCourier(tx, order.id, courier_id));

    Shipment s;
    s.order_id = order.id;
    s.courier_id = courier_id;
    s.carrier = carrier;
    s.assigned_at = s.updated_at = clock_.NowSeconds();
    s.id = repository_.Insert(tx, s);
    EMP_TRY(
        audit_.Record(tx, audit::AuditEntry::FromRequest(
                              req, "shipment.create", "shipment", s.id,
                              json::object{{"order_id", order.id}, {"courier_id", courier_id}, {"carrier", carrier}})));
    return s;
  });
}

Result<ShipmentPage> FulfilmentService::ListForCourier(std::int64_t courier_id,
                                                       const std::optional<std::string>& cursor, int limit) {
  std::optional<CourierListKey> after;
  if (cursor) {
    after = DecodeListCursor(*cursor);
    if (!after) return Error::Invalid("cursor", "is not a cursor of this list");
  }
  return db_.Read([&](db::Tx& tx) -> Result<ShipmentPage> {
    ShipmentPage page;
    // One extra row tells whether another page exists.
    page.items = repository_.ListForCourier(tx, courier_id, after, limit + 1);
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.resize(limit);
      page.next_cursor = EncodeListCursor(page.items.back());
    }
    return page;
  });
}

Result<Shipment> FulfilmentService::OwnShipment(db::Tx& tx, std::int64_t courier_id, std::int64_t shipment_id) const {
  auto s = repository_.Find(tx, shipment_id);
  // Another courier's shipment does not exist as far as this caller is concerned.
  if (!s || s->courier_id != courier_id) return Error::NotFound("The shipment does not exist.");
  return *s;
}

Result<Shipment> FulfilmentService::RecordLocation(std::int64_t courier_id, std::int64_t shipment_id,
                                                   const LocationFix& fix) {
  const std::int64_t now = clock_.NowSeconds();
  if (fix.at > now + kMaxClockSkewSeconds) return Error::Invalid("at", "must not be in the future");
  return db_.Write([&](db::Tx& tx) -> Result<Shipment> {
    EMP_ASSIGN(Shipment s, OwnShipment(tx, courier_id, shipment_id));
    if (IsFinished(s.status))
      return Error::Conflict("The shipment is already " + std::string(ShipmentStatusName(s.status)) + ".");
    EMP_ASSIGN(const orders::Order order, orders_.Get(tx, s.order_id));
    const auto eta = EstimateArrival({fix.lat, fix.lng}, fix.at, DestinationOf(order));
    repository_.InsertLocation(tx, s.id, fix);
    if (!repository_.UpdatePosition(tx, s.id, fix, eta, now)) return s;  // an older fix: kept for the path only

    s.last_lat = fix.lat;
    s.last_lng = fix.lng;
    s.last_at = fix.at;
    s.eta_at = eta;
    s.updated_at = now;
    if (events_ != nullptr) {
      json::object payload{{"order_id", s.order_id},
                           {"shipment_id", s.id},
                           {"lat", fix.lat},
                           {"lng", fix.lng},
                           {"at", core::FormatRfc3339(fix.at)},
                           {"eta", OptTime(eta)}};
      tx.AfterCommit(
          [events = events_, payload = std::move(payload)] { events->Publish("shipment.location", payload); });
    }
    return s;
  });
}

Result<Shipment> FulfilmentService::ReportStatus(const http::Request& req, std::int64_t shipment_id, ShipmentStatus to,
                                                 const std::optional<std::string>& proof_url) {
  return db_.Write([&](db::Tx& tx) -> Result<Shipment> {
    EMP_ASSIGN(Shipment s, OwnShipment(tx, req.user().user_id, shipment_id));
    EMP_ASSIGN(const orders::Order order, orders_.Get(tx, s.order_id));
    EMP_TRY(CheckCourierReport(s.status, to, order.safe_shipping));
    std::string note = "courier: " + std::string(ShipmentStatusName(to));
    EMP_TRY(orders_.Transition(tx, order.id, OrderStatusFor(to), ActorOf(req), note));
    const std::int64_t now = clock_.NowSeconds();
    if (!repository_.UpdateStatus(tx, s.id, s.status, to, proof_url, now)) {
      return Error::Conflict("The shipment changed meanwhile; reload it and try again.");
    }
    s.status = to;
    if (proof_url) s.proof_url = proof_url;
    s.updated_at = now;
    return s;
  });
}

Result<orders::Order> FulfilmentService::ReadableOrder(db::Tx& tx, const Principal& who, std::int64_t order_id) {
  if (SeesEveryOrder(who.role)) return orders_.Get(tx, order_id);
  if (who.role == Role::kCourier) {
    EMP_ASSIGN(orders::Order order, orders_.Get(tx, order_id));
    if (order.courier_id != who.user_id) return Error::NotFound("The order does not exist.");
    return order;
  }
  return orders_.GetOwned(tx, order_id, who.user_id);
}

Result<json::object> FulfilmentService::Tracking(const Principal& who, std::int64_t order_id) {
  return db_.Read([&](db::Tx& tx) -> Result<json::object> {
    EMP_ASSIGN(const orders::Order order, ReadableOrder(tx, who, order_id));
    EMP_ASSIGN(const auto events, orders_.Timeline(tx, order.id));
    json::array timeline;
    for (const auto& e : events) {
      timeline.push_back(json::object{{"from", e.from_status ? json::value(*e.from_status) : json::value(nullptr)},
                                      {"status", e.to_status},
                                      {"at", core::FormatRfc3339(e.created_at)}});
    }
    const auto destination = DestinationOf(order);
    json::object out{
        {"order_id", order.id},
        {"status", orders::StatusName(order.status)},
        {"timeline", std::move(timeline)},
        {"courier", nullptr},
        {"destination", destination ? json::value(json::object{{"lat", destination->lat}, {"lng", destination->lng}})
                                    : json::value(nullptr)},
        {"eta", nullptr},
        {"route_polyline", ""}};
    const auto shipment = repository_.FindByOrder(tx, order.id);
    if (!shipment) return out;

    EMP_ASSIGN(const auth::UserView courier, auth_.FindUser(tx, shipment->courier_id));
    json::value location = nullptr;
    if (shipment->last_lat && shipment->last_lng && shipment->last_at) {
      location = json::object{
          {"lat", *shipment->last_lat}, {"lng", *shipment->last_lng}, {"at", core::FormatRfc3339(*shipment->last_at)}};
    }
    // Customers see the courier's first name only.
    out["courier"] = json::object{{"name", courier.first_name}, {"location", std::move(location)}};
    out["shipment_status"] = ShipmentStatusName(shipment->status);
    if (!IsFinished(shipment->status)) out["eta"] = OptTime(shipment->eta_at);

    auto path = repository_.RecentPath(tx, shipment->id, kTrackingPathPoints);
    if (!path.empty() && destination) path.push_back(*destination);
    out["route_polyline"] = EncodePolyline(path);
    return out;
  });
}

}  // namespace emporium::fulfilment
