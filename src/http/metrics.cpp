#include "http/metrics.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

namespace emporium::http {

struct Metrics::Counter {
  std::string method;
  std::string route;
  int status = 0;
  std::atomic<std::uint64_t> count{0};
};

struct Metrics::Histogram {
  std::string method;
  std::string route;
  std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets{};  // not cumulative; summed at render
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_nanos{0};
};

struct Metrics::JobCounter {
  std::string type;
  std::string outcome;
  std::atomic<std::uint64_t> count{0};
};

struct Metrics::JobHistogram {
  std::string type;
  std::array<std::atomic<std::uint64_t>, kJobBuckets.size()> buckets{};  // not cumulative; summed at render
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_nanos{0};
};

namespace {

std::string EscapeLabel(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  // Whole numbers as integers: %g would print 10 as "1e+01" (a bucket label "le=\"1e+01\"").
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // %.17g prints 0.1 as 0.10000000000000001; prefer the shortest form that round-trips.
  for (int precision = 1; precision <= 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

double ResidentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::string_view BaseName(std::string_view name) { return name.substr(0, name.find('{')); }

}  // namespace

Metrics::Metrics()
    : start_time_seconds_(
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
              .count()) {}

Metrics::~Metrics() = default;

void Metrics::RecordRequest(std::string_view method, std::string_view route, int status, double duration_seconds) {
  if (route.empty()) route = "unmatched";
  std::string hkey;
  hkey.reserve(method.size() + route.size() + 8);
  hkey.append(method).push_back('\x1f');
  hkey.append(route);
  std::string ckey = hkey;
  ckey.push_back('\x1f');
  ckey.append(std::to_string(status));

  Counter* counter = nullptr;
  Histogram* histogram = nullptr;
  {
    std::shared_lock lock(mutex_);
    if (auto it = counters_.find(ckey); it != counters_.end()) counter = it->second.get();
    if (auto it = histograms_.find(hkey); it != histograms_.end()) histogram = it->second.get();
  }
  if (!counter || !histogram) {
    std::unique_lock lock(mutex_);
    auto& c = counters_[ckey];
    if (!c) {
      c = std::make_unique<Counter>();
      c->method = method;
      c->route = route;
      c->status = status;
    }
    counter = c.get();
    auto& h = histograms_[hkey];
    if (!h) {
      h = std::make_unique<Histogram>();
      h->method = method;
      h->route = route;
    }
    histogram = h.get();
  }

  counter->count.fetch_add(1, std::memory_order_relaxed);
  const auto bucket = std::lower_bound(kBuckets.begin(), kBuckets.end(), duration_seconds) - kBuckets.begin();
  if (static_cast<std::size_t>(bucket) < kBuckets.size()) {
    histogram->buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  }
  histogram->count.fetch_add(1, std::memory_order_relaxed);
  const double nanos = std::max(0.0, duration_seconds) * 1e9;
  histogram->sum_nanos.fetch_add(static_cast<std::uint64_t>(nanos), std::memory_order_relaxed);
}

void Metrics::RecordJob(std::string_view type, std::string_view outcome, double duration_seconds) {
  std::string ckey(type);
  ckey.push_back('\x1f');
  ckey.append(outcome);
  const std::string hkey(type);

  JobCounter* counter = nullptr;
  JobHistogram* histogram = nullptr;
  {
    std::shared_lock lock(mutex_);
    if (auto it = job_counters_.find(ckey); it != job_counters_.end()) counter = it->second.get();
    if (auto it = job_histograms_.find(hkey); it != job_histograms_.end()) histogram = it->second.get();
  }
  if (!counter || !histogram) {
    std::unique_lock lock(mutex_);
    auto& c = job_counters_[ckey];
    if (!c) {
      c = std::make_unique<JobCounter>();
      c->type = type;
      c->outcome = outcome;
    }
    counter = c.get();
    auto& h = job_histograms_[hkey];
    if (!h) {
      h = std::make_unique<JobHistogram>();
      h->type = type;
    }
    histogram = h.get();
  }

  counter->count.fetch_add(1, std::memory_order_relaxed);
  const auto bucket =
      std::lower_bound(kJobBuckets.begin(), kJobBuckets.end(), duration_seconds) - kJobBuckets.begin();
  if (static_cast<std::size_t>(bucket) < kJobBuckets.size()) {
    histogram->buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  }
  histogram->count.fetch_add(1, std::memory_order_relaxed);
  const double nanos = std::max(0.0, duration_seconds) * 1e9;
  histogram->sum_nanos.fetch_add(static_cast<std::uint64_t>(nanos), std::memory_order_relaxed);
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  std::unique_lock lock(mutex_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

// Called with mutex_ held (shared).
void Metrics::RenderJobs(std::string& out) const {
  std::vector<const JobCounter*> counters;
  for (const auto& [_, c] : job_counters_) counters.push_back(c.get());
  std::sort(counters.begin(), counters.end(), [](const JobCounter* a, const JobCounter* b) {
    return std::tie(a->type, a->outcome) < std::tie(b->type, b->outcome);
  });
  out += "# HELP emporium_job_runs_total Finished job attempts, by job type and outcome (done, retry, dead).\n";
  out += "# TYPE emporium_job_runs_total counter\n";
  for (const auto* c : counters) {
    out += "emporium_job_runs_total{type=\"" + EscapeLabel(c->type) + "\",outcome=\"" + EscapeLabel(c->outcome) +
           "\"} " + std::to_string(c->count.load(std::memory_order_relaxed)) + "\n";
  }

  std::vector<const JobHistogram*> histograms;
  for (const auto& [_, h] : job_histograms_) histograms.push_back(h.get());
  std::sort(histograms.begin(), histograms.end(),
            [](const JobHistogram* a, const JobHistogram* b) { return a->type < b->type; });
  out += "# HELP emporium_job_duration_seconds Time a job handler ran, by job type.\n";
  out += "# TYPE emporium_job_duration_seconds histogram\n";
  for (const auto* h : histograms) {
    const std::string labels = "type=\"" + EscapeLabel(h->type) + "\"";
    const std::uint64_t count = h->count.load(std::memory_order_relaxed);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kJobBuckets.size(); ++i) {
      cumulative += h->buckets[i].load(std::memory_order_relaxed);
      out += "emporium_job_duration_seconds_bucket{" + labels + ",le=\"" + FormatDouble(kJobBuckets[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    const std::uint64_t total = std::max(count, cumulative);
    out += "emporium_job_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(total) + "\n";
    out += "emporium_job_duration_seconds_sum{" + labels + "} " +
           FormatDouble(static_cast<double>(h->sum_nanos.load(std::memory_order_relaxed)) / 1e9) + "\n";
    out += "emporium_job_duration_seconds_count{" + labels + "} " + std::to_string(total) + "\n";
  }
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(4096);
  std::shared_lock lock(mutex_);

  std::vector<const Counter*> counters;
  for (const auto& [_, c] : counters_) counters.push_back(c.get());
  std::sort(counters.begin(), counters.end(), [](const Counter* a, const Counter* b) {
    return std::tie(a->route, a->method, a->status) < std::tie(b->route, b->method, b->status);
  });
  out += "# HELP emporium_http_requests_total HTTP requests answered, by method, route pattern and status.\n";
  out += "# TYPE emporium_http_requests_total counter\n";
  for (const auto* c : counters) {
    out += "emporium_http_requests_total{method=\"" + EscapeLabel(c->method) + "\",route=\"" + EscapeLabel(c->route) +
           "\",status=\"" + std::to_string(c->status) + "\"} " +
           std::to_string(c->count.load(std::memory_order_relaxed)) + "\n";
  }

  std::vector<const Histogram*> histograms;
  for (const auto& [_, h] : histograms_) histograms.push_back(h.get());
  std::sort(histograms.begin(), histograms.end(), [](const Histogram* a, const Histogram* b) {
    return std::tie(a->route, a->method) < std::tie(b->route, b->method);
  });
  out += "# HELP emporium_http_request_duration_seconds Time from the parsed request to the response, by route.\n";
  out += "# TYPE emporium_http_request_duration_seconds histogram\n";
  for (const auto* h : histograms) {
    const std::string labels = "method=\"" + EscapeLabel(h->method) + "\",route=\"" + EscapeLabel(h->route) + "\"";
    // Read count first: a concurrent request may land between the loads, and the buckets must
    // never exceed +Inf, so +Inf is reported as max(count, cumulative).
    const std::uint64_t count = h->count.load(std::memory_order_relaxed);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h->buckets[i].load(std::memory_order_relaxed);
      out += "emporium_http_request_duration_seconds_bucket{" + labels + ",le=\"" + FormatDouble(kBuckets[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    const std::uint64_t total = std::max(count, cumulative);
    out += "emporium_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(total) + "\n";
    out += "emporium_http_request_duration_seconds_sum{" + labels + "} " +
           FormatDouble(static_cast<double>(h->sum_nanos.load(std::memory_order_relaxed)) / 1e9) + "\n";
    out += "emporium_http_request_duration_seconds_count{" + labels + "} " + std::to_string(total) + "\n";
  }

  RenderJobs(out);

  out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n";
  out += "# TYPE process_resident_memory_bytes gauge\n";
  out += "process_resident_memory_bytes " + FormatDouble(ResidentMemoryBytes()) + "\n";
  out += "# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.\n";
  out += "# TYPE process_start_time_seconds gauge\n";
  out += "process_start_time_seconds " + std::to_string(start_time_seconds_) + "\n";

  // Group labelled gauges under one HELP/TYPE block, in registration order of their base name.
  std::vector<std::string_view> bases;
  std::map<std::string_view, std::vector<const Gauge*>> by_base;
  for (const auto& g : gauges_) {
    const auto base = BaseName(g.name);
    auto& list = by_base[base];
    if (list.empty()) bases.push_back(base);
    list.push_back(&g);
  }
  for (const auto base : bases) {
    const auto& list = by_base[base];
    out += "# HELP " + std::string(base) + " " + list.front()->help + "\n";
    out += "# TYPE " + std::string(base) + " gauge\n";
    for (const auto* g : list) {
      double value = 0;
      try {
        value = g->read();
      } catch (...) {
        // A failing probe must not break the scrape; NaN marks the value as unknown.
        value = std::nan("");
      }
      out += g->name + " " + FormatDouble(value) + "\n";
    }
  }
  return out;
}

}  // namespace emporium::http
