#pragma once
// The store's refund amount policy, as pure functions (unit-tested):
//
//   "full refunds exclude third-party fees": what a customer can get back is the amount captured
//   minus the processor's fee of the charge (the fee is not returned to the store by the processor),
//   minus what was already refunded. With config.refund_includes_fees the store absorbs the fee and
//   the refundable amount is captured − already refunded.

#include <cstdint>
#include <optional>

#include "core/error.hpp"

namespace emporium::refunds {

/// The money of one charge, as PaymentsModule records it (minor units).
struct ChargeBalance {
  std::int64_t captured = 0;  ///< amount charged
  std::int64_t fee = 0;       ///< the processor's fee of the charge
  std::int64_t refunded = 0;  ///< already refunded (succeeded and pending refunds)
};

/// Everything the policy ever lets the store refund on this charge: captured, less the fee unless
/// `includes_fees`. Never negative.
std::int64_t RefundableTotal(const ChargeBalance& charge, bool includes_fees);
/// What is still refundable: RefundableTotal − refunded. Never negative.
std::int64_t RemainingRefundable(const ChargeBalance& charge, bool includes_fees);

/// The amount of a new refund: `requested` when given (it must be 1..remaining), else everything
/// remaining. kInvalidArgument "amount" when the requested amount is out of range or nothing remains.
Result<std::int64_t> ResolveRefundAmount(const ChargeBalance& charge, bool includes_fees,
                                         std::optional<std::int64_t> requested);

/// True when, after refunding `amount`, nothing refundable remains (the order becomes "refunded";
/// otherwise "partially_refunded").
bool CompletesRefund(const ChargeBalance& charge, bool includes_fees, std::int64_t amount);

/// This refund's share of the refundable total in basis points, for loyalty reversal. Computed as
/// the difference of the cumulative shares before and after it (each rounded down), so the shares of
/// successive partial refunds add up to exactly 10000 once everything is refunded.
std::int64_t RefundFractionBp(const ChargeBalance& charge, bool includes_fees, std::int64_t amount);

}  // namespace emporium::refunds
