#pragma once
// Prometheus metrics in the text exposition format (version 0.0.4), served at /metrics.
//
//   emporium_http_requests_total{method,route,status}          counter
//   emporium_http_request_duration_seconds{method,route}       histogram
//   emporium_job_runs_total{type,outcome}                      counter (outcome: done, retry, dead)
//   emporium_job_duration_seconds{type}                        histogram
//   process_resident_memory_bytes, process_start_time_seconds  gauges
//   + any gauge the application registers (DB pool usage, job queue depth, connections ...)
//
// `route` is the matched route PATTERN ("/api/v1/orders/{id}"), never the raw path, so the number
// of series stays bounded; requests that match no route are counted as route="unmatched".

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace emporium::http {

class Metrics {
 public:
  /// Upper bounds of the latency histogram buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 13> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1.0,   2.5,  5.0};

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// Counts one finished request. Thread-safe; after the first request of a series it takes only a
  /// shared lock and atomic increments.
  void RecordRequest(std::string_view method, std::string_view route, int status, double duration_seconds);

  /// Upper bounds of the job duration histogram buckets, in seconds (jobs run longer than requests).
  static constexpr std::array<double, 12> kJobBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                         0.5,   1.0,  2.5,   10.0, 30.0, 120.0};

  /// Counts one finished job attempt: `outcome` is "done", "retry" or "dead" (infra::jobs::JobObserver).
  /// `type` must come from the set of registered job types (it becomes a label). Thread-safe.
  void RecordJob(std::string_view type, std::string_view outcome, double duration_seconds);

  /// Registers a gauge read at every scrape. `name` may carry labels ("emporium_db_pool{state=\"busy\"}");
  /// gauges sharing a base name share one HELP/TYPE block. `read` must be thread-safe and cheap.
  /// Register during start-up, before the server runs.
  void AddGauge(std::string name, std::string help, std::function<double()> read);

  /// The whole exposition, series sorted for stable output. Thread-safe.
  std::string Render() const;

 private:
  struct Counter;
  struct Histogram;
  struct JobCounter;
  struct JobHistogram;
  struct Gauge {
    std::string name;
    std::string help;
    std::function<double()> read;
  };

  void RenderJobs(std::string& out) const;

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Counter>> counters_;      // key: method \x1f route \x1f status
  std::unordered_map<std::string, std::unique_ptr<Histogram>> histograms_;  // key: method \x1f route
  std::unordered_map<std::string, std::unique_ptr<JobCounter>> job_counters_;      // key: type \x1f outcome
  std::unordered_map<std::string, std::unique_ptr<JobHistogram>> job_histograms_;  // key: type
  std::vector<Gauge> gauges_;
  std::int64_t start_time_seconds_;
};

}  // namespace emporium::http
