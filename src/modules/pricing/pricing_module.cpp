#include "modules/pricing/pricing_module.hpp"

#include "modules/pricing/pricing_controller.hpp"
#include "modules/pricing/pricing_service.hpp"

namespace emporium::pricing {

struct PricingModule::Impl {
  Impl(db::Database& db, const core::Clock& clock, audit::AuditLog& audit, const PlanReader& plans)
      : service(db, clock, audit, plans) {}
  PricingService service;
};

PricingModule::PricingModule(db::Database& db, const core::Clock& clock, audit::AuditLog& audit,
                             const PlanReader& plans)
    : impl_(std::make_unique<Impl>(db, clock, audit, plans)) {}

PricingModule::~PricingModule() = default;

void PricingModule::RegisterRoutes(http::Router& router) { RegisterPricingRoutes(router, impl_->service); }

std::string PricingModule::Currency() const { return impl_->service.Currency(); }

Result<Totals> PricingModule::Quote(db::Tx& tx, const PricingRequest& request) {
  return impl_->service.Quote(tx, request);
}

Status PricingModule::CommitOrder(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, const Totals& totals) {
  return impl_->service.CommitOrder(tx, user_id, order_id, totals);
}

Status PricingModule::ReleaseOrder(db::Tx& tx, std::int64_t user_id, std::int64_t order_id) {
  return impl_->service.ReleaseOrder(tx, user_id, order_id);
}

Status PricingModule::EarnPoints(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, std::int64_t points) {
  return impl_->service.EarnPoints(tx, user_id, order_id, points);
}

Status PricingModule::ReverseForRefund(db::Tx& tx, std::int64_t user_id, std::int64_t order_id, std::int64_t refund_id,
                                       std::int64_t fraction_bp) {
  return impl_->service.ReverseForRefund(tx, user_id, order_id, refund_id, fraction_bp);
}

Result<std::int64_t> PricingModule::LoyaltyBalance(db::Tx& tx, std::int64_t user_id) {
  return impl_->service.LoyaltyBalance(tx, user_id);
}

}  // namespace emporium::pricing
