-- Orders: the order with its totals, destination and payment link copied at checkout time (later
-- catalog, price or address edits never change a past order), its lines, and the timeline of every
-- status transition (who, when, from, to). Money is BIGINT minor units; timestamps Unix seconds.

CREATE TABLE orders (
  id BIGINT NOT NULL AUTO_INCREMENT,
  number VARCHAR(32) CHARACTER SET ascii NOT NULL,
  user_id BIGINT NOT NULL,
  status VARCHAR(24) CHARACTER SET ascii NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  subtotal BIGINT NOT NULL,
  discount BIGINT NOT NULL DEFAULT 0,
  shipping BIGINT NOT NULL DEFAULT 0,
  tax BIGINT NOT NULL DEFAULT 0,
  loyalty BIGINT NOT NULL DEFAULT 0,
  total BIGINT NOT NULL,
  loyalty_points_used BIGINT NOT NULL DEFAULT 0,
  loyalty_points_earned BIGINT NOT NULL DEFAULT 0,
  discount_code VARCHAR(64) NOT NULL DEFAULT '',
  ship_to_name VARCHAR(200) NOT NULL,
  ship_to_line1 VARCHAR(200) NOT NULL,
  ship_to_line2 VARCHAR(200) NULL,
  ship_to_city VARCHAR(100) NOT NULL,
  ship_to_postal_code VARCHAR(20) NOT NULL,
  ship_to_country CHAR(2) CHARACTER SET ascii NOT NULL,
  ship_to_phone VARCHAR(20) CHARACTER SET ascii NULL,
  ship_to_lat DOUBLE NULL,
  ship_to_lng DOUBLE NULL,
  shipping_method VARCHAR(16) CHARACTER SET ascii NOT NULL,
  safe_shipping TINYINT NOT NULL DEFAULT 0,
  tracking_number VARCHAR(32) CHARACTER SET ascii NOT NULL,
  payment_id BIGINT NULL,
  courier_id BIGINT NULL,
  reserved_until BIGINT NOT NULL DEFAULT 0,
  paid_at BIGINT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY orders_number_uq (number),
  UNIQUE KEY orders_tracking_uq (tracking_number),
  KEY orders_user_idx (user_id, id),
  KEY orders_status_idx (status, id),
  KEY orders_reservation_idx (status, reserved_until),
  KEY orders_created_idx (created_at),
  CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id),
  CONSTRAINT orders_amounts_ck CHECK (subtotal >= 0 AND discount >= 0 AND shipping >= 0 AND tax >= 0
                                      AND loyalty >= 0 AND total >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_lines (
  id BIGINT NOT NULL AUTO_INCREMENT,
  order_id BIGINT NOT NULL,
  variant_id BIGINT NOT NULL,
  product_id BIGINT NOT NULL,
  sku VARCHAR(64) NOT NULL,
  name VARCHAR(500) NOT NULL,
  unit_price BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  line_total BIGINT NOT NULL,
  weight_grams BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY order_lines_order_idx (order_id, id),
  CONSTRAINT order_lines_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT order_lines_amounts_ck CHECK (quantity > 0 AND unit_price >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE order_events (
  id BIGINT NOT NULL AUTO_INCREMENT,
  order_id BIGINT NOT NULL,
  from_status VARCHAR(24) CHARACTER SET ascii NULL,
  to_status VARCHAR(24) CHARACTER SET ascii NOT NULL,
  actor_user_id BIGINT NULL,
  actor_role VARCHAR(16) CHARACTER SET ascii NOT NULL,
  note VARCHAR(1000) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY order_events_order_idx (order_id, id),
  CONSTRAINT order_events_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
