#pragma once
// SQL of the `jobs` table; private to infra/jobs. Every method runs inside the caller's Tx.
//
// Fencing: a runner finishes or renews only the attempt it claimed — the UPDATE matches id, state
// 'running', locked_by and the attempt number — so a runner that lost its lease (it stalled, the
// reaper re-queued the job and another runner took it) cannot overwrite the newer attempt's result.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "infra/jobs/job_queue.hpp"

namespace emporium::infra::jobs {

/// The attempt a runner holds: what it must match to finish or renew it.
struct Claim {
  std::int64_t id = 0;
  int attempt = 0;
  std::string runner;
};

class JobRepository {
 public:
  /// Inserts a queued job; nullopt when its unique key is taken (the transaction stays usable).
  std::optional<std::int64_t> Insert(db::Tx& tx, const JobSpec& spec, std::int64_t run_at, std::int64_t now) const;
  std::optional<Job> Find(db::Tx& tx, std::int64_t id) const;
  /// Newest first, at most filter.limit rows.
  std::vector<Job> List(db::Tx& tx, const JobFilter& filter) const;

  /// Takes up to `limit` due queued jobs (of `queues`, or any when empty) for `runner`: state
  /// running, attempts + 1, locked until `locked_until`. MariaDB skips rows other runners are
  /// claiming (FOR UPDATE SKIP LOCKED); on SQLite the write lock serialises claims.
  /// With `type`, only jobs of that type.
  std::vector<Job> ClaimDue(db::Tx& tx, const std::vector<std::string>& queues, int limit, const std::string& runner,
                            std::int64_t locked_until, std::int64_t now,
                            const std::optional<std::string>& type = std::nullopt) const;

  bool MarkDone(db::Tx& tx, const Claim& claim, std::int64_t now) const;
  bool MarkRetry(db::Tx& tx, const Claim& claim, std::int64_t run_at, const std::string& error, std::int64_t now) const;
  bool MarkDead(db::Tx& tx, const Claim& claim, const std::string& error, std::int64_t now) const;

  /// Extends the lease of every job `runner` is running; returns how many.
  long long RenewLeases(db::Tx& tx, const std::string& runner, std::int64_t locked_until, std::int64_t now) const;
  /// Running jobs whose lease expired: back to queued (due now), or dead when no attempt is left.
  long long ReapExpired(db::Tx& tx, std::int64_t now) const;
  /// Deletes up to `limit` done jobs finished before `before`; returns how many.
  long long PurgeDone(db::Tx& tx, std::int64_t before, int limit) const;

  QueueStats Stats(db::Tx& tx, std::int64_t now) const;

  /// dead → queued with attempts 0, due `now`. False when the job is not dead (or absent).
  bool Requeue(db::Tx& tx, std::int64_t id, std::int64_t now) const;
  /// Deletes a dead job. False when the job is not dead (or absent).
  bool DeleteDead(db::Tx& tx, std::int64_t id) const;
};

}  // namespace emporium::infra::jobs
