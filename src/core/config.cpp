#include "core/config.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/crypto.hpp"
#include "core/trusted_proxies.hpp"

extern char** environ;

namespace emporium::core {

namespace {

std::string Trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

class Reader {
 public:
  explicit Reader(const Environment& env) : env_(env) {}

  std::optional<std::string> Get(const std::string& key) const {
    auto it = env_.find(key);
    if (it == env_.end() || it->second.empty()) return std::nullopt;
    return it->second;
  }

  void String(const std::string& key, std::string& out) {
    if (auto v = Get(key)) out = *v;
  }

  template <class T>
  void Int(const std::string& key, T& out, long long min, long long max) {
    auto v = Get(key);
    if (!v) return;
    long long parsed = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), parsed);
    if (ec != std::errc() || p != v->data() + v->size() || parsed < min || parsed > max) {
      Fail(key, "must be an integer between " + std::to_string(min) + " and " + std::to_string(max) + ", got \"" +
                    *v + "\"");
      return;
    }
    out = static_cast<T>(parsed);
  }

  void Seconds(const std::string& key, std::chrono::seconds& out, long long min, long long max) {
    long long s = out.count();
    Int(key, s, min, max);
    out = std::chrono::seconds(s);
  }

  void Milliseconds(const std::string& key, std::chrono::milliseconds& out, long long min, long long max) {
    long long ms = out.count();
    Int(key, ms, min, max);
    out = std::chrono::milliseconds(ms);
  }

  void OneOf(const std::string& key, std::string& out, std::initializer_list<const char*> allowed) {
    auto v = Get(key);
    if (!v) return;
    for (const char* a : allowed) {
      if (*v == a) {
        out = *v;
        return;
      }
    }
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    Fail(key, "must be one of " + list + ", got \"" + *v + "\"");
  }

  void Fail(const std::string& key, std::string message) { errors_.push_back({key, std::move(message)}); }
  std::vector<FieldError>& errors() { return errors_; }

 private:
  const Environment& env_;
  std::vector<FieldError> errors_;
};

bool ValidUrlScheme(const std::string& url, std::initializer_list<const char*> schemes) {
  for (const char* s : schemes) {
    if (url.starts_with(std::string(s) + "://")) return true;
  }
  return false;
}

}  // namespace

Environment ParseDotenv(const std::string& text) {
  Environment out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("export ")) line = Trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string key = Trim(line.substr(0, eq));
    std::string value = Trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
      value = Trim(value.substr(0, hash));
    }
    out[key] = value;
  }
  return out;
}

Environment ReadEnvironment(const std::string& dotenv_path) {
  Environment env;
  if (std::ifstream f(dotenv_path); f) {
    std::stringstream ss;
    ss << f.rdbuf();
    env = ParseDotenv(ss.str());
  }
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  return env;
}

int WorkerThreads(const Config& config) {
  if (config.worker_threads > 0) return config.worker_threads;
  return 8 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Result<Config> LoadConfig(const Environment& env) {
  Config c;
  Reader r(env);
  r.String("HOST", c.host);
  r.Int("PORT", c.port, 0, 65535);
  r.String("DATABASE_URL", c.database_url);
  if (!ValidUrlScheme(c.database_url, {"sqlite", "mariadb", "mysql"})) {
    // Quote only the scheme: the rest of the URL may hold a password.
    const auto scheme_end = c.database_url.find("://");
    r.Fail("DATABASE_URL", scheme_end == std::string::npos
                               ? std::string("must start with sqlite:// or mariadb://")
                               : "must start with sqlite:// or mariadb://, got \"" +
                                     c.database_url.substr(0, scheme_end) + "://...\"");
  }
  r.String("REDIS_URL", c.redis_url);
  if (!c.redis_url.empty() && !ValidUrlScheme(c.redis_url, {"redis"})) {
    r.Fail("REDIS_URL", "must look like redis://[:password@]host:port[/db]");
  }
  r.String("JWT_SECRET", c.jwt_secret);
  if (!c.jwt_secret.empty() && c.jwt_secret.size() < 32) {
    r.Fail("JWT_SECRET", "must be at least 32 characters (or unset, to have one generated)");
  }
  r.String("SMTP_URL", c.smtp_url);
  if (!c.smtp_url.empty() && !ValidUrlScheme(c.smtp_url, {"smtp", "smtps"})) {
    r.Fail("SMTP_URL", "must look like smtp://user:pass@host:port or smtps://...");
  }
  r.String("MAIL_FROM", c.mail_from);
  r.String("DATA_DIR", c.data_dir);
  if (auto origins = r.Get("CORS_ORIGINS")) {
    std::stringstream ss(*origins);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = Trim(item);
      if (item.empty()) continue;
      if (item != "*" && !ValidUrlScheme(item, {"http", "https"})) {
        r.Fail("CORS_ORIGINS", "each origin must be * or start with http:// or https://, got \"" + item + "\"");
      }
      c.cors_origins.push_back(item);
    }
  }
  if (auto proxies = r.Get("TRUSTED_PROXIES")) {
    std::stringstream ss(*proxies);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = Trim(item);
      if (!item.empty()) c.trusted_proxies.push_back(item);
    }
    if (auto parsed = TrustedProxies::Parse(c.trusted_proxies); !parsed) {
      r.Fail("TRUSTED_PROXIES", parsed.error().fields.front().message);
    }
  }
  r.OneOf("LOG_LEVEL", c.log_level, {"trace", "debug", "info", "warn", "error", "off"});
  r.OneOf("LOG_FORMAT", c.log_format, {"json", "text"});
  r.String("PUBLIC_URL", c.public_url);
  if (!ValidUrlScheme(c.public_url, {"http", "https"})) r.Fail("PUBLIC_URL", "must start with http:// or https://");
  while (c.public_url.ends_with('/')) c.public_url.pop_back();
  r.OneOf("EMPORIUM_ENV", c.environment, {"development", "production", "test"});

  r.Int("IO_THREADS", c.io_threads, 0, 256);
  r.Int("WORKER_THREADS", c.worker_threads, 0, 1024);
  r.Int("DB_POOL_SIZE", c.db_pool_size, 0, 1024);
  r.Int("BODY_LIMIT_BYTES", c.body_limit_bytes, 1024, 1LL << 30);
  r.Seconds("HEADER_TIMEOUT_SECONDS", c.header_timeout, 1, 3600);
  r.Seconds("BODY_TIMEOUT_SECONDS", c.body_timeout, 1, 3600);
  r.Seconds("IDLE_TIMEOUT_SECONDS", c.idle_timeout, 1, 86400);
  r.Seconds("SHUTDOWN_GRACE_SECONDS", c.shutdown_grace, 0, 3600);
  r.Int("MAX_REQUESTS_PER_CONNECTION", c.max_requests_per_connection, 1, 1 << 30);
  r.Int("RATE_LIMIT_IP_PER_MINUTE", c.rate_limit_ip_per_minute, 0, 1 << 30);
  r.Int("RATE_LIMIT_IP_BURST", c.rate_limit_ip_burst, 1, 1 << 30);
  r.Int("RATE_LIMIT_USER_PER_MINUTE", c.rate_limit_user_per_minute, 0, 1 << 30);
  r.Int("RATE_LIMIT_USER_BURST", c.rate_limit_user_burst, 1, 1 << 30);
  r.Int("LOGIN_MAX_FAILURES", c.login_max_failures, 1, 1 << 20);
  r.Seconds("LOGIN_FAILURE_WINDOW_SECONDS", c.login_failure_window, 1, 86400);
  r.Seconds("ACCESS_TOKEN_TTL_SECONDS", c.access_token_ttl, 30, 86400);
  r.Milliseconds("AUTH_USER_CACHE_MS", c.auth_user_cache_ttl, 0, 60000);
  r.Seconds("REFRESH_TOKEN_TTL_SECONDS", c.refresh_token_ttl, 60, 365LL * 86400);
  r.Int("PASSWORD_HASH_OPS", c.password_ops_limit, 1, 16);
  r.Int("PASSWORD_HASH_MEMORY_KIB", c.password_mem_limit, 8, 4 << 20);
  if (r.Get("PASSWORD_HASH_MEMORY_KIB")) c.password_mem_limit *= 1024;
  r.Int("PASSWORD_HASH_CONCURRENCY", c.password_hash_concurrency, 1, 256);

  r.String("STRIPE_SECRET_KEY", c.stripe_secret_key);
  if (!c.stripe_secret_key.empty() && !c.stripe_secret_key.starts_with("sk_") &&
      !c.stripe_secret_key.starts_with("rk_")) {
    r.Fail("STRIPE_SECRET_KEY", "must be a Stripe secret or restricted key (sk_... or rk_...)");
  }
  r.String("STRIPE_WEBHOOK_SECRET", c.stripe_webhook_secret);
  if (!c.stripe_webhook_secret.empty() && !c.stripe_webhook_secret.starts_with("whsec_")) {
    r.Fail("STRIPE_WEBHOOK_SECRET", "must be a webhook signing secret (whsec_...)");
  }
  r.String("STRIPE_API_BASE", c.stripe_api_base);
  if (!ValidUrlScheme(c.stripe_api_base, {"http", "https"})) {
    r.Fail("STRIPE_API_BASE", "must start with http:// or https://");
  }
  while (c.stripe_api_base.ends_with('/')) c.stripe_api_base.pop_back();
  r.Seconds("STRIPE_TIMEOUT_SECONDS", c.stripe_timeout, 1, 300);
  r.Seconds("RESERVATION_TTL_SECONDS", c.reservation_ttl, 10, 7 * 86400);
  if (auto v = r.Get("REFUND_INCLUDES_FEES")) {
    if (*v == "true" || *v == "1") {
      c.refund_includes_fees = true;
    } else if (*v == "false" || *v == "0") {
      c.refund_includes_fees = false;
    } else {
      r.Fail("REFUND_INCLUDES_FEES", "must be true or false");
    }
  }

  r.Milliseconds("RESPONSE_CACHE_TTL_MS", c.response_cache_ttl, 0, 60000);
  r.Int("RESPONSE_CACHE_MAX_ENTRIES", c.response_cache_max_entries, 16, 10000000);

  r.Int("JOB_CONCURRENCY", c.job_concurrency, 0, 256);
  r.Int("JOB_CLAIM_BATCH", c.job_claim_batch, 1, 1000);
  r.Seconds("JOB_LEASE_SECONDS", c.job_lease, 5, 86400);
  r.Milliseconds("JOB_POLL_INTERVAL_MS", c.job_poll_interval, 10, 60000);
  r.String("STORE_TIMEZONE", c.store_timezone);
  r.Milliseconds("REALTIME_PING_INTERVAL_MS", c.realtime_ping_interval, 50, 600000);
  r.Milliseconds("REALTIME_PING_TIMEOUT_MS", c.realtime_ping_timeout, 50, 600000);
  r.Int("REALTIME_SEND_QUEUE_LIMIT", c.realtime_send_queue_limit, 1, 1 << 20);
  r.Int("REALTIME_MAX_PAYLOAD", c.realtime_max_payload, 1024, 64 << 20);
  r.Seconds("ADMIN_METRICS_INTERVAL_SECONDS", c.admin_metrics_interval, 1, 3600);
  if (auto v = r.Get("SOCKETIO_CONFORMANCE")) {
    if (*v == "true" || *v == "1") {
      c.socketio_conformance = true;
    } else if (*v != "false" && *v != "0") {
      r.Fail("SOCKETIO_CONFORMANCE", "must be true or false");
    }
  }

  if (!r.errors().empty()) {
    Error e{ErrorCode::kInvalidArgument, "invalid configuration"};
    e.fields = std::move(r.errors());
    return e;
  }
  return c;
}

Status EnsureJwtSecret(Config& config) {
  if (!config.jwt_secret.empty()) return OkStatus();
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  const fs::path path = fs::path(config.data_dir) / "jwt_secret";
  if (std::ifstream in(path); in) {
    std::getline(in, config.jwt_secret);
    config.jwt_secret = Trim(config.jwt_secret);
    if (config.jwt_secret.size() >= 32) return OkStatus();
  }
  config.jwt_secret = RandomToken(48);
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Error::Internal("cannot write " + tmp.string());
    out << config.jwt_secret << '\n';
  }
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, path, ec);
  if (ec) return Error::Internal("cannot write " + path.string() + ": " + ec.message());
  return OkStatus();
}

}  // namespace emporium::core
