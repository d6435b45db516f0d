-- Notifications: in-app notifications per user, per-user channel preferences, admin broadcasts, and
-- the delivery record that makes the "mail.send" job idempotent.
--
-- notifications.dedupe_key: one notification per fact ("order.paid:42", "broadcast:7:1001"); a
-- re-run of the producer (a broadcast batch job run twice after a crash) inserts nothing. NULL keys
-- never collide.

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  data TEXT NOT NULL,
  link TEXT NULL,
  dedupe_key TEXT NULL,
  read_at BIGINT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX notifications_dedupe_uq ON notifications (dedupe_key);
-- The user's list, newest first (keyset on id), and the unread count / unread filter.
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id, read_at, id);

-- Only choices that differ from the default (every channel on) need a row; a row is kept either way.
CREATE TABLE notification_preferences (
  user_id BIGINT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  channel TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, event_type, channel),
  CONSTRAINT notification_preferences_channel_ck CHECK (channel IN ('email', 'in_app'))
);

-- An admin broadcast, sent in batches by jobs walking the audience in user-id order.
CREATE TABLE notification_broadcasts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  link TEXT NULL,
  channels TEXT NOT NULL,
  audience_type TEXT NOT NULL,
  audience_plan TEXT NULL,
  status TEXT NOT NULL,
  recipients INTEGER NOT NULL DEFAULT 0,
  batches INTEGER NOT NULL DEFAULT 0,
  created_by BIGINT NULL REFERENCES auth_users (id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL,
  finished_at BIGINT NULL,
  CONSTRAINT notification_broadcasts_status_ck CHECK (status IN ('queued', 'sending', 'done')),
  CONSTRAINT notification_broadcasts_audience_ck CHECK (audience_type IN ('all_customers', 'plan'))
);

-- One row per "mail.send" job: 'sending' is written (and committed) before the SMTP conversation,
-- 'sent' after it. A job that finds 'sending' was interrupted mid-send by a crash: the outcome is
-- unknown, so it is not sent again automatically (see infra/mail/mail_service.cpp).
CREATE TABLE mail_deliveries (
  job_id BIGINT NOT NULL PRIMARY KEY,
  message_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  template TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT mail_deliveries_state_ck CHECK (state IN ('sending', 'sent', 'failed', 'unknown'))
);
