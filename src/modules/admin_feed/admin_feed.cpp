#include "modules/admin_feed/admin_feed.hpp"

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/thread.hpp"
#include "infra/realtime/hub.hpp"
#include "modules/admin_feed/store_day.hpp"

namespace emporium::admin_feed {

namespace json = boost::json;

namespace {

constexpr std::int64_t kOpenCartWindow = 24 * 3600;

std::shared_ptr<spdlog::logger> Log() { return core::Logger("admin_feed"); }

json::value OptionalInt(const std::optional<std::int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); }

}  // namespace

json::object ToJson(const AdminMetrics& m) {
  return {{"orders_today", m.orders_today},
          {"revenue_today", {{"amount", m.revenue_today}, {"currency", m.currency}}},
          {"active_users_now", m.active_users_now},
          {"open_carts", m.open_carts},
          {"queue_depth", OptionalInt(m.queue_depth)},
          {"support_queue", OptionalInt(m.support_queue)},
          {"at", core::FormatRfc3339(m.at)}};
}

AdminFeed::AdminFeed(db::Database& db, const core::Clock& clock, infra::realtime::Hub& hub, AdminFeedOptions options,
                     QueueDepthFn queue_depth)
    : db_(db), clock_(clock), hub_(hub), options_(std::move(options)), queue_depth_(std::move(queue_depth)) {}

AdminFeed::~AdminFeed() { Stop(); }

void AdminFeed::Start() {
  thread_ = std::thread([this] {
    core::NameThisThread("admin-feed");
    Run();
  });
}

void AdminFeed::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<AdminMetrics> AdminFeed::Compute() const {
  AdminMetrics m;
  m.at = clock_.NowSeconds();
  m.currency = options_.currency();
  const FiguresQuery query{.day_start = StartOfStoreDay(options_.timezone, m.at),
                           .now = m.at,
                           .carts_since = m.at - kOpenCartWindow,
                           .currency = m.currency};
  EMP_ASSIGN(auto figures, db_.Read([&](db::Tx& tx) -> Result<StoreFigures> { return repo_.Figures(tx, query); }));
  m.orders_today = figures.orders_paid;
  m.revenue_today = figures.revenue;
  m.open_carts = figures.open_carts;
  // Each signed-in connection joins "user:{id}", so distinct users = distinct user rooms. Per
  // instance by design: summing across instances would need a shared presence set (Redis), and
  // the staff dashboard of a multi-instance shop shows this instance's share (docs/admin-feed.md).
  m.active_users_now = static_cast<std::int64_t>(hub_.LocalRooms("user:"));
  if (queue_depth_) m.queue_depth = queue_depth_();
  return m;
}

bool AdminFeed::Tick() {
  if (hub_.LocalSubscribers(kAdminRoom) == 0) return false;
  auto metrics = Compute();
  if (!metrics) {
    if (!last_tick_failed_) {
      Log()->warn(R"({{"msg":"admin.metrics skipped: figures unavailable","error":"{}"}})",
                  core::JsonEscape(metrics.error().message));
    }
    last_tick_failed_ = true;
    return false;
  }
  if (last_tick_failed_) Log()->info(R"({"msg":"admin.metrics resumed"})");
  last_tick_failed_ = false;
  hub_.PublishLocal(kAdminRoom, kMetricsEvent, ToJson(*metrics));
  return true;
}

// Ticks every interval while the room is watched, and at once when it becomes watched (so a staff
// member who opens the dashboard sees figures within idle_check, not a whole interval later). The
// steady clock paces the thread; the injected Clock only dates the figures.
void AdminFeed::Run() {
  using Steady = std::chrono::steady_clock;
  std::unique_lock lock(mutex_);
  bool watched = false;
  auto next_tick = Steady::now();
  while (!stopping_) {
    const auto now = Steady::now();
    const bool has_staff = hub_.LocalSubscribers(kAdminRoom) > 0;
    if (has_staff && (!watched || now >= next_tick)) {
      lock.unlock();
      Tick();
      lock.lock();
      next_tick = now + options_.interval;
    }
    watched = has_staff;
    const auto wake_at = has_staff ? next_tick : Steady::now() + options_.idle_check;
    wake_.wait_until(lock, wake_at, [this] { return stopping_; });
  }
}

}  // namespace emporium::admin_feed
