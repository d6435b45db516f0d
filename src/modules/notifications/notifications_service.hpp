#pragma once
// Business rules of notifications: the Notifier other modules call inside their transactions, the
// user's list and preferences, and admin broadcasts sent in batches by jobs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"
#include "infra/events/event_bus.hpp"
#include "infra/jobs/job_queue.hpp"
#include "infra/mail/mailer.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/notifications/model.hpp"
#include "modules/notifications/notifications_repository.hpp"
#include "modules/notifications/notifier.hpp"
#include "modules/notifications/plan_directory.hpp"

namespace emporium::notifications {

struct NotificationPage {
  std::vector<Notification> items;
  std::optional<std::string> next_cursor;
  std::int64_t unread_count = 0;
};

/// One switch of PUT /me/notification-preferences.
struct PreferenceChange {
  std::string event_type;
  std::string channel;  ///< "email" or "in_app"
  bool enabled = true;
};

struct BroadcastInput {
  std::string title;
  std::string body;
  std::optional<std::string> link;
  bool in_app = false;
  bool email = false;
  std::string audience_type;  ///< "all_customers" or "plan"
  std::optional<std::string> audience_plan;
};

class NotificationsService final : public Notifier {
 public:
  static constexpr const char* kBroadcastJob = "notifications.broadcast_batch";

  NotificationsService(db::Database& db, const core::Config& config, const core::Clock& clock,
                       auth::AuthModule& auth, infra::MailService& mail, infra::jobs::JobQueue& jobs,
                       audit::AuditLog& audit, infra::EventBus* events, const PlanDirectory& plans,
                       int broadcast_batch_size);

  Status Notify(db::Tx& tx, const NotificationRequest& request) override;
  Status NotifyStaff(db::Tx& tx, const NotificationRequest& request) override;

  /// Newest first; `cursor` from a previous page (422 field cursor when malformed); limit 1–100.
  Result<NotificationPage> List(std::int64_t user_id, bool unread_only, const std::optional<std::string>& cursor,
                                int limit);
  /// kNotFound when absent or another user's. Returns the notification as it is now.
  Result<Notification> MarkRead(std::int64_t user_id, std::int64_t id);
  /// Returns how many were marked.
  Result<std::int64_t> MarkAllRead(std::int64_t user_id);
  Status Delete(std::int64_t user_id, std::int64_t id);

  /// Every event type offered to `who`'s role with its effective switches.
  Result<std::vector<Preference>> Preferences(const Principal& who);
  /// Applies every change or none: 422 listing each unknown event type or channel, each type not
  /// offered to the role, each transactional e-mail switched off, each in_app switch of a type that
  /// has no in-app notification. Returns the preferences as they are afterwards.
  Result<std::vector<Preference>> UpdatePreferences(const Principal& who, const std::vector<PreferenceChange>& changes);

  /// Records the broadcast and enqueues its first batch job, with the audit entry `audit` (whose
  /// resource_id is filled in), in one transaction. 422 for an unknown plan (field audience.plan).
  Result<Broadcast> StartBroadcast(const BroadcastInput& in, audit::AuditEntry audit);
  Result<Broadcast> GetBroadcast(std::int64_t id);
  /// The handler of kBroadcastJob (see the .cpp for why it is idempotent).
  Status RunBroadcastBatch(const infra::jobs::Job& job);

 private:
  Status NotifyUser(db::Tx& tx, const NotificationRequest& request, const EventType& type, const auth::UserView& user);
  std::optional<std::int64_t> InsertInApp(db::Tx& tx, const NotificationRequest& request, std::int64_t user_id);
  Status EnqueueMail(db::Tx& tx, const NotificationRequest& request, const auth::UserView& user);
  Status EnqueueBatch(db::Tx& tx, std::int64_t broadcast_id, int batch, std::optional<std::int64_t> before_id);

  db::Database& db_;
  const core::Clock& clock_;
  auth::AuthModule& auth_;
  infra::MailService& mail_;
  infra::jobs::JobQueue& jobs_;
  audit::AuditLog& audit_;
  infra::EventBus* events_;
  const PlanDirectory& plans_;
  int batch_size_;
  std::string store_name_;
  std::string public_url_;
  NotificationsRepository repo_;
};

}  // namespace emporium::notifications
