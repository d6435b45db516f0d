// Job series of http::Metrics: emporium_job_runs_total and emporium_job_duration_seconds.

#include <gtest/gtest.h>

#include "http/metrics.hpp"

namespace emporium::http {
namespace {

bool Has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(JobsMetrics, CountsRunsByTypeAndOutcomeAndTimesThemByType) {
  Metrics metrics;
  metrics.RecordJob("mail.send", "done", 0.02);
  metrics.RecordJob("mail.send", "done", 3.0);
  metrics.RecordJob("mail.send", "retry", 0.004);
  metrics.RecordJob("report.build", "dead", 200.0);
  const std::string text = metrics.Render();

  EXPECT_TRUE(Has(text, "# TYPE emporium_job_runs_total counter"));
  EXPECT_TRUE(Has(text, "emporium_job_runs_total{type=\"mail.send\",outcome=\"done\"} 2"));
  EXPECT_TRUE(Has(text, "emporium_job_runs_total{type=\"mail.send\",outcome=\"retry\"} 1"));
  EXPECT_TRUE(Has(text, "emporium_job_runs_total{type=\"report.build\",outcome=\"dead\"} 1"));

  EXPECT_TRUE(Has(text, "# TYPE emporium_job_duration_seconds histogram"));
  EXPECT_TRUE(Has(text, "emporium_job_duration_seconds_bucket{type=\"mail.send\",le=\"0.005\"} 1"));
  EXPECT_TRUE(Has(text, "emporium_job_duration_seconds_bucket{type=\"mail.send\",le=\"0.025\"} 2"));
  EXPECT_TRUE(Has(text, "emporium_job_duration_seconds_bucket{type=\"mail.send\",le=\"2.5\"} 2"));
  EXPECT_TRUE(Has(text, "emporium_job_duration_seconds_bucket{type=\"mail.send\",le=\"10\"} 3"));
  EXPECT_TRUE(Has(text, "emporium_job_duration_seconds_count{type=\"mail.send\"} 3"));
  EXPECT_TRUE(Has(text, "emporium_job_duration_seconds_sum{type=\"mail.send\"} 3.024"));
  // Longer than the last bucket: only in +Inf.
  EXPECT_TRUE(Has(text, "emporium_job_duration_seconds_bucket{type=\"report.build\",le=\"120\"} 0"));
  EXPECT_TRUE(Has(text, "emporium_job_duration_seconds_bucket{type=\"report.build\",le=\"+Inf\"} 1"));
}

TEST(JobsMetrics, NoJobSeriesBeforeTheFirstRun) {
  Metrics metrics;
  const std::string text = metrics.Render();
  EXPECT_TRUE(Has(text, "# TYPE emporium_job_runs_total counter"));
  EXPECT_EQ(text.find("emporium_job_runs_total{"), std::string::npos);
}

}  // namespace
}  // namespace emporium::http
