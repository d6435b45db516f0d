// The refund amount policy: "full refunds exclude third-party fees" unless the store absorbs them.

#include <gtest/gtest.h>

#include "modules/refunds/refund_policy.hpp"

namespace emporium::refunds {
namespace {

constexpr ChargeBalance kFreshCharge{.captured = 10'000, .fee = 320, .refunded = 0};

TEST(RefundsPolicy, DefaultAmountExcludesTheProcessorFee) {
  auto amount = ResolveRefundAmount(kFreshCharge, /*includes_fees=*/false, std::nullopt);
  ASSERT_TRUE(amount);
  EXPECT_EQ(*amount, 9'680);
}

TEST(RefundsPolicy, DefaultAmountIncludesTheFeeWhenTheStoreAbsorbsIt) {
  auto amount = ResolveRefundAmount(kFreshCharge, /*includes_fees=*/true, std::nullopt);
  ASSERT_TRUE(amount);
  EXPECT_EQ(*amount, 10'000);
}

TEST(RefundsPolicy, RemainingSubtractsEarlierRefunds) {
  const ChargeBalance charge{.captured = 10'000, .fee = 320, .refunded = 2'500};
  EXPECT_EQ(RemainingRefundable(charge, false), 7'180);
  EXPECT_EQ(RemainingRefundable(charge, true), 7'500);
  EXPECT_EQ(*ResolveRefundAmount(charge, false, std::nullopt), 7'180);
}

TEST(RefundsPolicy, RemainingIsNeverNegative) {
  // Refunded in full under the fee-inclusive policy, then read under the excluding one.
  const ChargeBalance charge{.captured = 10'000, .fee = 320, .refunded = 10'000};
  EXPECT_EQ(RemainingRefundable(charge, false), 0);
  EXPECT_EQ(RefundableTotal({.captured = 100, .fee = 300}, false), 0);
}

TEST(RefundsPolicy, GivenAmountMustBeWithinOneAndRemaining) {
  EXPECT_EQ(*ResolveRefundAmount(kFreshCharge, false, 1), 1);
  EXPECT_EQ(*ResolveRefundAmount(kFreshCharge, false, 9'680), 9'680);
  for (std::int64_t bad : {0L, -5L, 9'681L, 10'000L}) {
    auto r = ResolveRefundAmount(kFreshCharge, false, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().field, "amount");
  }
  EXPECT_TRUE(ResolveRefundAmount(kFreshCharge, true, 10'000));  // the fee is refundable then
}

TEST(RefundsPolicy, NothingLeftIsRefused) {
  const ChargeBalance charge{.captured = 10'000, .fee = 320, .refunded = 9'680};
  auto r = ResolveRefundAmount(charge, false, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "amount");
  EXPECT_FALSE(ResolveRefundAmount(charge, false, 1));
}

TEST(RefundsPolicy, CompletesOnlyWhenNothingRefundableRemains) {
  EXPECT_TRUE(CompletesRefund(kFreshCharge, false, 9'680));
  EXPECT_FALSE(CompletesRefund(kFreshCharge, false, 9'679));
  EXPECT_FALSE(CompletesRefund(kFreshCharge, true, 9'680));
  EXPECT_TRUE(CompletesRefund({.captured = 10'000, .fee = 320, .refunded = 4'000}, false, 5'680));
}

TEST(RefundsPolicy, FractionsOfSuccessivePartialRefundsAddUpToTheWhole) {
  EXPECT_EQ(RefundFractionBp(kFreshCharge, false, 9'680), 10'000);
  EXPECT_EQ(RefundFractionBp(kFreshCharge, false, 4'840), 5'000);
  // Three thirds of an amount not divisible by three: the rounding never loses or adds a point.
  ChargeBalance charge{.captured = 1'000, .fee = 0, .refunded = 0};
  std::int64_t total_bp = 0;
  for (std::int64_t part : {333, 333, 334}) {
    total_bp += RefundFractionBp(charge, false, part);
    charge.refunded += part;
  }
  EXPECT_EQ(total_bp, 10'000);
}

}  // namespace
}  // namespace emporium::refunds
