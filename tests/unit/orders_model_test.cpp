// The order state machine, checked for every (from, to) pair against the table in docs/API.md and
// model.hpp, plus the status names and the admin list's date parameters.

#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include "modules/orders/model.hpp"
#include "modules/orders/orders_controller.hpp"

namespace emporium::orders {
namespace {

using S = OrderStatus;

const std::vector<S> kAll = {S::kPendingPayment, S::kPaid,      S::kProcessing,        S::kShipped,
                             S::kOutForDelivery, S::kAwaitingPickup, S::kDelivered, S::kUncollected,
                             S::kCancelled,      S::kRefunded,  S::kPartiallyRefunded};

const std::set<std::pair<S, S>> kLegal = {
    {S::kPendingPayment, S::kPaid},          {S::kPendingPayment, S::kCancelled},
    {S::kPaid, S::kProcessing},              {S::kPaid, S::kShipped},
    {S::kPaid, S::kCancelled},               {S::kPaid, S::kRefunded},
    {S::kPaid, S::kPartiallyRefunded},       {S::kProcessing, S::kShipped},
    {S::kProcessing, S::kCancelled},         {S::kProcessing, S::kRefunded},
    {S::kProcessing, S::kPartiallyRefunded}, {S::kShipped, S::kOutForDelivery},
    {S::kShipped, S::kAwaitingPickup},       {S::kShipped, S::kDelivered},
    {S::kOutForDelivery, S::kDelivered},     {S::kOutForDelivery, S::kAwaitingPickup},
    {S::kOutForDelivery, S::kShipped},       {S::kAwaitingPickup, S::kDelivered},
    {S::kAwaitingPickup, S::kUncollected},   {S::kDelivered, S::kRefunded},
    {S::kDelivered, S::kPartiallyRefunded},  {S::kUncollected, S::kRefunded},
    {S::kUncollected, S::kPartiallyRefunded}, {S::kUncollected, S::kCancelled},
    {S::kPartiallyRefunded, S::kRefunded},   {S::kPartiallyRefunded, S::kPartiallyRefunded},
};

TEST(OrderStateMachine, AllowsExactlyTheDocumentedTransitions) {
  int legal = 0;
  for (S from : kAll) {
    for (S to : kAll) {
      const bool expected = kLegal.count({from, to}) > 0;
      EXPECT_EQ(IsLegalTransition(from, to), expected) << StatusName(from) << " → " << StatusName(to);
      legal += IsLegalTransition(from, to) ? 1 : 0;
    }
  }
  EXPECT_EQ(legal, static_cast<int>(kLegal.size()));
}

TEST(OrderStateMachine, CancelledAndRefundedAreFinal) {
  for (S to : kAll) {
    EXPECT_FALSE(IsLegalTransition(S::kCancelled, to)) << StatusName(to);
    EXPECT_FALSE(IsLegalTransition(S::kRefunded, to)) << StatusName(to);
  }
}

TEST(OrderStateMachine, OnlyOrdersNotYetShippedAreCancellable) {
  const std::set<S> cancellable = {S::kPendingPayment, S::kPaid, S::kProcessing};
  for (S s : kAll) EXPECT_EQ(IsCancellable(s), cancellable.count(s) > 0) << StatusName(s);
}

TEST(OrderStatusNames, RoundTripAndRejectUnknownNames) {
  std::set<std::string_view> names;
  for (S s : kAll) {
    const auto name = StatusName(s);
    names.insert(name);
    ASSERT_TRUE(ParseStatus(name).has_value()) << name;
    EXPECT_EQ(*ParseStatus(name), s);
  }
  EXPECT_EQ(names.size(), kAll.size());
  EXPECT_EQ(StatusName(S::kPendingPayment), "pending_payment");
  EXPECT_EQ(StatusName(S::kOutForDelivery), "out_for_delivery");
  EXPECT_FALSE(ParseStatus("PAID").has_value());
  EXPECT_FALSE(ParseStatus("").has_value());
  EXPECT_FALSE(ParseStatus("pending payment").has_value());
}

TEST(OrderListDates, ParsesDatesAndTimestampsWithOffsets) {
  EXPECT_EQ(ParseDateOrTimestamp("2027-01-15"), 1'800'000'000 - 8 * 3600);
  EXPECT_EQ(ParseDateOrTimestamp("2027-01-15T08:00:00Z"), 1'800'000'000);
  EXPECT_EQ(ParseDateOrTimestamp("2027-01-15T09:00:00+01:00"), 1'800'000'000);
  EXPECT_EQ(ParseDateOrTimestamp("2027-01-15T07:30:00-00:30"), 1'800'000'000);
  EXPECT_EQ(ParseDateOrTimestamp("2027-01-15T08:00:00.250Z"), 1'800'000'000);
}

TEST(OrderListDates, RejectsMalformedValues) {
  for (const char* bad : {"", "2027", "2027-13-01", "2027-02-30", "2027-01-15T25:00:00Z", "2027-01-15T08:00:00",
                          "2027-01-15 08:00:00Z", "2027-01-15T08:00:00+0100", "yesterday", "2027-01-15T08:00:00.Z"}) {
    EXPECT_FALSE(ParseDateOrTimestamp(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace emporium::orders
