-- Payments: the processor-side customer of each user, saved cards, every charge we ask the processor
-- for (one row per attempt, keyed by its intent), refunds of those charges, and the ids of processor
-- events already handled (webhooks are delivered at least once). Amounts in minor units,
-- timestamps in Unix seconds (UTC).

CREATE TABLE payment_customers (
  user_id BIGINT NOT NULL REFERENCES auth_users (id),
  provider TEXT NOT NULL,
  customer_ref TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, provider)
);

CREATE TABLE payment_methods (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES auth_users (id),
  provider TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  brand TEXT NOT NULL,
  last4 TEXT NOT NULL,
  exp_month INT NOT NULL,
  exp_year INT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  deleted_at BIGINT NULL
);
CREATE INDEX payment_methods_user_idx ON payment_methods (user_id, id);
CREATE UNIQUE INDEX payment_methods_provider_uq ON payment_methods (provider, provider_id);

CREATE TABLE payments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES auth_users (id),
  order_id BIGINT NULL,
  purpose TEXT NOT NULL,
  provider TEXT NOT NULL,
  status TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  fee BIGINT NOT NULL DEFAULT 0,
  refunded BIGINT NOT NULL DEFAULT 0,
  payment_method TEXT NOT NULL,
  off_session INTEGER NOT NULL DEFAULT 0,
  intent_id TEXT NULL,
  charge_id TEXT NULL,
  client_secret TEXT NULL,
  failure_message TEXT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (amount > 0 AND refunded >= 0 AND refunded <= amount)
);
CREATE UNIQUE INDEX payments_intent_uq ON payments (intent_id);
CREATE INDEX payments_order_idx ON payments (order_id, id);
CREATE INDEX payments_user_idx ON payments (user_id, id);

CREATE TABLE payment_refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  payment_id BIGINT NOT NULL REFERENCES payments (id),
  amount BIGINT NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL,
  provider_refund_id TEXT NULL,
  idem_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (amount > 0)
);
CREATE UNIQUE INDEX payment_refunds_key_uq ON payment_refunds (payment_id, idem_key);

CREATE TABLE payment_webhook_events (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  payment_id BIGINT NULL,
  received_at BIGINT NOT NULL
);
