-- Pricing: the store's settings (key/value), shipping (countries, methods, weight bands), tax rates
-- per country, discount codes with their redemptions, and loyalty points (balance + ledger).
-- Money is BIGINT minor units in the store currency; times are BIGINT Unix seconds.
--
-- A new store ships to every country (ships_to_all) at default flat rates per method, so checkout
-- works before anything is configured. The weight bands end with heavy_extra_per_kg per started kg
-- above the last band, so no weight is ever without a rate.

CREATE TABLE pricing_settings (
  name VARCHAR(64) NOT NULL,
  value VARCHAR(255) NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
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
  country CHAR(2) NOT NULL,
  name VARCHAR(100) NOT NULL,
  rate BIGINT NOT NULL,
  enabled INT NOT NULL DEFAULT 1,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (country),
  CONSTRAINT shipping_countries_rate_ck CHECK (rate >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE shipping_methods (
  method VARCHAR(16) NOT NULL,
  rate BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (method),
  CONSTRAINT shipping_methods_method_ck CHECK (method IN ('standard', 'express', 'next_day')),
  CONSTRAINT shipping_methods_rate_ck CHECK (rate >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO shipping_methods (method, rate, updated_at) VALUES
  ('standard', 499, 0), ('express', 999, 0), ('next_day', 1999, 0);

CREATE TABLE shipping_weight_bands (
  up_to_grams BIGINT NOT NULL,
  rate BIGINT NOT NULL,
  PRIMARY KEY (up_to_grams),
  CONSTRAINT shipping_weight_bands_ck CHECK (up_to_grams > 0 AND rate >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO shipping_weight_bands (up_to_grams, rate) VALUES (1000, 0), (5000, 300), (20000, 900);

CREATE TABLE tax_rates (
  country CHAR(2) NOT NULL,
  rate_bp INT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (country),
  CONSTRAINT tax_rates_rate_ck CHECK (rate_bp >= 0 AND rate_bp <= 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE discount_codes (
  id BIGINT NOT NULL AUTO_INCREMENT,
  code VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  value BIGINT NOT NULL,
  min_subtotal BIGINT NOT NULL DEFAULT 0,
  starts_at BIGINT NULL,
  ends_at BIGINT NULL,
  max_uses BIGINT NULL,
  max_uses_per_customer BIGINT NULL,
  uses BIGINT NOT NULL DEFAULT 0,
  active INT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL,
  PRIMARY KEY (id),
  -- Codes are stored upper-case, so this key makes them unique case-insensitively. A deleted code
  -- keeps its name: past orders refer to it.
  UNIQUE KEY discount_codes_code_uq (code),
  CONSTRAINT discount_codes_kind_ck CHECK (kind IN ('percentage', 'fixed')),
  CONSTRAINT discount_codes_values_ck CHECK (value > 0 AND min_subtotal >= 0 AND uses >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE discount_redemptions (
  id BIGINT NOT NULL AUTO_INCREMENT,
  discount_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  order_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  released_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY discount_redemptions_order_uq (order_id),
  KEY discount_redemptions_customer_idx (discount_id, user_id),
  CONSTRAINT discount_redemptions_discount_fk FOREIGN KEY (discount_id) REFERENCES discount_codes (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE loyalty_accounts (
  user_id BIGINT NOT NULL,
  balance BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id),
  CONSTRAINT loyalty_accounts_balance_ck CHECK (balance >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every change of a balance, signed (redeem and reverse negative). refund_id is 0 for operations
-- that are not about a refund, so the unique key makes each operation happen once per order.
CREATE TABLE loyalty_ledger (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  order_id BIGINT NOT NULL,
  refund_id BIGINT NOT NULL DEFAULT 0,
  kind VARCHAR(16) NOT NULL,
  points BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY loyalty_ledger_operation_uq (order_id, kind, refund_id),
  KEY loyalty_ledger_user_idx (user_id, id),
  CONSTRAINT loyalty_ledger_kind_ck CHECK (kind IN ('redeem', 'release', 'earn', 'reverse'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
