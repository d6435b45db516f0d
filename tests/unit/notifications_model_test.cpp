// The notification catalogue and the preference rules, without a database.

#include <gtest/gtest.h>

#include "modules/notifications/model.hpp"

namespace emporium::notifications {
namespace {

TEST(NotificationPreferences, DefaultToEveryChannelOn) {
  const auto* shipped = FindEventType("order.shipped");
  ASSERT_NE(shipped, nullptr);
  const auto p = Effective(*shipped, {});
  EXPECT_TRUE(p.email);
  EXPECT_TRUE(p.in_app);
}

TEST(NotificationPreferences, StoredRowsSwitchOnlyTheirOwnTypeAndChannel) {
  const std::vector<PreferenceRow> rows{{"order.shipped", "email", false}, {"order.delivered", "in_app", false}};
  const auto shipped = Effective(*FindEventType("order.shipped"), rows);
  EXPECT_FALSE(shipped.email);
  EXPECT_TRUE(shipped.in_app);
  const auto delivered = Effective(*FindEventType("order.delivered"), rows);
  EXPECT_TRUE(delivered.email);
  EXPECT_FALSE(delivered.in_app);
}

TEST(NotificationPreferences, TransactionalEmailsStayOnWhateverIsStored) {
  const std::vector<PreferenceRow> rows{{"order.paid", "email", false}, {"order.paid", "in_app", false}};
  const auto receipt = Effective(*FindEventType("order.paid"), rows);
  EXPECT_TRUE(receipt.email);
  EXPECT_FALSE(receipt.in_app) << "only the e-mail is transactional";
  const auto json = ToJson(receipt);
  EXPECT_TRUE(json.at("email_locked").as_bool());
}

TEST(NotificationPreferences, AccountMailsHaveNoInAppSwitch) {
  const auto reset = Effective(*FindEventType("account.password_reset"), {{"account.password_reset", "in_app", true}});
  EXPECT_FALSE(reset.in_app);
  EXPECT_TRUE(ToJson(reset).at("in_app").is_null());
}

TEST(NotificationEventTypes, LowStockIsOfferedToManagersAndAdminsOnly) {
  const auto& low = *FindEventType("inventory.low_stock");
  EXPECT_TRUE(OfferedTo(low, Role::kManager));
  EXPECT_TRUE(OfferedTo(low, Role::kAdmin));
  EXPECT_FALSE(OfferedTo(low, Role::kCustomer));
  EXPECT_FALSE(OfferedTo(low, Role::kSupport));
  EXPECT_TRUE(OfferedTo(*FindEventType("order.paid"), Role::kCustomer));
  EXPECT_EQ(FindEventType("order.teleported"), nullptr);
}

TEST(NotificationEventTypes, EveryNameIsUnique) {
  const auto types = EventTypes();
  for (std::size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ(FindEventType(types[i].name), &types[i]) << types[i].name;
  }
}

TEST(NotificationJson, IsTheShapeOfTheListItem) {
  Notification n{.id = 7, .user_id = 3, .type = "order.shipped", .title = "Shipped", .body = "On its way",
                 .data = {{"order_id", 42}}, .link = "/orders/42", .read_at = std::nullopt,
                 .created_at = 1'800'000'000};
  auto json = ToJson(n);
  EXPECT_EQ(json.at("id").as_int64(), 7);
  EXPECT_FALSE(json.at("read").as_bool());
  EXPECT_TRUE(json.at("read_at").is_null());
  EXPECT_EQ(json.at("created_at").as_string(), "2027-01-15T08:00:00Z");
  EXPECT_EQ(json.at("data").as_object().at("order_id").as_int64(), 42);
  EXPECT_FALSE(json.contains("user_id")) << "the recipient is the caller";
  n.read_at = 1'800'000'060;
  EXPECT_EQ(ToJson(n).at("read_at").as_string(), "2027-01-15T08:01:00Z");
}

}  // namespace
}  // namespace emporium::notifications
