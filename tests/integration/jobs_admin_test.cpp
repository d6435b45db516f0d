// Admin routes of the job queue (modules/jobs_admin) behind the real Router, Dispatcher and auth.

#include <gtest/gtest.h>

#include "infra/jobs/job_queue.hpp"
#include "integration/auth_fixture.hpp"
#include "modules/jobs_admin/jobs_admin_module.hpp"

namespace emporium::jobs_admin {
namespace {

namespace json = boost::json;
using auth::testing::AuthHarness;
using infra::jobs::JobRunner;
using infra::jobs::JobSpec;
using infra::jobs::JobState;

class JobsAdminApi : public AuthHarness {
 protected:
  void SetUp() override {
    AuthHarness::SetUp();
    queue_ = std::make_unique<infra::jobs::JobQueue>(db(), clock_);
    admin_ = std::make_unique<JobsAdmin>(db(), *queue_, *audit_);
    admin_->RegisterRoutes(*router_);
    runner_ = std::make_unique<JobRunner>(db(), clock_, *queue_, infra::jobs::RunnerOptions{.runner_id = "test"});
    runner_->Register("ok", [](const infra::jobs::Job&) -> Status { return OkStatus(); });
    runner_->Register("bad", [](const infra::jobs::Job&) -> Status { return Error::Invalid("x", "cannot work"); });
    admin_token_ = Staff("admin@shop.test", Role::kAdmin).access_token;
    manager_token_ = Staff("manager@shop.test", Role::kManager).access_token;
  }
  void TearDown() override {
    runner_.reset();
    admin_.reset();
    queue_.reset();
    AuthHarness::TearDown();
  }

  std::int64_t Enqueue(const std::string& type) {
    JobSpec spec;
    spec.type = type;
    spec.payload = {{"order_id", 7}};
    auto id = queue_->Enqueue(spec);
    EXPECT_TRUE(id && *id);
    return **id;
  }

  /// A job that failed permanently: dead after one attempt.
  std::int64_t DeadJob() {
    const auto id = Enqueue("bad");
    runner_->RunDue();
    EXPECT_EQ(queue_->Get(id)->state, JobState::kDead);
    return id;
  }

  std::string Path(std::int64_t id) { return "/api/v1/admin/jobs/" + std::to_string(id); }

  std::unique_ptr<infra::jobs::JobQueue> queue_;
  std::unique_ptr<JobsAdmin> admin_;
  std::unique_ptr<JobRunner> runner_;
  std::string admin_token_;
  std::string manager_token_;
};

TEST_F(JobsAdminApi, CustomersAndAnonymousCallersAreRefused) {
  const auto customer = Register("shopper@example.com").access_token;
  const auto id = DeadJob();
  EXPECT_EQ(Get("/api/v1/admin/jobs", customer).status, 403);
  EXPECT_EQ(Get("/api/v1/admin/jobs/stats", customer).status, 403);
  EXPECT_EQ(Get(Path(id), customer).status, 403);
  EXPECT_EQ(Post(Path(id) + "/retry", json::object{}, customer).status, 403);
  EXPECT_EQ(Delete(Path(id), customer).status, 403);
  EXPECT_EQ(Get("/api/v1/admin/jobs").status, 401);
  EXPECT_EQ(queue_->Get(id)->state, JobState::kDead);
}

TEST_F(JobsAdminApi, ListsJobsByStateAndTypeWithCursorPagination) {
  const auto dead = DeadJob();
  for (int i = 0; i < 3; ++i) Enqueue("ok");

  auto all = Get("/api/v1/admin/jobs?limit=2", manager_token_);
  ASSERT_EQ(all.status, 200) << all.response.body;
  ASSERT_EQ(all.obj().at("items").as_array().size(), 2u);
  const std::string cursor(all.obj().at("next_cursor").as_string());
  auto rest = Get("/api/v1/admin/jobs?limit=2&cursor=" + cursor, manager_token_);
  ASSERT_EQ(rest.status, 200);
  ASSERT_EQ(rest.obj().at("items").as_array().size(), 2u);
  EXPECT_TRUE(rest.obj().at("next_cursor").is_null());
  EXPECT_EQ(rest.obj().at("items").as_array().back().as_object().at("id").as_int64(), dead);

  auto dead_only = Get("/api/v1/admin/jobs?state=dead", admin_token_);
  ASSERT_EQ(dead_only.status, 200);
  const auto& items = dead_only.obj().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  const auto& job = items[0].as_object();
  EXPECT_EQ(job.at("type").as_string(), "bad");
  EXPECT_EQ(job.at("state").as_string(), "dead");
  EXPECT_EQ(job.at("last_error").as_string(), "The request has invalid fields. x: cannot work");
  EXPECT_EQ(job.at("payload").as_object().at("order_id").as_int64(), 7);
  EXPECT_EQ(job.at("created_at").as_string(), "2027-01-15T08:00:00Z");

  auto by_type = Get("/api/v1/admin/jobs?type=ok&state=queued", admin_token_);
  EXPECT_EQ(by_type.obj().at("items").as_array().size(), 3u);
}

TEST_F(JobsAdminApi, RejectsBadFilters) {
  auto bad_state = Get("/api/v1/admin/jobs?state=sleeping", admin_token_);
  EXPECT_EQ(bad_state.status, 422);
  EXPECT_EQ(bad_state.error_fields(), std::vector<std::string>{"state"});
  EXPECT_EQ(Get("/api/v1/admin/jobs?cursor=nonsense", admin_token_).status, 422);
  EXPECT_EQ(Get("/api/v1/admin/jobs?limit=101", admin_token_).status, 422);
  EXPECT_EQ(Get("/api/v1/admin/jobs/abc", admin_token_).status, 404);
}

TEST_F(JobsAdminApi, ShowsOneJobAndStats) {
  const auto dead = DeadJob();
  Enqueue("ok");
  auto one = Get(Path(dead), admin_token_);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.obj().at("id").as_int64(), dead);
  EXPECT_EQ(one.obj().at("attempts").as_int64(), 1);
  EXPECT_EQ(Get(Path(dead + 1000), admin_token_).status, 404);

  auto stats = Get("/api/v1/admin/jobs/stats", manager_token_);
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(stats.obj().at("queued").as_int64(), 1);
  EXPECT_EQ(stats.obj().at("due").as_int64(), 1);
  EXPECT_EQ(stats.obj().at("running").as_int64(), 0);
  EXPECT_EQ(stats.obj().at("dead").as_int64(), 1);
}

TEST_F(JobsAdminApi, RetriesOnlyDeadJobsAndAuditsIt) {
  const auto dead = DeadJob();
  const auto queued = Enqueue("ok");
  auto retried = Post(Path(dead) + "/retry", json::object{}, manager_token_);
  ASSERT_EQ(retried.status, 200) << retried.response.body;
  EXPECT_EQ(retried.obj().at("state").as_string(), "queued");
  EXPECT_EQ(retried.obj().at("attempts").as_int64(), 0);
  EXPECT_EQ(queue_->Get(dead)->state, JobState::kQueued);

  EXPECT_EQ(Post(Path(dead) + "/retry", json::object{}, manager_token_).status, 409);
  EXPECT_EQ(Post(Path(queued) + "/retry", json::object{}, manager_token_).status, 409);
  EXPECT_EQ(Post(Path(dead + 1000) + "/retry", json::object{}, manager_token_).status, 404);

  auto audit = Get("/api/v1/admin/audit-log?action=job.retry", admin_token_);
  ASSERT_EQ(audit.status, 200);
  const auto& entries = audit.obj().at("items").as_array();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].as_object().at("resource_id").as_int64(), dead);
  EXPECT_EQ(entries[0].as_object().at("actor").as_object().at("email").as_string(), "manager@shop.test");
}

TEST_F(JobsAdminApi, DiscardsOnlyDeadJobsAndFreesTheirUniqueKey) {
  JobSpec spec;
  spec.type = "bad";
  spec.unique_key = "mail:receipt:9";
  const auto dead = **queue_->Enqueue(spec);
  runner_->RunDue();
  ASSERT_EQ(queue_->Get(dead)->state, JobState::kDead);
  EXPECT_EQ(*queue_->Enqueue(spec), std::nullopt) << "the dead job still holds its key";

  const auto queued = Enqueue("ok");
  EXPECT_EQ(Delete(Path(queued), admin_token_).status, 409);
  EXPECT_EQ(Delete(Path(dead), admin_token_).status, 204);
  EXPECT_EQ(Delete(Path(dead), admin_token_).status, 404);
  EXPECT_EQ(Get(Path(dead), admin_token_).status, 404);
  EXPECT_NE(*queue_->Enqueue(spec), std::nullopt);

  auto audit = Get("/api/v1/admin/audit-log?action=job.discard", admin_token_);
  EXPECT_EQ(audit.obj().at("items").as_array().size(), 1u);
}

}  // namespace
}  // namespace emporium::jobs_admin
