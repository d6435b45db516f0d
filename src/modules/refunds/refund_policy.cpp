#include "modules/refunds/refund_policy.hpp"

#include <algorithm>
#include <string>

namespace emporium::refunds {

std::int64_t RefundableTotal(const ChargeBalance& charge, bool includes_fees) {
  return std::max<std::int64_t>(0, charge.captured - (includes_fees ? 0 : charge.fee));
}

std::int64_t RemainingRefundable(const ChargeBalance& charge, bool includes_fees) {
  return std::max<std::int64_t>(0, RefundableTotal(charge, includes_fees) - charge.refunded);
}

Result<std::int64_t> ResolveRefundAmount(const ChargeBalance& charge, bool includes_fees,
                                         std::optional<std::int64_t> requested) {
  const std::int64_t remaining = RemainingRefundable(charge, includes_fees);
  if (remaining == 0) return Error::Invalid("amount", "nothing remains to be refunded on this order");
  if (!requested) return remaining;
  if (*requested < 1 || *requested > remaining) {
    return Error::Invalid(
        "amount", "must be between 1 and " + std::to_string(remaining) + " (the amount that remains refundable)");
  }
  return *requested;
}

bool CompletesRefund(const ChargeBalance& charge, bool includes_fees, std::int64_t amount) {
  return amount >= RemainingRefundable(charge, includes_fees);
}

std::int64_t RefundFractionBp(const ChargeBalance& charge, bool includes_fees, std::int64_t amount) {
  const std::int64_t total = RefundableTotal(charge, includes_fees);
  if (total <= 0) return 0;
  const auto cumulative_bp = [&](std::int64_t refunded) {
    return std::min<std::int64_t>(10'000, std::max<std::int64_t>(0, refunded) * 10'000 / total);
  };
  return cumulative_bp(charge.refunded + amount) - cumulative_bp(charge.refunded);
}

}  // namespace emporium::refunds
