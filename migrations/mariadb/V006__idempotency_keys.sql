-- Idempotency-Key records: one row per (scope, user, key), written in the transaction of the work it
-- guards; status_code/response_body are filled once the final answer is known. Kept 24 hours.

CREATE TABLE idempotency_keys (
  id BIGINT NOT NULL AUTO_INCREMENT,
  scope VARCHAR(100) NOT NULL,
  user_id BIGINT NOT NULL,
  idem_key VARCHAR(255) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  status_code INT NULL,
  response_body MEDIUMTEXT NULL,
  created_at BIGINT NOT NULL,
  completed_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY idempotency_keys_uq (scope, user_id, idem_key),
  KEY idempotency_keys_created_idx (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
