-- Payments: the processor-side customer of each user, saved cards, every charge we ask the processor
-- for (one row per attempt, keyed by its intent), refunds of those charges, and the ids of processor
-- events already handled (webhooks are delivered at least once). Amounts in minor units,
-- timestamps in Unix seconds (UTC). Processor ids are case-sensitive (ascii_bin).

CREATE TABLE payment_customers (
  user_id BIGINT NOT NULL,
  provider VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  customer_ref VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, provider),
  CONSTRAINT payment_customers_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE payment_methods (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  provider VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  provider_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  brand VARCHAR(32) NOT NULL,
  last4 CHAR(4) CHARACTER SET ascii NOT NULL,
  exp_month INT NOT NULL,
  exp_year INT NOT NULL,
  is_default TINYINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  deleted_at BIGINT NULL,
  PRIMARY KEY (id),
  KEY payment_methods_user_idx (user_id, id),
  UNIQUE KEY payment_methods_provider_uq (provider, provider_id),
  CONSTRAINT payment_methods_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE payments (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  order_id BIGINT NULL,
  purpose VARCHAR(32) CHARACTER SET ascii NOT NULL,
  provider VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status VARCHAR(32) CHARACTER SET ascii NOT NULL,
  amount BIGINT NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  fee BIGINT NOT NULL DEFAULT 0,
  refunded BIGINT NOT NULL DEFAULT 0,
  payment_method VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  off_session TINYINT NOT NULL DEFAULT 0,
  intent_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
  charge_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
  client_secret VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
  failure_message VARCHAR(1000) NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY payments_intent_uq (intent_id),
  KEY payments_order_idx (order_id, id),
  KEY payments_user_idx (user_id, id),
  CONSTRAINT payments_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id),
  CONSTRAINT payments_amounts_ck CHECK (amount > 0 AND refunded >= 0 AND refunded <= amount)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE payment_refunds (
  id BIGINT NOT NULL AUTO_INCREMENT,
  payment_id BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  reason VARCHAR(500) NOT NULL,
  status VARCHAR(32) CHARACTER SET ascii NOT NULL,
  provider_refund_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
  idem_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY payment_refunds_key_uq (payment_id, idem_key),
  CONSTRAINT payment_refunds_payment_fk FOREIGN KEY (payment_id) REFERENCES payments (id),
  CONSTRAINT payment_refunds_amount_ck CHECK (amount > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE payment_webhook_events (
  event_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  type VARCHAR(100) CHARACTER SET ascii NOT NULL,
  payment_id BIGINT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
