// Job queue throughput: enqueue N no-op jobs, then drain them with R runners of C workers each, and
// print enqueue and run rates. Each runner gets its own connection pool, like separate processes.
//
//   jobs_bench [--url sqlite:///tmp/jobs-bench.db | mariadb://user:pass@host:port/db] [-n 10000] [-c 4] [-r 1]
//
// Use a disposable database: the bench migrates it and leaves its done jobs behind (without --url it
// makes a temporary SQLite file).

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "db/database.hpp"
#include "db/migrator.hpp"
#include "infra/jobs/job_queue.hpp"

namespace jobs = emporium::infra::jobs;
namespace db = emporium::db;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string url;
  int jobs = 10'000;
  int concurrency = 4;
  int runners = 1;
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--url") o.url = value;
    else if (flag == "-n") o.jobs = std::max(1, std::atoi(value));
    else if (flag == "-c") o.concurrency = std::max(1, std::atoi(value));
    else if (flag == "-r") o.runners = std::max(1, std::atoi(value));
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  if (o.url.empty()) {
    const auto path = std::filesystem::temp_directory_path() / ("jobs-bench-" + std::to_string(getpid()) + ".db");
    o.url = "sqlite://" + path.string();
  }
  return o;
}

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseArgs(argc, argv);
  emporium::core::InitLogging("warn", "json");
  auto database = db::Database::Open(options.url, options.concurrency + 2);
  if (!database) {
    std::fprintf(stderr, "cannot open %s: %s\n", options.url.c_str(), database.error().message.c_str());
    return 1;
  }
  if (auto migrated = db::Migrate(**database); !migrated) {
    std::fprintf(stderr, "migration failed: %s\n", migrated.error().message.c_str());
    return 1;
  }
  emporium::core::SystemClock clock;
  jobs::JobQueue queue(**database, clock);

  const auto enqueue_began = Clock::now();
  constexpr int kBatch = 500;
  for (int start = 0; start < options.jobs; start += kBatch) {
    auto batch = (*database)->Write([&](db::Tx& tx) -> emporium::Status {
      for (int i = start; i < std::min(options.jobs, start + kBatch); ++i) {
        jobs::JobSpec spec;
        spec.type = "bench.noop";
        spec.payload = {{"i", i}};
        EMP_TRY(queue.Enqueue(tx, spec));
      }
      return emporium::OkStatus();
    });
    if (!batch) {
      std::fprintf(stderr, "enqueue failed: %s\n", batch.error().message.c_str());
      return 1;
    }
  }
  const double enqueue_seconds = Seconds(enqueue_began);

  std::atomic<int> ran{0};
  std::vector<std::unique_ptr<db::Database>> pools;
  std::vector<std::unique_ptr<jobs::JobQueue>> queues;
  std::vector<std::unique_ptr<jobs::JobRunner>> runners;
  for (int r = 0; r < options.runners; ++r) {
    auto pool = db::Database::Open(options.url, options.concurrency + 2);
    if (!pool) return 1;
    queues.push_back(std::make_unique<jobs::JobQueue>(**pool, clock));
    jobs::RunnerOptions runner_options;
    runner_options.runner_id = "bench-" + std::to_string(r);
    runner_options.concurrency = options.concurrency;
    runner_options.poll_interval = std::chrono::milliseconds(20);
    runners.push_back(std::make_unique<jobs::JobRunner>(**pool, clock, *queues.back(), runner_options));
    runners.back()->Register("bench.noop", [&](const jobs::Job&) -> emporium::Status {
      ran.fetch_add(1, std::memory_order_relaxed);
      return emporium::OkStatus();
    });
    pools.push_back(std::move(*pool));
  }

  const auto run_began = Clock::now();
  for (auto& runner : runners) runner->Start();
  while (ran.load() < options.jobs) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (auto& runner : runners) runner->Stop();
  const double run_seconds = Seconds(run_began);

  auto stats = queue.Stats();
  const char* dialect = (*database)->dialect() == db::Dialect::kSqlite ? "sqlite" : "mariadb";
  std::printf("jobs_bench dialect=%s jobs=%d runners=%d concurrency=%d enqueue=%.0f jobs/s run=%.0f jobs/s (%.2f s)%s\n",
              dialect, options.jobs, options.runners, options.concurrency, options.jobs / enqueue_seconds,
              options.jobs / run_seconds, run_seconds, stats && stats->queued == 0 ? "" : " [queue not empty!]");
  return 0;
}
