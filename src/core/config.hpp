#pragma once
// Configuration from environment variables (and an optional .env file), validated once at start-up.
// docs/configuration.md lists every variable; keep the two in step.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace emporium::core {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8080;                                      ///< 0 = pick a free port and print it
  std::string database_url = "sqlite://data/emporium.db";
  std::string redis_url;                                ///< empty = in-process rate limits and fan-out
  std::string jwt_secret;                               ///< empty = generated and kept in DATA_DIR
  std::string smtp_url;                                 ///< empty = mail goes to DATA_DIR/outbox
  std::string mail_from = "Emporium <no-reply@emporium.local>";
  std::string data_dir = "data";
  std::vector<std::string> cors_origins;                ///< "*" allows any origin
  std::vector<std::string> trusted_proxies;             ///< addresses/CIDRs whose X-Forwarded-For is believed
  std::string log_level = "info";
  std::string log_format = "json";                      ///< json | text
  std::string public_url = "http://127.0.0.1:8080";    ///< base of links in e-mails
  std::string environment = "development";             ///< development | production | test

  int io_threads = 0;                                   ///< 0 = number of cores
  int worker_threads = 0;                               ///< 0 = WorkerThreads(): 8 × cores
  int db_pool_size = 0;                                 ///< 0 = worker_threads
  std::size_t body_limit_bytes = 1 << 20;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds idle_timeout{75};
  std::chrono::seconds shutdown_grace{10};
  int max_requests_per_connection = 10000;
  /// Anonymous answers of the public catalog and search routes are served from memory for this
  /// long (and dropped at once by this instance's own catalog writes); 0 turns the cache off.
  std::chrono::milliseconds response_cache_ttl{1000};
  int response_cache_max_entries = 20000;

  int rate_limit_ip_per_minute = 600;                   ///< 0 disables
  int rate_limit_ip_burst = 200;
  int rate_limit_user_per_minute = 1200;                ///< 0 disables
  int rate_limit_user_burst = 300;
  int login_max_failures = 10;                          ///< per IP and per account, per window
  std::chrono::seconds login_failure_window{15 * 60};

  std::chrono::seconds access_token_ttl{15 * 60};
  /// How long authentication reuses a user row it read (auth::UserCache); 0: every request reads it.
  std::chrono::milliseconds auth_user_cache_ttl{1000};
  std::chrono::seconds refresh_token_ttl{30 * 24 * 3600};

  /// Argon2id limits; tests lower them, production keeps libsodium's INTERACTIVE (64 MiB, 2 passes).
  std::uint64_t password_ops_limit = 2;
  std::size_t password_mem_limit = 64u << 20;
  int password_hash_concurrency = 4;                    ///< concurrent hashes (each takes mem_limit)

  // Payments and checkout.
  std::string stripe_secret_key;                        ///< empty = the simulated processor
  std::string stripe_webhook_secret;                    ///< empty = POST /webhooks/stripe answers 404
  std::string stripe_api_base = "https://api.stripe.com";
  std::chrono::seconds stripe_timeout{20};              ///< per call to the processor
  std::chrono::seconds reservation_ttl{15 * 60};        ///< unpaid orders release their stock after this
  bool refund_includes_fees = false;                    ///< default refund = captured − processor fees

  // Jobs.
  int job_concurrency = 2;                              ///< jobs run at once by this process's runner; 0 = no runner in `serve`
  int job_claim_batch = 16;                             ///< due jobs a runner thread claims (and records) per transaction
  std::chrono::seconds job_lease{300};                  ///< a running job whose runner is silent this long is taken over
  std::chrono::milliseconds job_poll_interval{500};     ///< idle runner's wait between looks at the table
  std::string store_timezone = "UTC";                   ///< IANA zone for recurring schedules and "today"

  // Real-time.
  std::chrono::milliseconds realtime_ping_interval{25000};
  std::chrono::milliseconds realtime_ping_timeout{20000};
  int realtime_send_queue_limit = 1024;                 ///< frames queued per client before it is disconnected
  std::size_t realtime_max_payload = 1000000;           ///< largest client frame / polling body, bytes
  std::chrono::seconds admin_metrics_interval{5};       ///< admin.metrics tick
  bool socketio_conformance = false;                    ///< Socket.IO protocol test-suite mode (no auth!)
};

using Environment = std::map<std::string, std::string>;

/// The process environment, with a .env file's entries underneath (the real environment wins).
Environment ReadEnvironment(const std::string& dotenv_path = ".env");

/// Parses a .env file: KEY=VALUE lines, `#` comments, optional `export `, single or double quotes.
Environment ParseDotenv(const std::string& text);

/// The worker pool's size: WORKER_THREADS, or 8 per core. Handlers block (SQL, the SQLite writer's
/// queue, outgoing HTTP): with 4 per core, workers waiting for SQLite's writer left CPU idle under
/// checkout load, and fewer writes queued to share a group commit. 8 per core: 598 orders/s over
/// five runs against 542 over four; 16 per core: 537 (docs/benchmarks.md).
int WorkerThreads(const Config& config);

/// Validates every variable; on failure the Error lists each bad variable in `fields`.
Result<Config> LoadConfig(const Environment& env);

/// Uses JWT_SECRET if set; else reads DATA_DIR/jwt_secret, creating it (0600) with 48 random bytes.
Status EnsureJwtSecret(Config& config);

}  // namespace emporium::core
