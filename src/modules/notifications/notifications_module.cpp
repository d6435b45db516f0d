#include "modules/notifications/notifications_module.hpp"

#include "modules/notifications/notifications_controller.hpp"
#include "modules/notifications/notifications_service.hpp"

namespace emporium::notifications {

NotificationsModule::NotificationsModule(db::Database& db, const core::Config& config, const core::Clock& clock,
                                         auth::AuthModule& auth, infra::MailService& mail,
                                         infra::jobs::JobQueue& jobs, audit::AuditLog& audit,
                                         infra::EventBus* events, const PlanDirectory& plans,
                                         NotificationsOptions options)
    : service_(std::make_unique<NotificationsService>(db, config, clock, auth, mail, jobs, audit, events, plans,
                                                      options.broadcast_batch_size)) {}

NotificationsModule::~NotificationsModule() = default;

void NotificationsModule::RegisterRoutes(http::Router& router) { RegisterNotificationRoutes(router, *service_); }

void NotificationsModule::RegisterJobHandlers(infra::jobs::JobRunner& runner) {
  runner.Register(NotificationsService::kBroadcastJob,
                  [service = service_.get()](const infra::jobs::Job& job) { return service->RunBroadcastBatch(job); });
}

Notifier& NotificationsModule::notifier() { return *service_; }

}  // namespace emporium::notifications
