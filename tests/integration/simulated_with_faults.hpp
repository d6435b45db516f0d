#pragma once
// The simulated processor as a base for tests that make one of its calls misbehave: every call
// forwards to a SimulatedProvider; a test overrides only the one it changes.

#include <string>
#include <string_view>

#include "modules/payments/simulated_provider.hpp"

namespace emporium::payments::testing {

class SimulatedWithFaults : public PaymentProvider {
 public:
  std::string_view Name() const override { return inner_.Name(); }
  Result<std::string> CreateCustomer(const std::string& e, const std::string& n, const std::string& k) override {
    return inner_.CreateCustomer(e, n, k);
  }
  Result<Card> AttachCard(const std::string& c, const std::string& t, const std::string& k) override {
    return inner_.AttachCard(c, t, k);
  }
  Status DetachCard(const std::string& pm) override { return inner_.DetachCard(pm); }
  Result<Intent> CreateIntent(const IntentRequest& r) override { return inner_.CreateIntent(r); }
  Result<Intent> ConfirmIntent(const std::string& i, const std::string& k) override {
    return inner_.ConfirmIntent(i, k);
  }
  Result<Intent> RetrieveIntent(const std::string& i) override { return inner_.RetrieveIntent(i); }
  Result<Intent> CancelIntent(const std::string& i, const std::string& k) override { return inner_.CancelIntent(i, k); }
  Result<Refund> CreateRefund(const RefundRequest& r) override { return inner_.CreateRefund(r); }

 protected:
  SimulatedProvider inner_;
};

}  // namespace emporium::payments::testing
