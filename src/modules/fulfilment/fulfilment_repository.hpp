#pragma once
// SQL of the fulfilment module (shipments, shipment_locations). Every call runs in the caller's
// transaction; driver exceptions propagate to db::Database, which translates them.

#include <cstdint>
#include <optional>
#include <vector>

#include "db/database.hpp"
#include "modules/fulfilment/geo.hpp"
#include "modules/fulfilment/model.hpp"

namespace emporium::fulfilment {

/// The position of a shipment in a courier's list: unfinished ones first, then newest first.
struct CourierListKey {
  int finished = 0;  ///< 0 for active shipments, 1 for delivered/uncollected ones
  std::int64_t id = 0;
};

class FulfilmentRepository {
 public:
  /// Inserts `s` (its id is ignored) and returns the new id. kConflict (through Database) when the
  /// order already has a shipment.
  std::int64_t Insert(db::Tx& tx, const Shipment& s) const;
  std::optional<Shipment> Find(db::Tx& tx, std::int64_t id) const;
  std::optional<Shipment> FindByOrder(db::Tx& tx, std::int64_t order_id) const;
  /// Up to `limit` shipments of a courier after `after` in CourierListKey order.
  std::vector<Shipment> ListForCourier(db::Tx& tx, std::int64_t courier_id, const std::optional<CourierListKey>& after,
                                       int limit) const;

  void InsertLocation(db::Tx& tx, std::int64_t shipment_id, const LocationFix& fix) const;
  /// Moves last_* and eta_at to this fix unless a newer fix is already recorded (fixes may arrive
  /// out of order from a phone that was offline). True when it moved.
  bool UpdatePosition(db::Tx& tx, std::int64_t shipment_id, const LocationFix& fix, std::optional<std::int64_t> eta,
                      std::int64_t now) const;
  /// Sets the status (and the proof URL when given) if the shipment is still in `from`; false when
  /// it moved concurrently.
  bool UpdateStatus(db::Tx& tx, std::int64_t shipment_id, ShipmentStatus from, ShipmentStatus to,
                    const std::optional<std::string>& proof_url, std::int64_t now) const;
  /// The newest `limit` recorded positions, oldest first.
  std::vector<GeoPoint> RecentPath(db::Tx& tx, std::int64_t shipment_id, int limit) const;
};

}  // namespace emporium::fulfilment
