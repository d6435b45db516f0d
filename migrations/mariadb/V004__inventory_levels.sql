-- Inventory per variant (available = on_hand - reserved, never negative), the adjustment ledger, and
-- per-day view / add-to-cart counters flushed in batches from memory.

CREATE TABLE inventory_levels (
  variant_id BIGINT NOT NULL,
  on_hand BIGINT NOT NULL DEFAULT 0,
  reserved BIGINT NOT NULL DEFAULT 0,
  low_stock_threshold BIGINT NOT NULL DEFAULT 5,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (variant_id),
  CONSTRAINT inventory_levels_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id),
  CONSTRAINT inventory_levels_stock_ck CHECK (on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE inventory_adjustments (
  id BIGINT NOT NULL AUTO_INCREMENT,
  variant_id BIGINT NOT NULL,
  delta BIGINT NOT NULL,
  reason VARCHAR(500) NOT NULL,
  actor_user_id BIGINT NULL,
  on_hand_after BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY inventory_adjustments_variant_idx (variant_id, id),
  CONSTRAINT inventory_adjustments_variant_fk FOREIGN KEY (variant_id) REFERENCES catalog_variants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE catalog_product_counters (
  product_id BIGINT NOT NULL,
  day BIGINT NOT NULL,
  views BIGINT NOT NULL DEFAULT 0,
  add_to_cart BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (product_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
