-- A cart's lines go with it: deleting the cart (an order paid, a cart emptied) is one statement.
-- SQLite cannot change a foreign key in place, so the table is rebuilt (nothing references it).

CREATE TABLE cart_items_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES carts (user_id) ON DELETE CASCADE,
  variant_id BIGINT NOT NULL REFERENCES catalog_variants (id),
  quantity BIGINT NOT NULL,
  added_at BIGINT NOT NULL,
  UNIQUE (user_id, variant_id),
  CHECK (quantity >= 1)
);
INSERT INTO cart_items_new (id, user_id, variant_id, quantity, added_at)
  SELECT id, user_id, variant_id, quantity, added_at FROM cart_items;
DROP TABLE cart_items;
ALTER TABLE cart_items_new RENAME TO cart_items;
