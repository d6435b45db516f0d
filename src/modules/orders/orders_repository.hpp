#pragma once
// SQL of the orders module: orders, order_lines, order_events. Every call runs in the caller's
// transaction; rows move between states only through conditional updates (UpdateStatus), so two
// concurrent writers can never both apply a transition.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "modules/orders/model.hpp"

namespace emporium::orders {

/// Staff and customer list filters (keyset: orders with an id below `before_id`, newest first).
struct OrderFilter {
  std::optional<std::int64_t> user_id;
  std::optional<OrderStatus> status;
  std::optional<std::int64_t> created_from;  ///< inclusive, Unix seconds
  std::optional<std::int64_t> created_to;    ///< exclusive, Unix seconds
  std::optional<std::int64_t> before_id;
  int limit = 20;
};

class OrdersRepository {
 public:
  /// The id of `user_id`'s order numbered `number`; nullopt if there is none.
  std::optional<std::int64_t> IdByNumber(db::Tx& tx, const std::string& number, std::int64_t user_id) const;
  /// Inserts the order row (number, tracking number and totals as given) and returns its id.
  std::int64_t InsertOrder(db::Tx& tx, const Order& order) const;
  /// All lines of one order in ONE multi-row INSERT; sets each line's id.
  void InsertLines(db::Tx& tx, std::int64_t order_id, std::vector<OrderLine>& lines) const;
  void InsertEvent(db::Tx& tx, const OrderEvent& event) const;
  /// Sets the courier; false when the order does not exist.
  bool SetCourier(db::Tx& tx, std::int64_t order_id, std::int64_t courier_id, std::int64_t now) const;

  /// The order with its lines, in ONE statement (the order columns repeat on each line row).
  std::optional<Order> Find(db::Tx& tx, std::int64_t order_id) const;

  /// Moves the order from `from` to `to` only if it is still in `from`; `paid_at` is set when given.
  /// False when another writer moved it first (or the order does not exist).
  bool UpdateStatus(db::Tx& tx, std::int64_t order_id, OrderStatus from, OrderStatus to, std::int64_t now,
                    std::optional<std::int64_t> paid_at = std::nullopt) const;

  /// The order's timeline, oldest first.
  std::vector<OrderEvent> Events(db::Tx& tx, std::int64_t order_id) const;

  /// Orders without their lines, newest first, at most filter.limit + 1 (the extra row tells the
  /// caller there is a next page).
  std::vector<Order> List(db::Tx& tx, const OrderFilter& filter) const;

  /// Ids of orders still pending payment whose reservation ended before `now`, oldest first.
  std::vector<std::int64_t> ExpiredReservations(db::Tx& tx, std::int64_t now, int limit) const;
};

}  // namespace emporium::orders
