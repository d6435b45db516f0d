// The courier's status reports: which steps are legal, and the order status each leads to.

#include <gtest/gtest.h>

#include "modules/fulfilment/model.hpp"

namespace emporium::fulfilment {
namespace {

using S = ShipmentStatus;
using orders::OrderStatus;

TEST(FulfilmentStatus, NamesRoundTrip) {
  for (auto s :
       {S::kAssigned, S::kOutForDelivery, S::kDelivered, S::kFailedAttempt, S::kAwaitingPickup, S::kUncollected}) {
    EXPECT_EQ(ParseShipmentStatus(ShipmentStatusName(s)), s);
  }
  EXPECT_FALSE(ParseShipmentStatus("lost"));
}

TEST(FulfilmentStatus, AFailedAttemptSendsTheOrderBackToShipped) {
  EXPECT_EQ(OrderStatusFor(S::kFailedAttempt), OrderStatus::kShipped);
  EXPECT_EQ(OrderStatusFor(S::kOutForDelivery), OrderStatus::kOutForDelivery);
  EXPECT_EQ(OrderStatusFor(S::kDelivered), OrderStatus::kDelivered);
  EXPECT_EQ(OrderStatusFor(S::kAwaitingPickup), OrderStatus::kAwaitingPickup);
  EXPECT_EQ(OrderStatusFor(S::kUncollected), OrderStatus::kUncollected);
}

TEST(FulfilmentStatus, TheUsualRoundsAreLegal) {
  EXPECT_TRUE(CheckCourierReport(S::kAssigned, S::kOutForDelivery, false));
  EXPECT_TRUE(CheckCourierReport(S::kOutForDelivery, S::kFailedAttempt, false));
  EXPECT_TRUE(CheckCourierReport(S::kFailedAttempt, S::kOutForDelivery, false));
  EXPECT_TRUE(CheckCourierReport(S::kOutForDelivery, S::kDelivered, false));
  EXPECT_TRUE(CheckCourierReport(S::kOutForDelivery, S::kAwaitingPickup, true));
  EXPECT_TRUE(CheckCourierReport(S::kAwaitingPickup, S::kUncollected, true));
  EXPECT_TRUE(CheckCourierReport(S::kAwaitingPickup, S::kDelivered, true));
}

TEST(FulfilmentStatus, PickupPointsAreForSafeShippingOrdersOnly) {
  auto st = CheckCourierReport(S::kOutForDelivery, S::kAwaitingPickup, /*safe_shipping=*/false);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
}

TEST(FulfilmentStatus, IllegalStepsAreConflicts) {
  for (auto [from, to] : std::vector<std::pair<S, S>>{{S::kAssigned, S::kFailedAttempt},
                                                      {S::kAssigned, S::kUncollected},
                                                      {S::kOutForDelivery, S::kOutForDelivery},
                                                      {S::kAwaitingPickup, S::kOutForDelivery},
                                                      {S::kDelivered, S::kFailedAttempt},
                                                      {S::kUncollected, S::kDelivered}}) {
    auto st = CheckCourierReport(from, to, true);
    ASSERT_FALSE(st) << ShipmentStatusName(from) << " → " << ShipmentStatusName(to);
    EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  }
  EXPECT_TRUE(IsFinished(S::kDelivered));
  EXPECT_TRUE(IsFinished(S::kUncollected));
  EXPECT_FALSE(IsFinished(S::kFailedAttempt));
}

TEST(FulfilmentStatus, AssignedIsNotACourierReport) {
  auto st = CheckCourierReport(S::kOutForDelivery, S::kAssigned, true);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.error().field, "status");
}

}  // namespace
}  // namespace emporium::fulfilment
