#include "modules/payments/payment_provider.hpp"

namespace emporium::payments {

std::string_view IntentStatusName(IntentStatus s) {
  switch (s) {
    case IntentStatus::kSucceeded:
      return "succeeded";
    case IntentStatus::kRequiresAction:
      return "requires_action";
    case IntentStatus::kProcessing:
      return "processing";
    case IntentStatus::kDeclined:
      return "declined";
    case IntentStatus::kCanceled:
      return "canceled";
  }
  return "processing";
}

}  // namespace emporium::payments
