#pragma once
// The durable job queue (transactional outbox). A job is a row in `jobs`, written in the same
// transaction as the business change that needs it, so it exists if and only if that change
// committed; the JobRunner executes it later with retries, exponential backoff with jitter, and a
// lease that lets another runner pick up the job of a runner that crashed.
//
//   db.Write([&](db::Tx& tx) -> Status {
//     ... business change ...
//     EMP_TRY(jobs.Enqueue(tx, {.type = "mail.send", .payload = {...}, .unique_key = "mail:receipt:42"}));
//     return OkStatus();
//   });
//
// Handlers are registered per `type` and must be idempotent: a runner may crash after a handler's
// side effect and before the job is marked done, and the job then runs again (at-least-once).

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace emporium::db {
class Database;
class Tx;
}  // namespace emporium::db

namespace emporium::core {
class Clock;
}

namespace emporium::infra::jobs {

enum class JobState { kQueued, kRunning, kDone, kDead };
std::string_view StateName(JobState s);                 ///< "queued", "running", "done", "dead"
std::optional<JobState> ParseState(std::string_view s);

struct JobSpec {
  std::string queue = "default";
  std::string type;                    ///< handler name, e.g. "mail.send"
  boost::json::object payload;
  std::int64_t run_at = 0;             ///< unix seconds; 0 = now
  int priority = 0;                    ///< higher runs first among due jobs
  int max_attempts = 5;
  std::optional<std::string> unique_key;  ///< a second job with the same key is a no-op while the first exists
};

struct Job {
  std::int64_t id = 0;
  std::string queue;
  std::string type;
  boost::json::object payload;
  std::int64_t run_at = 0;
  int priority = 0;
  int attempts = 0;  ///< attempts started so far, including the current one while running
  int max_attempts = 5;
  JobState state = JobState::kQueued;
  std::optional<std::string> unique_key;
  std::optional<std::string> locked_by;
  std::optional<std::int64_t> locked_until;
  std::optional<std::string> last_error;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> finished_at;
};

struct QueueStats {
  std::int64_t queued = 0;   ///< waiting, due or not
  std::int64_t due = 0;      ///< queued with run_at <= now
  std::int64_t running = 0;
  std::int64_t dead = 0;
};

/// A page of the admin list: newest first, optionally one state and/or one type.
struct JobFilter {
  std::optional<JobState> state;
  std::optional<std::string> type;
  std::optional<std::int64_t> before_id;  ///< keyset cursor: jobs with a smaller id
  int limit = 20;                         ///< 1–100
};

struct JobPage {
  std::vector<Job> items;
  std::optional<std::string> next_cursor;  ///< opaque; absent on the last page
};

/// {id, queue, type, payload, state, run_at, priority, attempts, max_attempts, unique_key, locked_by,
/// locked_until, last_error, created_at, updated_at, finished_at} with RFC 3339 times.
boost::json::object ToJson(const Job& job);

class JobRepository;

class JobQueue {
 public:
  JobQueue(db::Database& db, const core::Clock& clock);
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  /// Called after a transaction that enqueued a due job commits (the runner of this process uses it
  /// to start the job at once instead of at its next poll). Set once, before use.
  void SetWakeHook(std::function<void()> wake) { wake_ = std::move(wake); }

  /// Inserts a job inside the caller's transaction. Returns its id, or nullopt when `unique_key`
  /// names a job that already exists (the enqueue is then a no-op, not an error).
  /// kInvalidArgument for an empty type/queue or max_attempts < 1.
  Result<std::optional<std::int64_t>> Enqueue(db::Tx& tx, const JobSpec& spec);
  /// The same in a transaction of its own.
  Result<std::optional<std::int64_t>> Enqueue(const JobSpec& spec);

  Result<QueueStats> Stats();
  /// Stats() at most `max_age` old (a cached copy, refreshed by whichever caller finds it stale):
  /// for /metrics gauges, so that a scrape does not run SQL every time. Thread-safe.
  Result<QueueStats> CachedStats(std::chrono::milliseconds max_age = std::chrono::seconds(5));

  // ---- administration (GET/POST/DELETE /api/v1/admin/jobs...) ----

  /// kNotFound when no job has this id.
  Result<Job> Get(std::int64_t id);
  Result<JobPage> List(const JobFilter& filter);
  /// Puts a dead job back in the queue, due now, with its attempts reset (last_error is kept until
  /// the next failure). kNotFound, or kConflict when the job is not dead. In the caller's
  /// transaction (so the audit entry commits with it).
  Result<Job> Retry(db::Tx& tx, std::int64_t id);
  /// Deletes a dead job (its unique key is then free again). kNotFound, or kConflict when not dead.
  Result<Job> Discard(db::Tx& tx, std::int64_t id);

 private:
  db::Database& db_;
  const core::Clock& clock_;
  std::function<void()> wake_;
  std::unique_ptr<JobRepository> repository_;
  std::mutex stats_mutex_;
  std::optional<QueueStats> stats_cache_;
  std::chrono::steady_clock::time_point stats_cached_at_;
};

/// What a handler returns: OkStatus() = done. An Error fails this attempt: kInvalidArgument and
/// kNotFound are permanent (the job goes straight to `dead`: retrying the same payload cannot
/// help); anything else is retried with exponential backoff and jitter until max_attempts, then
/// the job is `dead` with its last error kept.
using JobHandler = std::function<Status(const Job& job)>;

/// A handler given all the jobs of its type that one claim took (up to RunnerOptions::claim_batch),
/// in claim order; it returns one Status per job, in the same order, each meaning what a
/// JobHandler's does. For handlers whose own bookkeeping can share transactions across jobs (mail:
/// one delivery claim and one delivery record for the batch). A result of the wrong size, or a
/// throw, fails every job of the batch.
using JobBatchHandler = std::function<std::vector<Status>(const std::vector<Job>& jobs)>;

/// Told about every finished attempt (for metrics): `outcome` is "done", "retry" or "dead"; `seconds`
/// is the handler's wall time. Called on the runner's threads; must be thread-safe and quick.
using JobObserver = std::function<void(const Job& job, std::string_view outcome, double seconds)>;

struct RunnerOptions {
  std::string runner_id;                          ///< empty = "<hostname>:<pid>:<random>"
  int concurrency = 2;                            ///< threads running jobs
  /// Due jobs of a type with a batch handler (RegisterBatch) a thread claims in one transaction;
  /// their outcomes are then recorded in one transaction too. Under load this divides that type's
  /// write transactions by up to this much. Other jobs are always claimed one at a time.
  int claim_batch = 1;
  std::chrono::seconds lease{300};                ///< renewed while a job runs; expiry = crashed runner
  std::chrono::milliseconds poll_interval{500};
  std::vector<std::string> queues;                ///< empty = every queue
  std::string timezone = "UTC";                   ///< of the cron schedules
  std::chrono::seconds max_backoff{3600};         ///< cap of the retry delay
  std::chrono::hours done_retention{24 * 7};      ///< done jobs older than this are purged (dead ones are kept)
};

class JobRunner {
 public:
  JobRunner(db::Database& db, const core::Clock& clock, JobQueue& queue, RunnerOptions options);
  ~JobRunner();  ///< Stop()s
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  /// Registers the handler of a job type. Before Start(). A due job of an unknown type is failed
  /// (and retried: a newer binary may know it).
  void Register(const std::string& type, JobHandler handler);
  /// Registers a handler that takes the claimed jobs of its type together. Before Start().
  void RegisterBatch(const std::string& type, JobBatchHandler handler);
  /// Sets the observer of finished attempts. Before Start().
  void SetObserver(JobObserver observer);
  /// A recurring schedule: at every time matching the 5-field cron expression (minute hour
  /// day-of-month month day-of-week, in options.timezone) a job from `spec` is enqueued, once per
  /// occurrence across all runners (its unique key is "<name>@<occurrence>"). kInvalidArgument for
  /// a malformed expression. Before Start().
  Status AddSchedule(const std::string& name, const std::string& cron, JobSpec spec);

  /// Starts the polling threads. Call once.
  void Start();
  /// Stops taking jobs, waits up to `grace` for running ones, then returns (a job still running is
  /// abandoned to its lease and will be re-run elsewhere).
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  /// Wakes an idle runner (a due job was enqueued). Any thread.
  void Wake();

  /// Claims and runs due jobs on the calling thread until none is due or `max_jobs` ran; returns how
  /// many ran. For tests and `emporium worker --once`; independent of Start().
  int RunDue(int max_jobs = 1000);

  /// This runner's id, as written to jobs.locked_by.
  const std::string& id() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::infra::jobs
