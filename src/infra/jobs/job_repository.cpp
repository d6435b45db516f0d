#include "infra/jobs/job_repository.hpp"

#include <soci/soci.h>

#include <boost/json/parse.hpp>

#include "core/json_text.hpp"
#include "db/binds.hpp"
#include "db/rows.hpp"

namespace emporium::infra::jobs {
namespace {

constexpr const char* kColumns =
    "id, queue, type, payload, run_at, priority, attempts, max_attempts, state, unique_key, locked_by, "
    "locked_until, last_error, created_at, updated_at, finished_at";

constexpr const char* kInsertColumns =
    "INSERT INTO jobs (queue, type, payload, run_at, priority, attempts, max_attempts, state, unique_key, "
    "created_at, updated_at) VALUES (:queue, :type, :payload, :run_at, :priority, 0, :max_attempts, 'queued', "
    ":unique_key, :created_at, :updated_at)";
// SQLite skips a duplicate unique key in the statement itself; MariaDB reports it (1062) and keeps the
// transaction open, so the caller's transaction survives either way.
constexpr const char* kInsertSqliteTail = " ON CONFLICT (unique_key) DO NOTHING";

constexpr const char* kSelectById = " FROM jobs WHERE id = :id";

// The claim reads the claim index in its own order (jobs_claim_idx: state, priority DESC, run_at, id)
// and stops after LIMIT rows.
constexpr const char* kSelectDue =
    "SELECT id FROM jobs WHERE state = 'queued' AND run_at <= :now";
constexpr const char* kSelectDueOrder = " ORDER BY priority DESC, run_at, id LIMIT :limit";
constexpr const char* kSkipLocked = " FOR UPDATE SKIP LOCKED";

constexpr const char* kMarkRunning =
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = :runner, locked_until = :until, "
    "updated_at = :now WHERE state = 'queued' AND id IN ";
constexpr const char* kSelectClaimed = " FROM jobs WHERE state = 'running' AND locked_by = :runner AND id IN ";

constexpr const char* kFence = " WHERE id = :id AND state = 'running' AND locked_by = :runner AND attempts = :attempt";
constexpr const char* kMarkDone =
    "UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, finished_at = :now1, updated_at = :now2";
constexpr const char* kMarkRetry =
    "UPDATE jobs SET state = 'queued', run_at = :run_at, locked_by = NULL, locked_until = NULL, last_error = :error, "
    "updated_at = :now";
constexpr const char* kMarkDead =
    "UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, last_error = :error, finished_at = :now1, "
    "updated_at = :now2";

constexpr const char* kRenew =
    "UPDATE jobs SET locked_until = :until, updated_at = :now WHERE state = 'running' AND locked_by = :runner";

// The attempt of a runner that stopped renewing its lease counts (attempts was incremented when it
// was claimed): a job that crashes every runner it touches ends dead instead of looping forever.
constexpr const char* kReapToDead =
    "UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, last_error = :error, "
    "finished_at = :now1, updated_at = :now2 WHERE state = 'running' AND locked_until < :now3 "
    "AND attempts >= max_attempts";
constexpr const char* kReapToQueued =
    "UPDATE jobs SET state = 'queued', run_at = :now1, locked_by = NULL, locked_until = NULL, last_error = :error, "
    "updated_at = :now2 WHERE state = 'running' AND locked_until < :now3";
constexpr const char* kLeaseExpired = "lease expired: the runner stopped renewing it (crashed or stalled)";

// MariaDB cannot LIMIT an IN-subquery, SQLite (as built by Debian) cannot LIMIT a DELETE.
constexpr const char* kPurgeSqlite =
    "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'done' AND finished_at < :before LIMIT :limit)";
constexpr const char* kPurgeMariaDb = "DELETE FROM jobs WHERE state = 'done' AND finished_at < :before LIMIT :limit";

constexpr const char* kCountByState =
    "SELECT state, COUNT(*) FROM jobs WHERE state IN ('queued', 'running', 'dead') GROUP BY state";
constexpr const char* kCountDue = "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND run_at <= :now";

constexpr const char* kRequeue =
    "UPDATE jobs SET state = 'queued', attempts = 0, run_at = :now1, finished_at = NULL, updated_at = :now2 "
    "WHERE id = :id AND state = 'dead'";
constexpr const char* kDeleteDead = "DELETE FROM jobs WHERE id = :id AND state = 'dead'";

std::string Select(const char* tail) { return std::string("SELECT ") + kColumns + tail; }

Job ReadJob(const db::Row& r) {
  Job j;
  j.id = db::RowInt(r, 0);
  j.queue = db::RowStr(r, 1);
  j.type = db::RowStr(r, 2);
  boost::system::error_code ec;
  auto payload = boost::json::parse(db::RowStr(r, 3), ec);
  if (!ec && payload.is_object()) j.payload = std::move(payload.as_object());
  j.run_at = db::RowInt(r, 4);
  j.priority = static_cast<int>(db::RowInt(r, 5));
  j.attempts = static_cast<int>(db::RowInt(r, 6));
  j.max_attempts = static_cast<int>(db::RowInt(r, 7));
  j.state = ParseState(db::RowStr(r, 8)).value_or(JobState::kDead);
  j.unique_key = db::RowOptStr(r, 9);
  j.locked_by = db::RowOptStr(r, 10);
  j.locked_until = db::RowOptInt(r, 11);
  j.last_error = db::RowOptStr(r, 12);
  j.created_at = db::RowInt(r, 13);
  j.updated_at = db::RowInt(r, 14);
  j.finished_at = db::RowOptInt(r, 15);
  return j;
}

std::vector<Job> ReadJobs(db::Tx& tx, const std::string& sql, db::Binds binds) {
  std::vector<Job> out;
  db::Rows(tx, sql, std::move(binds), [&](const db::Row& r) { out.push_back(ReadJob(r)); });
  return out;
}

db::Binds FenceBinds(db::Binds binds, const Claim& c) {
  binds.Int(c.id).Str(c.runner).Int(c.attempt);
  return binds;
}

}  // namespace

std::optional<std::int64_t> JobRepository::Insert(db::Tx& tx, const JobSpec& spec, std::int64_t run_at,
                                                  std::int64_t now) const {
  db::Binds binds;
  binds.Str(spec.queue)
      .Str(spec.type)
      .Str(core::JsonText(spec.payload))
      .Int(run_at)
      .Int(spec.priority)
      .Int(spec.max_attempts)
      .OptStr(spec.unique_key)
      .Int(now)
      .Int(now);
  const bool sqlite = tx.dialect == db::Dialect::kSqlite;
  try {
    return db::InsertOne(tx, std::string(kInsertColumns) + (sqlite ? kInsertSqliteTail : ""), std::move(binds));
  } catch (const std::exception& e) {
    if (sqlite || !spec.unique_key || !db::IsUniqueViolation(e)) throw;
  }
  return std::nullopt;
}

std::optional<Job> JobRepository::Find(db::Tx& tx, std::int64_t id) const {
  db::Binds binds;
  binds.Int(id);
  auto jobs = ReadJobs(tx, Select(kSelectById), std::move(binds));
  if (jobs.empty()) return std::nullopt;
  return std::move(jobs.front());
}

std::vector<Job> JobRepository::List(db::Tx& tx, const JobFilter& f) const {
  std::string sql = Select(" FROM jobs WHERE id < :before");
  db::Binds binds;
  binds.Int(f.before_id.value_or(INT64_MAX));
  if (f.state) {
    sql += " AND state = :state";
    binds.Str(std::string(StateName(*f.state)));
  }
  if (f.type) {
    sql += " AND type = :type";
    binds.Str(*f.type);
  }
  sql += " ORDER BY id DESC LIMIT :limit";
  binds.Int(f.limit);
  return ReadJobs(tx, sql, std::move(binds));
}

std::vector<Job> JobRepository::ClaimDue(db::Tx& tx, const std::vector<std::string>& queues, int limit,
                                         const std::string& runner, std::int64_t locked_until, std::int64_t now,
                                         const std::optional<std::string>& type) const {
  std::string sql = kSelectDue;
  db::Binds select_binds;
  select_binds.Int(now);
  if (!queues.empty()) {
    sql += " AND queue IN " + db::NamedList("q", queues.size());
    for (const auto& q : queues) select_binds.Str(q);
  }
  if (type) {
    sql += " AND type = :type";
    select_binds.Str(*type);
  }
  sql += kSelectDueOrder;
  select_binds.Int(limit);
  if (tx.dialect == db::Dialect::kMariaDb) sql += kSkipLocked;

  std::vector<std::int64_t> ids;
  db::Rows(tx, sql, std::move(select_binds), [&](const db::Row& r) { ids.push_back(db::RowInt(r, 0)); });
  if (ids.empty()) return {};

  const std::string id_list = db::NamedList("id", ids.size());
  db::Binds update_binds;
  update_binds.Str(runner).Int(locked_until).Int(now).Ints(ids);
  db::Exec(tx, kMarkRunning + id_list, std::move(update_binds));

  db::Binds claimed_binds;
  claimed_binds.Str(runner).Ints(ids);
  return ReadJobs(tx, Select(kSelectClaimed) + id_list + " ORDER BY priority DESC, run_at, id",
                  std::move(claimed_binds));
}

bool JobRepository::MarkDone(db::Tx& tx, const Claim& claim, std::int64_t now) const {
  db::Binds binds;
  binds.Int(now).Int(now);
  return db::Exec(tx, std::string(kMarkDone) + kFence, FenceBinds(std::move(binds), claim)) == 1;
}

bool JobRepository::MarkRetry(db::Tx& tx, const Claim& claim, std::int64_t run_at, const std::string& error,
                              std::int64_t now) const {
  db::Binds binds;
  binds.Int(run_at).Str(error).Int(now);
  return db::Exec(tx, std::string(kMarkRetry) + kFence, FenceBinds(std::move(binds), claim)) == 1;
}

bool JobRepository::MarkDead(db::Tx& tx, const Claim& claim, const std::string& error, std::int64_t now) const {
  db::Binds binds;
  binds.Str(error).Int(now).Int(now);
  return db::Exec(tx, std::string(kMarkDead) + kFence, FenceBinds(std::move(binds), claim)) == 1;
}

long long JobRepository::RenewLeases(db::Tx& tx, const std::string& runner, std::int64_t locked_until,
                                     std::int64_t now) const {
  db::Binds binds;
  binds.Int(locked_until).Int(now).Str(runner);
  return db::Exec(tx, kRenew, std::move(binds));
}

long long JobRepository::ReapExpired(db::Tx& tx, std::int64_t now) const {
  db::Binds dead;
  dead.Str(kLeaseExpired).Int(now).Int(now).Int(now);
  const long long to_dead = db::Exec(tx, kReapToDead, std::move(dead));
  db::Binds queued;
  queued.Int(now).Str(kLeaseExpired).Int(now).Int(now);
  return to_dead + db::Exec(tx, kReapToQueued, std::move(queued));
}

long long JobRepository::PurgeDone(db::Tx& tx, std::int64_t before, int limit) const {
  db::Binds binds;
  binds.Int(before).Int(limit);
  return db::Exec(tx, tx.dialect == db::Dialect::kSqlite ? kPurgeSqlite : kPurgeMariaDb, std::move(binds));
}

QueueStats JobRepository::Stats(db::Tx& tx, std::int64_t now) const {
  QueueStats s;
  db::Rows(tx, kCountByState, db::Binds(), [&](const db::Row& r) {
    const auto state = ParseState(db::RowStr(r, 0));
    const auto count = db::RowInt(r, 1);
    if (state == JobState::kQueued) s.queued = count;
    if (state == JobState::kRunning) s.running = count;
    if (state == JobState::kDead) s.dead = count;
  });
  db::Binds due;
  due.Int(now);
  db::Rows(tx, kCountDue, std::move(due), [&](const db::Row& r) { s.due = db::RowInt(r, 0); });
  return s;
}

bool JobRepository::Requeue(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  db::Binds binds;
  binds.Int(now).Int(now).Int(id);
  return db::Exec(tx, kRequeue, std::move(binds)) == 1;
}

bool JobRepository::DeleteDead(db::Tx& tx, std::int64_t id) const {
  db::Binds binds;
  binds.Int(id);
  return db::Exec(tx, kDeleteDead, std::move(binds)) == 1;
}

}  // namespace emporium::infra::jobs
