#pragma once
// The database: a SOCI connection pool over SQLite or MariaDB, transactions with automatic retry,
// and translation of driver exceptions into Error. Repositories receive a Tx and use tx.sql.
//
//   auto user = db.Write([&](db::Tx& tx) -> Result<User> {
//     tx.sql << kInsertUser, soci::use(email), ...;
//     tx.AfterCommit([=] { mailer.Send(...); });
//     return User{...};
//   });
//
// Thread-safe: any number of threads may call Read/Write concurrently (each leases one session).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/error.hpp"

namespace soci {
class session;
class connection_pool;
}  // namespace soci

namespace emporium::db {

class WalCheckpointer;

enum class Dialect { kSqlite, kMariaDb };

/// A parsed DATABASE_URL.
struct ConnectionInfo {
  Dialect dialect = Dialect::kSqlite;
  std::string soci_backend;    ///< "sqlite3" or "mysql"
  std::string connect_string;  ///< SOCI connect string (secrets inside: never log it)
  std::string display;         ///< the URL with the password masked, for logs
  std::string sqlite_path;     ///< for SQLite: the file (":memory:" allowed), parent dirs created on open
  int pool_size = 0;           ///< from ?pool=N (1..1000); 0 = use the size passed to Database::Open
  int timeout_seconds = 5;     ///< from ?timeout=N: SQLite busy timeout / MariaDB connect timeout
  int max_group = 32;          ///< from ?group=N (1..1000): SQLite writes per group commit (1 = none)

  /// sqlite:///abs/path.db, sqlite://relative.db (made absolute against the working directory),
  /// sqlite://:memory:, mariadb://user:pass@host[:port]/db (mysql:// accepted; port 3306 by default;
  /// user, password and database percent-decoded). Query options: pool, timeout, group; any other is
  /// rejected. Errors are kInvalidArgument on field DATABASE_URL and never contain the password.
  static Result<ConnectionInfo> Parse(const std::string& url);
};

/// One transaction (or, for Read, one leased session). Valid only inside the callback.
class Tx {
 public:
  Tx(soci::session& sql, Dialect dialect) : sql(sql), dialect(dialect) {}
  soci::session& sql;
  const Dialect dialect;

  /// Runs `fn` after the transaction commits (never if it rolls back), in registration order,
  /// on the calling thread. Use it to publish events or hand work to other threads.
  void AfterCommit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }

 private:
  friend class Database;
  std::vector<std::function<void()>> after_commit_;
};

/// State of the calling thread that write bodies may read (the signed-in user, say). SQLite writes
/// are committed in groups by the Database's writer thread (Database::Write): the state is captured
/// on the caller's thread and installed on the writer's for the body's run.
class CarriedThreadState {
 public:
  virtual ~CarriedThreadState() = default;
  /// On the caller's thread.
  virtual std::shared_ptr<const void> Capture() const = 0;
  /// On the thread that runs the body: installs `state`, returns what it replaced.
  virtual std::shared_ptr<const void> Install(std::shared_ptr<const void> state) const = 0;
};

struct PoolStats {
  int size = 0;                    ///< sessions in the pool
  int in_use = 0;                  ///< sessions leased right now
  std::uint64_t transactions = 0;  ///< Read/Write calls started
  std::uint64_t retries = 0;       ///< attempts re-run after busy/deadlock/lost connection
  std::uint64_t failures = 0;      ///< calls that ended in a driver error (not errors returned by the callback)
  std::uint64_t groups = 0;        ///< SQLite: group commits of two or more writes
  std::uint64_t grouped = 0;       ///< SQLite: writes committed in those groups
  int queued = 0;                  ///< SQLite: writes waiting for their group right now
};

class Database {
 public:
  /// Opens `pool_size` sessions (the URL's ?pool= wins; an in-memory SQLite database always gets one
  /// session, since each connection to ":memory:" would be a different database). SQLite: WAL,
  /// foreign_keys=ON, synchronous=NORMAL, busy timeout. MariaDB: utf8mb4, READ COMMITTED, UTC time
  /// zone, strict sql_mode. Every statement a session prepares increments db::StatementCounter
  /// (transaction control issued by Database itself is not counted). kInvalidArgument for a bad
  /// URL, kUnavailable when the database cannot be opened.
  static Result<std::unique_ptr<Database>> Open(const std::string& url, int pool_size);
  ~Database();

  Dialect dialect() const { return info_.dialect; }
  const ConnectionInfo& info() const { return info_; }
  PoolStats Stats() const;

  /// Runs `f(Tx&)` (returning Result<T>) in a write transaction (SQLite: BEGIN IMMEDIATE; MariaDB:
  /// START TRANSACTION). If `f` returns an Error the transaction rolls back and the Error is returned.
  ///
  /// SQLite commits writes in groups: writes queue for the Database's writer thread, which runs up to
  /// ?group= (32) of those waiting at once, each in its own SAVEPOINT of one transaction,
  /// so they share one BEGIN, one COMMIT and one append to the log. Each keeps its own outcome (an
  /// Error rolls back that write alone); if the group's transaction fails as a whole, its writes run
  /// again one by one. A body therefore runs on another thread than its caller's (which waits):
  /// it may read the caller's thread state only through CarryThreadState, and its statements are
  /// counted for the caller. AfterCommit callbacks run on the caller's thread.
  /// Busy/locked (SQLite) and deadlock/lock-timeout (MariaDB) failures roll back and re-run `f`
  /// (so `f` must have no side effects outside the transaction: use Tx::AfterCommit). A unique or
  /// foreign-key violation becomes kConflict; anything else thrown by the driver becomes kInternal
  /// (logged without bound values).
  template <class F>
  auto Write(F&& f) -> std::invoke_result_t<F, Tx&> {
    return RunTyped(Mode::kWrite, std::forward<F>(f));
  }

  /// Like Write, for reads: MariaDB runs it in a READ ONLY transaction (READ COMMITTED, so each
  /// statement sees the latest committed data; writing fails); SQLite in a deferred transaction (one
  /// snapshot for the whole callback). AfterCommit callbacks run when it ends.
  ///
  /// Read/Write must not be nested on one thread for the same Database (the inner call would wait
  /// for a lock or a session the outer one holds): a nested call returns kInternal at once.
  /// A lost MariaDB connection is re-opened and the callback re-run, except when it is lost during
  /// the COMMIT of a Write: the outcome is then unknown and kUnavailable is returned. When every
  /// retry is used up (or no session frees up within 30 s) the result is kUnavailable.
  template <class F>
  auto Read(F&& f) -> std::invoke_result_t<F, Tx&> {
    return RunTyped(Mode::kRead, std::forward<F>(f));
  }

  /// For a read made of exactly ONE statement (e.g. a SELECT by primary key on every authenticated
  /// request): runs it in autocommit mode, without BEGIN/COMMIT — a single statement is atomic on
  /// its own, and the two extra round trips cost more than the query. Same retry on busy and same
  /// error translation as Read. Do not use it for several statements that must agree.
  template <class F>
  auto ReadStatement(F&& f) -> std::invoke_result_t<F, Tx&> {
    return RunTyped(Mode::kSingleStatement, std::forward<F>(f));
  }

  /// Checks a pooled connection answers (for /readyz).
  Status Ping();

  /// The thread state write bodies may read (see Write); nullptr for none. Not owned: the caller
  /// keeps it alive, and resets it to nullptr before destroying it, while no write runs.
  void CarryThreadState(const CarriedThreadState* state) { carried_.store(state); }

  /// SQLite only (false otherwise): gives the calling thread a connection of its own, which its
  /// Read and ReadStatement calls use from then on instead of leasing one from the pool. For the
  /// io threads that answer quick reads themselves (http::RouteOptions::inline_read): a thread that
  /// serves thousands of connections must never queue for a pooled session behind a slow report.
  /// Writes still lease from the pool. Call once per thread, before the thread reads.
  bool OpenThreadSession();

  /// Runs `f(Tx&)` on a leased session outside any transaction (autocommit), once, without retry,
  /// with the same error translation as Write. For the migrator (MariaDB DDL commits implicitly, and
  /// its GET_LOCK belongs to the session); repositories use Read/Write.
  Status RunWithoutTransaction(const std::function<Status(Tx&)>& body);

 private:
  class Lease;         // RAII lease of one pooled session (database.cpp)
  struct QueuedWrite;  // a write waiting for, or in, a group commit (database.cpp)

  explicit Database(ConnectionInfo info, int pool_size);
  enum class Mode { kWrite, kRead, kSingleStatement };
  Status Run(Mode mode, const std::function<Status(Tx&)>& body);
  /// One transaction with its retries; `callbacks` receives the AfterCommit callbacks.
  Status Transact(Mode mode, const std::function<Status(Tx&)>& body, std::vector<std::function<void()>>& callbacks);
  /// SQLite writes: queues `body` for the writer thread and waits for its outcome.
  Status RunQueued(const std::function<Status(Tx&)>& body, std::vector<std::function<void()>>& callbacks);
  /// The writer thread: runs what is queued, group after group, until the Database is destroyed.
  void WriterLoop();
  void RunGroup(const std::vector<QueuedWrite*>& group);
  /// One transaction for the whole group, under sqlite_writer_; false if it did not commit (every
  /// write without an outcome of its own then runs again alone).
  bool CommitGroup(const std::vector<QueuedWrite*>& group);
  Status RunBody(QueuedWrite& write, Tx& tx);

  template <class F>
  auto RunTyped(Mode mode, F&& f) -> std::invoke_result_t<F, Tx&> {
    using R = std::invoke_result_t<F, Tx&>;
    std::optional<R> out;
    Status st = Run(mode, [&](Tx& tx) -> Status {
      out.emplace(f(tx));
      if (!*out) return out->error();
      return OkStatus();
    });
    if (!st) return std::move(st).error();
    return std::move(*out);
  }

  ConnectionInfo info_;
  int pool_size_;
  /// SQLite allows one writer at a time. Writers of this process queue on this mutex and wake the
  /// moment the previous one commits, instead of spinning in SQLite's busy handler (which sleeps
  /// 1–100 ms between attempts and made every contended write slow); other processes on the same
  /// file (the CLI) are still handled by the busy timeout.
  /// The checkpointer takes it too (declared first, destroyed last).
  std::mutex sqlite_writer_;
  /// SQLite files: checkpoints the log off the committing threads. Declared before pool_ so that it
  /// outlives the connections attached to it.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::unique_ptr<soci::connection_pool> pool_;
  /// SQLite files: the one connection every write transaction of this process uses, under
  /// sqlite_writer_. SQLite drops a connection's page cache whenever another connection has
  /// committed, so writes spread over the pool re-read every B-tree page they touched; the only
  /// writer's cache stays warm. Writes were serialised anyway, so this costs no concurrency.
  std::unique_ptr<soci::session> writer_session_;
  /// OpenThreadSession's connections (closed before the checkpointer, like the pool's).
  std::mutex thread_sessions_mutex_;
  std::vector<std::unique_ptr<soci::session>> thread_sessions_;
  /// Tells this Database from an earlier one at the same address in threads' session slots.
  const std::uint64_t id_;
  std::atomic<int> in_use_{0};
  std::atomic<std::uint64_t> transactions_{0}, retries_{0}, failures_{0}, groups_{0}, grouped_{0};
  std::atomic<const CarriedThreadState*> carried_{nullptr};
  /// SQLite writes waiting for the writer thread, in arrival order. writer_idle_: the writer waits
  /// on writer_wake_ for the queue to fill (so only the write that finds it idle notifies).
  mutable std::mutex queue_mutex_;
  std::vector<QueuedWrite*> queue_;
  std::condition_variable writer_wake_;
  bool writer_idle_ = false;
  bool writer_stop_ = false;
  /// SQLite files: runs every write transaction of this process on writer_session_. Started by Open,
  /// joined first thing by ~Database.
  std::thread writer_thread_;
};

/// True if the exception is a UNIQUE constraint violation (SQLite 19/2067, MariaDB 1062).
bool IsUniqueViolation(const std::exception& e);

/// True for the driver errors Database::Read/Write retry by themselves: SQLite busy/locked, MariaDB
/// deadlock (1213), lock wait timeout (1205) and lost connections. Code that catches driver
/// exceptions inside a callback must rethrow these.
bool IsTransientError(const std::exception& e);

/// A driver exception as text safe to log or return: SOCI's "while executing ... with :v=..." tail
/// is cut and, in MariaDB messages that quote the offending value (duplicate entry, incorrect
/// value), the value is masked ('?'); followed by the driver code ("sqlite 19", "mariadb 1062").
std::string SafeErrorText(const std::exception& e);

}  // namespace emporium::db
