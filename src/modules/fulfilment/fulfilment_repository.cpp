#include "modules/fulfilment/fulfilment_repository.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <deque>
#include <string>

#include "db/binds.hpp"
#include "db/rows.hpp"

namespace emporium::fulfilment {

namespace {

constexpr const char* kColumns =
    "id, order_id, courier_id, status, carrier, proof_url, assigned_at, updated_at, last_lat, last_lng, last_at, "
    "eta_at FROM shipments";
constexpr const char* kInsert =
    "INSERT INTO shipments (order_id, courier_id, status, carrier, assigned_at, updated_at) VALUES (:order_id, "
    ":courier_id, :status, :carrier, :assigned_at, :updated_at) RETURNING id";
constexpr const char* kFinishedRank = "CASE WHEN status IN ('delivered', 'uncollected') THEN 1 ELSE 0 END";
constexpr const char* kInsertLocation =
    "INSERT INTO shipment_locations (shipment_id, lat, lng, accuracy_m, at) VALUES (:shipment_id, :lat, :lng, "
    ":accuracy_m, :at)";
constexpr const char* kUpdatePosition =
    "UPDATE shipments SET last_lat = :lat, last_lng = :lng, last_at = :at, eta_at = :eta, updated_at = :now "
    "WHERE id = :id AND (last_at IS NULL OR last_at <= :at2)";
constexpr const char* kUpdateStatus =
    "UPDATE shipments SET status = :to, proof_url = COALESCE(:proof_url, proof_url), updated_at = :now "
    "WHERE id = :id AND status = :from";
constexpr const char* kRecentPath =
    "SELECT lat, lng FROM shipment_locations WHERE shipment_id = :shipment_id ORDER BY at DESC, id DESC "
    "LIMIT :limit";

using db::Binds;
using db::Exec;
using db::Rows;
using db::RowOptDouble;

Shipment ToShipment(const db::Row& r) {
  Shipment s;
  s.id = db::RowInt(r, 0);
  s.order_id = db::RowInt(r, 1);
  s.courier_id = db::RowInt(r, 2);
  // Written only from the enum (and CHECKed): an unknown value would be a corrupted row.
  s.status = ParseShipmentStatus(db::RowStr(r, 3)).value_or(ShipmentStatus::kAssigned);
  s.carrier = db::RowStr(r, 4);
  if (!r.IsNull(5)) s.proof_url = db::RowStr(r, 5);
  s.assigned_at = db::RowInt(r, 6);
  s.updated_at = db::RowInt(r, 7);
  s.last_lat = RowOptDouble(r, 8);
  s.last_lng = RowOptDouble(r, 9);
  s.last_at = db::RowOptInt(r, 10);
  s.eta_at = db::RowOptInt(r, 11);
  return s;
}

std::optional<Shipment> FindOne(db::Tx& tx, const std::string& where, std::int64_t value) {
  std::optional<Shipment> out;
  Rows(tx, std::string("SELECT ") + kColumns + " WHERE " + where, std::move(Binds().Int(value)),
       [&](const db::Row& r) { out = ToShipment(r); });
  return out;
}

}  // namespace

std::int64_t FulfilmentRepository::Insert(db::Tx& tx, const Shipment& s) const {
  Binds b;
  b.Int(s.order_id).Int(s.courier_id).Str(std::string(ShipmentStatusName(s.status))).Str(s.carrier);
  b.Int(s.assigned_at).Int(s.updated_at);
  std::int64_t id = 0;
  Rows(tx, kInsert, std::move(b), [&](const db::Row& r) { id = db::RowInt(r, 0); });
  return id;
}

std::optional<Shipment> FulfilmentRepository::Find(db::Tx& tx, std::int64_t id) const {
  return FindOne(tx, "id = :id", id);
}

std::optional<Shipment> FulfilmentRepository::FindByOrder(db::Tx& tx, std::int64_t order_id) const {
  return FindOne(tx, "order_id = :order_id", order_id);
}

std::vector<Shipment> FulfilmentRepository::ListForCourier(db::Tx& tx, std::int64_t courier_id,
                                                           const std::optional<CourierListKey>& after,
                                                           int limit) const {
  const std::string rank = kFinishedRank;
  std::string sql = std::string("SELECT ") + kColumns + " WHERE courier_id = :courier_id";
  Binds b;
  b.Int(courier_id);
  if (after) {
    sql += " AND (" + rank + " > :rank OR (" + rank + " = :rank2 AND id < :id))";
    b.Int(after->finished).Int(after->finished).Int(after->id);
  }
  sql += " ORDER BY " + rank + ", id DESC LIMIT :limit";
  b.Int(limit);
  std::vector<Shipment> out;
  Rows(tx, sql, std::move(b), [&](const db::Row& r) { out.push_back(ToShipment(r)); });
  return out;
}

void FulfilmentRepository::InsertLocation(db::Tx& tx, std::int64_t shipment_id, const LocationFix& fix) const {
  Exec(tx, kInsertLocation,
       std::move(Binds().Int(shipment_id).Double(fix.lat).Double(fix.lng).OptDouble(fix.accuracy_m).Int(fix.at)));
}

bool FulfilmentRepository::UpdatePosition(db::Tx& tx, std::int64_t shipment_id, const LocationFix& fix,
                                          std::optional<std::int64_t> eta, std::int64_t now) const {
  Binds b;
  b.Double(fix.lat).Double(fix.lng).Int(fix.at).OptInt(eta).Int(now).Int(shipment_id).Int(fix.at);
  return Exec(tx, kUpdatePosition, std::move(b)) > 0;
}

bool FulfilmentRepository::UpdateStatus(db::Tx& tx, std::int64_t shipment_id, ShipmentStatus from, ShipmentStatus to,
                                        const std::optional<std::string>& proof_url, std::int64_t now) const {
  Binds b;
  b.Str(std::string(ShipmentStatusName(to))).OptStr(proof_url).Int(now).Int(shipment_id);
  b.Str(std::string(ShipmentStatusName(from)));
  return Exec(tx, kUpdateStatus, std::move(b)) > 0;
}

std::vector<GeoPoint> FulfilmentRepository::RecentPath(db::Tx& tx, std::int64_t shipment_id, int limit) const {
  std::vector<GeoPoint> path;
  Rows(tx, kRecentPath, std::move(Binds().Int(shipment_id).Int(limit)), [&](const db::Row& r) {
    path.push_back({RowOptDouble(r, 0).value_or(0), RowOptDouble(r, 1).value_or(0)});
  });
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace emporium::fulfilment
