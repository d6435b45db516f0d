-- Notifications: in-app notifications per user, per-user channel preferences, admin broadcasts, and
-- the delivery record that makes the "mail.send" job idempotent.
--
-- notifications.dedupe_key: one notification per fact ("order.paid:42", "broadcast:7:1001"); a
-- re-run of the producer (a broadcast batch job run twice after a crash) inserts nothing. NULL keys
-- never collide. Binary collation: keys compare exactly, as on SQLite.

CREATE TABLE notifications (
  id BIGINT NOT NULL AUTO_INCREMENT,
  user_id BIGINT NOT NULL,
  type VARCHAR(64) CHARACTER SET ascii NOT NULL,
  title VARCHAR(500) NOT NULL,
  body TEXT NOT NULL,
  data TEXT NOT NULL,
  link VARCHAR(2048) NULL,
  dedupe_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  read_at BIGINT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY notifications_dedupe_uq (dedupe_key),
  KEY notifications_user_idx (user_id, id),
  KEY notifications_unread_idx (user_id, read_at, id),
  CONSTRAINT notifications_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE notification_preferences (
  user_id BIGINT NOT NULL,
  event_type VARCHAR(64) CHARACTER SET ascii NOT NULL,
  channel VARCHAR(16) CHARACTER SET ascii NOT NULL,
  enabled TINYINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, event_type, channel),
  CONSTRAINT notification_preferences_user_fk FOREIGN KEY (user_id) REFERENCES auth_users (id) ON DELETE CASCADE,
  CONSTRAINT notification_preferences_channel_ck CHECK (channel IN ('email', 'in_app'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE notification_broadcasts (
  id BIGINT NOT NULL AUTO_INCREMENT,
  title VARCHAR(500) NOT NULL,
  body TEXT NOT NULL,
  link VARCHAR(2048) NULL,
  channels VARCHAR(32) CHARACTER SET ascii NOT NULL,
  audience_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  audience_plan VARCHAR(64) NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL,
  recipients BIGINT NOT NULL DEFAULT 0,
  batches INT NOT NULL DEFAULT 0,
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  finished_at BIGINT NULL,
  PRIMARY KEY (id),
  CONSTRAINT notification_broadcasts_creator_fk FOREIGN KEY (created_by) REFERENCES auth_users (id) ON DELETE SET NULL,
  CONSTRAINT notification_broadcasts_status_ck CHECK (status IN ('queued', 'sending', 'done')),
  CONSTRAINT notification_broadcasts_audience_ck CHECK (audience_type IN ('all_customers', 'plan'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per "mail.send" job: 'sending' is written (and committed) before the SMTP conversation,
-- 'sent' after it. A job that finds 'sending' was interrupted mid-send by a crash: the outcome is
-- unknown, so it is not sent again automatically (see infra/mail/mail_service.cpp).
CREATE TABLE mail_deliveries (
  job_id BIGINT NOT NULL,
  message_id VARCHAR(255) NOT NULL,
  recipient VARCHAR(320) NOT NULL,
  template VARCHAR(128) NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  last_error VARCHAR(2000) NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (job_id),
  CONSTRAINT mail_deliveries_state_ck CHECK (state IN ('sending', 'sent', 'failed', 'unknown'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
