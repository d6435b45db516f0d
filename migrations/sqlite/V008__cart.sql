-- Carts: one per customer (created on the first write), holding at most one discount code, and its
-- lines, one per variant. Prices are not stored: the cart is always priced from the catalog of the
-- moment (PricingModule::Quote). Timestamps are Unix seconds.

CREATE TABLE carts (
  user_id INTEGER PRIMARY KEY REFERENCES auth_users (id),
  discount_code VARCHAR(64) NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE cart_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES carts (user_id),
  variant_id BIGINT NOT NULL REFERENCES catalog_variants (id),
  quantity BIGINT NOT NULL,
  added_at BIGINT NOT NULL,
  UNIQUE (user_id, variant_id),
  CHECK (quantity >= 1)
);
