#include "infra/jobs/job_queue.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/cursor.hpp"
#include "db/database.hpp"
#include "infra/jobs/job_repository.hpp"

namespace emporium::infra::jobs {

namespace json = boost::json;

namespace {

// Column widths of the MariaDB schema (V012), checked here so a long value is a 422-style error for
// the caller instead of a strict-mode failure inside its transaction.
constexpr std::size_t kMaxQueue = 64;
constexpr std::size_t kMaxType = 128;
constexpr std::size_t kMaxUniqueKey = 255;
constexpr int kMaxAttemptsLimit = 1000;
constexpr int kMaxListLimit = 100;

bool IsAsciiName(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

Status Validate(const JobSpec& spec) {
  if (spec.type.empty() || spec.type.size() > kMaxType || !IsAsciiName(spec.type)) {
    return Error::Invalid("type", "must be 1 to 128 printable ASCII characters without spaces");
  }
  if (spec.queue.empty() || spec.queue.size() > kMaxQueue || !IsAsciiName(spec.queue)) {
    return Error::Invalid("queue", "must be 1 to 64 printable ASCII characters without spaces");
  }
  if (spec.max_attempts < 1 || spec.max_attempts > kMaxAttemptsLimit) {
    return Error::Invalid("max_attempts", "must be from 1 to 1000");
  }
  if (spec.unique_key && (spec.unique_key->empty() || spec.unique_key->size() > kMaxUniqueKey)) {
    return Error::Invalid("unique_key", "must be 1 to 255 bytes");
  }
  if (spec.run_at < 0) return Error::Invalid("run_at", "must not be negative");
  return OkStatus();
}

json::value OptionalTime(const std::optional<std::int64_t>& t) {
  return t ? json::value(core::FormatRfc3339(*t)) : json::value(nullptr);
}

json::value OptionalString(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

}  // namespace

std::string_view StateName(JobState s) {
  switch (s) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kDead: return "dead";
  }
  return "dead";
}

std::optional<JobState> ParseState(std::string_view s) {
  if (s == "queued") return JobState::kQueued;
  if (s == "running") return JobState::kRunning;
  if (s == "done") return JobState::kDone;
  if (s == "dead") return JobState::kDead;
  return std::nullopt;
}

json::object ToJson(const Job& job) {
  json::object o;
  o["id"] = job.id;
  o["queue"] = job.queue;
  o["type"] = job.type;
  o["payload"] = job.payload;
  o["state"] = StateName(job.state);
  o["run_at"] = core::FormatRfc3339(job.run_at);
  o["priority"] = job.priority;
  o["attempts"] = job.attempts;
  o["max_attempts"] = job.max_attempts;
  o["unique_key"] = OptionalString(job.unique_key);
  o["locked_by"] = OptionalString(job.locked_by);
  o["locked_until"] = OptionalTime(job.locked_until);
  o["last_error"] = OptionalString(job.last_error);
  o["created_at"] = core::FormatRfc3339(job.created_at);
  o["updated_at"] = core::FormatRfc3339(job.updated_at);
  o["finished_at"] = OptionalTime(job.finished_at);
  return o;
}

JobQueue::JobQueue(db::Database& db, const core::Clock& clock)
    : db_(db), clock_(clock), repository_(std::make_unique<JobRepository>()) {}

JobQueue::~JobQueue() = default;

Result<std::optional<std::int64_t>> JobQueue::Enqueue(db::Tx& tx, const JobSpec& spec) {
  EMP_TRY(Validate(spec));
  const std::int64_t now = clock_.NowSeconds();
  const std::int64_t run_at = spec.run_at == 0 ? now : spec.run_at;
  auto id = repository_->Insert(tx, spec, run_at, now);
  // Only a job that is due needs the runner now; a later one is found by its poll.
  if (id && run_at <= now && wake_) tx.AfterCommit(wake_);
  return id;
}

Result<std::optional<std::int64_t>> JobQueue::Enqueue(const JobSpec& spec) {
  return db_.Write([&](db::Tx& tx) { return Enqueue(tx, spec); });
}

Result<QueueStats> JobQueue::Stats() {
  const std::int64_t now = clock_.NowSeconds();
  return db_.Read([&](db::Tx& tx) -> Result<QueueStats> { return repository_->Stats(tx, now); });
}

Result<QueueStats> JobQueue::CachedStats(std::chrono::milliseconds max_age) {
  // Real time, not the injected clock: this bounds how often SQL runs, it is not business time.
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(stats_mutex_);
  if (stats_cache_ && now - stats_cached_at_ < max_age) return *stats_cache_;
  EMP_ASSIGN(QueueStats stats, Stats());
  stats_cache_ = stats;
  stats_cached_at_ = now;
  return stats;
}

Result<Job> JobQueue::Get(std::int64_t id) {
  auto job = db_.ReadStatement([&](db::Tx& tx) -> Result<std::optional<Job>> { return repository_->Find(tx, id); });
  if (!job) return std::move(job).error();
  if (!*job) return Error::NotFound("The job does not exist.");
  return std::move(**job);
}

Result<JobPage> JobQueue::List(const JobFilter& filter) {
  JobFilter query = filter;
  query.limit = std::clamp(filter.limit, 1, kMaxListLimit) + 1;  // one extra row tells whether a next page exists
  EMP_ASSIGN(std::vector<Job> rows,
             db_.ReadStatement([&](db::Tx& tx) -> Result<std::vector<Job>> { return repository_->List(tx, query); }));
  JobPage page;
  const auto limit = static_cast<std::size_t>(query.limit - 1);
  if (rows.size() > limit) {
    rows.resize(limit);
    page.next_cursor = core::EncodeIdCursor(rows.back().id);
  }
  page.items = std::move(rows);
  return page;
}

Result<Job> JobQueue::Retry(db::Tx& tx, std::int64_t id) {
  const std::int64_t now = clock_.NowSeconds();
  if (!repository_->Requeue(tx, id, now)) {
    if (!repository_->Find(tx, id)) return Error::NotFound("The job does not exist.");
    return Error::Conflict("Only a dead job can be retried.");
  }
  if (wake_) tx.AfterCommit(wake_);
  auto job = repository_->Find(tx, id);
  if (!job) return Error::NotFound("The job does not exist.");
  return std::move(*job);
}

Result<Job> JobQueue::Discard(db::Tx& tx, std::int64_t id) {
  auto job = repository_->Find(tx, id);
  if (!job) return Error::NotFound("The job does not exist.");
  if (job->state != JobState::kDead || !repository_->DeleteDead(tx, id)) {
    return Error::Conflict("Only a dead job can be discarded.");
  }
  return std::move(*job);
}

}  // namespace emporium::infra::jobs
