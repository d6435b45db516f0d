// emporium: the single binary. Subcommands: serve, worker, migrate, user create, seed --demo.

#include <CLI/CLI.hpp>
#include <curl/curl.h>
#include <sys/resource.h>

#include <cstdio>
#include <iostream>

#include "app/app.hpp"
#include "app/seed.hpp"
#include "core/config.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"

namespace {

using emporium::core::Config;

// Loads and validates the configuration, printing one line per bad variable.
std::optional<Config> LoadConfigOrReport(std::optional<int> port_override) {
  auto env = emporium::core::ReadEnvironment(".env");
  if (port_override) env["PORT"] = std::to_string(*port_override);
  auto config = emporium::core::LoadConfig(env);
  if (!config) {
    std::cerr << "emporium: invalid configuration:\n";
    for (const auto& f : config.error().fields) std::cerr << "  " << f.field << ": " << f.message << "\n";
    return std::nullopt;
  }
  emporium::core::InitLogging(config->log_level, config->log_format);
  return std::move(config).value();
}

// Thousands of keep-alive and WebSocket connections need more descriptors than the usual soft
// limit of 1024: raise it to the hard limit.
void RaiseFileDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  emporium::core::InitCrypto();
  curl_global_init(CURL_GLOBAL_DEFAULT);

  CLI::App cli{"Emporium: an eCommerce backend.\nConfiguration comes from the environment and an optional .env file "
               "(see docs/configuration.md)."};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", EMPORIUM_VERSION);

  std::optional<int> port;
  auto* serve = cli.add_subcommand("serve", "Serve the HTTP API (migrations are applied first)");
  serve->add_option_function<int>("--port,-p", [&](int p) { port = p; }, "Port to listen on (0 = any free port; overrides PORT)")
      ->check(CLI::Range(0, 65535));
  bool socketio_conformance = false;
  serve->add_flag("--socketio-conformance", socketio_conformance,
                  "Socket.IO protocol test-suite mode (socketio/socket.io-protocol): no authentication on "
                  "/socket.io/, the reference server's handlers and timings; port 3000 unless --port. Never in "
                  "production");

  auto* worker = cli.add_subcommand("worker", "Run only the job runner (e-mails, broadcasts, schedules) until SIGTERM");
  bool worker_once = false;
  worker->add_flag("--once", worker_once, "Run the jobs due now, then exit");

  auto* migrate = cli.add_subcommand("migrate", "Apply pending database migrations and exit");

  auto* user = cli.add_subcommand("user", "Manage users");
  user->require_subcommand(1);
  auto* create = user->add_subcommand("create", "Create a user (e.g. the first admin)");
  std::string email, password, role = "admin", first_name = "Store", last_name = "Admin";
  create->add_option("--email", email, "E-mail address")->required();
  create->add_option("--password", password, "Password (at least 10 characters, not a common one)")->required();
  create->add_option("--role", role, "customer, support, courier, manager or admin")
      ->check(CLI::IsMember({"customer", "support", "courier", "manager", "admin"}))
      ->capture_default_str();
  create->add_option("--first-name", first_name, "First name")->capture_default_str();
  create->add_option("--last-name", last_name, "Last name")->capture_default_str();

  auto* seed = cli.add_subcommand("seed", "Load demo data into the database");
  bool seed_demo = false;
  emporium::app::SeedOptions seed_options;
  seed->add_flag("--demo", seed_demo, "The demo shop: nested categories, products with variants, customers")
      ->required();
  seed->add_option("--products", seed_options.products, "Products to create")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  seed->add_option("--customers", seed_options.customers, "Customers to create")
      ->check(CLI::Range(0, 100'000))
      ->capture_default_str();
  seed->add_option("--orders", seed_options.orders,
                   "Orders to place over the last 18 months (cart, card payment, shipment, delivery; some "
                   "cancelled, refunded or declined)")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  seed->add_option("--seed", seed_options.seed, "Random seed: the same seed always gives the same shop")
      ->capture_default_str();

  CLI11_PARSE(cli, argc, argv);

  // The suite connects to localhost:3000, like the reference server in its Readme.
  if (*serve && socketio_conformance && !port) port = 3000;
  auto config = LoadConfigOrReport(port);
  if (!config) return 2;
  if (*serve && socketio_conformance) config->socketio_conformance = true;

  if (*serve) {
    RaiseFileDescriptorLimit();
    auto app = emporium::app::App::Create(*config);
    if (!app) {
      std::cerr << "emporium: " << app.error().message << "\n";
      return 1;
    }
    return (*app)->Serve();
  }
  if (*worker) {
    auto app = emporium::app::App::Create(*config);
    if (!app) {
      std::cerr << "emporium: " << app.error().message << "\n";
      return 1;
    }
    return (*app)->Work(worker_once);
  }
  if (*migrate) return emporium::app::RunMigrate(*config);
  if (*seed) return emporium::app::RunDemoSeed(*config, seed_options);
  if (*create) {
    auto app = emporium::app::App::Create(*config);
    if (!app) {
      std::cerr << "emporium: " << app.error().message << "\n";
      return 1;
    }
    auto status = (*app)->CreateUser(email, password, first_name, last_name, *emporium::ParseRole(role));
    if (!status) {
      std::cerr << "emporium: cannot create user: " << status.error().message << "\n";
      for (const auto& f : status.error().fields) std::cerr << "  " << f.field << ": " << f.message << "\n";
      return 1;
    }
    std::printf("created %s %s\n", role.c_str(), email.c_str());
    return 0;
  }
  return 0;
}
