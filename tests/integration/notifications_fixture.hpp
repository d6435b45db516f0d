#pragma once
// The notifications test harness: the auth harness (real Router, Dispatcher, AuthModule, AuditLog on
// the test database) plus a job queue and runner, durable mail through them into the capturing
// mailer, and the notifications module with small broadcast batches. Jobs run when a test calls
// RunJobs() (JobRunner::RunDue on the test thread), so every step is deterministic.

#include <soci/soci.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth_fixture.hpp"
#include "infra/events/event_bus.hpp"
#include "infra/jobs/job_queue.hpp"
#include "modules/notifications/notifications_module.hpp"

namespace emporium::notifications::testing {

namespace json = boost::json;
using auth::testing::CallResult;
using auth::testing::Session;

class NotificationsHarness : public auth::testing::AuthHarness {
 protected:
  static constexpr int kBatchSize = 2;

  void SetUp() override {
    AuthHarness::SetUp();
    jobs_ = std::make_unique<infra::jobs::JobQueue>(db(), clock_);
    runner_ = std::make_unique<infra::jobs::JobRunner>(db(), clock_, *jobs_,
                                                       infra::jobs::RunnerOptions{.runner_id = "test", .concurrency = 1});
    mail_->UseJobQueue(db(), *jobs_, clock_, config_.mail_from);
    mail_->RegisterJobHandler(*runner_);
    notifications_ = std::make_unique<NotificationsModule>(db(), config_, clock_, *auth_, *mail_, *jobs_, *audit_,
                                                           &events_, plans_,
                                                           NotificationsOptions{.broadcast_batch_size = kBatchSize});
    notifications_->RegisterRoutes(*router_);
    notifications_->RegisterJobHandlers(*runner_);
    events_.Subscribe("notification.created", [this](const std::string&, const json::object& payload) {
      std::lock_guard lock(events_mutex_);
      pushed_.push_back(payload);
    });
  }

  void TearDown() override {
    notifications_.reset();
    runner_.reset();
    jobs_.reset();
    AuthHarness::TearDown();
  }

  /// Runs every due job (mail.send, broadcast batches) on this thread; returns how many ran.
  int RunJobs() { return runner_->RunDue(); }

  /// Notifier::Notify in a transaction of its own.
  Status Notify(NotificationRequest request) {
    return db().Write([&](db::Tx& tx) { return notifications_->notifier().Notify(tx, request); });
  }

  static NotificationRequest Shipped(std::int64_t user_id, std::int64_t order_id) {
    return {.user_id = user_id,
            .event_type = "order.shipped",
            .title = "Order " + std::to_string(order_id) + " has shipped",
            .body = "Tracking number EMP123.",
            .data = {{"order_id", order_id}},
            .link = "/orders/" + std::to_string(order_id),
            .dedupe_key = "order:" + std::to_string(order_id),
            .email_template = "notifications_order_shipped",
            .email_values = {{"number", "EMP-" + std::to_string(order_id)}, {"tracking_number", "EMP123"}}};
  }

  std::int64_t Count(const std::string& sql) {
    long long n = -1;
    EXPECT_TRUE(db().Read([&](db::Tx& tx) -> Status {
      tx.sql << sql, soci::into(n);
      return OkStatus();
    }));
    return n;
  }
  std::int64_t MailJobs() { return Count("SELECT COUNT(*) FROM jobs WHERE type = 'mail.send'"); }
  std::int64_t RowsOf(std::int64_t user_id) {
    return Count("SELECT COUNT(*) FROM notifications WHERE user_id = " + std::to_string(user_id));
  }

  /// Captured mails of a template (the capturing mailer receives them when the jobs run).
  std::vector<infra::MailMessage> Delivered(const std::string& template_name) {
    std::vector<infra::MailMessage> out;
    for (auto& m : mailer_->Messages()) {
      if (m.template_name == template_name) out.push_back(std::move(m));
    }
    return out;
  }

  std::vector<json::object> Pushed() {
    std::lock_guard lock(events_mutex_);
    return pushed_;
  }

  infra::EventBus events_;
  EveryoneOnFree plans_;
  std::unique_ptr<infra::jobs::JobQueue> jobs_;
  std::unique_ptr<infra::jobs::JobRunner> runner_;
  std::unique_ptr<NotificationsModule> notifications_;
  std::mutex events_mutex_;
  std::vector<json::object> pushed_;
};

}  // namespace emporium::notifications::testing
