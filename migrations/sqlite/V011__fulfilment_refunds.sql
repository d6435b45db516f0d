-- Fulfilment (one shipment per order, the courier's recorded positions) and refunds (customers'
-- requests reviewed by staff, and every refund actually made).

CREATE TABLE shipments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id BIGINT NOT NULL UNIQUE REFERENCES orders (id),
  courier_id BIGINT NOT NULL REFERENCES auth_users (id),
  status VARCHAR(32) NOT NULL
    CHECK (status IN ('assigned', 'out_for_delivery', 'delivered', 'failed_attempt', 'awaiting_pickup', 'uncollected')),
  carrier VARCHAR(100) NOT NULL,
  proof_url VARCHAR(2048) NULL,
  assigned_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_lat DOUBLE NULL,
  last_lng DOUBLE NULL,
  last_at BIGINT NULL,
  eta_at BIGINT NULL
);
CREATE INDEX shipments_courier_idx ON shipments (courier_id, id);

CREATE TABLE shipment_locations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  shipment_id BIGINT NOT NULL REFERENCES shipments (id),
  lat DOUBLE NOT NULL,
  lng DOUBLE NOT NULL,
  accuracy_m DOUBLE NULL,
  at BIGINT NOT NULL
);
CREATE INDEX shipment_locations_shipment_idx ON shipment_locations (shipment_id, id);

CREATE TABLE refund_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id BIGINT NOT NULL REFERENCES orders (id),
  user_id BIGINT NOT NULL REFERENCES auth_users (id),
  amount BIGINT NULL,
  currency VARCHAR(3) NOT NULL,
  reason VARCHAR(4000) NOT NULL,
  status VARCHAR(16) NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
  decision_reason VARCHAR(4000) NULL,
  decided_by BIGINT NULL REFERENCES auth_users (id),
  decided_at BIGINT NULL,
  created_at BIGINT NOT NULL,
  -- equals order_id while pending, NULL once decided: the unique index allows one pending request
  -- per order (NULLs never collide) on both dialects, which have no common partial index.
  pending_order_id BIGINT NULL UNIQUE
);
CREATE INDEX refund_requests_status_idx ON refund_requests (status, id);
CREATE INDEX refund_requests_order_idx ON refund_requests (order_id, id);

CREATE TABLE refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id BIGINT NOT NULL REFERENCES orders (id),
  payment_refund_id BIGINT NOT NULL UNIQUE,
  amount BIGINT NOT NULL CHECK (amount > 0),
  currency VARCHAR(3) NOT NULL,
  reason VARCHAR(1000) NOT NULL,
  restock INTEGER NOT NULL DEFAULT 0,
  actor_user_id BIGINT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX refunds_order_idx ON refunds (order_id, id);
