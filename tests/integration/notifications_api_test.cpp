// Notifications end to end on the test database (SQLite or MariaDB): the user's list with unread
// count, read / read-all / delete with ownership, preferences (validation and effect), and e-mail
// through the durable job queue.

#include "notifications_fixture.hpp"

namespace emporium::notifications::testing {
namespace {

class NotificationsApi : public NotificationsHarness {};

std::vector<std::string> Titles(const CallResult& r) {
  std::vector<std::string> out;
  for (const auto& item : r.obj().at("items").as_array()) out.emplace_back(item.as_object().at("title").as_string());
  return out;
}

TEST_F(NotificationsApi, ListsNewestFirstWithUnreadCountAndPages) {
  auto ada = Register("ada@shop.test");
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(Notify(Shipped(ada.user_id, i)));

  auto first = Get("/api/v1/me/notifications?limit=2", ada.access_token);
  ASSERT_EQ(first.status, 200) << first.response.body;
  EXPECT_EQ(Titles(first), (std::vector<std::string>{"Order 3 has shipped", "Order 2 has shipped"}));
  EXPECT_EQ(first.obj().at("unread_count").as_int64(), 3);
  const auto& item = first.obj().at("items").as_array()[0].as_object();
  EXPECT_EQ(item.at("type").as_string(), "order.shipped");
  EXPECT_EQ(item.at("data").as_object().at("order_id").as_int64(), 3);
  EXPECT_EQ(item.at("link").as_string(), "/orders/3");
  EXPECT_FALSE(item.at("read").as_bool());
  EXPECT_TRUE(item.at("read_at").is_null());
  EXPECT_EQ(item.at("created_at").as_string(), "2027-01-15T08:00:00Z");

  const std::string cursor(first.obj().at("next_cursor").as_string());
  auto second = Get("/api/v1/me/notifications?limit=2&cursor=" + cursor, ada.access_token);
  ASSERT_EQ(second.status, 200) << second.response.body;
  EXPECT_EQ(Titles(second), (std::vector<std::string>{"Order 1 has shipped"}));
  EXPECT_TRUE(second.obj().at("next_cursor").is_null());

  EXPECT_EQ(Get("/api/v1/me/notifications?cursor=garbage", ada.access_token).status, 422);
  EXPECT_EQ(Get("/api/v1/me/notifications?limit=101", ada.access_token).status, 422);
  EXPECT_EQ(Get("/api/v1/me/notifications").status, 401);
}

TEST_F(NotificationsApi, PublishesEachNewNotificationAfterCommitForTheUsersRoom) {
  auto ada = Register("ada@shop.test");
  ASSERT_TRUE(Notify(Shipped(ada.user_id, 7)));
  auto pushed = Pushed();
  ASSERT_EQ(pushed.size(), 1u);
  EXPECT_EQ(pushed[0].at("user_id").as_int64(), ada.user_id);
  auto listed = Get("/api/v1/me/notifications", ada.access_token);
  EXPECT_EQ(pushed[0].at("notification").as_object(), listed.obj().at("items").as_array()[0].as_object());

  // Rolled back: nothing stored, nothing pushed.
  auto rolled_back = db().Write([&](db::Tx& tx) -> Status {
    EMP_TRY(notifications_->notifier().Notify(tx, Shipped(ada.user_id, 8)));
    return Error::Conflict("the caller's change failed");
  });
  EXPECT_FALSE(rolled_back);
  EXPECT_EQ(Pushed().size(), 1u);
  EXPECT_EQ(RowsOf(ada.user_id), 1);
}

TEST_F(NotificationsApi, FiltersUnreadMarksReadOneOrAllAndDeletes) {
  auto ada = Register("ada@shop.test");
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(Notify(Shipped(ada.user_id, i)));
  auto list = Get("/api/v1/me/notifications", ada.access_token);
  const auto newest = list.obj().at("items").as_array()[0].as_object().at("id").as_int64();
  const auto oldest = list.obj().at("items").as_array()[2].as_object().at("id").as_int64();

  clock_.Advance(std::chrono::seconds(60));
  auto read = Post("/api/v1/me/notifications/" + std::to_string(newest) + "/read", json::object{}, ada.access_token);
  ASSERT_EQ(read.status, 200) << read.response.body;
  EXPECT_TRUE(read.obj().at("read").as_bool());
  EXPECT_EQ(read.obj().at("read_at").as_string(), "2027-01-15T08:01:00Z");
  clock_.Advance(std::chrono::seconds(60));
  auto again = Post("/api/v1/me/notifications/" + std::to_string(newest) + "/read", json::object{}, ada.access_token);
  EXPECT_EQ(again.obj().at("read_at").as_string(), "2027-01-15T08:01:00Z") << "the first read time stays";

  auto unread = Get("/api/v1/me/notifications?unread=true", ada.access_token);
  EXPECT_EQ(Titles(unread), (std::vector<std::string>{"Order 2 has shipped", "Order 1 has shipped"}));
  EXPECT_EQ(unread.obj().at("unread_count").as_int64(), 2);

  auto all = Post("/api/v1/me/notifications/read-all", json::object{}, ada.access_token);
  ASSERT_EQ(all.status, 200) << all.response.body;
  EXPECT_EQ(all.obj().at("marked").as_int64(), 2);
  EXPECT_EQ(Get("/api/v1/me/notifications", ada.access_token).obj().at("unread_count").as_int64(), 0);

  EXPECT_EQ(Delete("/api/v1/me/notifications/" + std::to_string(oldest), ada.access_token).status, 204);
  EXPECT_EQ(Delete("/api/v1/me/notifications/" + std::to_string(oldest), ada.access_token).status, 404);
  EXPECT_EQ(RowsOf(ada.user_id), 2);
}

TEST_F(NotificationsApi, AnotherUsersNotificationIsNotFound) {
  auto ada = Register("ada@shop.test");
  auto bob = Register("bob@shop.test");
  ASSERT_TRUE(Notify(Shipped(ada.user_id, 1)));
  const auto id = Get("/api/v1/me/notifications", ada.access_token).obj().at("items").as_array()[0].as_object().at("id").as_int64();
  const auto path = "/api/v1/me/notifications/" + std::to_string(id);
  EXPECT_EQ(Post(path + "/read", json::object{}, bob.access_token).status, 404);
  EXPECT_EQ(Delete(path, bob.access_token).status, 404);
  EXPECT_EQ(Post("/api/v1/me/notifications/read-all", json::object{}, bob.access_token).obj().at("marked").as_int64(), 0);
  EXPECT_TRUE(Get("/api/v1/me/notifications", bob.access_token).obj().at("items").as_array().empty());
  EXPECT_EQ(Get("/api/v1/me/notifications", ada.access_token).obj().at("unread_count").as_int64(), 1);
  EXPECT_EQ(Post("/api/v1/me/notifications/abc/read", json::object{}, ada.access_token).status, 404);
}

TEST_F(NotificationsApi, ARerunOfTheSameFactNotifiesOnce) {
  auto ada = Register("ada@shop.test");
  const auto mails_before = MailJobs();
  ASSERT_TRUE(Notify(Shipped(ada.user_id, 5)));
  ASSERT_TRUE(Notify(Shipped(ada.user_id, 5)));
  EXPECT_EQ(RowsOf(ada.user_id), 1);
  EXPECT_EQ(MailJobs(), mails_before + 1);
  EXPECT_EQ(Pushed().size(), 1u);
}

TEST_F(NotificationsApi, DeliversTheEmailThroughTheJobQueue) {
  auto ada = Register("ada@shop.test");
  RunJobs();  // the verification mail
  ASSERT_TRUE(Notify(Shipped(ada.user_id, 9)));
  EXPECT_TRUE(Delivered("notifications_order_shipped").empty()) << "nothing is sent before the job runs";
  EXPECT_EQ(RunJobs(), 1);
  auto mails = Delivered("notifications_order_shipped");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "ada@shop.test");
  EXPECT_EQ(mails[0].subject, "Your Test Shop order EMP-9 has shipped");
  EXPECT_NE(mails[0].text.find("Hi Ada,"), std::string::npos) << mails[0].text;
  EXPECT_NE(mails[0].text.find("http://shop.test/orders/9"), std::string::npos) << mails[0].text;
  EXPECT_NE(mails[0].html.find("EMP123"), std::string::npos);
  EXPECT_NE(mails[0].message_id.find("@shop.test>"), std::string::npos) << mails[0].message_id;
}

TEST_F(NotificationsApi, UnknownEventTypeIsTheCallersBug) {
  auto ada = Register("ada@shop.test");
  auto request = Shipped(ada.user_id, 1);
  request.event_type = "order.teleported";
  auto st = Notify(request);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(RowsOf(ada.user_id), 0);
}

// ---- Preferences --------------------------------------------------------------------------------

json::object PreferenceOf(const CallResult& r, std::string_view type) {
  for (const auto& p : r.obj().at("preferences").as_array()) {
    if (p.as_object().at("event_type").as_string() == type) return p.as_object();
  }
  return {};
}

json::value Changes(json::array items) { return json::object{{"preferences", std::move(items)}}; }

TEST_F(NotificationsApi, PreferencesDefaultToEverythingOnWithReceiptsLocked) {
  auto ada = Register("ada@shop.test");
  auto r = Get("/api/v1/me/notification-preferences", ada.access_token);
  ASSERT_EQ(r.status, 200) << r.response.body;
  for (const auto& p : r.obj().at("preferences").as_array()) {
    const auto& type = p.as_object().at("event_type").as_string();
    // "order placed" is in-app only until asked for: the receipt follows within seconds.
    EXPECT_EQ(p.as_object().at("email").as_bool(), type != "order.placed") << type;
  }
  EXPECT_TRUE(PreferenceOf(r, "order.placed").at("in_app").as_bool());
  EXPECT_TRUE(PreferenceOf(r, "order.shipped").at("in_app").as_bool());
  EXPECT_TRUE(PreferenceOf(r, "order.paid").at("email_locked").as_bool());
  EXPECT_FALSE(PreferenceOf(r, "order.shipped").at("email_locked").as_bool());
  EXPECT_TRUE(PreferenceOf(r, "account.password_reset").at("in_app").is_null());
  EXPECT_TRUE(PreferenceOf(r, "inventory.low_stock").empty()) << "staff only";

  auto manager = Staff("manager@shop.test", Role::kManager);
  auto staff = Get("/api/v1/me/notification-preferences", manager.access_token);
  EXPECT_FALSE(PreferenceOf(staff, "inventory.low_stock").empty());
}

TEST_F(NotificationsApi, RejectsBadPreferenceChangesAndAppliesNone) {
  auto ada = Register("ada@shop.test");
  auto put = [&](json::value body) { return Put("/api/v1/me/notification-preferences", std::move(body), ada.access_token); };

  auto r = put(Changes({json::object{{"event_type", "order.shipped"}, {"email", false}},
                        json::object{{"event_type", "order.teleported"}, {"email", false}},
                        json::object{{"event_type", "order.delivered"}, {"sms", true}},
                        json::object{{"event_type", "order.paid"}, {"email", false}},
                        json::object{{"event_type", "account.verification"}, {"in_app", true}},
                        json::object{{"event_type", "inventory.low_stock"}, {"email", false}}}));
  ASSERT_EQ(r.status, 422) << r.response.body;
  EXPECT_EQ(r.error_fields(), (std::vector<std::string>{"order.teleported", "order.delivered.sms", "order.paid.email",
                                                        "account.verification.in_app", "inventory.low_stock"}));
  EXPECT_NE(r.response.body.find("transactional"), std::string::npos) << r.response.body;
  auto after = Get("/api/v1/me/notification-preferences", ada.access_token);
  EXPECT_TRUE(PreferenceOf(after, "order.shipped").at("email").as_bool()) << "a rejected request changes nothing";

  EXPECT_EQ(put(Changes({json::object{{"event_type", "order.shipped"}, {"email", "no"}}})).error_fields(),
            (std::vector<std::string>{"preferences[0].email"}));
  EXPECT_EQ(put(Changes({json::object{{"email", false}}})).error_fields(),
            (std::vector<std::string>{"preferences[0].event_type"}));
  EXPECT_EQ(put(Changes({json::value(3)})).error_fields(), (std::vector<std::string>{"preferences[0]"}));
  EXPECT_EQ(put(json::object{{"preferences", "all"}}).status, 422);
  EXPECT_EQ(put(json::object{{"prefs", json::array{}}}).status, 422);
  EXPECT_EQ(Call(http::Method::kPut, "/api/v1/me/notification-preferences", std::nullopt, ada.access_token).status, 400);
}

TEST_F(NotificationsApi, SwitchesApplyPerChannelAndReceiptsCannotBeSwitchedOff) {
  auto ada = Register("ada@shop.test");
  RunJobs();  // the verification mail
  auto r = Put("/api/v1/me/notification-preferences",
               Changes({json::object{{"event_type", "order.shipped"}, {"email", false}},
                        json::object{{"event_type", "order.delivered"}, {"in_app", false}},
                        json::object{{"event_type", "order.paid"}, {"email", true}, {"in_app", false}}}),
               ada.access_token);
  ASSERT_EQ(r.status, 200) << r.response.body;
  EXPECT_FALSE(PreferenceOf(r, "order.shipped").at("email").as_bool());
  EXPECT_TRUE(PreferenceOf(r, "order.shipped").at("in_app").as_bool());
  EXPECT_FALSE(PreferenceOf(r, "order.delivered").at("in_app").as_bool());

  // email off → the in-app row, no mail job
  auto jobs_before = MailJobs();
  ASSERT_TRUE(Notify(Shipped(ada.user_id, 1)));
  EXPECT_EQ(RowsOf(ada.user_id), 1);
  EXPECT_EQ(MailJobs(), jobs_before);

  // in_app off → the mail job, no row
  auto delivered = Shipped(ada.user_id, 2);
  delivered.event_type = "order.delivered";
  delivered.email_template = "notifications_order_delivered";
  ASSERT_TRUE(Notify(delivered));
  EXPECT_EQ(RowsOf(ada.user_id), 1);
  EXPECT_EQ(MailJobs(), jobs_before + 1);

  // the receipt: e-mailed even with a stored "off" (written behind the API's back), in-app off as asked
  ASSERT_TRUE(db().Write([&](db::Tx& tx) -> Status {
    tx.sql << "UPDATE notification_preferences SET enabled = 0 WHERE event_type = 'order.paid'";
    return OkStatus();
  }));
  auto receipt = Shipped(ada.user_id, 3);
  receipt.event_type = "order.paid";
  receipt.email_template = "notifications_order_placed";
  receipt.email_values["total"] = "25.00 USD";
  ASSERT_TRUE(Notify(receipt));
  EXPECT_EQ(RowsOf(ada.user_id), 1);
  EXPECT_EQ(MailJobs(), jobs_before + 2);
  EXPECT_EQ(RunJobs(), 2);
  EXPECT_EQ(Delivered("notifications_order_delivered").size(), 1u);
  EXPECT_EQ(Delivered("notifications_order_placed").size(), 1u);
  EXPECT_TRUE(Delivered("notifications_order_shipped").empty());
}

}  // namespace
}  // namespace emporium::notifications::testing
