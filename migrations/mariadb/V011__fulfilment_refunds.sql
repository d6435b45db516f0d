-- Fulfilment (one shipment per order, the courier's recorded positions) and refunds (customers'
-- requests reviewed by staff, and every refund actually made).

CREATE TABLE shipments (
  id BIGINT NOT NULL AUTO_INCREMENT,
  order_id BIGINT NOT NULL,
  courier_id BIGINT NOT NULL,
  status VARCHAR(32) NOT NULL,
  carrier VARCHAR(100) NOT NULL,
  proof_url VARCHAR(2048) NULL,
  assigned_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_lat DOUBLE NULL,
  last_lng DOUBLE NULL,
  last_at BIGINT NULL,
  eta_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY shipments_order_uq (order_id),
  KEY shipments_courier_idx (courier_id, id),
  CONSTRAINT shipments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT shipments_courier_fk FOREIGN KEY (courier_id) REFERENCES auth_users (id),
  CONSTRAINT shipments_status_ck CHECK (status IN ('assigned', 'out_for_delivery', 'delivered', 'failed_attempt',
                                                   'awaiting_pickup', 'uncollected'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE shipment_locations (
  id BIGINT NOT NULL AUTO_INCREMENT,
  shipment_id BIGINT NOT NULL,
  lat DOUBLE NOT NULL,
  lng DOUBLE NOT NULL,
  accuracy_m DOUBLE NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY shipment_locations_shipment_idx (shipment_id, id),
  CONSTRAINT shipment_locations_shipment_fk FOREIGN KEY (shipment_id) REFERENCES shipments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE refund_requests (
  id BIGINT NOT NULL AUTO_INCREMENT,
  order_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  amount BIGINT NULL,
  currency VARCHAR(3) NOT NULL,
  reason VARCHAR(4000) NOT NULL,
  status VARCHAR(16) NOT NULL,
  decision_reason VARCHAR(4000) NULL,
  decided_by BIGINT NULL,
  decided_at BIGINT NULL,
  created_at BIGINT NOT NULL,
  -- equals order_id while pending, NULL once decided: the unique index allows one pending request
  -- per order (NULLs never collide) on both dialects, which have no common partial index.
  pending_order_id BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY refund_requests_pending_uq (pending_order_id),
  KEY refund_requests_status_idx (status, id),
  KEY refund_requests_order_idx (order_id, id),
  CONSTRAINT refund_requests_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT refund_requests_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id),
  CONSTRAINT refund_requests_decider_fk FOREIGN KEY (decided_by) REFERENCES auth_users (id),
  CONSTRAINT refund_requests_status_ck CHECK (status IN ('pending', 'approved', 'denied'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE refunds (
  id BIGINT NOT NULL AUTO_INCREMENT,
  order_id BIGINT NOT NULL,
  payment_refund_id BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  currency VARCHAR(3) NOT NULL,
  reason VARCHAR(1000) NOT NULL,
  restock TINYINT NOT NULL DEFAULT 0,
  actor_user_id BIGINT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY refunds_payment_refund_uq (payment_refund_id),
  KEY refunds_order_idx (order_id, id),
  CONSTRAINT refunds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT refunds_amount_ck CHECK (amount > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
