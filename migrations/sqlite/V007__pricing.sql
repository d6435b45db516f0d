-- Pricing: the store's settings (key/value), shipping (countries, methods, weight bands), tax rates
-- per country, discount codes with their redemptions, and loyalty points (balance + ledger).
-- Money is BIGINT minor units in the store currency; times are BIGINT Unix seconds.
--
-- A new store ships to every country (ships_to_all) at default flat rates per method, so checkout
-- works before anything is configured. The weight bands end with heavy_extra_per_kg per started kg
-- above the last band, so no weight is ever without a rate.

CREATE TABLE pricing_settings (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  value VARCHAR(255) NOT NULL,
  updated_at BIGINT NOT NULL
);
INSERT INTO pricing_settings (name, value, updated_at) VALUES
  ('currency', 'USD', 0),
  ('prices_include_tax', 'true', 0),
  ('safe_shipping_fee', '500', 0),
  ('default_country_rate', '0', 0),
  ('loyalty_point_value', '10', 0),
  ('loyalty_points_per_unit', '1', 0),
  ('heavy_extra_per_kg', '100', 0),
  ('ships_to_all', 'true', 0);

CREATE TABLE shipping_countries (
  country CHAR(2) NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  rate BIGINT NOT NULL CHECK (rate >= 0),
  enabled INT NOT NULL DEFAULT 1,
  updated_at BIGINT NOT NULL
);

CREATE TABLE shipping_methods (
  method VARCHAR(16) NOT NULL PRIMARY KEY CHECK (method IN ('standard', 'express', 'next_day')),
  rate BIGINT NOT NULL CHECK (rate >= 0),
  updated_at BIGINT NOT NULL
);
INSERT INTO shipping_methods (method, rate, updated_at) VALUES
  ('standard', 499, 0), ('express', 999, 0), ('next_day', 1999, 0);

CREATE TABLE shipping_weight_bands (
  up_to_grams BIGINT NOT NULL PRIMARY KEY CHECK (up_to_grams > 0),
  rate BIGINT NOT NULL CHECK (rate >= 0)
);
INSERT INTO shipping_weight_bands (up_to_grams, rate) VALUES (1000, 0), (5000, 300), (20000, 900);

CREATE TABLE tax_rates (
  country CHAR(2) NOT NULL PRIMARY KEY,
  rate_bp INT NOT NULL CHECK (rate_bp >= 0 AND rate_bp <= 10000),
  updated_at BIGINT NOT NULL
);

CREATE TABLE discount_codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL CHECK (kind IN ('percentage', 'fixed')),
  value BIGINT NOT NULL CHECK (value > 0),
  min_subtotal BIGINT NOT NULL DEFAULT 0 CHECK (min_subtotal >= 0),
  starts_at BIGINT NULL,
  ends_at BIGINT NULL,
  max_uses BIGINT NULL,
  max_uses_per_customer BIGINT NULL,
  uses BIGINT NOT NULL DEFAULT 0 CHECK (uses >= 0),
  active INT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL
);
-- Codes are stored upper-case, so this index makes them unique case-insensitively. A deleted code
-- keeps its name: past orders refer to it.
CREATE UNIQUE INDEX discount_codes_code_uq ON discount_codes (code);

CREATE TABLE discount_redemptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  discount_id BIGINT NOT NULL REFERENCES discount_codes (id),
  user_id BIGINT NOT NULL,
  order_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  released_at BIGINT NULL
);
CREATE UNIQUE INDEX discount_redemptions_order_uq ON discount_redemptions (order_id);
CREATE INDEX discount_redemptions_customer_idx ON discount_redemptions (discount_id, user_id);

CREATE TABLE loyalty_accounts (
  user_id BIGINT NOT NULL PRIMARY KEY,
  balance BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
  updated_at BIGINT NOT NULL
);

-- Every change of a balance, signed (redeem and reverse negative). refund_id is 0 for operations
-- that are not about a refund, so the unique key makes each operation happen once per order.
CREATE TABLE loyalty_ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL,
  order_id BIGINT NOT NULL,
  refund_id BIGINT NOT NULL DEFAULT 0,
  kind VARCHAR(16) NOT NULL CHECK (kind IN ('redeem', 'release', 'earn', 'reverse')),
  points BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX loyalty_ledger_operation_uq ON loyalty_ledger (order_id, kind, refund_id);
CREATE INDEX loyalty_ledger_user_idx ON loyalty_ledger (user_id, id);
