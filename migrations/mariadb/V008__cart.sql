-- Carts: one per customer (created on the first write), holding at most one discount code, and its
-- lines, one per variant. Prices are not stored: the cart is always priced from the catalog of the
-- moment (PricingModule::Quote). Timestamps are Unix seconds.

CREATE TABLE carts (
  user_id BIGINT NOT NULL,
  discount_code VARCHAR(64) NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id),
  CONSTRAINT carts_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cart_items (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  variant_id BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  added_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY cart_items_user_variant_uq (user_id, variant_id),
  CONSTRAINT cart_items_cart_fk FOREIGN KEY (user_id) REFERENCES carts (user_id),
  CONSTRAINT cart_items_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id),
  CONSTRAINT cart_items_quantity_ck CHECK (quantity >= 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
