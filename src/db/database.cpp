#include "db/database.hpp"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>

#include "core/log.hpp"
#include "core/thread.hpp"
#include "db/binds.hpp"
#include "db/rows.hpp"
#include "db/sqlite_statement_cache.hpp"
#include "db/sqlite_wal_vfs.hpp"
#include "db/statement_counter.hpp"
#include "db/wal_checkpointer.hpp"

namespace emporium::db {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxAttempts = 8;
constexpr double kFirstBackoffMs = 5.0;
constexpr int kLeaseTimeoutMs = 30'000;
constexpr const char* kUrlField = "DATABASE_URL";

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto logger = core::Logger("db");
  return logger;
}

// Database's own BEGIN/COMMIT/PRAGMA statements are not part of a request's query budget, so the
// counting logger skips them while this is non-zero.
thread_local int t_uncounted = 0;

class UncountedScope {
 public:
  UncountedScope() { ++t_uncounted; }
  ~UncountedScope() { --t_uncounted; }
  UncountedScope(const UncountedScope&) = delete;
  UncountedScope& operator=(const UncountedScope&) = delete;
};

void CountStatement(const std::string& query) {
  if (t_uncounted != 0) return;
  StatementCounter::Increment();
  // LOG_LEVEL=trace lists every counted statement (text only: bound values never reach the log),
  // which is how a route's query budget is audited.
  if (Log()->should_log(spdlog::level::trace)) {
    Log()->trace(R"({{"event":"sql","n":{},"sql":"{}"}})", StatementCounter::Count(), core::JsonEscape(query));
  }
}

// SOCI calls start_query once per prepared statement (a `sql << ...` one-shot, a rowset, or a
// statement prepared once and executed many times), on the thread that runs it. SqliteQuery counts
// its own.
class CountingLogger final : public soci::logger_impl {
 public:
  void start_query(const std::string& query) override { CountStatement(query); }

 private:
  soci::logger_impl* do_clone() const override { return new CountingLogger; }
};

/// Transaction control. On SQLite through the statement cache and SQLite's API (SqliteQuery): SOCI's
/// per-statement machinery was a fifth of what BEGIN, SAVEPOINT, RELEASE and COMMIT cost the writer
/// thread under checkout load. Failures throw what SOCI throws.
void Exec(soci::session& sql, Dialect dialect, const std::string& statement) {
  UncountedScope uncounted;
  if (dialect == Dialect::kSqlite && sql.get_backend() != nullptr) {  // else SOCI says "not connected"
    Tx tx(sql, dialect);
    SqliteQuery(tx, statement, Binds()).Finish();
    return;
  }
  sql << statement;
}

// Databases with a Read/Write running on this thread, to refuse nesting instead of deadlocking.
thread_local std::vector<const Database*> t_active;

class ActiveScope {
 public:
  explicit ActiveScope(const Database* db) : db_(db) { t_active.push_back(db); }
  ~ActiveScope() { Release(); }
  void Release() {
    if (db_ == nullptr) return;
    auto it = std::find(t_active.rbegin(), t_active.rend(), db_);
    if (it != t_active.rend()) t_active.erase(std::next(it).base());
    db_ = nullptr;
  }
  static bool IsActive(const Database* db) { return std::find(t_active.begin(), t_active.end(), db) != t_active.end(); }

 private:
  const Database* db_;
};

// ---- URL parsing -------------------------------------------------------------------------------

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::optional<int> ParseInt(std::string_view s, int min, int max) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max) return std::nullopt;
  return v;
}

Error UrlError(std::string message) { return Error::Invalid(kUrlField, std::move(message)); }

Status ParseOptions(std::string_view query, ConnectionInfo& info) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    if (key == "pool") {
      auto n = ParseInt(value, 1, 1000);
      if (!n) return UrlError("option pool must be a whole number from 1 to 1000");
      info.pool_size = *n;
    } else if (key == "timeout") {
      auto n = ParseInt(value, 0, 3600);
      if (!n) return UrlError("option timeout must be a number of seconds from 0 to 3600");
      info.timeout_seconds = *n;
    } else if (key == "group") {
      auto n = ParseInt(value, 1, 1000);
      if (!n) return UrlError("option group must be a whole number from 1 to 1000");
      info.max_group = *n;
    } else {
      return UrlError("unknown option \"" + std::string(key.substr(0, 40)) + "\" (allowed: pool, timeout, group)");
    }
  }
  return OkStatus();
}

// A value for SOCI's MySQL connect string: single-quoted, with \ escaping ' and \.
std::string MysqlQuote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

Result<ConnectionInfo> ParseSqlite(std::string_view rest, std::string_view query, const std::string& url) {
  ConnectionInfo info;
  info.dialect = Dialect::kSqlite;
  info.soci_backend = "sqlite3";
  EMP_TRY(ParseOptions(query, info));
  if (rest.empty()) {
    return UrlError(
        "a SQLite URL needs a file: sqlite://data/emporium.db, sqlite:///var/lib/emporium.db or "
        "sqlite://:memory:");
  }
  auto decoded = PercentDecode(rest);
  if (!decoded) return UrlError("the SQLite path has a malformed %-escape");
  if (*decoded == ":memory:") {
    info.sqlite_path = ":memory:";
  } else {
    fs::path path(*decoded);
    if (path.is_relative()) path = fs::current_path() / path;
    path = path.lexically_normal();
    if (!path.has_filename()) return UrlError("the SQLite path must name a file, not a directory");
    info.sqlite_path = path.string();
  }
  // SOCI's SQLite connect string can quote a value with "..." (for spaces) but cannot escape a quote.
  if (info.sqlite_path.find('"') != std::string::npos) return UrlError("the SQLite path must not contain '\"'");
  std::string db = info.sqlite_path.find(' ') == std::string::npos ? info.sqlite_path : "\"" + info.sqlite_path + "\"";
  info.connect_string = "db=" + db + " timeout=" + std::to_string(info.timeout_seconds);
  info.display = url;
  return info;
}

Result<ConnectionInfo> ParseMariaDb(std::string_view scheme, std::string_view rest, std::string_view query) {
  ConnectionInfo info;
  info.dialect = Dialect::kMariaDb;
  info.soci_backend = "mysql";
  EMP_TRY(ParseOptions(query, info));
  constexpr const char* kShape = "mariadb://user:password@host:port/database";

  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return UrlError(std::string("a MariaDB URL needs a database: ") + kShape);
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = rest.substr(slash + 1);

  std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return UrlError(std::string("a MariaDB URL needs a user: ") + kShape);
  std::string_view userinfo = authority.substr(0, at);
  std::string_view hostport = authority.substr(at + 1);

  std::size_t colon = userinfo.find(':');
  auto user = PercentDecode(userinfo.substr(0, colon));
  std::optional<std::string> password;
  if (colon != std::string_view::npos) password = PercentDecode(userinfo.substr(colon + 1));
  if (!user || (colon != std::string_view::npos && !password)) {
    return UrlError("the MariaDB user or password has a malformed %-escape");
  }
  if (user->empty()) return UrlError(std::string("a MariaDB URL needs a user: ") + kShape);

  std::string host;
  std::string_view port_text;
  if (hostport.starts_with('[')) {  // [IPv6]:port
    std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) return UrlError("the MariaDB host has an unclosed '['");
    host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return UrlError(std::string("the MariaDB host is malformed: ") + kShape);
      port_text = after.substr(1);
    }
  } else {
    std::size_t pc = hostport.rfind(':');
    host = std::string(hostport.substr(0, pc));
    if (pc != std::string_view::npos) port_text = hostport.substr(pc + 1);
  }
  if (host.empty()) return UrlError(std::string("a MariaDB URL needs a host: ") + kShape);
  int port = 3306;
  if (!port_text.empty()) {
    auto p = ParseInt(port_text, 1, 65535);
    if (!p) return UrlError("the MariaDB port must be a number from 1 to 65535");
    port = *p;
  }

  auto database = PercentDecode(path);
  if (!database) return UrlError("the MariaDB database name has a malformed %-escape");
  if (database->empty()) return UrlError(std::string("a MariaDB URL needs a database: ") + kShape);
  if (database->size() > 64 || database->find_first_of("/\\.'\"`") != std::string::npos) {
    return UrlError("the MariaDB database name must be at most 64 characters without / \\ . or quotes");
  }

  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  info.display = std::string(scheme) + "://" + *user + (password ? ":***" : "") + "@" + shown_host + ":" +
                 std::to_string(port) + "/" + *database;
  if (!query.empty()) info.display += "?" + std::string(query);
  info.connect_string = "db=" + MysqlQuote(*database) + " user=" + MysqlQuote(*user);
  if (password) info.connect_string += " password=" + MysqlQuote(*password);
  info.connect_string += " host=" + MysqlQuote(host) + " port=" + std::to_string(port) +
                         " charset=utf8mb4 connect_timeout=" + std::to_string(std::max(1, info.timeout_seconds));
  return info;
}

// ---- driver errors -----------------------------------------------------------------------------

enum class Failure { kBusy, kConnectionLost, kUnique, kForeignKey, kOther };

bool Contains(const char* haystack, std::string_view needle) {
  return std::string_view(haystack).find(needle) != std::string_view::npos;
}

bool IsForeignKeyViolation(const std::exception& e) {
  if (const auto* s = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    return s->result() == 787 || ((s->result() & 0xff) == 19 && Contains(e.what(), "FOREIGN KEY constraint failed"));
  }
  if (const auto* m = dynamic_cast<const soci::mysql_soci_error*>(&e)) {
    return m->err_num_ == 1451 || m->err_num_ == 1452 || m->err_num_ == 1216 || m->err_num_ == 1217;
  }
  return false;
}

Failure Classify(const std::exception& e) {
  if (const auto* s = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    int primary = s->result() & 0xff;  // extended result codes are on: keep the primary code
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Failure::kBusy;
  } else if (const auto* m = dynamic_cast<const soci::mysql_soci_error*>(&e)) {
    switch (m->err_num_) {
      case 1205:  // lock wait timeout
      case 1213:  // deadlock
        return Failure::kBusy;
      case 1053:  // server shutdown in progress
      case 1927:  // connection was killed
      case 2002:  // can't connect through socket
      case 2003:  // can't connect to server
      case 2006:  // server has gone away
      case 2013:  // lost connection during query
      case 2055:  // lost connection (system error)
        return Failure::kConnectionLost;
      default:
        break;
    }
  }
  if (IsUniqueViolation(e)) return Failure::kUnique;
  if (IsForeignKeyViolation(e)) return Failure::kForeignKey;
  return Failure::kOther;
}

std::string ErrorCodeText(const std::exception& e) {
  if (const auto* s = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) return "sqlite " + std::to_string(s->result());
  if (const auto* m = dynamic_cast<const soci::mysql_soci_error*>(&e)) return "mariadb " + std::to_string(m->err_num_);
  if (dynamic_cast<const soci::soci_error*>(&e) != nullptr) return "soci";
  return "exception";
}

// MariaDB errors whose message quotes the offending value ("Duplicate entry 'a@b.c' for key ...",
// "Incorrect integer value: 'abc' ..."); other messages quote only identifiers.
bool MessageQuotesValues(const std::exception& e) {
  const auto* m = dynamic_cast<const soci::mysql_soci_error*>(&e);
  if (m == nullptr) return false;
  switch (m->err_num_) {
    case 1022:
    case 1062:
    case 1292:
    case 1366:
    case 1367:
    case 1411:
    case 1525:
    case 1586:
    case 1644:
      return true;
    default:
      return false;
  }
}

// what() without bound values: SOCI appends " while executing ... with :v=..." (cut), and some
// server messages quote the offending value (masked to '?').
std::string SafeWhat(const std::exception& e) {
  std::string_view text(e.what());
  std::size_t cut = text.find(" while ");
  if (cut != std::string_view::npos) text = text.substr(0, cut);
  std::string out;
  if (MessageQuotesValues(e)) {
    bool quoted = false;
    for (char c : text) {
      if (c == '\'') {
        out += c;
        if (!quoted) out += '?';
        quoted = !quoted;
      } else if (!quoted) {
        out += c;
      }
    }
  } else {
    out = text;
  }
  if (out.size() > 300) out.resize(300);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '.')) out.pop_back();
  return out;
}

Error Translate(Failure failure, const std::exception& e, std::string_view context) {
  switch (failure) {
    case Failure::kUnique:
      return Error::Conflict("The resource already exists.");
    case Failure::kForeignKey:
      return Error::Conflict("The change conflicts with related data.");
    case Failure::kBusy: {
      Log()->warn("{\"event\":\"db_busy\",\"op\":\"" + std::string(context) + "\",\"code\":\"" + ErrorCodeText(e) +
                  "\"}");
      Error err = Error::Unavailable("The database is busy; try again.");
      err.retry_after_seconds = 1;
      return err;
    }
    case Failure::kConnectionLost: {
      Log()->error("{\"event\":\"db_unavailable\",\"op\":\"" + std::string(context) + "\",\"code\":\"" +
                   ErrorCodeText(e) + "\",\"error\":\"" + core::JsonEscape(SafeWhat(e)) + "\"}");
      Error err = Error::Unavailable("The database is unavailable; try again.");
      err.retry_after_seconds = 1;
      return err;
    }
    case Failure::kOther:
      break;
  }
  Log()->error("{\"event\":\"db_error\",\"op\":\"" + std::string(context) + "\",\"code\":\"" + ErrorCodeText(e) +
               "\",\"error\":\"" + core::JsonEscape(SafeWhat(e)) + "\"}");
  return Error::Internal();
}

std::chrono::microseconds Backoff(int retry) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  double ms = kFirstBackoffMs * static_cast<double>(1 << std::min(retry - 1, 10)) * jitter(rng);
  return std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000));
}

// ---- sessions ----------------------------------------------------------------------------------

// Process-wide SQLite settings, which must be made before SQLite initialises, i.e. before the first
// connection opens:
// - No memory statistics: SQLite keeps them behind one process-wide mutex taken on every
//   allocation; with a pool of connections on several worker threads that mutex was ~25 % of the
//   samples of an uncached search (perf: pthread_mutex_lock/unlock under sqlite3Malloc). Nothing
//   here reads them.
// - Multi-thread mode instead of serialized: a connection is only ever used by one thread at a time
//   (pool leases, the writer thread's own connection, the checkpointer's), so the per-connection
//   mutex SQLite takes and releases in every sqlite3_step, bind and column call guarded nothing. It
//   was 2.4 % of checkout's samples. SQLite's global mutexes (allocator, page cache) stay.
void ConfigureSqliteProcess() {
  static std::once_flag once;
  std::call_once(once, [] {
    // soci-sqlite3.h includes sqlite3.h inside namespace sqlite_api.
    if (sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK ||
        sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK) {
      Log()->warn(
          "{\"event\":\"sqlite_configured_late\",\"why\":\"SQLite was initialised before the first Database\"}");
    }
  });
}

void Configure(soci::session& sql, const ConnectionInfo& info) {
  UncountedScope uncounted;
  if (info.dialect == Dialect::kSqlite) {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
    EnableStatementCache(backend->conn_);
    // Extended codes tell a UNIQUE (2067) from a FOREIGN KEY (787) violation without parsing text.
    sqlite3_extended_result_codes(backend->conn_, 1);
    std::string mode;
    sql << "PRAGMA journal_mode=WAL", soci::into(mode);
    if (info.sqlite_path != ":memory:" && mode != "wal") {
      Log()->warn("{\"event\":\"db_no_wal\",\"journal_mode\":\"" + core::JsonEscape(mode) + "\"}");
    }
    sql << "PRAGMA foreign_keys=ON";
    sql << "PRAGMA synchronous=NORMAL";
    sql << "PRAGMA busy_timeout=" + std::to_string(info.timeout_seconds * 1000);
    // SQLite's default 2,000-page cache made a 100,000-product catalog spill during a bulk seed;
    // each connection keeps up to 16 MiB of hot pages, allocated only as they are used.
    //
    // No memory map (mmap_size stays 0): in WAL mode a connection that sees another connection's
    // commit drops its page cache and unmaps the whole file, so under concurrent writes every read
    // transaction paid a munmap, a TLB shootdown on every core and a page fault per page touched.
    // Checkout spent 6.6 ms of CPU per order with the map and 4.2 ms without; the read-only catalog
    // benchmarks and the seed time did not move (docs/benchmarks.md).
    sql << "PRAGMA cache_size=-16384";
    sql << "PRAGMA temp_store=MEMORY";
    // After a burst the log is started over at this size rather than kept at its largest.
    sql << "PRAGMA journal_size_limit=67108864";
  } else {
    sql << "SET time_zone = '+00:00'";
    sql << "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
    sql << "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
           "NO_ENGINE_SUBSTITUTION'";
  }
}

/// Opens `sql` on the database of `info`, counting its statements, and configures it. Throws what
/// SOCI throws.
void OpenSession(soci::session& sql, const ConnectionInfo& info) {
  if (info.dialect == Dialect::kSqlite) {
    sql.open(soci::sqlite3, info.connect_string);
  } else {
    sql.open(soci::mysql, info.connect_string);
  }
  sql.set_logger(soci::logger(new CountingLogger));
  Configure(sql, info);
}

// Re-opens a session whose connection was lost (or never came back); on failure the session is
// left closed, and the next lease tries again.
void EnsureConnected(soci::session& sql, const ConnectionInfo& info) {
  if (sql.get_backend() != nullptr) return;
  sql.reconnect();
  try {
    Configure(sql, info);
  } catch (...) {
    sql.close();  // never hand out a connection without its UTC / isolation / pragma settings
    throw;
  }
}

void ReconnectQuietly(soci::session& sql, const ConnectionInfo& info) {
  try {
    if (sql.get_backend() != nullptr) sql.close();
    EnsureConnected(sql, info);
    Log()->info("{\"event\":\"db_reconnected\"}");
  } catch (const std::exception& e) {
    Log()->warn("{\"event\":\"db_reconnect_failed\",\"code\":\"" + ErrorCodeText(e) + "\",\"error\":\"" +
                core::JsonEscape(SafeWhat(e)) + "\"}");
  }
}

void RollbackQuietly(soci::session& sql, Dialect dialect) {
  // SQLite may already have rolled back by itself ("no transaction is active"); nothing to do then.
  try {
    if (sql.get_backend() != nullptr) Exec(sql, dialect, "ROLLBACK");
  } catch (const std::exception&) {
  }
}

void RunCallbacks(std::vector<std::function<void()>>& callbacks) {
  for (auto& fn : callbacks) {
    // The transaction is committed: a throwing callback must not turn that into a failure.
    try {
      fn();
    } catch (const std::exception& e) {
      Log()->error("{\"event\":\"after_commit_failed\",\"error\":\"" + core::JsonEscape(SafeWhat(e)) + "\"}");
    }
  }
}

}  // namespace

// ---- ConnectionInfo ----------------------------------------------------------------------------

Result<ConnectionInfo> ConnectionInfo::Parse(const std::string& url) {
  std::size_t sep = url.find("://");
  if (sep == std::string::npos) {
    return UrlError("must look like sqlite://data/emporium.db or mariadb://user:password@host:port/database");
  }
  std::string_view scheme(url.data(), sep);
  std::string_view rest(url.data() + sep + 3, url.size() - sep - 3);
  std::string_view query;
  if (std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (scheme == "sqlite") return ParseSqlite(rest, query, url);
  if (scheme == "mariadb" || scheme == "mysql") return ParseMariaDb(scheme, rest, query);
  return UrlError("the scheme must be sqlite, mariadb or mysql, not \"" + std::string(scheme.substr(0, 20)) + "\"");
}

// ---- Database ----------------------------------------------------------------------------------

namespace {

// The connection OpenThreadSession gave this thread, and the Database it belongs to (by id, never
// by address: a later Database may reuse a destroyed one's address).
struct ThreadSession {
  std::uint64_t database_id = 0;
  soci::session* session = nullptr;
};
thread_local ThreadSession t_thread_session;
std::atomic<std::uint64_t> next_database_id{1};

}  // namespace

class Database::Lease {
 public:
  enum class Kind {
    kRead,    ///< the thread's own session when it has one for this Database, else the pool
    kPool,    ///< a pooled session
    kWriter,  ///< the SQLite writer's session where there is one (the caller holds sqlite_writer_), else the pool
  };
  Lease(Database& db, Kind kind) : db_(db) {
    if (kind == Kind::kRead && t_thread_session.database_id == db.id_) {
      own_ = t_thread_session.session;
      ok_ = true;
      return;
    }
    if (kind == Kind::kWriter && db.writer_session_) {
      own_ = db.writer_session_.get();
      ok_ = true;
      return;
    }
    ok_ = db.pool_->try_lease(pos_, kLeaseTimeoutMs);
    if (ok_) db.in_use_.fetch_add(1, std::memory_order_relaxed);
  }
  ~Lease() { Release(); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  explicit operator bool() const { return ok_; }
  soci::session& session() { return own_ != nullptr ? *own_ : db_.pool_->at(pos_); }
  void Release() {
    if (!ok_) return;
    ok_ = false;
    if (own_ != nullptr) return;
    db_.in_use_.fetch_sub(1, std::memory_order_relaxed);
    db_.pool_->give_back(pos_);
  }

 private:
  Database& db_;
  soci::session* own_ = nullptr;
  std::size_t pos_ = 0;
  bool ok_ = false;
};

Database::Database(ConnectionInfo info, int pool_size)
    : info_(std::move(info)),
      pool_size_(pool_size),
      pool_(std::make_unique<soci::connection_pool>(static_cast<std::size_t>(pool_size))),
      id_(next_database_id.fetch_add(1)) {}

Database::~Database() {
  if (writer_thread_.joinable()) {
    {
      std::lock_guard lock(queue_mutex_);
      writer_stop_ = true;
    }
    writer_wake_.notify_one();
    writer_thread_.join();
  }
  // The threads' own sessions first, then (members, in reverse order) the pool and the checkpointer.
  std::lock_guard lock(thread_sessions_mutex_);
  thread_sessions_.clear();
}

bool Database::OpenThreadSession() {
  if (info_.dialect != Dialect::kSqlite || info_.sqlite_path == ":memory:") return false;
  if (t_thread_session.database_id == id_) return true;
  auto session = std::make_unique<soci::session>();
  try {
    OpenSession(*session, info_);
  } catch (const std::exception& e) {
    Log()->error("{\"event\":\"db_thread_session_failed\",\"error\":\"" + core::JsonEscape(SafeErrorText(e)) + "\"}");
    return false;
  }
  if (checkpointer_) {
    checkpointer_->Attach(static_cast<soci::sqlite3_session_backend*>(session->get_backend())->conn_);
  }
  t_thread_session = {id_, session.get()};
  std::lock_guard lock(thread_sessions_mutex_);
  thread_sessions_.push_back(std::move(session));
  return true;
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& url, int pool_size) {
  EMP_ASSIGN(ConnectionInfo info, ConnectionInfo::Parse(url));
  int size = std::max(1, info.pool_size > 0 ? info.pool_size : pool_size);
  const bool sqlite = info.dialect == Dialect::kSqlite;
  if (sqlite && info.sqlite_path == ":memory:") {
    size = 1;
  } else if (sqlite) {
    std::error_code ec;
    fs::create_directories(fs::path(info.sqlite_path).parent_path(), ec);
    if (ec) {
      return Error::Unavailable("Cannot create the directory of " + info.display + ": " + ec.message());
    }
  }

  if (sqlite) {
    ConfigureSqliteProcess();
    if (auto installed = InstallWalWriteCoalescing(); !installed) return installed.error();
  }
  std::unique_ptr<Database> db(new Database(std::move(info), size));
  const ConnectionInfo& ci = db->info_;
  try {
    for (int i = 0; i < size; ++i) {
      OpenSession(db->pool_->at(static_cast<std::size_t>(i)), ci);
    }
  } catch (const std::exception& e) {
    return Error::Unavailable("Cannot open the database " + ci.display + ": " + SafeErrorText(e));
  }
  if (sqlite && ci.sqlite_path != ":memory:") {
    try {
      db->writer_session_ = std::make_unique<soci::session>();
      OpenSession(*db->writer_session_, ci);
    } catch (const std::exception& e) {
      return Error::Unavailable("Cannot open the database " + ci.display + ": " + SafeErrorText(e));
    }
    // Now that the sessions have created the file and switched it to WAL.
    auto checkpointer = WalCheckpointer::Start(ci.sqlite_path, db->sqlite_writer_);
    if (!checkpointer) return std::move(checkpointer).error();
    db->checkpointer_ = std::move(checkpointer).value();
    for (int i = 0; i < size; ++i) {
      auto* backend =
          static_cast<soci::sqlite3_session_backend*>(db->pool_->at(static_cast<std::size_t>(i)).get_backend());
      db->checkpointer_->Attach(backend->conn_);
    }
    db->checkpointer_->Attach(static_cast<soci::sqlite3_session_backend*>(db->writer_session_->get_backend())->conn_);
    db->writer_thread_ = std::thread([raw = db.get()] { raw->WriterLoop(); });
  }
  Log()->info("{\"event\":\"db_open\",\"url\":\"" + core::JsonEscape(ci.display) +
              "\",\"pool\":" + std::to_string(size) + "}");
  return db;
}

PoolStats Database::Stats() const {
  PoolStats s;
  s.size = pool_size_;
  s.in_use = in_use_.load(std::memory_order_relaxed);
  s.transactions = transactions_.load(std::memory_order_relaxed);
  s.retries = retries_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.groups = groups_.load(std::memory_order_relaxed);
  s.grouped = grouped_.load(std::memory_order_relaxed);
  std::lock_guard lock(queue_mutex_);
  s.queued = static_cast<int>(queue_.size());
  return s;
}

Status Database::Run(Mode mode, const std::function<Status(Tx&)>& body) {
  if (ActiveScope::IsActive(this)) {
    Log()->error(std::string("{\"event\":\"db_nested_transaction\",\"op\":\"") +
                 (mode == Mode::kWrite ? "write" : "read") + "\"}");
    return Error::Internal();
  }
  transactions_.fetch_add(1, std::memory_order_relaxed);
  ActiveScope active(this);
  std::vector<std::function<void()>> callbacks;
  const Status st =
      mode == Mode::kWrite && writer_session_ ? RunQueued(body, callbacks) : Transact(mode, body, callbacks);
  if (!st) return st;
  // The session is back in the pool and nesting is over, so callbacks may start new transactions.
  active.Release();
  RunCallbacks(callbacks);
  return OkStatus();
}

// ---- group commit (SQLite writes) ----------------------------------------------------------------
//
// SQLite has one writer at a time, and a write transaction's fixed costs (BEGIN IMMEDIATE's locks,
// COMMIT's append to the log and unlock, the lock passing from thread to thread) were a third of the
// time the writer lock was held under checkout load. Writes are queued for one thread of the
// Database's own, the writer, which takes everything queued (up to max_group), runs it in one
// transaction, each body in a savepoint, wakes the callers, and starts on what queued meanwhile.
//
// The writer used to be whichever caller found the queue empty, handing the lead to the queue's
// front when done. That thread then had to be woken and scheduled before the next group could
// start, behind the callers just woken: the writer lock sat idle 40 % of the time under checkout
// load. A thread that only writes goes from one group to the next without a hand-off (checkout:
// 847 / 865 → 954 / 1,007 orders/s, docs/benchmarks.md), at the price of one wake-up more when
// a write arrives on an idle database.

/// One wake-up of a thread blocked in Wait, straight on a futex.
///
/// std::binary_semaphore spins with sched_yield before it sleeps, and with many more threads than
/// cores each yield is a context switch (a tenth of the server's CPU under checkout load). A mutex
/// and condition variable sleep at once, but the waker has to signal under the mutex (the waiter
/// may destroy the object as soon as it can return), so the woken thread blocks again on that mutex
/// and its unlock is a second system call: the writer thread spent 8 % of its time waking callers.
/// Here Wake is one FUTEX_WAKE. It may reach the address after the waiter has returned and its
/// stack been reused; a waiter there then sees a spurious wake-up, which Wait's loop absorbs, and
/// the kernel answers a wake on memory no longer mapped with an error and nothing else.
class Wakeup {
 public:
  void Wait() {
    while (woken_.load(std::memory_order_acquire) == 0) {
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&woken_), FUTEX_WAIT_PRIVATE, 0U, nullptr, nullptr, 0U);
    }
  }
  /// The waiter may return, and destroy this, as soon as the flag is set.
  void Wake() {
    void* address = &woken_;
    woken_.store(1, std::memory_order_release);
    syscall(SYS_futex, address, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0U);
  }

 private:
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  std::atomic<std::uint32_t> woken_{0};
};

struct Database::QueuedWrite {
  const std::function<Status(Tx&)>* body = nullptr;
  std::shared_ptr<const void> state;  ///< the caller's CarriedThreadState
  Status result = OkStatus();
  std::vector<std::function<void()>> callbacks;
  std::uint64_t statements = 0;  ///< counted while its body ran, credited to the caller
  bool settled = false;          ///< its outcome is known (committed, or its own Error)
  Wakeup wake;
};

Status Database::RunQueued(const std::function<Status(Tx&)>& body, std::vector<std::function<void()>>& callbacks) {
  QueuedWrite self;
  self.body = &body;
  if (const auto* carried = carried_.load()) self.state = carried->Capture();
  bool wake_writer = false;
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(&self);
    wake_writer = std::exchange(writer_idle_, false);
  }
  if (wake_writer) writer_wake_.notify_one();
  self.wake.Wait();  // woken by the writer thread once the write has its outcome
  StatementCounter::Add(self.statements);
  callbacks = std::move(self.callbacks);
  return self.result;
}

void Database::WriterLoop() {
  core::NameThisThread("db-writer");
  // Nested Read/Write from a body is refused here as on the caller's thread.
  ActiveScope active(this);
  std::vector<QueuedWrite*> group;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      if (queue_.empty()) {
        writer_idle_ = true;
        writer_wake_.wait(lock, [this] { return !queue_.empty() || writer_stop_; });
        writer_idle_ = false;
      }
      if (queue_.empty()) return;  // stopping, nothing left
      const auto n = std::min(queue_.size(), static_cast<std::size_t>(info_.max_group));
      group.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    try {
      RunGroup(group);
    } catch (...) {
      // RunGroup answers every failure of a write as its Status; this is for what escapes anyway
      // (memory exhausted, say): the callers are told, and the thread lives on.
      Log()->error(R"({"event":"db_error","op":"write group","code":"exception outside a transaction"})");
      for (QueuedWrite* w : group) {
        if (!w->settled) w->result = Error::Internal();
        w->settled = true;
      }
    }
    for (QueuedWrite* w : group) w->wake.Wake();  // w may be gone from here on
  }
}

void Database::RunGroup(const std::vector<QueuedWrite*>& group) {
  if (group.size() > 1) {
    bool committed = false;
    {
      std::lock_guard writer(sqlite_writer_);
      committed = CommitGroup(group);
    }
    if (committed) {
      groups_.fetch_add(1, std::memory_order_relaxed);
      grouped_.fetch_add(group.size(), std::memory_order_relaxed);
      return;
    }
  }
  for (QueuedWrite* w : group) {
    if (w->settled) continue;
    w->callbacks.clear();
    const std::function<Status(Tx&)> body = [&](Tx& tx) { return RunBody(*w, tx); };
    w->result = Transact(Mode::kWrite, body, w->callbacks);
    w->settled = true;
  }
}

Status Database::RunBody(QueuedWrite& write, Tx& tx) {
  // The writer thread's own counter and thread state are put back however the body ends.
  struct Restore {
    const CarriedThreadState* carried;
    std::shared_ptr<const void> previous;
    std::uint64_t count;
    QueuedWrite& write;
    ~Restore() {
      write.statements += StatementCounter::Count() - count;
      StatementCounter::Set(count);
      if (carried != nullptr) carried->Install(std::move(previous));
    }
  };
  const auto* carried = carried_.load();
  Restore restore{carried, carried != nullptr ? carried->Install(write.state) : nullptr, StatementCounter::Count(),
                  write};
  return (*write.body)(tx);
}

bool Database::CommitGroup(const std::vector<QueuedWrite*>& group) {
  soci::session& sql = *writer_session_;
  try {
    EnsureConnected(sql, info_);
    Exec(sql, info_.dialect, "BEGIN IMMEDIATE");
  } catch (const std::exception&) {
    return false;  // busy (another process writes) or worse: each write retries alone
  }
  for (QueuedWrite* w : group) {
    Tx tx(sql, info_.dialect);
    try {
      Exec(sql, info_.dialect, "SAVEPOINT emporium_group");
    } catch (const std::exception&) {
      RollbackQuietly(sql, info_.dialect);
      return false;
    }
    Status st = OkStatus();
    try {
      st = RunBody(*w, tx);
    } catch (const std::exception& e) {
      const Failure failure = Classify(e);
      if (failure == Failure::kBusy || failure == Failure::kConnectionLost) {
        RollbackQuietly(sql, info_.dialect);
        return false;  // retried alone, with backoff
      }
      failures_.fetch_add(1, std::memory_order_relaxed);
      st = Translate(failure, e, "write");
    } catch (...) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      Log()->error(R"({"event":"db_error","op":"write","code":"non-standard exception"})");
      st = Error::Internal();
    }
    try {
      if (st) {
        Exec(sql, info_.dialect, "RELEASE emporium_group");
        w->callbacks = std::move(tx.after_commit_);
        continue;
      }
      w->result = std::move(st);
      w->settled = true;  // its own outcome: it changed nothing, and keeps it whatever the group does
      Exec(sql, info_.dialect, "ROLLBACK TO emporium_group");
      Exec(sql, info_.dialect, "RELEASE emporium_group");
    } catch (const std::exception&) {
      // SQLite may have rolled the whole transaction back by itself (a full disk, say), taking the
      // savepoint with it: the others run again alone.
      RollbackQuietly(sql, info_.dialect);
      return false;
    }
  }
  try {
    Exec(sql, info_.dialect, "COMMIT");
  } catch (const std::exception& e) {
    // SQLite has no lost connection, so a failed COMMIT changed nothing: the writes run again alone.
    Log()->warn("{\"event\":\"db_group_commit_failed\",\"code\":\"" + ErrorCodeText(e) + "\"}");
    RollbackQuietly(sql, info_.dialect);
    return false;
  }
  for (QueuedWrite* w : group) {
    if (!w->settled) {
      w->result = OkStatus();
      w->settled = true;
    }
  }
  return true;
}

Status Database::Transact(Mode mode, const std::function<Status(Tx&)>& body,
                          std::vector<std::function<void()>>& callbacks) {
  const bool write = mode == Mode::kWrite;
  const bool transactional = mode != Mode::kSingleStatement;
  const char* op = write ? "write" : "read";
  const bool sqlite = info_.dialect == Dialect::kSqlite;
  const std::string begin =
      sqlite ? (write ? "BEGIN IMMEDIATE" : "BEGIN") : (write ? "START TRANSACTION" : "START TRANSACTION READ ONLY");
  for (int attempt = 1;; ++attempt) {
    enum class Stage { kBegin, kBody, kCommit } stage = Stage::kBegin;
    {
      // Taken before the session is leased, so a queued writer does not hold a connection idle.
      std::unique_lock<std::mutex> writer;
      if (sqlite && write) writer = std::unique_lock(sqlite_writer_);
      Lease lease(*this, !write ? Lease::Kind::kRead : sqlite ? Lease::Kind::kWriter : Lease::Kind::kPool);
      if (!lease) {
        failures_.fetch_add(1, std::memory_order_relaxed);
        Log()->error(std::string("{\"event\":\"db_pool_exhausted\",\"op\":\"") + op + "\"}");
        Error err = Error::Unavailable("All database connections are busy; try again.");
        err.retry_after_seconds = 1;
        return err;
      }
      soci::session& sql = lease.session();
      Tx tx(sql, info_.dialect);
      try {
        EnsureConnected(sql, info_);
        if (transactional) Exec(sql, info_.dialect, begin);
        stage = Stage::kBody;
        Status st = body(tx);
        if (!st) {
          if (transactional) RollbackQuietly(sql, info_.dialect);
          return st;
        }
        stage = Stage::kCommit;
        if (transactional) Exec(sql, info_.dialect, "COMMIT");
        callbacks = std::move(tx.after_commit_);
      } catch (const std::exception& e) {
        const Failure failure = Classify(e);
        if (failure == Failure::kConnectionLost) {
          ReconnectQuietly(sql, info_);
          if (write && stage == Stage::kCommit) {
            failures_.fetch_add(1, std::memory_order_relaxed);
            Log()->error("{\"event\":\"db_commit_outcome_unknown\",\"code\":\"" + ErrorCodeText(e) + "\"}");
            Error err = Error::Unavailable(
                "The database connection was lost while saving; the change may or may not have been saved.");
            err.retry_after_seconds = 1;
            return err;
          }
        } else if (transactional) {
          RollbackQuietly(sql, info_.dialect);
        }
        const bool retryable = failure == Failure::kBusy || failure == Failure::kConnectionLost;
        if (!retryable || attempt >= kMaxAttempts) {
          failures_.fetch_add(1, std::memory_order_relaxed);
          return Translate(failure, e, op);
        }
        retries_.fetch_add(1, std::memory_order_relaxed);
        Log()->debug(std::string("{\"event\":\"db_retry\",\"op\":\"") + op +
                     "\",\"attempt\":" + std::to_string(attempt) + ",\"code\":\"" + ErrorCodeText(e) + "\"}");
        lease.Release();
        if (writer.owns_lock()) writer.unlock();
        std::this_thread::sleep_for(Backoff(attempt));
        continue;
      } catch (...) {
        RollbackQuietly(sql, info_.dialect);
        failures_.fetch_add(1, std::memory_order_relaxed);
        Log()->error(std::string("{\"event\":\"db_error\",\"op\":\"") + op + "\",\"code\":\"non-standard exception\"}");
        return Error::Internal();
      }
    }
    return OkStatus();
  }
}

Status Database::RunWithoutTransaction(const std::function<Status(Tx&)>& body) {
  if (ActiveScope::IsActive(this)) {
    Log()->error("{\"event\":\"db_nested_transaction\",\"op\":\"unmanaged\"}");
    return Error::Internal();
  }
  transactions_.fetch_add(1, std::memory_order_relaxed);
  ActiveScope active(this);
  std::vector<std::function<void()>> callbacks;
  {
    Lease lease(*this, Lease::Kind::kPool);
    if (!lease) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      return Error::Unavailable("All database connections are busy; try again.");
    }
    soci::session& sql = lease.session();
    Tx tx(sql, info_.dialect);
    try {
      EnsureConnected(sql, info_);
      Status st = body(tx);
      if (!st) return st;
      callbacks = std::move(tx.after_commit_);
    } catch (const std::exception& e) {
      const Failure failure = Classify(e);
      if (failure == Failure::kConnectionLost) ReconnectQuietly(sql, info_);
      failures_.fetch_add(1, std::memory_order_relaxed);
      return Translate(failure, e, "unmanaged");
    } catch (...) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      Log()->error("{\"event\":\"db_error\",\"op\":\"unmanaged\",\"code\":\"non-standard exception\"}");
      return Error::Internal();
    }
  }
  active.Release();
  RunCallbacks(callbacks);
  return OkStatus();
}

Status Database::Ping() {
  Lease lease(*this, Lease::Kind::kPool);
  if (!lease) return Error::Unavailable("All database connections are busy.");
  soci::session& sql = lease.session();
  for (int attempt = 1;; ++attempt) {
    try {
      EnsureConnected(sql, info_);
      UncountedScope uncounted;
      int one = 0;
      sql << "SELECT 1", soci::into(one);
      return OkStatus();
    } catch (const std::exception& e) {
      if (attempt == 1 && Classify(e) == Failure::kConnectionLost) {
        ReconnectQuietly(sql, info_);
        continue;
      }
      return Error::Unavailable("The database does not answer: " + SafeErrorText(e));
    }
  }
}

std::optional<std::int64_t> InsertOne(Tx& tx, const std::string& insert, Binds binds) {
  if (tx.dialect != Dialect::kSqlite) {
    std::optional<std::int64_t> id;
    Rows(tx, insert + " RETURNING id", std::move(binds), [&](const Row& r) { id = RowInt(r, 0); });
    return id;
  }
  SqliteQuery q(tx, insert, binds);
  if (q.Finish() == 0) return std::nullopt;
  return q.LastInsertId();
}

// ---- statements through SQLite's API (db/binds.hpp) ---------------------------------------------

void Binds::BindTo(void* sqlite_stmt) const {
  auto* st = static_cast<sqlite_api::sqlite3_stmt*>(sqlite_stmt);
  int i = 0;
  for (const auto& v : values_) {
    ++i;
    if (v.ind == soci::i_null) {
      sqlite_api::sqlite3_bind_null(st, i);
      continue;
    }
    switch (v.kind) {
      case Kind::kInt:
        sqlite_api::sqlite3_bind_int64(st, i, v.i);
        break;
      // The Binds outlive the statement's run, and the cache clears bindings before reuse.
      case Kind::kString:
        sqlite_api::sqlite3_bind_text(st, i, v.s.data(), static_cast<int>(v.s.size()), SQLITE_STATIC);
        break;
      case Kind::kDouble:
        sqlite_api::sqlite3_bind_double(st, i, v.d);
        break;
    }
  }
}

SqliteQuery::SqliteQuery(Tx& tx, const std::string& sql, const Binds& binds) : sql_(sql) {
  db_ = static_cast<soci::sqlite3_session_backend*>(tx.sql.get_backend())->conn_;
  CountStatement(sql);
  if (const int rc = PrepareCached(db_, sql, &stmt_); rc != SQLITE_OK) Fail(rc);
  binds.BindTo(stmt_);
}

SqliteQuery::~SqliteQuery() { sqlite_api::sqlite3_finalize(static_cast<sqlite_api::sqlite3_stmt*>(stmt_)); }

bool SqliteQuery::Next() {
  const int rc = sqlite_api::sqlite3_step(static_cast<sqlite_api::sqlite3_stmt*>(stmt_));
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail(rc);
}

long long SqliteQuery::Finish() {
  while (Next()) {
  }
  return sqlite_api::sqlite3_changes(static_cast<sqlite_api::sqlite3*>(db_));
}

std::int64_t SqliteQuery::LastInsertId() const {
  return sqlite_api::sqlite3_last_insert_rowid(static_cast<sqlite_api::sqlite3*>(db_));
}

void SqliteQuery::Fail(int rc) const {
  auto* db = static_cast<sqlite_api::sqlite3*>(db_);
  const int code = db != nullptr ? sqlite_api::sqlite3_extended_errcode(db) : rc;
  // The shape of SOCI's messages: SafeWhat cuts the statement off at " while ".
  throw soci::sqlite3_soci_error(std::string("sqlite3: ") + (db != nullptr ? sqlite_api::sqlite3_errmsg(db) : "error") +
                                     " while executing \"" + sql_ + "\"",
                                 code != 0 ? code : rc);
}

bool IsTransientError(const std::exception& e) {
  const Failure f = Classify(e);
  return f == Failure::kBusy || f == Failure::kConnectionLost;
}

std::string SafeErrorText(const std::exception& e) { return SafeWhat(e) + " (" + ErrorCodeText(e) + ")"; }

bool IsUniqueViolation(const std::exception& e) {
  if (const auto* s = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    const int rc = s->result();
    if (rc == 2067 || rc == 1555) return true;  // SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY
    // Without extended result codes (a session not configured by Database) only the text tells.
    return rc == 19 && (Contains(e.what(), "UNIQUE constraint failed") || Contains(e.what(), "must be unique"));
  }
  if (const auto* m = dynamic_cast<const soci::mysql_soci_error*>(&e)) {
    return m->err_num_ == 1062 || m->err_num_ == 1586 || m->err_num_ == 1022;
  }
  return false;
}

}  // namespace emporium::db
