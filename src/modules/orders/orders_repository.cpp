#include "modules/orders/orders_repository.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <deque>

#include "db/binds.hpp"
#include "db/rows.hpp"

namespace emporium::orders {

namespace {

constexpr const char* kOrderColumns =
    "o.id, o.number, o.user_id, o.status, o.currency, o.subtotal, o.discount, o.shipping, o.tax, o.loyalty, "
    "o.total, o.loyalty_points_used, o.loyalty_points_earned, o.discount_code, o.ship_to_name, o.ship_to_line1, "
    "o.ship_to_line2, o.ship_to_city, o.ship_to_postal_code, o.ship_to_country, o.ship_to_phone, o.ship_to_lat, "
    "o.ship_to_lng, o.shipping_method, o.safe_shipping, o.tracking_number, o.courier_id, "
    "o.reserved_until, o.paid_at, o.created_at, o.updated_at";
constexpr std::size_t kOrderColumnCount = 31;

constexpr const char* kInsertOrder =
    "INSERT INTO orders (number, user_id, status, currency, subtotal, discount, shipping, tax, loyalty, total, "
    "loyalty_points_used, loyalty_points_earned, discount_code, ship_to_name, ship_to_line1, ship_to_line2, "
    "ship_to_city, ship_to_postal_code, ship_to_country, ship_to_phone, ship_to_lat, ship_to_lng, shipping_method, "
    "safe_shipping, tracking_number, reserved_until, created_at, updated_at) VALUES (:number, :user_id, :status, "
    ":currency, :subtotal, :discount, :shipping, :tax, :loyalty, :total, :points_used, :points_earned, "
    ":discount_code, :name, :line1, :line2, :city, :postal_code, :country, :phone, :lat, :lng, :method, :safe, "
    ":tracking, :reserved_until, :created_at, :updated_at)";
constexpr const char* kInsertLinesHead =
    "INSERT INTO order_lines (order_id, variant_id, product_id, sku, name, unit_price, quantity, line_total, "
    "weight_grams) VALUES ";
constexpr int kLineColumnCount = 9;
constexpr const char* kInsertEvent =
    "INSERT INTO order_events (order_id, from_status, to_status, actor_user_id, actor_role, note, created_at) "
    "VALUES (:order_id, :from_status, :to_status, :actor, :role, :note, :created_at)";
constexpr const char* kSetCourier = "UPDATE orders SET courier_id = :courier_id, updated_at = :now WHERE id = :id";
constexpr const char* kLineColumns =
    ", l.id, l.variant_id, l.product_id, l.sku, l.name, l.unit_price, l.quantity, l.line_total, l.weight_grams "
    "FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id WHERE o.id = :id ORDER BY l.id";
constexpr const char* kUpdateStatus =
    "UPDATE orders SET status = :to, updated_at = :now, paid_at = COALESCE(:paid_at, paid_at) "
    "WHERE id = :id AND status = :from";
constexpr const char* kSelectEvents =
    "SELECT id, order_id, from_status, to_status, actor_user_id, actor_role, note, created_at FROM order_events "
    "WHERE order_id = :order_id ORDER BY id";
constexpr const char* kExpired =
    "SELECT id FROM orders WHERE status = 'pending_payment' AND reserved_until < :now ORDER BY reserved_until, id "
    "LIMIT :limit";

using db::Binds;
using db::Exec;
using db::RowOptDouble;
using db::RowOptStr;
using db::Rows;

Order ToOrder(const db::Row& r) {
  Order o;
  o.id = db::RowInt(r, 0);
  o.number = db::RowStr(r, 1);
  o.user_id = db::RowInt(r, 2);
  // Statuses are written only from the enum; an unknown one would be a corrupted row.
  o.status = ParseStatus(db::RowStr(r, 3)).value_or(OrderStatus::kPendingPayment);
  o.currency = db::RowStr(r, 4);
  o.subtotal = db::RowInt(r, 5);
  o.discount = db::RowInt(r, 6);
  o.shipping = db::RowInt(r, 7);
  o.tax = db::RowInt(r, 8);
  o.loyalty = db::RowInt(r, 9);
  o.total = db::RowInt(r, 10);
  o.loyalty_points_used = db::RowInt(r, 11);
  o.loyalty_points_earned = db::RowInt(r, 12);
  o.discount_code = db::RowStr(r, 13);
  o.ship_to.name = db::RowStr(r, 14);
  o.ship_to.line1 = db::RowStr(r, 15);
  o.ship_to.line2 = RowOptStr(r, 16);
  o.ship_to.city = db::RowStr(r, 17);
  o.ship_to.postal_code = db::RowStr(r, 18);
  o.ship_to.country = db::RowStr(r, 19);
  o.ship_to.phone = RowOptStr(r, 20);
  o.ship_to.lat = RowOptDouble(r, 21);
  o.ship_to.lng = RowOptDouble(r, 22);
  o.shipping_method = db::RowStr(r, 23);
  o.safe_shipping = db::RowInt(r, 24) != 0;
  o.tracking_number = db::RowStr(r, 25);
  o.courier_id = db::RowOptInt(r, 26);
  o.reserved_until = db::RowInt(r, 27);
  o.paid_at = db::RowOptInt(r, 28);
  o.created_at = db::RowInt(r, 29);
  o.updated_at = db::RowInt(r, 30);
  return o;
}

OrderLine ToLine(const db::Row& r, std::size_t at) {
  OrderLine l;
  l.id = db::RowInt(r, at);
  l.variant_id = db::RowInt(r, at + 1);
  l.product_id = db::RowInt(r, at + 2);
  l.sku = db::RowStr(r, at + 3);
  l.name = db::RowStr(r, at + 4);
  l.unit_price = db::RowInt(r, at + 5);
  l.quantity = db::RowInt(r, at + 6);
  l.line_total = db::RowInt(r, at + 7);
  l.weight_grams = db::RowInt(r, at + 8);
  return l;
}

std::string LinePlaceholders(std::size_t count) {
  std::string values;
  for (std::size_t i = 0; i < count; ++i) {
    values += i ? ", (" : "(";
    for (int c = 0; c < kLineColumnCount; ++c) {
      values += c ? ", :l" : ":l";
      values += std::to_string(i) + "_" + std::to_string(c);
    }
    values += ")";
  }
  return values;
}

}  // namespace

std::int64_t OrdersRepository::InsertOrder(db::Tx& tx, const Order& o) const {
  Binds b;
  b.Str(o.number).Int(o.user_id).Str(std::string(StatusName(o.status))).Str(o.currency);
  b.Int(o.subtotal).Int(o.discount).Int(o.shipping).Int(o.tax).Int(o.loyalty).Int(o.total);
  b.Int(o.loyalty_points_used).Int(o.loyalty_points_earned).Str(o.discount_code);
  const auto& to = o.ship_to;
  b.Str(to.name).Str(to.line1).OptStr(to.line2).Str(to.city).Str(to.postal_code).Str(to.country);
  b.OptStr(to.phone).OptDouble(to.lat).OptDouble(to.lng);
  b.Str(o.shipping_method).Int(o.safe_shipping ? 1 : 0).Str(o.tracking_number);
  b.Int(o.reserved_until).Int(o.created_at).Int(o.updated_at);
  return db::InsertOne(tx, kInsertOrder, std::move(b)).value_or(0);
}

void OrdersRepository::InsertLines(db::Tx& tx, std::int64_t order_id, std::vector<OrderLine>& lines) const {
  if (lines.empty()) return;
  Binds b;
  for (const auto& l : lines) {
    b.Int(order_id).Int(l.variant_id).Int(l.product_id).Str(l.sku).Str(l.name);
    b.Int(l.unit_price).Int(l.quantity).Int(l.line_total).Int(l.weight_grams);
  }
  // The rows get ascending ids in VALUES order; RETURNING lists them in no promised order.
  std::vector<std::int64_t> ids;
  ids.reserve(lines.size());
  Rows(tx, kInsertLinesHead + LinePlaceholders(lines.size()) + " RETURNING id", std::move(b),
       [&](const db::Row& r) { ids.push_back(db::RowInt(r, 0)); });
  std::sort(ids.begin(), ids.end());
  for (std::size_t i = 0; i < lines.size() && i < ids.size(); ++i) lines[i].id = ids[i];
}

void OrdersRepository::InsertEvent(db::Tx& tx, const OrderEvent& e) const {
  Exec(tx, kInsertEvent,
       std::move(Binds()
                     .Int(e.order_id)
                     .OptStr(e.from_status)
                     .Str(e.to_status)
                     .OptInt(e.actor_user_id)
                     .Str(e.actor_role)
                     .Str(e.note)
                     .Int(e.created_at)));
}

bool OrdersRepository::SetCourier(db::Tx& tx, std::int64_t order_id, std::int64_t courier_id, std::int64_t now) const {
  return Exec(tx, kSetCourier, std::move(Binds().Int(courier_id).Int(now).Int(order_id))) > 0;
}

std::optional<Order> OrdersRepository::Find(db::Tx& tx, std::int64_t order_id) const {
  std::optional<Order> out;
  Rows(tx, std::string("SELECT ") + kOrderColumns + kLineColumns, std::move(Binds().Int(order_id)),
       [&](const db::Row& r) {
         if (!out) out = ToOrder(r);
         if (!r.IsNull(kOrderColumnCount)) out->lines.push_back(ToLine(r, kOrderColumnCount));
       });
  return out;
}

bool OrdersRepository::UpdateStatus(db::Tx& tx, std::int64_t order_id, OrderStatus from, OrderStatus to,
                                    std::int64_t now, std::optional<std::int64_t> paid_at) const {
  return Exec(tx, kUpdateStatus,
              std::move(Binds()
                            .Str(std::string(StatusName(to)))
                            .Int(now)
                            .OptInt(paid_at)
                            .Int(order_id)
                            .Str(std::string(StatusName(from))))) > 0;
}

std::vector<OrderEvent> OrdersRepository::Events(db::Tx& tx, std::int64_t order_id) const {
  std::vector<OrderEvent> out;
  Rows(tx, kSelectEvents, std::move(Binds().Int(order_id)), [&](const db::Row& r) {
    OrderEvent e;
    e.id = db::RowInt(r, 0);
    e.order_id = db::RowInt(r, 1);
    e.from_status = RowOptStr(r, 2);
    e.to_status = db::RowStr(r, 3);
    e.actor_user_id = db::RowOptInt(r, 4);
    e.actor_role = db::RowStr(r, 5);
    e.note = db::RowStr(r, 6);
    e.created_at = db::RowInt(r, 7);
    out.push_back(std::move(e));
  });
  return out;
}

std::vector<Order> OrdersRepository::List(db::Tx& tx, const OrderFilter& f) const {
  // Only fixed fragments are appended; every value is bound.
  std::string sql = std::string("SELECT ") + kOrderColumns + " FROM orders o WHERE 1 = 1";
  Binds b;
  if (f.user_id) {
    sql += " AND o.user_id = :user_id";
    b.Int(*f.user_id);
  }
  if (f.status) {
    sql += " AND o.status = :status";
    b.Str(std::string(StatusName(*f.status)));
  }
  if (f.created_from) {
    sql += " AND o.created_at >= :created_from";
    b.Int(*f.created_from);
  }
  if (f.created_to) {
    sql += " AND o.created_at < :created_to";
    b.Int(*f.created_to);
  }
  if (f.before_id) {
    sql += " AND o.id < :before_id";
    b.Int(*f.before_id);
  }
  sql += " ORDER BY o.id DESC LIMIT :limit";
  b.Int(f.limit + 1);
  std::vector<Order> out;
  Rows(tx, sql, std::move(b), [&](const db::Row& r) { out.push_back(ToOrder(r)); });
  return out;
}

std::vector<std::int64_t> OrdersRepository::ExpiredReservations(db::Tx& tx, std::int64_t now, int limit) const {
  std::vector<std::int64_t> ids;
  Rows(tx, kExpired, std::move(Binds().Int(now).Int(limit)),
       [&](const db::Row& r) { ids.push_back(db::RowInt(r, 0)); });
  return ids;
}

std::optional<std::int64_t> OrdersRepository::IdByNumber(db::Tx& tx, const std::string& number,
                                                         std::int64_t user_id) const {
  std::optional<std::int64_t> id;
  db::Rows(tx, "SELECT id FROM orders WHERE number = :number AND user_id = :user_id",
           std::move(db::Binds().Str(number).Int(user_id)), [&](const db::Row& r) { id = db::RowInt(r, 0); });
  return id;
}

}  // namespace emporium::orders
