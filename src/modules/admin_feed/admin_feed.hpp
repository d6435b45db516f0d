#pragma once
// The live admin feed: every `interval`, while staff are connected to the `admin` room on this
// instance, computes the shop's live counters and publishes them there as "admin.metrics":
//
//   {"orders_today": 12, "revenue_today": {"amount": 45900, "currency": "USD"},
//    "active_users_now": 37, "open_carts": 5, "queue_depth": 0, "support_queue": null,
//    "at": "2027-01-15T08:00:05Z"}
//
// Each instance ticks for its own connections and publishes with Hub::PublishLocal: with the Redis
// hub a cross-instance Publish from N instances would deliver N copies of every tick. The other
// half of the feed, "admin.event", needs nothing here: services publish it on the EventBus and
// infra::realtime::BridgeEvents carries it to the room. docs/admin-feed.md defines every figure.

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "infra/jobs/job_queue.hpp"
#include "infra/jobs/time_zone.hpp"
#include "modules/admin_feed/admin_feed_repository.hpp"

namespace emporium::core {
class Clock;
}
namespace emporium::infra::realtime {
class Hub;
}

namespace emporium::admin_feed {

/// The room staff join automatically, and the event type of the tick.
inline constexpr const char* kAdminRoom = "admin";
inline constexpr const char* kMetricsEvent = "admin.metrics";

struct AdminMetrics {
  std::int64_t orders_today = 0;
  std::int64_t revenue_today = 0;  ///< minor units of `currency`
  std::string currency;
  std::int64_t active_users_now = 0;
  std::int64_t open_carts = 0;
  std::optional<std::int64_t> queue_depth;    ///< nullopt when the queue cannot be read
  std::optional<std::int64_t> support_queue;  ///< nullopt until the support module exists
  std::int64_t at = 0;                        ///< UTC seconds
};

/// The "admin.metrics" event data (money as {"amount", "currency"}, `at` as RFC 3339 UTC).
boost::json::object ToJson(const AdminMetrics& metrics);

/// Jobs waiting for a runner right now; nullopt when unknown. Called once per tick.
using QueueDepthFn = std::function<std::optional<std::int64_t>()>;

/// The job queue's backlog: queued jobs that are due (future retries and schedules not counted).
inline QueueDepthFn QueueDepthOf(infra::jobs::JobQueue& queue) {
  return [&queue]() -> std::optional<std::int64_t> {
    auto stats = queue.CachedStats();  // shared with the /metrics gauges: at most one COUNT query per 5 s
    if (!stats) return std::nullopt;
    return stats->due;
  };
}

struct AdminFeedOptions {
  std::chrono::milliseconds interval{5000};  ///< config.admin_metrics_interval
  infra::jobs::TimeZone timezone = infra::jobs::TimeZone::Utc();  ///< of "today" (config.store_timezone)
  /// The store currency, asked at every tick (staff may change it in the settings; pass
  /// PricingModule::Currency). Orders in another currency are not counted.
  std::function<std::string()> currency = [] { return std::string("USD"); };
  /// How often an idle feed (nobody in the room) looks for a first subscriber, so that staff who
  /// connect get their first figures within this delay rather than a whole interval.
  std::chrono::milliseconds idle_check{1000};
};

class AdminFeed {
 public:
  /// `hub` and `db` must outlive the feed. `queue_depth` may be empty (queue_depth is then null).
  AdminFeed(db::Database& db, const core::Clock& clock, infra::realtime::Hub& hub, AdminFeedOptions options,
            QueueDepthFn queue_depth = {});
  ~AdminFeed();  ///< Stop()s
  AdminFeed(const AdminFeed&) = delete;
  AdminFeed& operator=(const AdminFeed&) = delete;

  /// Starts the ticking thread. Call once.
  void Start();
  /// Stops and joins the thread; returns within one query's time. Idempotent.
  void Stop();

  /// The figures now (one read transaction of two indexed statements, plus the hub's and the
  /// queue's counters). Errors are the database's (kUnavailable, kInternal).
  Result<AdminMetrics> Compute() const;
  /// One tick: when the admin room has subscribers on this instance, computes and PublishLocal()s
  /// the metrics and returns true; otherwise (or when Compute fails, which is logged) returns false.
  /// The thread calls it; tests call it directly (not while the thread runs: Tick is not reentrant).
  bool Tick();

 private:
  void Run();

  db::Database& db_;
  const core::Clock& clock_;
  infra::realtime::Hub& hub_;
  const AdminFeedOptions options_;
  const QueueDepthFn queue_depth_;
  const AdminFeedRepository repo_{};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  bool last_tick_failed_ = false;  ///< only the ticking thread touches it: logs one line per outage
};

}  // namespace emporium::admin_feed
