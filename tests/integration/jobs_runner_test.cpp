// The durable job queue and runner on the test database (SQLite and MariaDB): enqueue in the
// caller's transaction, unique keys, retries with backoff, permanent failures, lease expiry after a
// crashed runner, schedules, purge, draining Stop, and two runners sharing one queue.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/clock.hpp"
#include "infra/jobs/job_queue.hpp"
#include "support/test_database.hpp"

namespace emporium::infra::jobs {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::int64_t kStart = 1'800'000'000;  // 2027-01-15T08:00:00Z

JobSpec Spec(std::string type, json::object payload = {}) {
  JobSpec spec;
  spec.type = std::move(type);
  spec.payload = std::move(payload);
  return spec;
}

class JobsRunner : public test::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    queue_ = std::make_unique<JobQueue>(db(), clock_);
  }
  void TearDown() override {
    queue_.reset();
    DatabaseTest::TearDown();
  }

  std::unique_ptr<JobRunner> Runner(std::string id, RunnerOptions options = {}) {
    options.runner_id = std::move(id);
    return std::make_unique<JobRunner>(db(), clock_, *queue_, std::move(options));
  }

  std::int64_t Enqueue(JobSpec spec) {
    auto id = queue_->Enqueue(spec);
    EXPECT_TRUE(id && *id) << (id ? "duplicate" : id.error().message);
    return id && *id ? **id : 0;
  }

  Job Get(std::int64_t id) {
    auto job = queue_->Get(id);
    EXPECT_TRUE(job) << "job " << id << " is missing";
    return job ? *job : Job{};
  }

  core::ManualClock clock_{kStart};
  std::unique_ptr<JobQueue> queue_;
};

TEST_F(JobsRunner, RunsADueJobOnceWithItsPayloadAndMarksItDone) {
  auto runner = Runner("a");
  std::vector<std::int64_t> seen;
  runner->Register("greet", [&](const Job& job) -> Status {
    seen.push_back(job.payload.at("n").as_int64());
    EXPECT_EQ(job.state, JobState::kRunning);
    EXPECT_EQ(job.attempts, 1);
    EXPECT_EQ(job.locked_by, std::optional<std::string>("a"));
    return OkStatus();
  });
  const auto id = Enqueue(Spec("greet", {{"n", 42}}));

  EXPECT_EQ(runner->RunDue(), 1);
  EXPECT_EQ(runner->RunDue(), 0);
  EXPECT_EQ(seen, std::vector<std::int64_t>{42});
  const Job job = Get(id);
  EXPECT_EQ(job.state, JobState::kDone);
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(job.finished_at, std::optional<std::int64_t>(kStart));
  EXPECT_EQ(job.locked_by, std::nullopt);
}

TEST_F(JobsRunner, ABatchHandlerGetsTheClaimedJobsOfItsTypeTogetherAndEachOutcomeIsKept) {
  auto runner = Runner("a", RunnerOptions{.claim_batch = 8});
  std::vector<std::vector<std::string>> batches;
  runner->RegisterBatch("mail", [&](const std::vector<Job>& jobs) {
    std::vector<std::string> names;
    std::vector<Status> results;
    for (const Job& job : jobs) {
      EXPECT_EQ(job.state, JobState::kRunning);
      const std::string name(job.payload.at("name").as_string());
      names.push_back(name);
      if (name == "flaky") {
        results.emplace_back(Error::Unavailable("server busy"));
      } else if (name == "bad") {
        results.emplace_back(Error::Invalid("to", "is not an address"));
      } else {
        results.emplace_back(OkStatus());
      }
    }
    batches.push_back(names);
    return results;
  });
  std::vector<std::string> singles;
  runner->Register("other", [&](const Job& job) -> Status {
    singles.emplace_back(job.payload.at("name").as_string());
    return OkStatus();
  });
  // The transactions of a run that finds nothing (housekeeping, the empty claim), to subtract.
  EXPECT_EQ(runner->RunDue(), 0);
  auto before = db().Stats().transactions;
  EXPECT_EQ(runner->RunDue(), 0);
  const auto empty_run = db().Stats().transactions - before;

  const auto a = Enqueue(Spec("mail", {{"name", "a"}}));
  const auto o1 = Enqueue(Spec("other", {{"name", "o1"}}));
  const auto flaky = Enqueue(Spec("mail", {{"name", "flaky"}}));
  const auto bad = Enqueue(Spec("mail", {{"name", "bad"}}));
  const auto o2 = Enqueue(Spec("other", {{"name", "o2"}}));
  const auto b = Enqueue(Spec("mail", {{"name", "b"}}));

  before = db().Stats().transactions;
  EXPECT_EQ(runner->RunDue(), 6);
  // The four mails: one claim and one record; each other job: a claim and a record of its own.
  EXPECT_EQ(db().Stats().transactions - before, empty_run + 6);
  EXPECT_EQ(batches, (std::vector<std::vector<std::string>>{{"a", "flaky", "bad", "b"}}));
  EXPECT_EQ(singles, (std::vector<std::string>{"o1", "o2"}));
  for (auto id : {a, b, o1, o2}) EXPECT_EQ(Get(id).state, JobState::kDone) << id;
  EXPECT_EQ(Get(flaky).state, JobState::kQueued);
  EXPECT_EQ(Get(flaky).last_error, std::optional<std::string>("server busy"));
  EXPECT_EQ(Get(bad).state, JobState::kDead);
}

TEST_F(JobsRunner, JobsWithoutABatchHandlerAreClaimedOneAtATime) {
  // So that a slow job never holds up others claimed with it while another thread could run them.
  auto runner = Runner("a", RunnerOptions{.claim_batch = 8});
  std::vector<JobState> second_while_first_ran;
  std::int64_t second = 0;
  runner->Register("slow", [&](const Job&) -> Status {
    if (second_while_first_ran.empty()) second_while_first_ran.push_back(Get(second).state);
    return OkStatus();
  });
  Enqueue(Spec("slow"));
  second = Enqueue(Spec("slow"));
  EXPECT_EQ(runner->RunDue(), 2);
  EXPECT_EQ(second_while_first_ran, std::vector<JobState>{JobState::kQueued});
  EXPECT_EQ(Get(second).state, JobState::kDone);
}

TEST_F(JobsRunner, ABatchHandlerThatThrowsOrMiscountsFailsEveryJobOfItsBatch) {
  auto runner = Runner("a", RunnerOptions{.claim_batch = 4});
  bool miscount = false;
  runner->RegisterBatch("t", [&](const std::vector<Job>& jobs) -> std::vector<Status> {
    if (miscount) return {OkStatus()};
    throw std::runtime_error("boom");
  });
  const auto first = Enqueue(Spec("t"));
  const auto second = Enqueue(Spec("t"));
  EXPECT_EQ(runner->RunDue(), 2);
  for (auto id : {first, second}) {
    EXPECT_EQ(Get(id).state, JobState::kQueued);
    EXPECT_EQ(Get(id).last_error, std::optional<std::string>("handler threw: boom"));
  }
  miscount = true;
  clock_.Advance(3600s);
  EXPECT_EQ(runner->RunDue(), 2);
  for (auto id : {first, second}) {
    EXPECT_EQ(Get(id).state, JobState::kQueued);
    EXPECT_EQ(Get(id).last_error, std::optional<std::string>("batch handler returned 1 results for 2 jobs"));
  }
}

TEST_F(JobsRunner, RunsHigherPriorityFirstAndLeavesFutureJobsAlone) {
  auto runner = Runner("a");
  std::vector<std::string> order;
  runner->Register("t", [&](const Job& job) -> Status {
    order.emplace_back(job.payload.at("name").as_string());
    return OkStatus();
  });
  auto low = Spec("t", {{"name", "low"}});
  auto high = Spec("t", {{"name", "high"}});
  high.priority = 10;
  auto later = Spec("t", {{"name", "later"}});
  later.run_at = kStart + 60;
  later.priority = 100;
  Enqueue(low);
  Enqueue(later);
  Enqueue(high);

  EXPECT_EQ(runner->RunDue(), 2);
  EXPECT_EQ(order, (std::vector<std::string>{"high", "low"}));
  clock_.Advance(60s);
  EXPECT_EQ(runner->RunDue(), 1);
  EXPECT_EQ(order.back(), "later");
}

TEST_F(JobsRunner, DuplicateUniqueKeyIsANoOpEvenAfterTheJobIsDone) {
  auto runner = Runner("a");
  int runs = 0;
  runner->Register("receipt", [&](const Job&) -> Status {
    ++runs;
    return OkStatus();
  });
  auto spec = Spec("receipt", {{"order_id", 42}});
  spec.unique_key = "mail:receipt:42";
  const auto first = queue_->Enqueue(spec);
  ASSERT_TRUE(first && *first);
  const auto second = queue_->Enqueue(spec);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*second, std::nullopt);

  EXPECT_EQ(runner->RunDue(), 1);
  const auto after_done = queue_->Enqueue(spec);
  ASSERT_TRUE(after_done);
  EXPECT_EQ(*after_done, std::nullopt);
  EXPECT_EQ(runner->RunDue(), 0);
  EXPECT_EQ(runs, 1);
}

TEST_F(JobsRunner, ADuplicateInsideATransactionDoesNotAbortIt) {
  auto spec = Spec("t");
  spec.unique_key = "k";
  auto result = db().Write([&](db::Tx& tx) -> Result<int> {
    EMP_ASSIGN(auto first, queue_->Enqueue(tx, spec));
    EMP_ASSIGN(auto duplicate, queue_->Enqueue(tx, spec));
    EMP_ASSIGN(auto other, queue_->Enqueue(tx, Spec("t")));
    return (first ? 1 : 0) + (duplicate ? 10 : 0) + (other ? 100 : 0);
  });
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(*result, 101);
  EXPECT_EQ(queue_->Stats()->queued, 2);
}

TEST_F(JobsRunner, EnqueueRollsBackWithItsTransactionAndWakesOnlyAfterCommit) {
  int wakes = 0;
  queue_->SetWakeHook([&] { ++wakes; });
  auto rolled_back = db().Write([&](db::Tx& tx) -> Status {
    EMP_TRY(queue_->Enqueue(tx, Spec("t")));
    return Error::Conflict("the business change failed");
  });
  EXPECT_FALSE(rolled_back);
  EXPECT_EQ(queue_->Stats()->queued, 0);
  EXPECT_EQ(wakes, 0);

  Enqueue(Spec("t"));
  EXPECT_EQ(wakes, 1);
  auto later = Spec("t");
  later.run_at = kStart + 3600;
  Enqueue(later);
  EXPECT_EQ(wakes, 1) << "a job that is not due yet needs no wake-up";
  EXPECT_EQ(queue_->Stats()->queued, 2);
  EXPECT_EQ(queue_->Stats()->due, 1);
}

TEST_F(JobsRunner, RejectsInvalidSpecs) {
  auto no_type = queue_->Enqueue(Spec(""));
  ASSERT_FALSE(no_type);
  EXPECT_EQ(no_type.error().field, "type");
  auto spec = Spec("t");
  spec.max_attempts = 0;
  EXPECT_EQ(queue_->Enqueue(spec).error().field, "max_attempts");
  spec = Spec("t");
  spec.unique_key = std::string(256, 'k');
  EXPECT_EQ(queue_->Enqueue(spec).error().field, "unique_key");
  EXPECT_EQ(queue_->Stats()->queued, 0);
}

TEST_F(JobsRunner, RetriesWithExponentialBackoffThenKeepsTheDeadJobAndItsError) {
  auto runner = Runner("a");
  int runs = 0;
  runner->Register("flaky", [&](const Job&) -> Status {
    ++runs;
    return Error::Unavailable("provider down (attempt " + std::to_string(runs) + ")");
  });
  auto spec = Spec("flaky");
  spec.max_attempts = 3;
  const auto id = Enqueue(spec);

  EXPECT_EQ(runner->RunDue(), 1);
  Job job = Get(id);
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(job.last_error, std::optional<std::string>("provider down (attempt 1)"));
  EXPECT_GE(job.run_at, kStart + 1);
  EXPECT_LE(job.run_at, kStart + 2);  // 2^1 s
  EXPECT_EQ(runner->RunDue(), 0) << "not due before its backoff";

  clock_.Set(job.run_at);
  EXPECT_EQ(runner->RunDue(), 1);
  job = Get(id);
  EXPECT_EQ(job.attempts, 2);
  EXPECT_GE(job.run_at, clock_.NowSeconds() + 1);
  EXPECT_LE(job.run_at, clock_.NowSeconds() + 4);  // 2^2 s

  clock_.Set(job.run_at);
  EXPECT_EQ(runner->RunDue(), 1);
  job = Get(id);
  EXPECT_EQ(job.state, JobState::kDead);
  EXPECT_EQ(job.attempts, 3);
  EXPECT_EQ(job.last_error, std::optional<std::string>("provider down (attempt 3)"));
  EXPECT_EQ(job.finished_at, std::optional<std::int64_t>(clock_.NowSeconds()));
  clock_.Advance(24h);
  EXPECT_EQ(runner->RunDue(), 0);
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(queue_->Stats()->dead, 1);
}

TEST_F(JobsRunner, BackoffIsCappedAndJittered) {
  RunnerOptions options;
  options.max_backoff = 5s;
  auto runner = Runner("a", options);
  runner->Register("flaky", [](const Job&) -> Status { return Error::Unavailable("down"); });
  std::set<std::int64_t> delays;
  for (int i = 0; i < 20; ++i) {
    auto spec = Spec("flaky");
    spec.max_attempts = 7;
    const auto id = Enqueue(spec);
    for (int attempt = 1; attempt <= 6; ++attempt) {
      EXPECT_EQ(runner->RunDue(1), 1);
      const Job job = Get(id);
      ASSERT_EQ(job.attempts, attempt);
      const auto delay = job.run_at - clock_.NowSeconds();
      EXPECT_GE(delay, 1);
      EXPECT_LE(delay, 5);
      if (attempt == 6) delays.insert(delay);  // 2^6 s, capped to 5
      clock_.Set(job.run_at);
    }
    EXPECT_EQ(runner->RunDue(1), 1);  // the 7th and last attempt: dead, out of the way of the next job
    EXPECT_EQ(Get(id).state, JobState::kDead);
  }
  EXPECT_GT(delays.size(), 1u) << "full jitter spreads the retries";
}

TEST_F(JobsRunner, PermanentErrorsGoStraightToDead) {
  auto runner = Runner("a");
  runner->Register("bad", [](const Job&) -> Status { return Error::Invalid("order_id", "no such order"); });
  runner->Register("gone", [](const Job&) -> Status { return Error::NotFound("The order does not exist."); });
  const auto bad = Enqueue(Spec("bad"));
  const auto gone = Enqueue(Spec("gone"));
  EXPECT_EQ(runner->RunDue(), 2);
  EXPECT_EQ(Get(bad).state, JobState::kDead);
  EXPECT_EQ(Get(bad).attempts, 1);
  EXPECT_EQ(Get(bad).last_error, std::optional<std::string>("The request has invalid fields. order_id: no such order"));
  EXPECT_EQ(Get(gone).state, JobState::kDead);
}

TEST_F(JobsRunner, UnknownTypesAndThrowingHandlersAreRetried) {
  auto runner = Runner("a");
  runner->Register("throws", [](const Job&) -> Status { throw std::runtime_error("boom"); });
  const auto unknown = Enqueue(Spec("not.registered"));
  const auto throws = Enqueue(Spec("throws"));
  EXPECT_EQ(runner->RunDue(), 2);
  EXPECT_EQ(Get(unknown).state, JobState::kQueued);
  EXPECT_EQ(Get(unknown).last_error, std::optional<std::string>("no handler registered for job type not.registered"));
  EXPECT_EQ(Get(throws).state, JobState::kQueued);
  EXPECT_EQ(Get(throws).last_error, std::optional<std::string>("handler threw: boom"));
}

// Runner A claims a job and stalls inside the handler (as if its process were frozen or killed);
// once the lease has expired runner B takes the job over, and A's late result is discarded.
TEST_F(JobsRunner, ACrashedRunnersJobIsTakenOverAfterItsLeaseExpires) {
  RunnerOptions options;
  options.lease = 60s;
  auto a = Runner("runner-a", options);
  auto b = Runner("runner-b", options);
  std::promise<void> a_started, release_a;
  auto release = release_a.get_future().share();
  a->Register("charge", [&](const Job&) -> Status {
    a_started.set_value();
    release.wait();
    return OkStatus();
  });
  std::vector<int> b_attempts;
  b->Register("charge", [&](const Job& job) -> Status {
    b_attempts.push_back(job.attempts);
    return OkStatus();
  });
  const auto id = Enqueue(Spec("charge"));

  auto a_run = std::async(std::launch::async, [&] { return a->RunDue(1); });
  a_started.get_future().wait();
  EXPECT_EQ(Get(id).locked_by, std::optional<std::string>("runner-a"));
  EXPECT_EQ(b->RunDue(), 0) << "the lease still holds";

  clock_.Advance(61s);
  EXPECT_EQ(b->RunDue(), 1);
  EXPECT_EQ(b_attempts, std::vector<int>{2}) << "the crashed attempt counts";
  Job job = Get(id);
  EXPECT_EQ(job.state, JobState::kDone);
  EXPECT_EQ(job.last_error, std::optional<std::string>("lease expired: the runner stopped renewing it (crashed or stalled)"));

  release_a.set_value();
  EXPECT_EQ(a_run.get(), 1);
  job = Get(id);
  EXPECT_EQ(job.state, JobState::kDone);
  EXPECT_EQ(job.attempts, 2) << "A's late outcome must not overwrite B's";
}

TEST_F(JobsRunner, AJobThatCrashesItsLastAttemptIsDead) {
  RunnerOptions options;
  options.lease = 30s;
  auto a = Runner("runner-a", options);
  auto b = Runner("runner-b", options);
  std::promise<void> a_started, release_a;
  auto release = release_a.get_future().share();
  a->Register("t", [&](const Job&) -> Status {
    a_started.set_value();
    release.wait();
    return OkStatus();
  });
  int b_runs = 0;
  b->Register("t", [&](const Job&) -> Status {
    ++b_runs;
    return OkStatus();
  });
  auto spec = Spec("t");
  spec.max_attempts = 1;
  const auto id = Enqueue(spec);
  auto a_run = std::async(std::launch::async, [&] { return a->RunDue(1); });
  a_started.get_future().wait();
  clock_.Advance(31s);
  EXPECT_EQ(b->RunDue(), 0);
  EXPECT_EQ(b_runs, 0);
  EXPECT_EQ(Get(id).state, JobState::kDead);
  release_a.set_value();
  a_run.get();
  EXPECT_EQ(Get(id).state, JobState::kDead);
}

TEST_F(JobsRunner, ARunningJobKeepsItsLeaseWhileTheHandlerWorks) {
  core::SystemClock real;
  JobQueue queue(db(), real);
  RunnerOptions options;
  options.lease = 2s;
  options.poll_interval = 50ms;
  options.runner_id = "slow";
  JobRunner slow(db(), real, queue, options);
  std::atomic<bool> started{false};
  slow.Register("slow", [&](const Job&) -> Status {
    started = true;
    std::this_thread::sleep_for(3500ms);  // well past the 2 s lease: renewals must keep it
    return OkStatus();
  });
  options.runner_id = "thief";
  JobRunner thief(db(), real, queue, options);
  int stolen = 0;
  thief.Register("slow", [&](const Job&) -> Status {
    ++stolen;
    return OkStatus();
  });
  auto id = queue.Enqueue(Spec("slow"));
  ASSERT_TRUE(id && *id);
  slow.Start();
  while (!started) std::this_thread::sleep_for(10ms);
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(400ms);
    thief.RunDue();
  }
  slow.Stop(5s);
  EXPECT_EQ(stolen, 0);
  auto job = queue.Get(**id);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->state, JobState::kDone);
  EXPECT_EQ(job->attempts, 1);
}

TEST_F(JobsRunner, StopWaitsForRunningJobsWithinTheGracePeriod) {
  core::SystemClock real;
  JobQueue queue(db(), real);
  RunnerOptions options;
  options.poll_interval = 20ms;
  options.concurrency = 2;
  JobRunner runner(db(), real, queue, options);
  queue.SetWakeHook([&] { runner.Wake(); });
  std::atomic<int> started{0};
  runner.Register("slow", [&](const Job&) -> Status {
    ++started;
    std::this_thread::sleep_for(300ms);
    return OkStatus();
  });
  runner.Start();
  auto first = queue.Enqueue(Spec("slow"));
  auto second = queue.Enqueue(Spec("slow"));
  while (started < 2) std::this_thread::sleep_for(5ms);
  runner.Stop(5s);
  EXPECT_EQ(queue.Get(**first)->state, JobState::kDone);
  EXPECT_EQ(queue.Get(**second)->state, JobState::kDone);
  auto stats = queue.Stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->running, 0);
}

TEST_F(JobsRunner, SchedulesEnqueueEachOccurrenceOnceAcrossRunnersInTheStoreTimeZone) {
  RunnerOptions options;
  options.timezone = "Europe/Berlin";
  auto a = Runner("a", options);
  auto b = Runner("b", options);
  std::vector<std::int64_t> runs;
  for (auto* runner : {a.get(), b.get()}) {
    runner->Register("report", [&](const Job& job) -> Status {
      runs.push_back(job.run_at);
      EXPECT_EQ(job.payload.at("kind").as_string(), "sales");
      return OkStatus();
    });
    ASSERT_TRUE(runner->AddSchedule("nightly-report", "0 3 * * *", Spec("report", {{"kind", "sales"}})));
  }
  // 2027-01-16 03:00 in Berlin (CET) is 02:00Z.
  const std::int64_t occurrence = 1'800'064'800;
  clock_.Set(occurrence - 60);
  EXPECT_EQ(a->RunDue(), 0);
  clock_.Set(occurrence + 5);
  EXPECT_EQ(a->RunDue(), 1);
  EXPECT_EQ(b->RunDue(), 0) << "runner b evaluates the same occurrence: its unique key already exists";
  clock_.Set(occurrence + 65);
  EXPECT_EQ(a->RunDue() + b->RunDue(), 0);
  EXPECT_EQ(runs, std::vector<std::int64_t>{occurrence});
  auto page = queue_->List({.type = "report"});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].unique_key, std::optional<std::string>("nightly-report@" + std::to_string(occurrence)));
}

TEST_F(JobsRunner, AddScheduleRejectsBadExpressionsAndZones) {
  auto runner = Runner("a");
  auto bad = runner->AddSchedule("x", "61 * * * *", Spec("t"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().fields.at(0).message, "minute field \"61\": 61 is out of range 0-59");
  RunnerOptions options;
  options.timezone = "Nowhere/Atlantis";
  auto lost = Runner("b", options);
  auto zone = lost->AddSchedule("x", "* * * * *", Spec("t"));
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().field, "timezone");
}

TEST_F(JobsRunner, PurgesOldDoneJobsButKeepsDeadOnes) {
  auto runner = Runner("a");
  runner->Register("ok", [](const Job&) -> Status { return OkStatus(); });
  runner->Register("bad", [](const Job&) -> Status { return Error::Invalid("x", "bad"); });
  const auto done = Enqueue(Spec("ok"));
  const auto dead = Enqueue(Spec("bad"));
  EXPECT_EQ(runner->RunDue(), 2);
  clock_.Advance(24h * 6);
  auto fresh_runner = Runner("b");
  fresh_runner->RunDue();
  EXPECT_TRUE(queue_->Get(done)) << "six days old: kept";
  clock_.Advance(24h * 2);
  auto later_runner = Runner("c");
  later_runner->RunDue();
  EXPECT_EQ(queue_->Get(done).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Get(dead).state, JobState::kDead);
}

TEST_F(JobsRunner, CachedStatsServeAScrapeWithoutQueryingAgain) {
  Enqueue(Spec("t"));
  auto first = queue_->CachedStats(1h);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->queued, 1);
  Enqueue(Spec("t"));
  EXPECT_EQ(queue_->CachedStats(1h)->queued, 1);
  EXPECT_EQ(queue_->CachedStats(0ms)->queued, 2);
}

TEST_F(JobsRunner, ObserverSeesEveryOutcome) {
  auto runner = Runner("a");
  std::vector<std::string> outcomes;
  runner->SetObserver([&](const Job& job, std::string_view outcome, double seconds) {
    outcomes.push_back(job.type + ":" + std::string(outcome));
    EXPECT_GE(seconds, 0.0);
  });
  runner->Register("ok", [](const Job&) -> Status { return OkStatus(); });
  runner->Register("flaky", [](const Job&) -> Status { return Error::Unavailable("down"); });
  runner->Register("bad", [](const Job&) -> Status { return Error::NotFound(); });
  Enqueue(Spec("ok"));
  Enqueue(Spec("flaky"));
  Enqueue(Spec("bad"));
  EXPECT_EQ(runner->RunDue(), 3);
  std::sort(outcomes.begin(), outcomes.end());
  EXPECT_EQ(outcomes, (std::vector<std::string>{"bad:dead", "flaky:retry", "ok:done"}));
}

// Two runners ("processes": each with its own connection pool) drain one queue with several threads
// each; every job must run exactly once. 10,000 jobs on MariaDB (SKIP LOCKED), fewer on SQLite,
// where claims are serialised by the database's single writer anyway.
TEST_F(JobsRunner, TwoRunnersRunEveryJobExactlyOnce) {
  const int total = test::TestDialect() == db::Dialect::kMariaDb ? 10'000 : 2'000;
  core::SystemClock real;  // the runners poll in real time, so the jobs are due in real time too

  std::mutex mutex;
  std::unordered_map<std::int64_t, int> runs;
  std::unordered_map<std::string, int> per_runner;
  auto handler = [&](const Job& job) -> Status {
    {
      std::lock_guard lock(mutex);
      ++runs[job.id];
      ++per_runner[*job.locked_by];
    }
    // A job that takes a moment, as real ones do: without it one runner can drain the whole queue
    // before the other's first claim gets the SQLite write lock, and nothing would be shared.
    if (test::TestDialect() == db::Dialect::kSqlite) std::this_thread::sleep_for(2ms);
    return OkStatus();
  };
  // Each runner uses 4 workers + a housekeeper: give each "process" a pool that fits.
  auto first_process = db::Database::Open(database_->url(), 6);
  auto second_process = db::Database::Open(database_->url(), 6);
  ASSERT_TRUE(first_process && second_process);
  JobQueue queue_a(**first_process, real);
  JobQueue queue_b(**second_process, real);
  constexpr int kBatch = 500;
  for (int start = 0; start < total; start += kBatch) {
    auto batch = (*first_process)->Write([&](db::Tx& tx) -> Status {
      for (int i = start; i < std::min(total, start + kBatch); ++i) EMP_TRY(queue_a.Enqueue(tx, Spec("noop")));
      return OkStatus();
    });
    ASSERT_TRUE(batch) << batch.error().message;
  }
  RunnerOptions options;
  options.concurrency = 4;
  options.poll_interval = 20ms;
  options.runner_id = "runner-a";
  JobRunner a(**first_process, real, queue_a, options);
  options.runner_id = "runner-b";
  JobRunner b(**second_process, real, queue_b, options);
  a.Register("noop", handler);
  b.Register("noop", handler);

  const auto began = std::chrono::steady_clock::now();
  a.Start();
  b.Start();
  for (;;) {
    {
      std::lock_guard lock(mutex);
      if (static_cast<int>(runs.size()) >= total) break;
    }
    ASSERT_LT(std::chrono::steady_clock::now() - began, 300s) << "the runners did not drain the queue";
    std::this_thread::sleep_for(50ms);
  }
  a.Stop();
  b.Stop();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  std::lock_guard lock(mutex);
  EXPECT_EQ(static_cast<int>(runs.size()), total);
  int duplicates = 0;
  for (const auto& [id, count] : runs) duplicates += count > 1 ? 1 : 0;
  EXPECT_EQ(duplicates, 0);
  EXPECT_GT(per_runner["runner-a"], 0);
  EXPECT_GT(per_runner["runner-b"], 0);
  auto stats = queue_->Stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->queued + stats->running + stats->dead, 0);
  std::printf("[jobs] %d jobs, 2 runners x 4 threads, %s: %.1f s (%.0f jobs/s; a=%d b=%d)\n", total,
              test::TestDialectName(), seconds, total / seconds, per_runner["runner-a"], per_runner["runner-b"]);
}

}  // namespace
}  // namespace emporium::infra::jobs
