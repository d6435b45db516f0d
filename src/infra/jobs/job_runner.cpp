#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/thread.hpp"
#include "db/database.hpp"
#include "infra/jobs/cron.hpp"
#include "infra/jobs/job_queue.hpp"
#include "infra/jobs/job_repository.hpp"

namespace emporium::infra::jobs {

namespace {

constexpr std::int64_t kMinute = 60;
// Housekeeping cadence, in seconds of the injected clock.
constexpr std::int64_t kReapEverySeconds = 5;
constexpr std::int64_t kPurgeEverySeconds = 3600;
constexpr int kPurgeBatch = 1000;
// After downtime, occurrences of a schedule older than this are skipped rather than run in a burst.
constexpr std::int64_t kScheduleCatchUpMinutes = 60;
constexpr std::size_t kMaxErrorBytes = 2000;
constexpr std::size_t kMaxRunnerIdBytes = 128;

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto logger = core::Logger("jobs");
  return logger;
}

std::string DefaultRunnerId() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device rd;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  std::string id = std::string(host[0] ? host : "host") + ":" + std::to_string(getpid()) + ":" + suffix;
  return id.substr(0, kMaxRunnerIdBytes);
}

// At most `max` bytes, cut on a UTF-8 character boundary (MariaDB strict mode rejects a broken one).
std::string Truncate(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

std::string ErrorText(const Error& e) {
  std::string text = e.message;
  for (const auto& f : e.fields) text += " " + f.field + ": " + f.message + ";";
  if (!text.empty() && text.back() == ';') text.pop_back();
  return Truncate(std::move(text), kMaxErrorBytes);
}

// Retrying the same payload cannot help with these; everything else may be transient.
bool IsPermanent(ErrorCode code) { return code == ErrorCode::kInvalidArgument || code == ErrorCode::kNotFound; }

struct Schedule {
  std::string name;
  CronExpression cron;
  JobSpec spec;
  std::optional<std::int64_t> last_minute;  ///< the last minute evaluated; unset = not yet
};

}  // namespace

struct JobRunner::Impl {
  Impl(db::Database& db, const core::Clock& clock, JobQueue& queue, RunnerOptions options)
      : db(db), clock(clock), queue(queue), options(std::move(options)) {
    if (this->options.runner_id.empty()) this->options.runner_id = DefaultRunnerId();
    this->options.runner_id = Truncate(this->options.runner_id, kMaxRunnerIdBytes);
    this->options.concurrency = std::max(1, this->options.concurrency);
    this->options.claim_batch = std::clamp(this->options.claim_batch, 1, 1000);
  }

  db::Database& db;
  const core::Clock& clock;
  JobQueue& queue;
  RunnerOptions options;
  JobRepository repository;
  std::map<std::string, JobHandler> handlers;
  std::map<std::string, JobBatchHandler> batch_handlers;
  JobObserver observer;
  std::optional<TimeZone> zone;

  // Serialises housekeeping (the housekeeper thread and RunDue may both run it) and guards the
  // schedules and the last_* times. Never taken while `mutex` is held.
  std::mutex housekeeping_mutex;
  std::vector<Schedule> schedules;
  std::optional<std::int64_t> last_reap, last_purge, last_renew;  ///< unset: never yet

  std::mutex mutex;  // guards the thread state below
  std::condition_variable wake_cv;  ///< idle workers wait here for new jobs (or stopping)
  std::condition_variable stop_cv;  ///< the housekeeper waits here for its next tick (or stopping)
  std::condition_variable idle_cv;
  std::uint64_t wake_seq = 0;
  bool started = false;
  bool stopping = false;
  int live_workers = 0;
  std::vector<std::thread> workers;
  std::thread housekeeper;

  std::int64_t LeaseSeconds() const { return std::max<std::int64_t>(1, options.lease.count()); }

  /// Claims the next due job and, when its type has a batch handler, up to `limit` - 1 more due jobs
  /// of that type in the same transaction. Other jobs are claimed one at a time, so a slow one never
  /// holds up jobs claimed with it.
  std::vector<Job> ClaimDue(int limit) {
    const std::int64_t now = clock.NowSeconds();
    auto claimed = db.Write([&](db::Tx& tx) -> Result<std::vector<Job>> {
      const std::int64_t until = now + LeaseSeconds();
      std::vector<Job> jobs = repository.ClaimDue(tx, options.queues, 1, options.runner_id, until, now);
      if (limit > 1 && !jobs.empty() && batch_handlers.contains(jobs.front().type)) {
        std::vector<Job> more =
            repository.ClaimDue(tx, options.queues, limit - 1, options.runner_id, until, now, jobs.front().type);
        std::move(more.begin(), more.end(), std::back_inserter(jobs));
      }
      return jobs;
    });
    if (!claimed) {
      Log()->warn("{\"event\":\"job_claim_failed\",\"error\":\"" + core::JsonEscape(claimed.error().message) + "\"}");
      return {};
    }
    return std::move(claimed).value();
  }

  Status Invoke(const Job& job) {
    const auto handler = handlers.find(job.type);
    // Retried, not dead: a newer binary (or another runner) may know the type.
    if (handler == handlers.end()) return Error::Unavailable("no handler registered for job type " + job.type);
    try {
      return handler->second(job);
    } catch (const std::exception& e) {
      return Error::Internal(std::string("handler threw: ") + e.what());
    } catch (...) {
      return Error::Internal("handler threw a non-standard exception");
    }
  }

  static std::vector<Status> InvokeBatch(const JobBatchHandler& handler, const std::vector<Job>& jobs) {
    try {
      std::vector<Status> results = handler(jobs);
      if (results.size() == jobs.size()) return results;
      return std::vector<Status>(jobs.size(), Error::Internal("batch handler returned " + std::to_string(results.size()) +
                                                              " results for " + std::to_string(jobs.size()) + " jobs"));
    } catch (const std::exception& e) {
      return std::vector<Status>(jobs.size(), Error::Internal(std::string("handler threw: ") + e.what()));
    } catch (...) {
      return std::vector<Status>(jobs.size(), Error::Internal("handler threw a non-standard exception"));
    }
  }

  /// Full jitter: uniform over [1, min(cap, 2^attempts)] seconds, so retries of jobs that failed
  /// together (a provider outage) spread out instead of returning in a herd.
  std::int64_t BackoffSeconds(int attempts) const {
    const std::int64_t cap = std::max<std::int64_t>(1, options.max_backoff.count());
    const std::int64_t ceiling = attempts >= 62 ? cap : std::min<std::int64_t>(cap, std::int64_t{1} << attempts);
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_int_distribution<std::int64_t>(1, std::max<std::int64_t>(1, ceiling))(rng);
  }

  /// Runs what ClaimDue took (jobs of one batch type: one call of their handler; otherwise one job)
  /// and records every outcome in one transaction.
  void Execute(const std::vector<Job>& jobs) {
    std::vector<Status> results;
    std::vector<double> seconds;
    const auto batch = batch_handlers.find(jobs.front().type);
    if (batch != batch_handlers.end()) {
      const auto started_at = std::chrono::steady_clock::now();
      results = InvokeBatch(batch->second, jobs);
      const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
      seconds.assign(jobs.size(), total / static_cast<double>(jobs.size()));
    } else {
      for (const Job& job : jobs) {
        const auto started_at = std::chrono::steady_clock::now();
        results.push_back(Invoke(job));
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count());
      }
    }
    Record(jobs, results, seconds);
  }

  struct Outcome {
    std::string_view name = "done";
    std::string error;
    std::int64_t retry_at = 0;
  };

  Outcome OutcomeOf(const Job& job, const Status& result, std::int64_t now) const {
    Outcome o;
    if (result) return o;
    o.error = ErrorText(result.error());
    const bool last = IsPermanent(result.error().code) || job.attempts >= job.max_attempts;
    o.name = last ? "dead" : "retry";
    if (!last) o.retry_at = now + BackoffSeconds(job.attempts);
    return o;
  }

  void Record(const std::vector<Job>& jobs, const std::vector<Status>& results, const std::vector<double>& seconds) {
    const std::int64_t now = clock.NowSeconds();
    std::vector<Outcome> outcomes;
    outcomes.reserve(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) outcomes.push_back(OutcomeOf(jobs[i], results[i], now));
    auto recorded = db.Write([&](db::Tx& tx) -> Result<std::vector<bool>> {
      std::vector<bool> kept;
      kept.reserve(jobs.size());
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        const Claim claim{jobs[i].id, jobs[i].attempts, options.runner_id};
        const Outcome& o = outcomes[i];
        if (o.name == "done") {
          kept.push_back(repository.MarkDone(tx, claim, now));
        } else if (o.name == "dead") {
          kept.push_back(repository.MarkDead(tx, claim, o.error, now));
        } else {
          kept.push_back(repository.MarkRetry(tx, claim, o.retry_at, o.error, now));
        }
      }
      return kept;
    });
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const Result<bool> kept = recorded ? Result<bool>(bool{(*recorded)[i]}) : Result<bool>(recorded.error());
      LogOutcome(jobs[i], outcomes[i].name, outcomes[i].error, seconds[i], kept);
      if (observer) observer(jobs[i], outcomes[i].name, seconds[i]);
    }
  }

  void LogOutcome(const Job& job, std::string_view outcome, const std::string& error, double seconds,
                  const Result<bool>& recorded) {
    const std::string common = "\"job_id\":" + std::to_string(job.id) + ",\"type\":\"" + core::JsonEscape(job.type) +
                               "\",\"attempt\":" + std::to_string(job.attempts);
    if (!recorded) {
      // The outcome is lost; the lease will expire and the job run again (handlers are idempotent).
      Log()->error("{\"event\":\"job_finish_failed\"," + common + ",\"error\":\"" +
                   core::JsonEscape(recorded.error().message) + "\"}");
    } else if (!*recorded) {
      Log()->warn("{\"event\":\"job_lease_lost\"," + common + "}");
    } else if (outcome == "done") {
      Log()->debug("{\"event\":\"job_done\"," + common + ",\"seconds\":" + std::to_string(seconds) + "}");
    } else {
      Log()->warn("{\"event\":\"job_" + std::string(outcome) + "\"," + common + ",\"error\":\"" +
                  core::JsonEscape(error) + "\"}");
    }
  }

  // ---- housekeeping: leases, reaping, schedules, purge ----

  /// True (and `last` becomes `now`) when `every` seconds have passed since `last`, or never ran.
  static bool Due(std::optional<std::int64_t>& last, std::int64_t now, std::int64_t every) {
    if (last && now - *last < every) return false;
    last = now;
    return true;
  }

  void RenewLeases(std::int64_t now) {
    if (!Due(last_renew, now, std::max<std::int64_t>(1, LeaseSeconds() / 3))) return;
    auto renewed = db.Write([&](db::Tx& tx) -> Result<long long> {
      return repository.RenewLeases(tx, options.runner_id, now + LeaseSeconds(), now);
    });
    if (!renewed) Log()->warn("{\"event\":\"job_lease_renewal_failed\"}");
  }

  void ReapExpired(std::int64_t now, bool force) {
    if (!Due(last_reap, now, force ? 0 : kReapEverySeconds)) return;
    auto reaped = db.Write([&](db::Tx& tx) -> Result<long long> { return repository.ReapExpired(tx, now); });
    if (reaped && *reaped > 0) {
      Log()->warn("{\"event\":\"job_leases_expired\",\"count\":" + std::to_string(*reaped) + "}");
    }
  }

  void PurgeDone(std::int64_t now) {
    if (!Due(last_purge, now, kPurgeEverySeconds)) return;
    const std::int64_t before = now - std::chrono::duration_cast<std::chrono::seconds>(options.done_retention).count();
    auto purged = db.Write([&](db::Tx& tx) -> Result<long long> { return repository.PurgeDone(tx, before, kPurgeBatch); });
    if (purged && *purged > 0) Log()->info("{\"event\":\"jobs_purged\",\"count\":" + std::to_string(*purged) + "}");
  }

  /// Enqueues the occurrences of every schedule since its last evaluation; the unique key
  /// "<name>@<minute>" makes each occurrence one job however many runners evaluate it.
  void EnqueueSchedules(std::int64_t now) {
    if (!zone) return;
    const std::int64_t this_minute = now - ((now % kMinute) + kMinute) % kMinute;
    for (auto& s : schedules) {
      std::int64_t from = s.last_minute ? *s.last_minute + kMinute : this_minute;
      from = std::max(from, this_minute - (kScheduleCatchUpMinutes - 1) * kMinute);
      for (std::int64_t minute = from; minute <= this_minute; minute += kMinute) {
        if (!FiresAt(s.cron, *zone, minute)) continue;
        JobSpec spec = s.spec;
        spec.run_at = minute;
        spec.unique_key = s.name + "@" + std::to_string(minute);
        auto enqueued = queue.Enqueue(spec);
        if (!enqueued) {
          // Not marked evaluated: the next tick tries this occurrence again.
          Log()->warn("{\"event\":\"job_schedule_failed\",\"schedule\":\"" + core::JsonEscape(s.name) + "\"}");
          return;
        }
      }
      s.last_minute = std::max(s.last_minute.value_or(this_minute), this_minute);
    }
  }

  void Housekeep(bool force_reap, bool renew) {
    std::lock_guard lock(housekeeping_mutex);
    const std::int64_t now = clock.NowSeconds();
    if (renew) RenewLeases(now);
    ReapExpired(now, force_reap);
    EnqueueSchedules(now);
    PurgeDone(now);
  }

  // ---- threads ----

  void WorkerLoop() {
    core::NameThisThread("jobs");
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (stopping) break;
        seen = wake_seq;
      }
      if (auto jobs = ClaimDue(options.claim_batch); !jobs.empty()) {
        Execute(jobs);
        continue;
      }
      std::unique_lock lock(mutex);
      wake_cv.wait_for(lock, options.poll_interval, [&] { return stopping || wake_seq != seen; });
    }
    std::lock_guard lock(mutex);
    --live_workers;
    idle_cv.notify_all();
  }

  void HousekeeperLoop() {
    core::NameThisThread("jobs-keeper");
    // Renewal must beat lease expiry by a wide margin, whatever the poll interval.
    const auto tick = std::min<std::chrono::milliseconds>(
        std::max<std::chrono::milliseconds>(options.poll_interval, std::chrono::milliseconds(100)),
        std::chrono::milliseconds(LeaseSeconds() * 1000 / 4 + 1));
    for (;;) {
      Housekeep(false, true);
      std::unique_lock lock(mutex);
      if (stop_cv.wait_for(lock, tick, [&] { return stopping; })) break;
    }
  }
};

JobRunner::JobRunner(db::Database& db, const core::Clock& clock, JobQueue& queue, RunnerOptions options)
    : impl_(std::make_unique<Impl>(db, clock, queue, std::move(options))) {}

JobRunner::~JobRunner() {
  Stop();
  // Workers still inside a handler after the grace period are waited for here: they reference the
  // database and handlers this object's owner is about to destroy.
  for (auto& t : impl_->workers) {
    if (t.joinable()) t.join();
  }
}

void JobRunner::Register(const std::string& type, JobHandler handler) {
  impl_->batch_handlers.erase(type);
  impl_->handlers[type] = std::move(handler);
}

void JobRunner::RegisterBatch(const std::string& type, JobBatchHandler handler) {
  impl_->handlers.erase(type);
  impl_->batch_handlers[type] = std::move(handler);
}

void JobRunner::SetObserver(JobObserver observer) { impl_->observer = std::move(observer); }

Status JobRunner::AddSchedule(const std::string& name, const std::string& cron, JobSpec spec) {
  if (name.empty() || name.size() > 200 || name.find('@') != std::string::npos) {
    return Error::Invalid("name", "a schedule name is 1 to 200 characters without '@'");
  }
  EMP_ASSIGN(CronExpression expression, CronExpression::Parse(cron));
  std::lock_guard lock(impl_->housekeeping_mutex);
  if (!impl_->zone) {
    EMP_ASSIGN(TimeZone zone, TimeZone::Load(impl_->options.timezone));
    impl_->zone = std::move(zone);
  }
  for (const auto& s : impl_->schedules) {
    if (s.name == name) return Error::Conflict("A schedule named " + name + " already exists.");
  }
  impl_->schedules.push_back({name, std::move(expression), std::move(spec)});
  return OkStatus();
}

void JobRunner::Start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->started) return;
  impl_->started = true;
  impl_->live_workers = impl_->options.concurrency;
  for (int i = 0; i < impl_->options.concurrency; ++i) impl_->workers.emplace_back([this] { impl_->WorkerLoop(); });
  impl_->housekeeper = std::thread([this] { impl_->HousekeeperLoop(); });
  Log()->info("{\"event\":\"job_runner_started\",\"runner\":\"" + core::JsonEscape(impl_->options.runner_id) +
              "\",\"concurrency\":" + std::to_string(impl_->options.concurrency) + "}");
}

void JobRunner::Stop(std::chrono::milliseconds grace) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->started || impl_->stopping) return;
  impl_->stopping = true;
  impl_->wake_cv.notify_all();
  impl_->stop_cv.notify_all();
  const bool drained = impl_->idle_cv.wait_for(lock, grace, [&] { return impl_->live_workers == 0; });
  const int still_running = impl_->live_workers;
  lock.unlock();
  if (impl_->housekeeper.joinable()) impl_->housekeeper.join();
  if (drained) {
    for (auto& t : impl_->workers) t.join();
    impl_->workers.clear();
  } else {
    // Their jobs' leases are no longer renewed: another runner takes them over after expiry.
    Log()->warn("{\"event\":\"job_runner_stop_timeout\",\"still_running\":" + std::to_string(still_running) + "}");
  }
}

void JobRunner::Wake() {
  // One worker: it claims a batch of what is due and keeps claiming until nothing is, so a second
  // one is woken only by a second Wake while the first is busy. (Waking them all, and the
  // housekeeper with them, cost each order a write transaction claiming nothing, on the single
  // SQLite writer, and a few context switches.)
  std::lock_guard lock(impl_->mutex);
  ++impl_->wake_seq;
  impl_->wake_cv.notify_one();
}

int JobRunner::RunDue(int max_jobs) {
  impl_->Housekeep(true, false);
  int ran = 0;
  while (ran < max_jobs) {
    auto jobs = impl_->ClaimDue(std::min(impl_->options.claim_batch, max_jobs - ran));
    if (jobs.empty()) break;
    impl_->Execute(jobs);
    ran += static_cast<int>(jobs.size());
  }
  return ran;
}

const std::string& JobRunner::id() const { return impl_->options.runner_id; }

}  // namespace emporium::infra::jobs
