#pragma once
// The notifications module: in-app notifications per user with real-time push, e-mail per event
// through the durable job queue, per-user channel preferences, and admin broadcasts sent in batches
// by jobs. The one header the app includes; other modules include only notifier.hpp.
//
//   notifications::EveryoneOnFree plans;
//   notifications::NotificationsModule notifications(db, config, clock, auth, mail, jobs, audit, &events, plans);
//   notifications.RegisterRoutes(router);
//   notifications.RegisterJobHandlers(runner);          // before runner.Start()
//   orders.SetNotifier(&notifications.notifier());      // and refunds, catalog

#include <memory>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"
#include "http/router.hpp"
#include "infra/events/event_bus.hpp"
#include "infra/jobs/job_queue.hpp"
#include "infra/mail/mailer.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/notifications/model.hpp"
#include "modules/notifications/notifier.hpp"
#include "modules/notifications/plan_directory.hpp"

namespace emporium::notifications {

class NotificationsService;

struct NotificationsOptions {
  int broadcast_batch_size = 500;  ///< audience members per broadcast job (1–1000)
};

class NotificationsModule {
 public:
  /// Every reference must outlive the module; `events` may be null (nothing is pushed in real time).
  /// `mail` should be durable (MailService::UseJobQueue) for the e-mail guarantees to hold.
  NotificationsModule(db::Database& db, const core::Config& config, const core::Clock& clock, auth::AuthModule& auth,
                      infra::MailService& mail, infra::jobs::JobQueue& jobs, audit::AuditLog& audit,
                      infra::EventBus* events, const PlanDirectory& plans, NotificationsOptions options = {});
  ~NotificationsModule();
  NotificationsModule(const NotificationsModule&) = delete;
  NotificationsModule& operator=(const NotificationsModule&) = delete;

  /// GET /api/v1/me/notifications (?unread=true, ?limit=, ?cursor=) → {items, next_cursor, unread_count};
  /// POST /api/v1/me/notifications/{id}/read → the notification; POST /api/v1/me/notifications/read-all
  /// → {marked, unread_count}; DELETE /api/v1/me/notifications/{id} → 204 (another user's id: 404);
  /// GET, PUT /api/v1/me/notification-preferences → {preferences: [...]};
  /// POST /api/v1/admin/notifications/broadcast → 202 the broadcast (manager, admin; audited);
  /// GET /api/v1/admin/notifications/broadcasts/{id} → its progress (manager, admin).
  void RegisterRoutes(http::Router& router);
  /// Registers the "notifications.broadcast_batch" job handler. Before runner.Start().
  void RegisterJobHandlers(infra::jobs::JobRunner& runner);

  /// For orders, refunds and catalog (Notifier::Notify inside their transactions). Thread-safe.
  Notifier& notifier();

 private:
  std::unique_ptr<NotificationsService> service_;
};

}  // namespace emporium::notifications
