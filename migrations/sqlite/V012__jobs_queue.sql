-- The durable job queue (transactional outbox): one row per job, written in the same transaction as
-- the business change that needs it, run later by a JobRunner with retries and a lease.
--
-- unique_key: a second job with the same key is not inserted while the first row exists, whatever
-- its state (done and dead rows keep their key until they are purged or discarded), so "send the
-- receipt of order 42" is enqueued once. NULL keys never collide.

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  run_at BIGINT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  state TEXT NOT NULL,
  unique_key TEXT NULL,
  locked_by TEXT NULL,
  locked_until BIGINT NULL,
  last_error TEXT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT NULL,
  CONSTRAINT jobs_state_ck CHECK (state IN ('queued', 'running', 'done', 'dead')),
  CONSTRAINT jobs_attempts_ck CHECK (max_attempts >= 1 AND attempts >= 0)
);
CREATE UNIQUE INDEX jobs_unique_key_uq ON jobs (unique_key);
-- The claim walks queued jobs in the order it takes them (priority first, then oldest due) and stops
-- after LIMIT rows; within one priority the due jobs come first, so with one priority in use the
-- claim reads O(log n + batch) index entries.
CREATE INDEX jobs_claim_idx ON jobs (state, priority DESC, run_at, id);
-- Admin lists by state (newest first), stats counts per state, and the lease reaper (few running rows).
CREATE INDEX jobs_state_idx ON jobs (state, id);
-- The purge of finished jobs by age.
CREATE INDEX jobs_finished_idx ON jobs (state, finished_at);
