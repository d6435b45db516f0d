#include "app/app.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/openapi.hpp"
#include "app/ops_routes.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/rate_limiter.hpp"
#include "db/database.hpp"
#include "db/migrator.hpp"
#include "http/dispatcher.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "infra/events/event_bus.hpp"
#include "infra/mail/mailer.hpp"
#include "infra/redis/redis_rate_limiter.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/catalog/membership_reader.hpp"
#include "modules/mail/mail_module.hpp"
#include "modules/search/search_module.hpp"
#include "modules/cart/cart_module.hpp"
#include "modules/fulfilment/fulfilment_module.hpp"
#include "modules/orders/orders_module.hpp"
#include "modules/payments/payments_module.hpp"
#include "modules/pricing/pricing_module.hpp"
#include "modules/refunds/refunds_module.hpp"

namespace emporium::app {

namespace {

int DefaultWorkers(const core::Config& c) {
  if (c.worker_threads > 0) return c.worker_threads;
  return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Result<std::unique_ptr<db::Database>> OpenDatabase(const core::Config& config, bool migrate) {
  auto log = core::Logger("app");
  const int pool = config.db_pool_size > 0 ? config.db_pool_size : DefaultWorkers(config);
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

}  // namespace

struct App::Parts {
  core::Config config;
  core::SystemClock clock;
  std::unique_ptr<db::Database> db;
  std::unique_ptr<core::RateLimiter> limiter;
  std::unique_ptr<infra::MailService> mail;
  http::Metrics metrics;
  http::Router router;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<auth::AuthModule> auth;
  std::unique_ptr<mail::MailModule> mail_module;
  infra::EventBus events;
  catalog::NoMemberships memberships;  // memberships arrive in a later issue: nobody is a member yet
  std::unique_ptr<search::SearchModule> search;  // before catalog: the catalog holds its indexer
  std::unique_ptr<catalog::CatalogModule> catalog;
  pricing::FreePlanOnly plans;  // membership plans arrive in a later issue: everyone is on `free`
  std::unique_ptr<pricing::PricingModule> pricing;
  std::unique_ptr<cart::CartModule> cart;
  std::unique_ptr<payments::PaymentsModule> payments;
  std::unique_ptr<orders::OrdersModule> orders;
  std::unique_ptr<fulfilment::FulfilmentModule> fulfilment;
  std::unique_ptr<refunds::RefundsModule> refunds;
  std::unique_ptr<http::Dispatcher> dispatcher;
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

  p->mail = std::make_unique<infra::MailService>(mail::MakeMailer(c));

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
  p->orders = std::make_unique<orders::OrdersModule>(*p->db, c, p->clock, *p->catalog, *p->cart, *p->pricing,
                                                     *p->payments, *p->auth, *p->audit, *p->mail, &p->events);
  p->payments->AddSink(&p->orders->payment_sink());
  p->fulfilment = std::make_unique<fulfilment::FulfilmentModule>(*p->db, p->clock, *p->orders, *p->auth, *p->audit,
                                                                 &p->events);
  p->refunds = std::make_unique<refunds::RefundsModule>(*p->db, c, p->clock, *p->orders, *p->payments, *p->pricing,
                                                        *p->catalog, *p->auth, *p->audit, *p->mail, &p->events);

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

  auto* db = p->db.get();
  auto* mail = p->mail.get();
  p->metrics.AddGauge("emporium_db_pool_size", "Database connections in the pool",
                      [db] { return static_cast<double>(db->Stats().size); });
  p->metrics.AddGauge("emporium_db_pool_in_use", "Database connections leased right now",
                      [db] { return static_cast<double>(db->Stats().in_use); });
  p->metrics.AddGauge("emporium_db_transaction_retries", "Transactions retried after a busy or deadlock error",
                      [db] { return static_cast<double>(db->Stats().retries); });
  p->metrics.AddGauge("emporium_mail_queue_depth", "E-mails waiting for delivery",
                      [mail] { return static_cast<double>(mail->QueueDepth()); });

  p->dispatcher = std::make_unique<http::Dispatcher>(p->router, c, p->clock, p->limiter.get(), &p->metrics);
  p->dispatcher->SetAuthenticator(&p->auth->authenticator());
  return std::unique_ptr<App>(new App(std::move(p)));
}

int App::Serve() {
  auto log = core::Logger("app");
  http::Server server(parts_->config, *parts_->dispatcher);
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
  server.Run();
  parts_->mail->Flush(std::chrono::seconds(5));
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
