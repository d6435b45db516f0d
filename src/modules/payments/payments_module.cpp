#include "modules/payments/payments_module.hpp"

#include "core/log.hpp"
#include "modules/payments/payments_controller.hpp"
#include "modules/payments/payments_service.hpp"
#include "modules/payments/simulated_provider.hpp"
#include "modules/payments/stripe_provider.hpp"

namespace emporium::payments {

namespace {

std::unique_ptr<PaymentProvider> ProviderFor(const core::Config& config) {
  if (config.stripe_secret_key.empty()) {
    core::Logger("payments")->info(R"({"msg":"STRIPE_SECRET_KEY is unset: payments use the simulated processor"})");
    return std::make_unique<SimulatedProvider>();
  }
  return std::make_unique<StripeProvider>(
      StripeOptions{.api_base = config.stripe_api_base,
                    .secret_key = config.stripe_secret_key,
                    .timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.stripe_timeout)});
}

}  // namespace

struct PaymentsModule::Impl {
  Impl(db::Database& db, const core::Config& config, const core::Clock& clock, auth::AuthModule& auth,
       std::unique_ptr<PaymentProvider> provider)
      : config(config), service(db, config, clock, auth, provider ? std::move(provider) : ProviderFor(config)) {}
  const core::Config& config;
  PaymentsService service;
};

PaymentsModule::PaymentsModule(db::Database& db, const core::Config& config, const core::Clock& clock,
                               auth::AuthModule& auth, std::unique_ptr<PaymentProvider> provider)
    : impl_(std::make_unique<Impl>(db, config, clock, auth, std::move(provider))) {}

PaymentsModule::~PaymentsModule() = default;

void PaymentsModule::RegisterRoutes(http::Router& router) {
  RegisterPaymentsRoutes(router, impl_->service, impl_->config);
}

void PaymentsModule::AddSink(PaymentEventSink* sink) { impl_->service.AddSink(sink); }

PaymentProvider& PaymentsModule::provider() { return impl_->service.provider(); }

Result<PaymentToCharge> PaymentsModule::CreatePayment(db::Tx& tx, const NewPayment& payment) {
  return impl_->service.CreatePayment(tx, payment);
}

Status PaymentsModule::Charge(const PaymentToCharge& payment, const Settlement& settle) {
  return impl_->service.Charge(payment, settle);
}

Result<PaymentOutcome> PaymentsModule::Execute(std::int64_t payment_id) { return impl_->service.Execute(payment_id); }

Result<PaymentOutcome> PaymentsModule::Confirm(std::int64_t payment_id) { return impl_->service.Confirm(payment_id); }
Result<PaymentOutcome> PaymentsModule::CancelPending(std::int64_t payment_id) {
  return impl_->service.CancelPending(payment_id);
}

Result<PaymentRecord> PaymentsModule::Get(db::Tx& tx, std::int64_t payment_id) {
  return impl_->service.Get(tx, payment_id);
}

Result<std::optional<PaymentRecord>> PaymentsModule::FindForOrder(db::Tx& tx, std::int64_t order_id) {
  return impl_->service.FindForOrder(tx, order_id);
}
std::optional<RefundRecord> PaymentsModule::FindRefund(db::Tx& tx, std::int64_t payment_id, const std::string& key) {
  return impl_->service.FindRefund(tx, payment_id, key);
}

Result<RefundRecord> PaymentsModule::Refund(std::int64_t payment_id, std::int64_t amount, const std::string& reason,
                                            const std::string& key) {
  return impl_->service.Refund(payment_id, amount, reason, key);
}

Status PaymentsModule::HandleEvent(const PaymentEvent& event) { return impl_->service.HandleEvent(event); }

}  // namespace emporium::payments
