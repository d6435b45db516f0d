-- Accounts and auth: users, their addresses, refresh tokens and single-use e-mail tokens.
-- Timestamps are Unix seconds (UTC). E-mail addresses are stored lower-cased.

CREATE TABLE auth_users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  birthday TEXT NULL,
  phone TEXT NULL,
  role TEXT NOT NULL DEFAULT 'customer',
  is_active INTEGER NOT NULL DEFAULT 1,
  email_verified_at BIGINT NULL,
  tokens_valid_after BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL
);
CREATE UNIQUE INDEX auth_users_email_uq ON auth_users (email);
CREATE INDEX auth_users_role_idx ON auth_users (role, id);
CREATE INDEX auth_users_active_idx ON auth_users (is_active, id);

CREATE TABLE auth_addresses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  line1 TEXT NOT NULL,
  line2 TEXT NULL,
  city TEXT NOT NULL,
  postal_code TEXT NOT NULL,
  country TEXT NOT NULL,
  phone TEXT NULL,
  lat REAL NULL,
  lng REAL NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX auth_addresses_user_idx ON auth_addresses (user_id, id);

CREATE TABLE auth_refresh_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  family_id TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NULL,
  replaced_by BIGINT NULL,
  created_ip TEXT NULL
);
CREATE UNIQUE INDEX auth_refresh_tokens_hash_uq ON auth_refresh_tokens (token_hash);
CREATE INDEX auth_refresh_tokens_family_idx ON auth_refresh_tokens (family_id);
CREATE INDEX auth_refresh_tokens_user_idx ON auth_refresh_tokens (user_id);

CREATE TABLE auth_one_time_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  token_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT NULL
);
CREATE UNIQUE INDEX auth_one_time_tokens_hash_uq ON auth_one_time_tokens (token_hash);
CREATE INDEX auth_one_time_tokens_user_idx ON auth_one_time_tokens (user_id, purpose);
