-- Inventory per variant (available = on_hand - reserved, never negative), the adjustment ledger, and
-- per-day view / add-to-cart counters flushed in batches from memory.

CREATE TABLE inventory_levels (
  variant_id INTEGER PRIMARY KEY REFERENCES catalog_variants (id),
  on_hand BIGINT NOT NULL DEFAULT 0,
  reserved BIGINT NOT NULL DEFAULT 0,
  low_stock_threshold BIGINT NOT NULL DEFAULT 5,
  updated_at BIGINT NOT NULL,
  CHECK (on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand)
);

CREATE TABLE inventory_adjustments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  variant_id BIGINT NOT NULL REFERENCES catalog_variants (id),
  delta BIGINT NOT NULL,
  reason TEXT NOT NULL,
  actor_user_id BIGINT NULL,
  on_hand_after BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX inventory_adjustments_variant_idx ON inventory_adjustments (variant_id, id);

CREATE TABLE catalog_product_counters (
  product_id BIGINT NOT NULL,
  day BIGINT NOT NULL,
  views BIGINT NOT NULL DEFAULT 0,
  add_to_cart BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (product_id, day)
);
