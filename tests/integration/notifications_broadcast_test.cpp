// Admin broadcasts: validation, audit, batches of kBatchSize customers chained by jobs, each
// audience member reached exactly once even when a batch job runs again.

#include "modules/notifications/notifications_service.hpp"
#include "notifications_fixture.hpp"

namespace emporium::notifications::testing {
namespace {

class Broadcasts : public NotificationsHarness {
 protected:
  void SetUp() override {
    NotificationsHarness::SetUp();
    admin_ = Staff("admin@shop.test", Role::kAdmin);
    for (int i = 0; i < kCustomers; ++i) {
      customers_.push_back(Register("c" + std::to_string(i) + "@shop.test", auth::testing::kPassword,
                                    "10.2.0." + std::to_string(i + 1)));
    }
    RunJobs();  // the verification mails
  }

  CallResult Broadcast(json::object body, const std::string& token) {
    return Post("/api/v1/admin/notifications/broadcast", std::move(body), token);
  }
  static json::object Body(json::array channels, json::object audience = {{"type", "all_customers"}}) {
    return {{"title", "Summer sale"},
            {"body", "Everything -20% this weekend."},
            {"link", "/sale"},
            {"channels", std::move(channels)},
            {"audience", std::move(audience)}};
  }

  static constexpr int kCustomers = 5;  // three batches of kBatchSize (2, 2, 1)
  Session admin_;
  std::vector<Session> customers_;
};

TEST_F(Broadcasts, ReachesEveryCustomerOnceInSeveralBatches) {
  auto r = Broadcast(Body({"in_app", "email"}), admin_.access_token);
  ASSERT_EQ(r.status, 202) << r.response.body;
  EXPECT_EQ(r.str("status"), "queued");
  const auto id = r.obj().at("id").as_int64();

  // Each batch job enqueues the next one and its mails; RunDue drains them all.
  EXPECT_GE(RunJobs(), 3 + kCustomers);
  for (const auto& c : customers_) {
    auto list = Get("/api/v1/me/notifications", c.access_token);
    ASSERT_EQ(list.obj().at("items").as_array().size(), 1u) << list.response.body;
    const auto& n = list.obj().at("items").as_array()[0].as_object();
    EXPECT_EQ(n.at("type").as_string(), "broadcast");
    EXPECT_EQ(n.at("title").as_string(), "Summer sale");
    EXPECT_EQ(n.at("data").as_object().at("broadcast_id").as_int64(), id);
  }
  EXPECT_EQ(RowsOf(admin_.user_id), 0) << "staff are not customers";
  auto mails = Delivered("notifications_broadcast");
  ASSERT_EQ(mails.size(), static_cast<std::size_t>(kCustomers));
  EXPECT_EQ(mails[0].subject, "Summer sale");
  EXPECT_NE(mails[0].text.find("Everything -20% this weekend."), std::string::npos);

  auto progress = Get("/api/v1/admin/notifications/broadcasts/" + std::to_string(id), admin_.access_token);
  ASSERT_EQ(progress.status, 200) << progress.response.body;
  EXPECT_EQ(progress.str("status"), "done");
  EXPECT_EQ(progress.obj().at("recipients").as_int64(), kCustomers);
  EXPECT_EQ(progress.obj().at("batches").as_int64(), 3);
  EXPECT_EQ(progress.obj().at("finished_at").as_string(), "2027-01-15T08:00:00Z");

  // A batch job that runs again (its runner died before marking it done) changes nothing.
  ASSERT_TRUE(jobs_->Enqueue({.type = NotificationsService::kBroadcastJob,
                              .payload = {{"broadcast_id", id}, {"batch", 1}, {"before_id", nullptr}}}));
  EXPECT_EQ(RunJobs(), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications WHERE type = 'broadcast'"), kCustomers);
  EXPECT_EQ(Delivered("notifications_broadcast").size(), static_cast<std::size_t>(kCustomers));
  auto again = Get("/api/v1/admin/notifications/broadcasts/" + std::to_string(id), admin_.access_token);
  EXPECT_EQ(again.obj().at("recipients").as_int64(), kCustomers);

  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'notification.broadcast' AND resource_id = " +
                  std::to_string(id)),
            1);
}

TEST_F(Broadcasts, HonoursChannelsAndEachCustomersPreferences) {
  auto off = Put("/api/v1/me/notification-preferences",
                 json::object{{"preferences", json::array{json::object{{"event_type", "broadcast"}, {"in_app", false}}}}},
                 customers_[0].access_token);
  ASSERT_EQ(off.status, 200) << off.response.body;
  ASSERT_EQ(Broadcast(Body({"in_app"}, {{"type", "plan"}, {"plan", "free"}}), admin_.access_token).status, 202);
  RunJobs();
  EXPECT_EQ(RowsOf(customers_[0].user_id), 0);
  EXPECT_EQ(RowsOf(customers_[1].user_id), 1);
  EXPECT_TRUE(Delivered("notifications_broadcast").empty()) << "in_app only";
}

TEST_F(Broadcasts, RejectsBadRequestsAndNonManagers) {
  const auto jobs_before = Count("SELECT COUNT(*) FROM jobs");
  auto unknown_plan = Broadcast(Body({"in_app"}, {{"type", "plan"}, {"plan", "gold"}}), admin_.access_token);
  EXPECT_EQ(unknown_plan.status, 422);
  EXPECT_EQ(unknown_plan.error_fields(), (std::vector<std::string>{"audience.plan"}));
  EXPECT_EQ(Broadcast(Body({"in_app"}, {{"type", "plan"}}), admin_.access_token).error_fields(),
            (std::vector<std::string>{"audience.plan"}));
  EXPECT_EQ(Broadcast(Body({"in_app"}, {{"type", "everyone"}}), admin_.access_token).error_fields(),
            (std::vector<std::string>{"audience.type"}));
  EXPECT_EQ(Broadcast(Body({}), admin_.access_token).error_fields(), (std::vector<std::string>{"channels"}));
  EXPECT_EQ(Broadcast(Body({"sms"}), admin_.access_token).error_fields(), (std::vector<std::string>{"channels"}));
  EXPECT_EQ(Broadcast(Body({"email", "email"}), admin_.access_token).error_fields(),
            (std::vector<std::string>{"channels"}));
  auto no_title = Body({"in_app"});
  no_title.erase("title");
  no_title["link"] = "https://evil.example";
  EXPECT_EQ(Broadcast(no_title, admin_.access_token).error_fields(), (std::vector<std::string>{"title", "link"}));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), jobs_before) << "a rejected broadcast enqueues nothing";

  EXPECT_EQ(Broadcast(Body({"in_app"}), customers_[0].access_token).status, 403);
  auto support = Staff("support@shop.test", Role::kSupport);
  EXPECT_EQ(Broadcast(Body({"in_app"}), support.access_token).status, 403);
  auto manager = Staff("manager@shop.test", Role::kManager);
  EXPECT_EQ(Broadcast(Body({"in_app"}), manager.access_token).status, 202);
  EXPECT_EQ(Get("/api/v1/admin/notifications/broadcasts/999999", admin_.access_token).status, 404);
}

}  // namespace
}  // namespace emporium::notifications::testing
