#pragma once
// Refund business rules: staff refunds (idempotent), customers' refund requests and their review.
//
// Every refund runs in three steps, because the processor call must not happen inside a database
// transaction: (1) a transaction checks the order and works out the amount under the store's
// policy (and, for the admin route, claims the Idempotency-Key); (2) PaymentsModule::Refund, outside
// any transaction, with a key derived from the request so a retry can never pay twice; (3) a
// transaction records the refund, moves the order (refunded or partially_refunded), restocks,
// reverses loyalty points, audits, and notifies the customer (in-app and e-mail, in the same transaction) and
// tells the dashboards after commit.

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "http/request.hpp"
#include "infra/events/event_bus.hpp"
#include "infra/idempotency/idempotency_store.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/notifications/notifier.hpp"
#include "modules/orders/orders_module.hpp"
#include "modules/payments/payments_module.hpp"
#include "modules/pricing/pricing_module.hpp"
#include "modules/refunds/model.hpp"
#include "modules/refunds/refund_policy.hpp"
#include "modules/refunds/refunds_repository.hpp"

namespace emporium::refunds {

/// What staff asked for.
struct RefundCommand {
  std::int64_t order_id = 0;
  std::optional<std::int64_t> amount;  ///< null: everything the policy still allows
  std::string reason;
  bool restock = false;  ///< only with a full refund
};

struct RequestPage {
  std::vector<RefundRequest> items;
  std::optional<std::string> next_cursor;
};

class RefundsService {
 public:
  RefundsService(db::Database& db, const core::Config& config, const core::Clock& clock, orders::OrdersModule& orders,
                 payments::PaymentsModule& payments, pricing::PricingModule& pricing, catalog::CatalogModule& catalog,
                 auth::AuthModule& auth, audit::AuditLog& audit, notifications::Notifier& notifier,
                 infra::EventBus* events);

  /// POST /admin/orders/{id}/refunds. `idempotency_key` is the validated header. Returns the
  /// response to send: 201 with the refund, or the replay of the first response for the key. Errors:
  /// kNotFound order; kConflict when the order is not refundable (cancelled, pending, shipped ...)
  /// or nothing was captured; kInvalidArgument "amount" (out of range, nothing left) or "restock"
  /// (with a partial refund); errors of the processor. A processor error is stored for the key too
  /// (like Stripe, a retry with the same key replays it: use a new key to try again). A key whose
  /// request stopped before answering (the process died) is taken over by a retry once it is 10
  /// minutes old: the retry finishes the refund that request began, never a second one.
  Result<infra::StoredResponse> RefundOrder(const http::Request& req, const RefundCommand& command,
                                            const std::string& idempotency_key);

  /// POST /orders/{id}/refund-requests by the order's owner. kNotFound for another's order;
  /// kConflict when one is already pending, for an order still before shipment (cancel it instead)
  /// and for any state other than delivered and uncollected; kInvalidArgument "amount" above the
  /// order total.
  Result<RefundRequest> CreateRequest(std::int64_t user_id, std::int64_t order_id, const std::string& reason,
                                      std::optional<std::int64_t> amount);
  Result<RequestPage> ListRequests(std::optional<RequestStatus> status, const std::optional<std::string>& cursor,
                                   int limit);
  /// Refunds `amount` (else the request's amount, else the policy default) and approves the request.
  /// kConflict "already handled" when it is not pending. Audited; the customer is e-mailed.
  Result<boost::json::object> Approve(const http::Request& req, std::int64_t request_id,
                                      std::optional<std::int64_t> amount);
  /// Denies a pending request with the reason given to the customer by e-mail. Audited.
  Result<RefundRequest> Deny(const http::Request& req, std::int64_t request_id, const std::string& reason);

 private:
  struct Plan;
  struct Begun;
  /// Step 1: checks the order and works out the amount (in the caller's transaction).
  Result<Plan> PlanRefund(db::Tx& tx, const RefundCommand& command);
  /// Step 1 for a retry of a refund that may have begun (an abandoned key taken over, an approval
  /// again): the refund reserved under `payment_key`, if the first attempt got that far, else
  /// PlanRefund.
  Result<Plan> PlanResumed(db::Tx& tx, const RefundCommand& command, const std::string& payment_key);
  /// Claims the key of a request that stopped before answering (nullopt: the key is not
  /// abandoned: its request may still be running, or it is another request's).
  Result<std::optional<Plan>> TakeOverAbandoned(const infra::IdempotencyKey& key, const RefundCommand& command);
  /// Step 3: records a refund the processor has made (in the caller's transaction).
  Result<Refund> RecordRefund(db::Tx& tx, const http::Request& req, const Plan& plan,
                              const payments::RefundRecord& paid);
  Status RefundAllowedFor(const orders::Order& order) const;

  db::Database& db_;
  const core::Config& config_;
  const core::Clock& clock_;
  orders::OrdersModule& orders_;
  payments::PaymentsModule& payments_;
  pricing::PricingModule& pricing_;
  catalog::CatalogModule& catalog_;
  auth::AuthModule& auth_;
  audit::AuditLog& audit_;
  notifications::Notifier& notifier_;
  infra::EventBus* events_;
  infra::IdempotencyStore idempotency_;
  RefundsRepository repository_;
};

}  // namespace emporium::refunds
