-- Idempotency-Key records: one row per (scope, user, key), written in the transaction of the work it
-- guards; status_code/response_body are filled once the final answer is known. Kept 24 hours.

CREATE TABLE idempotency_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  scope TEXT NOT NULL,
  user_id BIGINT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status_code INT NULL,
  response_body TEXT NULL,
  created_at BIGINT NOT NULL,
  completed_at BIGINT NULL
);
CREATE UNIQUE INDEX idempotency_keys_uq ON idempotency_keys (scope, user_id, idem_key);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
