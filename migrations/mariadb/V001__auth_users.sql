-- Accounts and auth: users, their addresses, refresh tokens and single-use e-mail tokens.
-- Timestamps are Unix seconds (UTC). E-mail addresses are stored lower-cased. Token hashes and
-- family ids are compared byte-wise (ascii_bin), never case-insensitively.

CREATE TABLE auth_users (
  id BIGINT NOT NULL AUTO_INCREMENT,
  email VARCHAR(254) NOT NULL,
  password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  first_name VARCHAR(100) NOT NULL DEFAULT '',
  last_name VARCHAR(100) NOT NULL DEFAULT '',
  birthday CHAR(10) CHARACTER SET ascii NULL,
  phone VARCHAR(20) CHARACTER SET ascii NULL,
  role VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'customer',
  is_active TINYINT NOT NULL DEFAULT 1,
  email_verified_at BIGINT NULL,
  tokens_valid_after BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY auth_users_email_uq (email),
  KEY auth_users_role_idx (role, id),
  KEY auth_users_active_idx (is_active, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE auth_addresses (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  name VARCHAR(200) NOT NULL,
  line1 VARCHAR(200) NOT NULL,
  line2 VARCHAR(200) NULL,
  city VARCHAR(100) NOT NULL,
  postal_code VARCHAR(20) NOT NULL,
  country CHAR(2) CHARACTER SET ascii NOT NULL,
  phone VARCHAR(20) CHARACTER SET ascii NULL,
  lat DOUBLE NULL,
  lng DOUBLE NULL,
  is_default TINYINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY auth_addresses_user_idx (user_id, id),
  CONSTRAINT auth_addresses_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE auth_refresh_tokens (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  family_id CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NULL,
  replaced_by BIGINT NULL,
  created_ip VARCHAR(45) CHARACTER SET ascii NULL,
  PRIMARY KEY (id),
  UNIQUE KEY auth_refresh_tokens_hash_uq (token_hash),
  KEY auth_refresh_tokens_family_idx (family_id),
  KEY auth_refresh_tokens_user_idx (user_id),
  CONSTRAINT auth_refresh_tokens_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE auth_one_time_tokens (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  purpose ENUM('verify_email', 'reset_password') CHARACTER SET ascii NOT NULL,
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY auth_one_time_tokens_hash_uq (token_hash),
  KEY auth_one_time_tokens_user_idx (user_id, purpose),
  CONSTRAINT auth_one_time_tokens_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
