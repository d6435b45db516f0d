#include "modules/refunds/refunds_service.hpp"

#include "core/crypto.hpp"
#include "core/cursor.hpp"
#include "core/json_text.hpp"
#include "core/log.hpp"
#include "http/request.hpp"

namespace emporium::refunds {

namespace json = boost::json;

namespace {

auto Log() { return core::Logger("refunds"); }

/// "25.00 USD" for e-mails (minor units of a two-decimal currency).
std::string FormatMoney(std::int64_t amount, const std::string& currency) {
  auto cents = std::to_string(amount % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return std::to_string(amount / 100) + "." + cents + " " + currency;
}

catalog::Actor ActorOf(const http::Request& req) {
  catalog::Actor a;
  if (req.principal) {
    a.user_id = req.principal->user_id;
    a.role = req.principal->role;
  }
  a.ip = req.remote_ip;
  a.request_id = req.request_id;
  return a;
}

/// The payments module's key for the refund of an Idempotency-Key (by its hash).
std::string PaymentRefundKey(const std::string& refund_hash) { return "refund-" + refund_hash; }

Error ProcessorRefused() { return Error::Conflict("The payment processor refused the refund; nothing was refunded."); }

std::vector<catalog::StockLine> StockLinesOf(const orders::Order& order) {
  std::vector<catalog::StockLine> lines;
  for (const auto& l : order.lines) lines.push_back({l.variant_id, l.quantity});
  return lines;
}

}  // namespace

struct RefundsService::Plan {
  orders::Order order;
  payments::PaymentRecord payment;
  std::int64_t amount = 0;
  std::string reason;
  bool restock = false;
};

RefundsService::RefundsService(db::Database& db, const core::Config& config, const core::Clock& clock,
                               orders::OrdersModule& orders, payments::PaymentsModule& payments,
                               pricing::PricingModule& pricing, catalog::CatalogModule& catalog, auth::AuthModule& auth,
                               audit::AuditLog& audit, notifications::Notifier& notifier,
                               infra::EventBus* events)
    : db_(db),
      config_(config),
      clock_(clock),
      orders_(orders),
      payments_(payments),
      pricing_(pricing),
      catalog_(catalog),
      auth_(auth),
      audit_(audit),
      notifier_(notifier),
      events_(events),
      idempotency_(clock) {}

Status RefundsService::RefundAllowedFor(const orders::Order& order) const {
  using S = orders::OrderStatus;
  switch (order.status) {
    case S::kPaid:
    case S::kProcessing:
    case S::kDelivered:
    case S::kUncollected:
    case S::kPartiallyRefunded:
      return OkStatus();
    // Everything refundable was refunded: asking again is asking for more than remains.
    case S::kRefunded:
      return Error::Invalid("amount", "nothing remains to be refunded on this order");
    default:
      break;
  }
  return Error::Conflict("An order that is " + std::string(orders::StatusName(order.status)) + " cannot be refunded.");
}

Result<RefundsService::Plan> RefundsService::PlanRefund(db::Tx& tx, const RefundCommand& command) {
  EMP_ASSIGN(orders::Order order, orders_.Get(tx, command.order_id));
  EMP_TRY(RefundAllowedFor(order));
  EMP_ASSIGN(auto payment, payments_.FindForOrder(tx, order.id));
  if (!payment || payment->status != "succeeded") return Error::Conflict("Nothing was captured for this order.");
  const ChargeBalance balance{.captured = payment->amount, .fee = payment->fee, .refunded = payment->refunded};
  const bool includes_fees = config_.refund_includes_fees;
  EMP_ASSIGN(const std::int64_t amount, ResolveRefundAmount(balance, includes_fees, command.amount));
  // Restocking part of an order would need to know which lines came back; keep it to full refunds.
  if (command.restock && !CompletesRefund(balance, includes_fees, amount)) {
    return Error::Invalid("restock", "is only possible with a full refund of what remains refundable");
  }
  return Plan{std::move(order), std::move(*payment), amount, command.reason, command.restock};
}

Result<Refund> RefundsService::RecordRefund(db::Tx& tx, const http::Request& req, const Plan& plan,
                                            const payments::RefundRecord& paid) {
  if (auto existing = repository_.FindRefundByPaymentRefund(tx, paid.id)) return *existing;

  // The payment's refunded total already holds this refund (the payments module reserves it).
  EMP_ASSIGN(const payments::PaymentRecord after, payments_.Get(tx, plan.payment.id));
  const ChargeBalance before{.captured = after.amount, .fee = after.fee, .refunded = after.refunded - paid.amount};
  const bool includes_fees = config_.refund_includes_fees;
  const bool complete = CompletesRefund(before, includes_fees, paid.amount);

  Refund refund;
  refund.order_id = plan.order.id;
  refund.payment_refund_id = paid.id;
  refund.amount = paid.amount;
  refund.currency = plan.order.currency;
  refund.reason = plan.reason;
  refund.restock = plan.restock;
  refund.actor_user_id = req.principal ? std::optional(req.principal->user_id) : std::nullopt;
  refund.created_at = clock_.NowSeconds();
  refund.id = repository_.InsertRefund(tx, refund);

  const auto actor = ActorOf(req);
  const auto to = complete ? orders::OrderStatus::kRefunded : orders::OrderStatus::kPartiallyRefunded;
  EMP_ASSIGN(const orders::Order moved, orders_.Transition(tx, plan.order.id, to, actor,
                                                           "refund " + std::to_string(refund.id) + ": " +
                                                               FormatMoney(refund.amount, refund.currency)));
  if (refund.restock) {
    EMP_TRY(catalog_.Restock(tx, StockLinesOf(plan.order), "order " + plan.order.number + " refunded", actor));
  }
  EMP_TRY(pricing_.ReverseForRefund(tx, plan.order.user_id, plan.order.id, refund.id,
                                    RefundFractionBp(before, includes_fees, refund.amount)));
  EMP_TRY(audit_.Record(
      tx, audit::AuditEntry::FromRequest(req, "refund.create", "order", plan.order.id,
                                         json::object{{"refund_id", refund.id},
                                                      {"amount", catalog::MoneyJson(refund.amount, refund.currency)},
                                                      {"restock", refund.restock},
                                                      {"order_status", orders::StatusName(moved.status)}})));

  const auto amount = FormatMoney(refund.amount, refund.currency);
  EMP_TRY(notifier_.Notify(
      tx, {.user_id = plan.order.user_id,
           .event_type = "refund.processed",
           .title = "Refund of " + amount + " for order " + plan.order.number,
           .body = complete ? "Everything refundable on this order has now been refunded."
                            : "This is a partial refund of your order.",
           .data = {{"order_id", plan.order.id}, {"refund_id", refund.id},
                    {"amount", catalog::MoneyJson(refund.amount, refund.currency)}},
           .link = "/orders/" + std::to_string(plan.order.id),
           .dedupe_key = "refund:" + std::to_string(refund.id),
           .email_template = "refunds_processed",
           .email_values = {{"number", plan.order.number},
                            {"amount", amount},
                            {"scope", complete ? "Everything refundable on this order has now been refunded."
                                               : "This is a partial refund of your order."},
                            {"reason", refund.reason}}}));
  if (events_ != nullptr) {
    json::object payload{{"type", "refund.processed"},
                         {"refund_id", refund.id},
                         {"order_id", plan.order.id},
                         {"number", plan.order.number},
                         {"amount", catalog::MoneyJson(refund.amount, refund.currency)},
                         {"order_status", orders::StatusName(moved.status)}};
    tx.AfterCommit([events = events_, payload = std::move(payload)] { events->Publish("admin.event", payload); });
  }
  return refund;
}

struct RefundsService::Begun {
  std::optional<infra::StoredResponse> replay;
  std::optional<Plan> plan;
};

Result<RefundsService::Plan> RefundsService::PlanResumed(db::Tx& tx, const RefundCommand& command,
                                                         const std::string& payment_key) {
  EMP_ASSIGN(orders::Order order, orders_.Get(tx, command.order_id));
  EMP_ASSIGN(auto payment, payments_.FindForOrder(tx, order.id));
  if (payment) {
    if (auto reserved = payments_.FindRefund(tx, payment->id, payment_key)) {
      // Its amount was checked and is held on the payment: what remains refundable now no longer
      // includes it, so it is not checked again.
      return Plan{std::move(order), std::move(*payment), reserved->amount, command.reason, command.restock};
    }
  }
  return PlanRefund(tx, command);
}

// A request whose process stopped after claiming its key (before the refund was recorded and the
// key completed) leaves the key "in progress": every retry would be a 409 until the key expires a
// day later. The key names the payment refund its request makes (the hash its payments-module key
// is built from), so once the key is older than any request can run
// (IdempotencyStore::kAbandonedAfter) a retry takes it over and finishes that refund: resent under
// the same processor key if it is still pending, recorded on the order if it went through, made if
// the first request stopped before reserving it. Never a second refund.
Result<std::optional<RefundsService::Plan>> RefundsService::TakeOverAbandoned(const infra::IdempotencyKey& key,
                                                                              const RefundCommand& command) {
  return db_.Write([&](db::Tx& tx) -> Result<std::optional<Plan>> {
    if (!idempotency_.Abandoned(tx, key)) return std::optional<Plan>();
    // Claimed again in this transaction, with a fresh time: a concurrent retry finds it running.
    EMP_TRY(idempotency_.Release(tx, key));
    EMP_ASSIGN(auto replay, idempotency_.Begin(tx, key));
    if (replay) return Error::Internal("an abandoned idempotency key had an answer");
    EMP_ASSIGN(Plan plan, PlanResumed(tx, command, PaymentRefundKey(key.resource)));
    Log()->warn(R"({{"msg":"idempotency key taken over after its request stopped","order_id":{}}})", plan.order.id);
    return std::optional<Plan>(std::move(plan));
  });
}

Result<infra::StoredResponse> RefundsService::RefundOrder(const http::Request& req, const RefundCommand& command,
                                                          const std::string& idempotency_key) {
  const std::string scope = "refunds.create:" + std::to_string(command.order_id);
  const std::int64_t user_id = req.user().user_id;
  // The refund's key in the payments module (which derives the processor's from it) comes from
  // ours, hashed (keys have length limits); the hash is stored with our key as what it makes.
  const std::string refund_hash = core::Sha256Hex(scope + "\n" + std::to_string(user_id) + "\n" + idempotency_key);
  const std::string payment_key = PaymentRefundKey(refund_hash);
  const infra::IdempotencyKey key{scope, user_id, idempotency_key,
                                  infra::RequestHash(http::MethodName(req.method), req.path, req.body), refund_hash};
  auto claimed = db_.Write([&](db::Tx& tx) -> Result<Begun> {
    EMP_ASSIGN(auto replay, idempotency_.Begin(tx, key));
    if (replay) return Begun{std::move(replay), std::nullopt};
    EMP_ASSIGN(Plan plan, PlanRefund(tx, command));
    return Begun{std::nullopt, std::move(plan)};
  });
  if (!claimed && claimed.error().code == ErrorCode::kConflict) {
    EMP_ASSIGN(auto taken, TakeOverAbandoned(key, command));
    if (taken) claimed = Begun{std::nullopt, std::move(*taken)};
  }
  EMP_ASSIGN(Begun begun, std::move(claimed));
  if (begun.replay) return std::move(*begun.replay);
  const Plan& plan = *begun.plan;

  // The key is claimed: from here on every outcome is stored for it, so a retry replays the answer
  // instead of refunding twice.
  const auto stored_error = [&](const Error& error) -> Error {
    const auto problem = http::Response::Problem(error, req.path, req.request_id);
    auto st = db_.Write([&](db::Tx& tx) { return idempotency_.Complete(tx, key, problem.status, problem.body); });
    if (!st)
      Log()->error(R"({{"msg":"idempotency key not completed","error":"{}"}})", core::JsonEscape(st.error().message));
    return error;
  };
  auto paid = payments_.Refund(plan.payment.id, plan.amount, plan.reason, payment_key);
  if (!paid && paid.error().code == ErrorCode::kUnavailable) {
    // Unknown outcome (the processor could not be reached): the payment refund stays pending with
    // its amount held, so free the key — a retry with it resends the same processor call
    // (payment_key) instead of replaying a 503 and pushing staff to a new key and a second refund.
    auto st = db_.Write([&](db::Tx& tx) { return idempotency_.Release(tx, key); });
    if (!st) Log()->error(R"({{"msg":"idempotency key not released","error":"{}"}})", core::JsonEscape(st.error().message));
    return paid.error();
  }
  if (!paid) return stored_error(paid.error());
  if (paid->status == "failed") return stored_error(ProcessorRefused());

  auto recorded = db_.Write([&](db::Tx& tx) -> Result<infra::StoredResponse> {
    EMP_ASSIGN(const Refund refund, RecordRefund(tx, req, plan, *paid));
    const std::string body = core::JsonText(ToJson(refund));
    EMP_TRY(idempotency_.Complete(tx, key, 201, body));
    return infra::StoredResponse{201, body};
  });
  if (!recorded) {
    // The processor refunded but the order could not be updated (it moved meanwhile): staff must
    // reconcile by hand, so say so loudly.
    Log()->error(R"({{"msg":"refund made but not recorded","order_id":{},"payment_refund_id":{},"error":"{}"}})",
                 plan.order.id, paid->id, core::JsonEscape(recorded.error().message));
    return stored_error(recorded.error());
  }
  return recorded;
}

Result<RefundRequest> RefundsService::CreateRequest(std::int64_t user_id, std::int64_t order_id,
                                                    const std::string& reason, std::optional<std::int64_t> amount) {
  return db_.Write([&](db::Tx& tx) -> Result<RefundRequest> {
    EMP_ASSIGN(const orders::Order order, orders_.GetOwned(tx, order_id, user_id));
    using S = orders::OrderStatus;
    if (order.status == S::kPaid || order.status == S::kProcessing) {
      return Error::Conflict("The order has not shipped yet: cancel it instead (POST /api/v1/orders/" +
                             std::to_string(order.id) + "/cancel) and the payment is refunded.");
    }
    if (order.status != S::kDelivered && order.status != S::kUncollected) {
      return Error::Conflict("Refunds can be requested for delivered or uncollected orders only.");
    }
    if (amount && *amount > order.total) {
      return Error::Invalid("amount", "must not exceed the order total of " + std::to_string(order.total));
    }
    if (repository_.HasPendingRequest(tx, order.id)) {
      return Error::Conflict("A refund request for this order is already pending.");
    }
    RefundRequest r;
    r.order_id = order.id;
    r.user_id = user_id;
    r.amount = amount;
    r.currency = order.currency;
    r.reason = reason;
    r.created_at = clock_.NowSeconds();
    r.id = repository_.InsertRequest(tx, r);
    if (events_ != nullptr) {
      json::object payload{
          {"type", "refund_request.created"}, {"request_id", r.id}, {"order_id", order.id}, {"number", order.number}};
      tx.AfterCommit([events = events_, payload = std::move(payload)] { events->Publish("admin.event", payload); });
    }
    return r;
  });
}

Result<RequestPage> RefundsService::ListRequests(std::optional<RequestStatus> status,
                                                 const std::optional<std::string>& cursor, int limit) {
  std::optional<std::int64_t> before;
  if (cursor) {
    before = core::DecodeIdCursor(*cursor);
    if (!before) return Error::Invalid("cursor", "is not a cursor of this list");
  }
  return db_.Read([&](db::Tx& tx) -> Result<RequestPage> {
    RequestPage page;
    page.items = repository_.ListRequests(tx, status, before, limit + 1);
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.resize(limit);
      page.next_cursor = core::EncodeIdCursor(page.items.back().id);
    }
    return page;
  });
}

Result<json::object> RefundsService::Approve(const http::Request& req, std::int64_t request_id,
                                             std::optional<std::int64_t> amount) {
  struct Begun {
    RefundRequest request;
    Plan plan;
    std::string payment_key;
  };
  // One processor key per attempt of a request: two staff approving at once get the same single
  // refund, and an approval that stopped after the processor refunded (before the request was
  // marked) is finished by the next one with that refund instead of re-planning around it. After
  // the processor refused an attempt, the next approval is a new attempt with a key of its own.
  EMP_ASSIGN(Begun begun, db_.Write([&](db::Tx& tx) -> Result<Begun> {
    auto request = repository_.FindRequest(tx, request_id);
    if (!request) return Error::NotFound("The refund request does not exist.");
    if (request->status != RequestStatus::kPending) return Error::Conflict("The refund request is already handled.");
    RefundCommand command{.order_id = request->order_id,
                          .amount = amount ? amount : request->amount,
                          .reason = request->reason,
                          .restock = false};
    EMP_ASSIGN(auto payment, payments_.FindForOrder(tx, request->order_id));
    std::string payment_key = "refund-request-" + std::to_string(request_id);
    for (int attempt = 1; payment; ++attempt) {
      const auto earlier = payments_.FindRefund(tx, payment->id, payment_key);
      if (!earlier || earlier->status != "failed") break;
      payment_key = "refund-request-" + std::to_string(request_id) + "-" + std::to_string(attempt);
    }
    EMP_ASSIGN(Plan plan, PlanResumed(tx, command, payment_key));
    return Begun{std::move(*request), std::move(plan), std::move(payment_key)};
  }));

  EMP_ASSIGN(const auto paid, payments_.Refund(begun.plan.payment.id, begun.plan.amount,
                                               "refund request " + std::to_string(request_id), begun.payment_key));
  // The request stays pending: staff may try again (with another amount, or later), as a new attempt.
  if (paid.status == "failed") return ProcessorRefused();
  return db_.Write([&](db::Tx& tx) -> Result<json::object> {
    const std::int64_t now = clock_.NowSeconds();
    if (!repository_.DecideRequest(tx, request_id, RequestStatus::kApproved, std::nullopt, req.user().user_id, now)) {
      return Error::Conflict("The refund request is already handled.");
    }
    EMP_ASSIGN(const Refund refund, RecordRefund(tx, req, begun.plan, paid));
    const auto& order = begun.plan.order;
    const auto amount = FormatMoney(refund.amount, refund.currency);
    EMP_TRY(notifier_.Notify(tx, {.user_id = begun.request.user_id,
                                  .event_type = "refund.request_approved",
                                  .title = "Refund request for order " + order.number + " approved",
                                  .body = amount + " is on its way back to you.",
                                  .data = {{"order_id", order.id}, {"request_id", request_id}, {"refund_id", refund.id}},
                                  .link = "/orders/" + std::to_string(order.id),
                                  .dedupe_key = "refund_request:" + std::to_string(request_id),
                                  .email_template = "notifications_refund_approved",
                                  .email_values = {{"number", order.number}, {"amount", amount}}}));
    EMP_TRY(audit_.Record(tx, audit::AuditEntry::FromRequest(
                                  req, "refund_request.approve", "refund_request", request_id,
                                  json::object{{"order_id", begun.request.order_id}, {"refund_id", refund.id}})));
    RefundRequest decided = begun.request;
    decided.status = RequestStatus::kApproved;
    decided.decided_by = req.user().user_id;
    decided.decided_at = now;
    json::object out = ToJson(decided);
    out["refund"] = ToJson(refund);
    return out;
  });
}

Result<RefundRequest> RefundsService::Deny(const http::Request& req, std::int64_t request_id,
                                           const std::string& reason) {
  return db_.Write([&](db::Tx& tx) -> Result<RefundRequest> {
    auto request = repository_.FindRequest(tx, request_id);
    if (!request) return Error::NotFound("The refund request does not exist.");
    const std::int64_t now = clock_.NowSeconds();
    if (!repository_.DecideRequest(tx, request_id, RequestStatus::kDenied, reason, req.user().user_id, now)) {
      return Error::Conflict("The refund request is already handled.");
    }
    EMP_ASSIGN(const orders::Order order, orders_.Get(tx, request->order_id));
    EMP_TRY(
        audit_.Record(tx, audit::AuditEntry::FromRequest(req, "refund_request.deny", "refund_request", request_id,
                                                         json::object{{"order_id", order.id}, {"reason", reason}})));
    EMP_TRY(notifier_.Notify(tx, {.user_id = request->user_id,
                                  .event_type = "refund.request_denied",
                                  .title = "Refund request for order " + order.number + " denied",
                                  .body = "Our team's reason: " + reason,
                                  .data = {{"order_id", order.id}, {"request_id", request_id}},
                                  .link = "/orders/" + std::to_string(order.id),
                                  .dedupe_key = "refund_request:" + std::to_string(request_id),
                                  .email_template = "refunds_request_denied",
                                  .email_values = {{"number", order.number}, {"reason", reason}}}));
    request->status = RequestStatus::kDenied;
    request->decision_reason = reason;
    request->decided_by = req.user().user_id;
    request->decided_at = now;
    return *request;
  });
}

}  // namespace emporium::refunds
