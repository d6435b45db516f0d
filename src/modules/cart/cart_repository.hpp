#pragma once
// SQL for carts and cart_items, on both dialects. Every method runs in the caller's transaction.

#include <cstdint>
#include <optional>
#include <string>

#include "db/database.hpp"
#include "modules/cart/model.hpp"

namespace emporium::cart {

class CartRepository {
 public:
  /// The cart with its items, oldest first, in one statement; empty when the user has none.
  Cart Load(db::Tx& tx, std::int64_t user_id) const;

  /// Creates the cart row or bumps its updated_at. Every cart write starts with it: on MariaDB the
  /// upsert locks the row until the transaction ends (SQLite's BEGIN IMMEDIATE already serialises
  /// writers), so the read-check-write that follows cannot interleave with another request on the
  /// same cart.
  void Touch(db::Tx& tx, std::int64_t user_id, std::int64_t now) const;

  /// Returns the new item's id.
  std::int64_t InsertItem(db::Tx& tx, std::int64_t user_id, std::int64_t variant_id, std::int64_t quantity,
                          std::int64_t now) const;
  /// False when the item is not in this user's cart.
  bool SetQuantity(db::Tx& tx, std::int64_t user_id, std::int64_t item_id, std::int64_t quantity) const;
  /// False when the item is not in this user's cart.
  bool DeleteItem(db::Tx& tx, std::int64_t user_id, std::int64_t item_id) const;

  void SetDiscountCode(db::Tx& tx, std::int64_t user_id, const std::optional<std::string>& code) const;

  /// Deletes the items and the cart row (and with it the discount code).
  void Clear(db::Tx& tx, std::int64_t user_id) const;
};

}  // namespace emporium::cart
