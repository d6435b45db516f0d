-- Orders: the order with its totals, destination and payment link copied at checkout time (later
-- catalog, price or address edits never change a past order), its lines, and the timeline of every
-- status transition (who, when, from, to). Money is BIGINT minor units; timestamps Unix seconds.

CREATE TABLE orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  number TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES auth_users (id),
  status TEXT NOT NULL,
  currency TEXT NOT NULL,
  subtotal BIGINT NOT NULL,
  discount BIGINT NOT NULL DEFAULT 0,
  shipping BIGINT NOT NULL DEFAULT 0,
  tax BIGINT NOT NULL DEFAULT 0,
  loyalty BIGINT NOT NULL DEFAULT 0,
  total BIGINT NOT NULL,
  loyalty_points_used BIGINT NOT NULL DEFAULT 0,
  loyalty_points_earned BIGINT NOT NULL DEFAULT 0,
  discount_code TEXT NOT NULL DEFAULT '',
  ship_to_name TEXT NOT NULL,
  ship_to_line1 TEXT NOT NULL,
  ship_to_line2 TEXT NULL,
  ship_to_city TEXT NOT NULL,
  ship_to_postal_code TEXT NOT NULL,
  ship_to_country TEXT NOT NULL,
  ship_to_phone TEXT NULL,
  ship_to_lat REAL NULL,
  ship_to_lng REAL NULL,
  shipping_method TEXT NOT NULL,
  safe_shipping INTEGER NOT NULL DEFAULT 0,
  tracking_number TEXT NOT NULL,
  payment_id BIGINT NULL,
  courier_id BIGINT NULL,
  reserved_until BIGINT NOT NULL DEFAULT 0,
  paid_at BIGINT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (subtotal >= 0 AND discount >= 0 AND shipping >= 0 AND tax >= 0 AND loyalty >= 0 AND total >= 0)
);
CREATE UNIQUE INDEX orders_number_uq ON orders (number);
CREATE UNIQUE INDEX orders_tracking_uq ON orders (tracking_number);
CREATE INDEX orders_user_idx ON orders (user_id, id);
CREATE INDEX orders_status_idx ON orders (status, id);
CREATE INDEX orders_reservation_idx ON orders (status, reserved_until);
CREATE INDEX orders_created_idx ON orders (created_at);

CREATE TABLE order_lines (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id BIGINT NOT NULL REFERENCES orders (id),
  variant_id BIGINT NOT NULL,
  product_id BIGINT NOT NULL,
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  unit_price BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  line_total BIGINT NOT NULL,
  weight_grams BIGINT NOT NULL DEFAULT 0,
  CHECK (quantity > 0 AND unit_price >= 0)
);
CREATE INDEX order_lines_order_idx ON order_lines (order_id, id);

CREATE TABLE order_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id BIGINT NOT NULL REFERENCES orders (id),
  from_status TEXT NULL,
  to_status TEXT NOT NULL,
  actor_user_id BIGINT NULL,
  actor_role TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);
