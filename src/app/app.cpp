#include "app/app.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/openapi.hpp"
#include "app/room_authorizer.hpp"
#include "app/ops_routes.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/rate_limiter.hpp"
#include "db/database.hpp"
#include "db/migrator.hpp"
#include "http/dispatcher.hpp"
#include "http/metrics.hpp"
#include "http/realtime.hpp"
#include "http/response_cache.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "infra/events/event_bus.hpp"
#include "infra/jobs/job_queue.hpp"
#include "infra/mail/mailer.hpp"
#include "infra/realtime/hub.hpp"
#include "infra/redis/redis_rate_limiter.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/catalog/membership_reader.hpp"
#include "modules/mail/mail_module.hpp"
#include "modules/notifications/notifications_module.hpp"
#include "modules/search/search_module.hpp"
#include "modules/cart/cart_module.hpp"
#include "modules/fulfilment/fulfilment_module.hpp"
#include "modules/admin_feed/admin_feed.hpp"
#include "modules/jobs_admin/jobs_admin_module.hpp"
#include "modules/orders/orders_module.hpp"
#include "modules/payments/payments_module.hpp"
#include "modules/pricing/pricing_module.hpp"
#include "modules/refunds/refunds_module.hpp"

namespace emporium::app {

namespace {

Result<std::unique_ptr<db::Database>> OpenDatabase(const core::Config& config, bool migrate) {
  auto log = core::Logger("app");
  const int pool = config.db_pool_size > 0 ? config.db_pool_size : core::WorkerThreads(config);
  EMP_ASSIGN(auto db, db::Database::Open(config.database_url, pool));
  if (migrate) {
    EMP_ASSIGN(auto report, db::Migrate(*db));
    log->info("{{\"msg\":\"database ready\",\"database\":\"{}\",\"schema_version\":{},\"applied\":{}}}",
              core::JsonEscape(db->info().display), report.current_version, report.applied);
  } else {
    EMP_ASSIGN(auto state, db::ReadSchemaState(*db));
    if (state.database_version != state.binary_version) {
      return Error::Unavailable("database schema is at version " + std::to_string(state.database_version) +
                                " but this binary expects " + std::to_string(state.binary_version) +
                                "; run `emporium migrate`");
    }
  }
  return db;
}

/// Every WebSocket is a descriptor: lift the soft limit to the hard one (capped), so that the
/// documented 10,000 idle connections per instance do not need a shell `ulimit -n` first.
void RaiseOpenFileLimit() {
  constexpr rlim_t kWanted = 65536;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= kWanted) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? kWanted : std::min(kWanted, limit.rlim_max);
  if (limit.rlim_cur > before && setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    core::Logger("app")->info(R"({{"msg":"raised the open file limit","from":{},"to":{}}})", before, limit.rlim_cur);
  }
}

http::RealtimeOptions RealtimeOptionsFrom(const core::Config& c) {
  http::RealtimeOptions o;
  o.ping_interval = c.realtime_ping_interval;
  o.ping_timeout = c.realtime_ping_timeout;
  o.max_payload = c.realtime_max_payload;
  o.send_queue_limit = static_cast<std::size_t>(std::max(1, c.realtime_send_queue_limit));
  o.socketio_conformance = c.socketio_conformance;
  return o;
}

}  // namespace

struct App::Parts {
  core::Config config;
  core::SystemClock clock;
  std::unique_ptr<db::Database> db;
  std::unique_ptr<core::RateLimiter> limiter;
  std::atomic<http::Server*> serving{nullptr};  // while Serve() runs, for the connections gauge
  infra::jobs::TimeZone store_zone = infra::jobs::TimeZone::Utc();
  std::unique_ptr<infra::jobs::JobQueue> jobs;
  std::unique_ptr<infra::jobs::JobRunner> runner;
  std::unique_ptr<infra::MailService> mail;
  http::Metrics metrics;
  http::Router router;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<auth::AuthModule> auth;
  std::unique_ptr<mail::MailModule> mail_module;
  infra::EventBus events;
  catalog::NoMemberships memberships;  // memberships arrive in a later issue: nobody is a member yet
  std::unique_ptr<http::ResponseCache> response_cache;  // anonymous catalog and search answers
  std::unique_ptr<search::SearchModule> search;  // before catalog: the catalog holds its indexer
  std::unique_ptr<catalog::CatalogModule> catalog;
  pricing::FreePlanOnly plans;  // membership plans arrive in a later issue: everyone is on `free`
  std::unique_ptr<pricing::PricingModule> pricing;
  std::unique_ptr<cart::CartModule> cart;
  std::unique_ptr<payments::PaymentsModule> payments;
  notifications::EveryoneOnFree broadcast_plans;  // memberships arrive later: every customer is on `free`
  std::unique_ptr<notifications::NotificationsModule> notifications;
  std::unique_ptr<jobs_admin::JobsAdmin> jobs_admin;
  std::unique_ptr<orders::OrdersModule> orders;
  std::unique_ptr<fulfilment::FulfilmentModule> fulfilment;
  std::unique_ptr<refunds::RefundsModule> refunds;
  std::unique_ptr<http::Dispatcher> dispatcher;
  // Real-time, last so it goes first: the bridge unsubscribes from the bus before the hub it feeds
  // is destroyed.
  std::unique_ptr<infra::realtime::Hub> hub;
  std::shared_ptr<void> hub_bridge;
  std::unique_ptr<OrderRoomAuthorizer> rooms;
};

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
App::~App() = default;

Result<std::unique_ptr<App>> App::Create(core::Config config, bool migrate) {
  auto p = std::make_unique<Parts>();
  p->config = std::move(config);
  auto& c = p->config;
  EMP_TRY(core::EnsureJwtSecret(c));
  EMP_TRY(OpenApiJson());  // a malformed embedded document should stop start-up, not the first request

  EMP_ASSIGN(p->db, OpenDatabase(c, migrate));

  if (c.redis_url.empty()) {
    p->limiter = core::MakeMemoryRateLimiter(p->clock);
  } else {
    EMP_ASSIGN(p->limiter, infra::MakeRedisRateLimiter(c.redis_url, p->clock));
  }

  // A misspelt STORE_TIMEZONE would silently shift every schedule and "today": refuse to start.
  EMP_ASSIGN(p->store_zone, infra::jobs::TimeZone::Load(c.store_timezone));
  p->jobs = std::make_unique<infra::jobs::JobQueue>(*p->db, p->clock);
  p->runner = std::make_unique<infra::jobs::JobRunner>(
      *p->db, p->clock, *p->jobs,
      infra::jobs::RunnerOptions{.concurrency = std::max(1, c.job_concurrency),
                                 .claim_batch = c.job_claim_batch,
                                 .lease = c.job_lease,
                                 .poll_interval = c.job_poll_interval,
                                 .timezone = c.store_timezone});
  p->jobs->SetWakeHook([runner = p->runner.get()] { runner->Wake(); });

  p->mail = std::make_unique<infra::MailService>(mail::MakeMailer(c));
  p->mail->UseJobQueue(*p->db, *p->jobs, p->clock, c.mail_from);
  p->mail->RegisterJobHandler(*p->runner);

  p->audit = std::make_unique<audit::AuditLog>(*p->db, p->clock);
  p->auth = std::make_unique<auth::AuthModule>(*p->db, c, p->clock, *p->mail, *p->limiter, *p->audit);
  p->mail_module = std::make_unique<mail::MailModule>(c);
  p->search = std::make_unique<search::SearchModule>(*p->db, p->clock);
  p->search->SetMembershipReader(&p->memberships);
  p->catalog = std::make_unique<catalog::CatalogModule>(*p->db, p->clock, *p->audit, &p->search->indexer(),
                                                        p->memberships, &p->events);
  p->pricing = std::make_unique<pricing::PricingModule>(*p->db, p->clock, *p->audit, p->plans);
  p->cart = std::make_unique<cart::CartModule>(*p->db, p->clock, *p->catalog, *p->pricing, *p->auth);
  p->payments = std::make_unique<payments::PaymentsModule>(*p->db, c, p->clock, *p->auth);
  p->notifications = std::make_unique<notifications::NotificationsModule>(
      *p->db, c, p->clock, *p->auth, *p->mail, *p->jobs, *p->audit, &p->events, p->broadcast_plans);
  p->notifications->RegisterJobHandlers(*p->runner);
  p->catalog->SetNotifier(&p->notifications->notifier());
  p->response_cache = std::make_unique<http::ResponseCache>(
      p->clock, http::ResponseCache::Options{.ttl = c.response_cache_ttl,
                                             .max_entries = static_cast<std::size_t>(c.response_cache_max_entries)});
  p->catalog->SetResponseCache(p->response_cache.get());
  p->search->SetResponseCache(p->response_cache.get());
  p->orders = std::make_unique<orders::OrdersModule>(*p->db, c, p->clock, *p->catalog, *p->cart, *p->pricing,
                                                     *p->payments, *p->auth, *p->audit, p->notifications->notifier(),
                                                     &p->events);
  p->payments->AddSink(&p->orders->payment_sink());
  p->fulfilment = std::make_unique<fulfilment::FulfilmentModule>(*p->db, p->clock, *p->orders, *p->auth, *p->audit,
                                                                 &p->events);
  p->refunds = std::make_unique<refunds::RefundsModule>(*p->db, c, p->clock, *p->orders, *p->payments, *p->pricing,
                                                        *p->catalog, *p->auth, *p->audit,
                                                        p->notifications->notifier(), &p->events);

  RegisterOpsRoutes(p->router, *p->db, p->metrics);
  p->auth->RegisterRoutes(p->router);
  p->audit->RegisterRoutes(p->router);
  p->mail_module->RegisterRoutes(p->router);
  p->catalog->RegisterRoutes(p->router);
  p->search->RegisterRoutes(p->router);
  p->pricing->RegisterRoutes(p->router);
  p->cart->RegisterRoutes(p->router);
  p->payments->RegisterRoutes(p->router);
  p->orders->RegisterRoutes(p->router);
  p->fulfilment->RegisterRoutes(p->router);
  p->refunds->RegisterRoutes(p->router);
  p->notifications->RegisterRoutes(p->router);
  p->jobs_admin = std::make_unique<jobs_admin::JobsAdmin>(*p->db, *p->jobs, *p->audit);
  p->jobs_admin->RegisterRoutes(p->router);

  auto* db = p->db.get();
  auto* mail = p->mail.get();
  p->metrics.AddGauge("emporium_db_pool_size", "Database connections in the pool",
                      [db] { return static_cast<double>(db->Stats().size); });
  p->metrics.AddGauge("emporium_db_pool_in_use", "Database connections leased right now",
                      [db] { return static_cast<double>(db->Stats().in_use); });
  p->metrics.AddGauge("emporium_db_transaction_retries", "Transactions retried after a busy or deadlock error",
                      [db] { return static_cast<double>(db->Stats().retries); });
  p->metrics.AddGauge("emporium_db_group_commits", "SQLite group commits of two or more writes",
                      [db] { return static_cast<double>(db->Stats().groups); });
  p->metrics.AddGauge("emporium_db_grouped_writes", "SQLite writes committed in a group of two or more",
                      [db] { return static_cast<double>(db->Stats().grouped); });
  p->metrics.AddGauge("emporium_db_queued_writes", "SQLite writes waiting for their group commit right now",
                      [db] { return static_cast<double>(db->Stats().queued); });
  p->metrics.AddGauge("emporium_mail_queue_depth", "E-mails waiting in memory (tools without the job queue)",
                      [mail] { return static_cast<double>(mail->QueueDepth()); });
  auto* serving = &p->serving;
  p->metrics.AddGauge("emporium_http_connections", "Open client connections (HTTP keep-alive, /ws, /socket.io/)", [serving] {
    auto* server = serving->load();
    return server ? static_cast<double>(server->ActiveConnections()) : 0.0;
  });
  // The job table's counts come from its state index, cached for 5 s: a scrape never queues SQL.
  auto* metrics = &p->metrics;
  p->runner->SetObserver([metrics](const infra::jobs::Job& job, std::string_view outcome, double seconds) {
    metrics->RecordJob(job.type, outcome, seconds);
  });
  auto* jobs = p->jobs.get();
  auto job_gauge = [jobs](std::int64_t infra::jobs::QueueStats::*field) {
    return [jobs, field] {
      auto stats = jobs->CachedStats();
      return stats ? static_cast<double>((*stats).*field) : -1.0;
    };
  };
  p->metrics.AddGauge("emporium_jobs_queued", "Jobs waiting to run (due or not)", job_gauge(&infra::jobs::QueueStats::queued));
  p->metrics.AddGauge("emporium_jobs_due", "Queued jobs whose time has come", job_gauge(&infra::jobs::QueueStats::due));
  p->metrics.AddGauge("emporium_jobs_running", "Jobs running now", job_gauge(&infra::jobs::QueueStats::running));
  p->metrics.AddGauge("emporium_jobs_dead", "Jobs that failed for good", job_gauge(&infra::jobs::QueueStats::dead));

  p->dispatcher = std::make_unique<http::Dispatcher>(p->router, c, p->clock, p->limiter.get(), &p->metrics);
  p->dispatcher->SetAuthenticator(&p->auth->authenticator());

  if (c.redis_url.empty()) {
    p->hub = infra::realtime::MakeLocalHub();
  } else {
    EMP_ASSIGN(p->hub, infra::realtime::MakeRedisHub(c.redis_url));
  }
  p->hub_bridge = infra::realtime::BridgeEvents(p->events, *p->hub);
  p->rooms = std::make_unique<OrderRoomAuthorizer>(*p->db, *p->orders);
  return std::unique_ptr<App>(new App(std::move(p)));
}

int App::Serve() {
  auto log = core::Logger("app");
  RaiseOpenFileLimit();
  http::Server server(parts_->config, *parts_->dispatcher);
  const auto& c = parts_->config;
  server.Mount(http::MakeWebSocketEndpoint(*parts_->hub, parts_->auth->authenticator(), *parts_->rooms,
                                           RealtimeOptionsFrom(c)));
  server.Mount(http::MakeSocketIoEndpoint(*parts_->hub, parts_->auth->authenticator(), *parts_->rooms,
                                          RealtimeOptionsFrom(c)));
  if (parts_->db->dialect() == db::Dialect::kSqlite && parts_->db->info().sqlite_path != ":memory:") {
    // Reads of an embedded database take microseconds: routes marked inline_read are answered on
    // the io thread, each with a connection of its own, instead of being handed to a worker.
    server.OnIoThreadStart([db = parts_->db.get()] { db->OpenThreadSession(); });
    parts_->dispatcher->EnableInlineReads();
  }
  parts_->serving.store(&server);
  auto port = server.Listen();
  if (!port) {
    std::cerr << "emporium: cannot listen on " << parts_->config.host << ":" << parts_->config.port << ": "
              << port.error().message << "\n";
    return 1;
  }
  std::printf("listening on http://%s:%d\n", parts_->config.host.c_str(), *port);
  std::fflush(stdout);
  parts_->catalog->StartCounterFlusher();
  parts_->orders->StartSweeper();
  // admin.metrics for the staff connected to this instance (the destructor stops it after Run()).
  admin_feed::AdminFeed feed(*parts_->db, parts_->clock, *parts_->hub,
                             {.interval = c.admin_metrics_interval,
                              .timezone = parts_->store_zone,
                              .currency = [pricing = parts_->pricing.get()] { return pricing->Currency(); }},
                             admin_feed::QueueDepthOf(*parts_->jobs));
  feed.Start();
  const bool run_jobs = parts_->config.job_concurrency > 0;
  if (run_jobs) parts_->runner->Start();
  server.Run();
  parts_->serving.store(nullptr);
  if (run_jobs) parts_->runner->Stop();
  parts_->mail->Flush(std::chrono::seconds(5));
  log->info("stopped");
  return 0;
}

int App::Work(bool once) {
  auto log = core::Logger("app");
  if (once) {
    const int ran = parts_->runner->RunDue();
    std::printf("ran %d job%s\n", ran, ran == 1 ? "" : "s");
    return 0;
  }
  // Blocked before the runner's threads start (they inherit the mask), so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  parts_->runner->Start();
  log->info(R"({{"msg":"worker started","concurrency":{}}})", std::max(1, parts_->config.job_concurrency));
  int received = 0;
  sigwait(&signals, &received);
  log->info(R"({{"msg":"worker stopping","signal":{}}})", received);
  parts_->runner->Stop();
  log->info("stopped");
  return 0;
}

Status App::CreateUser(const std::string& email, const std::string& password, const std::string& first_name,
                       const std::string& last_name, Role role) {
  EMP_TRY(parts_->auth->CreateUser(email, password, first_name, last_name, role));
  parts_->mail->Flush(std::chrono::seconds(5));
  return OkStatus();
}

const http::Router& App::router() const { return parts_->router; }

int RunMigrate(const core::Config& config) {
  auto db = db::Database::Open(config.database_url, 1);
  if (!db) {
    std::cerr << "emporium: " << db.error().message << "\n";
    return 1;
  }
  auto report = db::Migrate(**db);
  if (!report) {
    std::cerr << "emporium: migration failed: " << report.error().message << "\n";
    return 1;
  }
  std::printf("schema at version %d (%d migration%s applied)\n", report->current_version, report->applied,
              report->applied == 1 ? "" : "s");
  return 0;
}

}  // namespace emporium::app
