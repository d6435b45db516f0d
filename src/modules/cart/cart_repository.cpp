#include "modules/cart/cart_repository.hpp"

#include "db/binds.hpp"
#include "db/rows.hpp"

namespace emporium::cart {

namespace {

// The cart row and its items in one round trip (an empty cart still yields its one row).
constexpr const char* kLoad =
    "SELECT c.discount_code, i.id, i.variant_id, i.quantity, i.added_at FROM carts c "
    "LEFT JOIN cart_items i ON i.user_id = c.user_id WHERE c.user_id = :user_id ORDER BY i.id";
// A cart touched again within the same second is left as it is: SQLite rewrites the row and its
// carts_updated_idx entry on every UPDATE of updated_at, even to the value it already holds, and the
// three adds of a typical checkout land within one second. InnoDB already skips an update that
// changes nothing (the row lock is taken either way).
constexpr const char* kTouchSqlite =
    "INSERT INTO carts (user_id, discount_code, updated_at) VALUES (:user_id, NULL, :now) "
    "ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at "
    "WHERE carts.updated_at <> excluded.updated_at";
constexpr const char* kTouchMariaDb =
    "INSERT INTO carts (user_id, discount_code, updated_at) VALUES (:user_id, NULL, :now) "
    "ON DUPLICATE KEY UPDATE updated_at = VALUES(updated_at)";
constexpr const char* kInsertItem =
    "INSERT INTO cart_items (user_id, variant_id, quantity, added_at) VALUES (:user_id, :variant_id, :quantity, "
    ":added_at)";
constexpr const char* kSetQuantity =
    "UPDATE cart_items SET quantity = :quantity WHERE id = :id AND user_id = :user_id";
constexpr const char* kDeleteItem = "DELETE FROM cart_items WHERE id = :id AND user_id = :user_id";
constexpr const char* kSetDiscountCode = "UPDATE carts SET discount_code = :code WHERE user_id = :user_id";
constexpr const char* kDeleteCart = "DELETE FROM carts WHERE user_id = :user_id";

}  // namespace

Cart CartRepository::Load(db::Tx& tx, std::int64_t user_id) const {
  Cart cart;
  db::Rows(tx, kLoad, std::move(db::Binds().Int(user_id)), [&](const db::Row& r) {
    cart.discount_code = db::RowOptStr(r, 0);
    if (r.IsNull(1)) return;  // a cart without items
    cart.items.push_back(CartItem{.id = db::RowInt(r, 1),
                                  .variant_id = db::RowInt(r, 2),
                                  .quantity = db::RowInt(r, 3),
                                  .added_at = db::RowInt(r, 4)});
  });
  return cart;
}

void CartRepository::Touch(db::Tx& tx, std::int64_t user_id, std::int64_t now) const {
  db::Exec(tx, tx.dialect == db::Dialect::kSqlite ? kTouchSqlite : kTouchMariaDb,
           std::move(db::Binds().Int(user_id).Int(now)));
}

std::int64_t CartRepository::InsertItem(db::Tx& tx, std::int64_t user_id, std::int64_t variant_id,
                                        std::int64_t quantity, std::int64_t now) const {
  return db::InsertOne(tx, kInsertItem, std::move(db::Binds().Int(user_id).Int(variant_id).Int(quantity).Int(now)))
      .value_or(0);
}

bool CartRepository::SetQuantity(db::Tx& tx, std::int64_t user_id, std::int64_t item_id,
                                 std::int64_t quantity) const {
  return db::Exec(tx, kSetQuantity, std::move(db::Binds().Int(quantity).Int(item_id).Int(user_id))) > 0;
}

bool CartRepository::DeleteItem(db::Tx& tx, std::int64_t user_id, std::int64_t item_id) const {
  return db::Exec(tx, kDeleteItem, std::move(db::Binds().Int(item_id).Int(user_id))) > 0;
}

void CartRepository::SetDiscountCode(db::Tx& tx, std::int64_t user_id, const std::optional<std::string>& code) const {
  db::Exec(tx, kSetDiscountCode, std::move(db::Binds().OptStr(code).Int(user_id)));
}

void CartRepository::Clear(db::Tx& tx, std::int64_t user_id) const {
  // Its lines go with it (ON DELETE CASCADE, V015).
  db::Exec(tx, kDeleteCart, std::move(db::Binds().Int(user_id)));
}

}  // namespace emporium::cart
