-- The durable job queue (transactional outbox): one row per job, written in the same transaction as
-- the business change that needs it, run later by a JobRunner with retries and a lease.
--
-- unique_key: a second job with the same key is not inserted while the first row exists, whatever
-- its state (done and dead rows keep their key until they are purged or discarded), so "send the
-- receipt of order 42" is enqueued once. NULL keys never collide. Binary collation: keys compare
-- exactly, as on SQLite.

CREATE TABLE jobs (
  id BIGINT NOT NULL AUTO_INCREMENT,
  queue VARCHAR(64) CHARACTER SET ascii NOT NULL,
  type VARCHAR(128) CHARACTER SET ascii NOT NULL,
  payload LONGTEXT NOT NULL,
  run_at BIGINT NOT NULL,
  priority INT NOT NULL DEFAULT 0,
  attempts INT NOT NULL DEFAULT 0,
  max_attempts INT NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii NOT NULL,
  unique_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  locked_by VARCHAR(128) NULL,
  locked_until BIGINT NULL,
  last_error VARCHAR(2000) NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY jobs_unique_key_uq (unique_key),
  -- The claim (SELECT ... FOR UPDATE SKIP LOCKED) walks queued jobs in the order it takes them
  -- (priority first, then oldest due) and stops after LIMIT rows; within one priority the due jobs
  -- come first, so with one priority in use it reads and locks O(log n + batch) index entries.
  KEY jobs_claim_idx (state, priority DESC, run_at, id),
  -- Admin lists by state (newest first), stats counts per state, and the lease reaper.
  KEY jobs_state_idx (state, id),
  -- The purge of finished jobs by age.
  KEY jobs_finished_idx (state, finished_at),
  CONSTRAINT jobs_state_ck CHECK (state IN ('queued', 'running', 'done', 'dead')),
  CONSTRAINT jobs_attempts_ck CHECK (max_attempts >= 1 AND attempts >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
