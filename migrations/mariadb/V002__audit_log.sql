-- Audit log of staff actions. The actor's e-mail and role are copied at the time of the action so an
-- entry keeps saying who did it after the account changes; no foreign key, entries outlive users.

CREATE TABLE audit_log (
  id BIGINT NOT NULL AUTO_INCREMENT,
  actor_id BIGINT NULL,
  actor_email VARCHAR(254) NOT NULL DEFAULT '',
  actor_role VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT '',
  action VARCHAR(64) CHARACTER SET ascii NOT NULL,
  resource_type VARCHAR(64) CHARACTER SET ascii NOT NULL,
  resource_id BIGINT NULL,
  details TEXT NOT NULL,
  ip VARCHAR(45) CHARACTER SET ascii NOT NULL DEFAULT '',
  request_id VARCHAR(64) CHARACTER SET ascii NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY audit_log_actor_idx (actor_id, id),
  KEY audit_log_action_idx (action, id),
  KEY audit_log_resource_idx (resource_type, resource_id, id),
  KEY audit_log_created_idx (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
