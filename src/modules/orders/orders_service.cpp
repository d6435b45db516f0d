#include "modules/orders/orders_service.hpp"

#include <charconv>

#include "core/crypto.hpp"
#include "core/cursor.hpp"
#include "core/json_text.hpp"
#include "core/log.hpp"
#include "http/request.hpp"
#include "modules/orders/order_json.hpp"

namespace emporium::orders {

namespace json = boost::json;

namespace {

constexpr int kExpiryBatch = 100;
constexpr std::int64_t kFullRefundBp = 10'000;
constexpr std::string_view kIdAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford: no I, L, O, U

std::shared_ptr<spdlog::logger> Log() { return core::Logger("orders"); }

/// `n` random characters of kIdAlphabet. RandomToken is base64url: 64 symbols fold evenly onto 32.
std::string RandomCode(std::size_t n) {
  static constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto token = core::RandomToken(n);
  std::string out;
  for (char c : token) {
    if (out.size() == n) break;
    out += kIdAlphabet[kBase64Url.find(c) % kIdAlphabet.size()];
  }
  return out;
}

/// "EMP-2027-7K4Q2M8W": the year and a random part, so the number neither needs the row id (one
/// statement fewer) nor reveals how many orders the shop takes.
std::string NewOrderNumber(std::int64_t now) {
  return "EMP-" + core::FormatRfc3339(now).substr(0, 4) + "-" + RandomCode(8);
}
std::string NewTrackingNumber() { return "EMP" + RandomCode(10); }

std::string ActorRole(const catalog::Actor& actor) {
  return actor.role ? std::string(RoleName(*actor.role)) : std::string("system");
}

std::vector<catalog::StockLine> StockLines(const Order& order) {
  std::vector<catalog::StockLine> out;
  out.reserve(order.lines.size());
  for (const auto& l : order.lines) out.push_back({l.variant_id, l.quantity});
  return out;
}

/// "25.00 USD" for e-mails (minor units of a two-decimal currency).
std::string FormatMoney(std::int64_t amount, const std::string& currency) {
  const bool negative = amount < 0;
  const auto abs = negative ? -amount : amount;
  auto cents = std::to_string(abs % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(abs / 100) + "." + cents + " " + currency;
}

std::string LinesText(const Order& order) {
  std::string out;
  for (const auto& l : order.lines) {
    out += std::to_string(l.quantity) + " × " + l.name + " (" + l.sku + ")  " +
           FormatMoney(l.line_total, order.currency) + "\n";
  }
  return out;
}

std::optional<std::int64_t> ParseId(const std::string& s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

/// "https://shop.example/orders/" from PUBLIC_URL, for the links in order e-mails.
std::string OrderUrlPrefix(std::string public_url) {
  while (!public_url.empty() && public_url.back() == '/') public_url.pop_back();
  return public_url + "/orders/";
}

Error IllegalTransition(OrderStatus from, OrderStatus to) {
  Error e = Error::Conflict("An order cannot go from " + std::string(StatusName(from)) + " to " +
                            std::string(StatusName(to)) + ".");
  e.field = "status";
  return e;
}

/// A step whose "did it apply" answer the caller does not need.
Status Done(Result<bool> applied) {
  if (!applied) return std::move(applied).error();
  return OkStatus();
}

Error MovedConcurrently() {
  Error e = Error::Conflict("The order changed meanwhile; reload it and try again.");
  e.field = "status";
  return e;
}

}  // namespace

OrdersService::OrdersService(db::Database& db, const core::Config& config, const core::Clock& clock,
                             catalog::CatalogModule& catalog, cart::CartModule& cart, pricing::PricingModule& pricing,
                             payments::PaymentsModule& payments, auth::AuthModule& auth, audit::AuditLog& audit,
                             notifications::Notifier& notifier, infra::EventBus* events)
    : db_(db),
      config_(config),
      clock_(clock),
      catalog_(catalog),
      cart_(cart),
      pricing_(pricing),
      payments_(payments),
      auth_(auth),
      audit_(audit),
      notifier_(notifier),
      events_(events),
      idempotency_(clock),
      order_url_prefix_(OrderUrlPrefix(config.public_url)) {}

// ---- Placing an order ----------------------------------------------------------------------------
//
// 1. One transaction claims the idempotency key, prices the cart, records the order, reserves its
//    stock, counts the discount and points and creates the payment record. Any failure rolls all of
//    it back, key included, so a retry simply runs again.
// 2. The charge runs outside any transaction (it blocks on the network).
// 3. One transaction records the processor's answer on the payment (PaymentsModule::Charge), moves
//    the order by it (paid, or cancelled for a decline) and stores the final response under the
//    key. A webhook carrying the same answer finds the order settled and changes nothing. A
//    processor that cannot be reached leaves the order pending: the webhook or the reservation
//    sweeper settles it, and the client sees payment.status "processing".
//
// The customer hears of the outcome once: the receipt, the failed payment, or (while the payment
// waits for them or the processor) that the order was placed.

Result<PlacedOrder> OrdersService::PlaceOrder(const PlaceOrderInput& in) {
  // The order's number is chosen before its key is claimed and stored with the key, so that a key
  // whose request never answered can be completed with the order later (AnswerAbandoned).
  const infra::IdempotencyKey key{"orders.create", in.user_id, in.idempotency_key, in.request_hash,
                                  NewOrderNumber(clock_.NowSeconds())};
  Order placed;
  OrderEvent placed_event;
  std::optional<payments::PaymentToCharge> payment;
  auto begun = db_.Write([&](db::Tx& tx) -> Result<std::optional<PlacedOrder>> {
    EMP_ASSIGN(auto stored, idempotency_.Begin(tx, key));
    if (stored) return stored;
    std::vector<OrderEvent> journal;
    EMP_ASSIGN(placed, PlaceInTransaction(tx, in, key.resource, payment, journal));
    placed_event = journal.front();
    return std::optional<PlacedOrder>();
  });
  if (!begun && begun.error().code == ErrorCode::kConflict) {
    if (auto recovered = AnswerAbandoned(key)) return *std::move(recovered);
  }
  EMP_ASSIGN(auto replay, std::move(begun));
  if (replay) return *replay;
  if (!payment) return AnswerAsStored(key, placed.id);

  const std::int64_t payment_id = payment->payment.id;
  PlacedOrder answer;
  const auto settle = [&](db::Tx& tx, const Result<payments::PaymentOutcome>& outcome) -> Status {
    if (!outcome && outcome.error().code != ErrorCode::kUnavailable) {
      Log()->warn(R"({{"msg":"charge failed","order_id":{},"error":"{}"}})", placed.id,
                  core::JsonEscape(outcome.error().message));
    }
    Order order = placed;  // the callback may run again if the transaction is retried
    std::vector<OrderEvent> journal{placed_event};
    bool moved = false;
    if (outcome) {
      EMP_ASSIGN(moved, Settle(tx, order, *outcome, &journal));
    } else if (outcome.error().code != ErrorCode::kUnavailable) {
      // The processor refused the request itself (not a decline): nothing was charged.
      EMP_ASSIGN(moved, CancelUnpaid(tx, order, catalog::Actor::System(), "payment could not be made", Notify::kStatus,
                                     &journal));
      if (moved) order.status = OrderStatus::kCancelled;
    }
    OrderDetail detail{.order = std::move(order), .payment = PaymentFromOutcome(payment_id, outcome)};
    if (moved) {
      // This flow made the order's every move since it was placed, so what it recorded is the
      // timeline: POST /orders is held to a statement budget and does not read it back.
      detail.timeline = std::move(journal);
    } else {
      // Still waiting for the customer or the processor, or moved by someone else (a webhook that
      // overtook the answer): the stored order is the truth.
      EMP_ASSIGN(detail.order, Get(tx, placed.id));
      detail.timeline = repo_.Events(tx, placed.id);
      if (detail.order.status == OrderStatus::kPendingPayment) {
        EMP_TRY(NotifyCustomer(tx, detail.order, OrderStatus::kPendingPayment, "order placed", Notify::kStatus));
      }
    }
    detail.payment->amount = detail.order.total;
    detail.payment->currency = detail.order.currency;
    answer = Answer(detail, outcome, in);
    return idempotency_.Complete(tx, key, answer.status, answer.body);
  };
  const Status settled = payments_.Charge(*payment, settle);
  if (settled) return answer;
  // The settlement transaction failed, after a charge that may have succeeded: the order stands,
  // pending, and the webhook or the reservation sweeper settles it. The key must not stay "in
  // progress" for its 24 hours (every retry a 409): it is completed with the order as stored, the
  // answer a processor that cannot be reached gets. If that fails too, the error is the answer.
  Log()->error(R"({{"msg":"order settlement failed","order_id":{},"payment_id":{},"error":"{}"}})", placed.id,
               payment_id, core::JsonEscape(settled.error().message));
  auto stored = AnswerAsStored(key, placed.id);
  if (!stored) return settled.error();
  return stored;
}

// A request whose process stopped between the order's two transactions (after the order and its
// key were committed, before the answer was) leaves the key "in progress": every retry would be a
// 409 until the key expires a day later. Once the key is older than any request can run
// (IdempotencyStore::kAbandonedAfter), a retry completes it with the order as stored, pending or
// settled since by the processor's event or the reservation sweeper, and answers that; the key
// then replays it.
std::optional<PlacedOrder> OrdersService::AnswerAbandoned(const infra::IdempotencyKey& key) {
  auto order_id = db_.Read([&](db::Tx& tx) -> Result<std::optional<std::int64_t>> {
    const auto number = idempotency_.Abandoned(tx, key);
    if (!number) return std::optional<std::int64_t>();
    return repo_.IdByNumber(tx, *number, key.user_id);
  });
  if (!order_id || !*order_id) return std::nullopt;
  Log()->warn(R"({{"msg":"idempotency key completed after its request stopped","order_id":{}}})", **order_id);
  auto answer = AnswerAsStored(key, **order_id);
  if (!answer) return std::nullopt;
  return std::move(answer).value();
}

Result<PlacedOrder> OrdersService::AnswerAsStored(const infra::IdempotencyKey& key, std::int64_t order_id) {
  return db_.Write([&](db::Tx& tx) -> Result<PlacedOrder> {
    EMP_ASSIGN(auto detail, LoadDetail(tx, order_id, std::nullopt));
    PlacedOrder answer{201, core::JsonText(OrderDetailJson(detail))};
    EMP_TRY(idempotency_.Complete(tx, key, answer.status, answer.body));
    return answer;
  });
}

Result<Order> OrdersService::PlaceInTransaction(db::Tx& tx, const PlaceOrderInput& in, const std::string& number,
                                                std::optional<payments::PaymentToCharge>& payment,
                                                std::vector<OrderEvent>& journal) {
  EMP_ASSIGN(auto quote, cart_.Checkout(tx, in.user_id, in.options));
  const auto now = clock_.NowSeconds();
  const auto& t = quote.totals;
  Order order;
  order.number = number;
  order.user_id = in.user_id;
  order.status = OrderStatus::kPendingPayment;
  order.currency = t.currency;
  order.subtotal = t.subtotal;
  order.discount = t.discount;
  order.shipping = t.shipping;
  order.tax = t.tax;
  order.loyalty = t.loyalty;
  order.total = t.total;
  order.loyalty_points_used = t.loyalty_points_used;
  order.loyalty_points_earned = t.loyalty_points_earned;
  order.discount_code = t.discount_code;
  order.ship_to = quote.ship_to;
  order.shipping_method = std::string(pricing::ShippingMethodName(in.options.shipping_method));
  order.safe_shipping = t.safe_shipping;
  order.tracking_number = NewTrackingNumber();
  order.reserved_until = now + config_.reservation_ttl.count();
  order.created_at = order.updated_at = now;
  for (const auto& l : t.lines) {
    order.lines.push_back({.variant_id = l.variant_id,
                           .product_id = l.product_id,
                           .sku = l.sku,
                           .name = l.name,
                           .unit_price = l.unit_price,
                           .quantity = l.quantity,
                           .line_total = l.unit_price * l.quantity,
                           .weight_grams = l.weight_grams});
  }
  order.id = repo_.InsertOrder(tx, order);
  repo_.InsertLines(tx, order.id, order.lines);
  catalog::Actor customer{.user_id = in.user_id, .role = Role::kCustomer, .request_id = in.request_id};
  RecordEvent(tx, order.id, std::nullopt, OrderStatus::kPendingPayment, customer, "order placed", &journal);
  PublishAfterCommit(tx, order, OrderStatus::kPendingPayment, "order.placed");
  EMP_TRY(catalog_.ReserveStock(tx, StockLines(order)));
  EMP_TRY(pricing_.CommitOrder(tx, in.user_id, order.id, t));
  if (order.total == 0) {
    // Discount and points cover everything and shipping is free: there is nothing to charge (a
    // processor refuses a zero amount), so the order is paid here, in its own transaction.
    EMP_ASSIGN(bool paid, MarkPaid(tx, order, customer, "nothing to charge", &journal));
    if (!paid) return Error::Internal("a new order could not be marked paid");
    payment.reset();
    return order;
  }
  EMP_ASSIGN(payment, payments_.CreatePayment(tx, {.user_id = in.user_id,
                                                   .order_id = order.id,
                                                   .purpose = "order",
                                                   .amount = order.total,
                                                   .currency = order.currency,
                                                   .payment_method = in.payment_method}));
  return order;
}

std::optional<PaymentView> OrdersService::PaymentFromOutcome(std::int64_t payment_id,
                                                             const Result<payments::PaymentOutcome>& outcome) {
  PaymentView p;
  p.id = payment_id;
  p.provider = std::string(payments_.provider().Name());
  if (!outcome) {
    p.status = "processing";  // not reached: the webhook or the sweeper settles it
    return p;
  }
  // The payment record's words, in which a decline is "failed".
  p.status = outcome->status == payments::IntentStatus::kDeclined
                 ? std::string("failed")
                 : std::string(payments::IntentStatusName(outcome->status));
  p.client_secret = outcome->client_secret;
  p.failure_message = outcome->failure_message;
  return p;
}

PlacedOrder OrdersService::Answer(const OrderDetail& detail, const Result<payments::PaymentOutcome>& outcome,
                                  const PlaceOrderInput& in) {
  if (outcome &&
      (outcome->status == payments::IntentStatus::kDeclined || outcome->status == payments::IntentStatus::kCanceled)) {
    Error e{ErrorCode::kPaymentDeclined,
            outcome->failure_message.empty() ? "The payment was declined." : outcome->failure_message};
    auto problem = http::Response::Problem(e, in.instance, in.request_id);
    return {problem.status, problem.body};
  }
  if (!outcome && outcome.error().code != ErrorCode::kUnavailable) {
    auto problem = http::Response::Problem(outcome.error(), in.instance, in.request_id);
    return {problem.status, problem.body};
  }
  return {201, core::JsonText(OrderDetailJson(detail))};
}

Result<bool> OrdersService::Settle(db::Tx& tx, Order& order, const payments::PaymentOutcome& outcome,
                                   std::vector<OrderEvent>* journal) {
  if (order.status != OrderStatus::kPendingPayment) return false;
  switch (outcome.status) {
    case payments::IntentStatus::kSucceeded: {
      EMP_ASSIGN(bool paid, MarkPaid(tx, order, catalog::Actor::System(), "payment succeeded", journal));
      if (!paid) return false;
      order.status = OrderStatus::kPaid;
      order.paid_at = order.updated_at = clock_.NowSeconds();
      return true;
    }
    case payments::IntentStatus::kDeclined:
    case payments::IntentStatus::kCanceled: {
      const auto reason = outcome.failure_message.empty() ? outcome.decline_code : outcome.failure_message;
      EMP_ASSIGN(bool cancelled, CancelUnpaid(tx, order, catalog::Actor::System(), "payment failed: " + reason,
                                              Notify::kPaymentFailed, journal));
      if (!cancelled) return false;
      order.status = OrderStatus::kCancelled;
      order.updated_at = clock_.NowSeconds();
      return true;
    }
    case payments::IntentStatus::kRequiresAction:
    case payments::IntentStatus::kProcessing:
      break;  // stays pending: the customer or the processor moves next
  }
  return false;
}

// ---- Payment facts -------------------------------------------------------------------------------

Status OrdersService::OnPaymentEvent(db::Tx& tx, const payments::PaymentEvent& event) {
  const bool succeeded = event.type == "payment_intent.succeeded";
  const bool failed = event.type == "payment_intent.payment_failed";
  if (!succeeded && !failed) return OkStatus();
  std::optional<std::int64_t> order_id;
  if (auto it = event.metadata.find("order_id"); it != event.metadata.end()) order_id = ParseId(it->second);
  if (!order_id && event.payment_id > 0) {
    // An event without our metadata (sent by hand from the dashboard, say): the payment names it.
    if (auto payment = payments_.Get(tx, event.payment_id); payment && payment->purpose == "order") {
      order_id = payment->order_id;
    }
  }
  if (!order_id) return OkStatus();  // not an order's payment (memberships, replenishment)
  auto order = repo_.Find(tx, *order_id);
  // Late or repeated deliveries find the order already settled (or gone): nothing to do.
  if (!order || order->status != OrderStatus::kPendingPayment) {
    if (order && succeeded && order->status == OrderStatus::kCancelled) {
      // Paid after it was cancelled (3-D Secure completed after the reservation expired, say): the
      // money goes back once this event is recorded, as when a paid order is cancelled. The refund's
      // key is derived from the order, so a repeated event or a later cancel cannot refund twice;
      // a refund that fails is retried by cancelling the order again.
      Log()->warn(R"({{"msg":"payment succeeded for a cancelled order; refunding it","order_id":{},"event":"{}"}})",
                  order->id, core::JsonEscape(event.id));
      tx.AfterCommit([this, cancelled = *order] {
        if (auto refunded = RefundCancelled(cancelled, catalog::Actor::System()); !refunded) {
          Log()->error(R"({{"msg":"refund for a cancelled order failed; cancel it again to retry","order_id":{},)"
                       R"("error":"{}"}})",
                       cancelled.id, core::JsonEscape(refunded.error().message));
        }
      });
    }
    return OkStatus();
  }
  if (succeeded) return Done(MarkPaid(tx, *order, catalog::Actor::System(), "payment succeeded"));
  const auto reason = event.failure_message.empty() ? std::string("declined") : event.failure_message;
  return Done(CancelUnpaid(tx, *order, catalog::Actor::System(), "payment failed: " + reason, Notify::kPaymentFailed));
}

Result<bool> OrdersService::MarkPaid(db::Tx& tx, const Order& order, const catalog::Actor& actor,
                                     const std::string& note, std::vector<OrderEvent>* journal) {
  const auto now = clock_.NowSeconds();
  EMP_ASSIGN(const bool moved, Move(tx, order, OrderStatus::kPaid, actor, note, Notify::kStatus, now, journal));
  if (!moved) return false;
  EMP_TRY(catalog_.CommitStock(tx, StockLines(order)));
  EMP_TRY(pricing_.EarnPoints(tx, order.user_id, order.id, order.loyalty_points_earned));
  EMP_TRY(cart_.Clear(tx, order.user_id));
  return true;
}

Result<bool> OrdersService::CancelUnpaid(db::Tx& tx, const Order& order, const catalog::Actor& actor,
                                         const std::string& note, Notify notify, std::vector<OrderEvent>* journal) {
  EMP_ASSIGN(const bool moved, Move(tx, order, OrderStatus::kCancelled, actor, note, notify, std::nullopt, journal));
  if (!moved) return false;
  EMP_TRY(catalog_.ReleaseStock(tx, StockLines(order)));
  EMP_TRY(pricing_.ReleaseOrder(tx, order.user_id, order.id));
  if (notify == Notify::kPaymentFailed && events_) {
    json::object admin{{"type", "payment.failed"}, {"order_id", order.id},
                       {"number", order.number},   {"user_id", order.user_id},
                       {"reason", note},           {"total", catalog::MoneyJson(order.total, order.currency)}};
    tx.AfterCommit([events = events_, admin = std::move(admin)] { events->Publish("admin.event", admin); });
  }
  return true;
}

// ---- Transitions ---------------------------------------------------------------------------------

Result<bool> OrdersService::Move(db::Tx& tx, const Order& order, OrderStatus to, const catalog::Actor& actor,
                                 const std::string& note, Notify notify, std::optional<std::int64_t> paid_at,
                                 std::vector<OrderEvent>* journal) {
  if (!repo_.UpdateStatus(tx, order.id, order.status, to, clock_.NowSeconds(), paid_at)) return false;
  RecordEvent(tx, order.id, order.status, to, actor, note, journal);
  PublishAfterCommit(tx, order, to);
  EMP_TRY(NotifyCustomer(tx, order, to, note, notify));
  return true;
}

void OrdersService::RecordEvent(db::Tx& tx, std::int64_t order_id, std::optional<OrderStatus> from, OrderStatus to,
                                const catalog::Actor& actor, const std::string& note,
                                std::vector<OrderEvent>* journal) {
  OrderEvent e;
  e.order_id = order_id;
  if (from) e.from_status = std::string(StatusName(*from));
  e.to_status = std::string(StatusName(to));
  e.actor_user_id = actor.user_id;
  e.actor_role = ActorRole(actor);
  e.note = note.substr(0, 1000);
  e.created_at = clock_.NowSeconds();
  repo_.InsertEvent(tx, e);
  if (journal) journal->push_back(std::move(e));
}

void OrdersService::PublishAfterCommit(db::Tx& tx, const Order& order, OrderStatus status,
                                       std::string_view admin_type) {
  if (!events_) return;
  const auto name = std::string(StatusName(status));
  json::object updated{{"order_id", order.id}, {"user_id", order.user_id}, {"status", name}};
  json::object admin{{"type", admin_type.empty() ? "order." + name : std::string(admin_type)},
                     {"order_id", order.id},
                     {"number", order.number},
                     {"user_id", order.user_id},
                     {"status", name},
                     {"total", catalog::MoneyJson(order.total, order.currency)}};
  auto* events = events_;
  tx.AfterCommit([events, updated = std::move(updated), admin = std::move(admin)] {
    events->Publish("order.updated", updated);
    events->Publish("admin.event", admin);
  });
}

// What the customer hears of each status, in the transaction that moved the order. The receipt
// (paid) is a transactional e-mail the customer cannot switch off; the notifier enforces that.
Status OrdersService::NotifyCustomer(db::Tx& tx, const Order& order, OrderStatus status, const std::string& note,
                                     Notify notify) {
  const auto total = FormatMoney(order.total, order.currency);
  notifications::NotificationRequest r{.user_id = order.user_id,
                                       .data = {{"order_id", order.id}, {"number", order.number}},
                                       .link = "/orders/" + std::to_string(order.id),
                                       .dedupe_key = "order:" + std::to_string(order.id),
                                       .email_values = {{"number", order.number},
                                                        {"tracking_number", order.tracking_number},
                                                        {"total", total},
                                                        {"order_url", order_url_prefix_ + std::to_string(order.id)}}};
  switch (status) {
    case OrderStatus::kPendingPayment:
      r.event_type = "order.placed";
      r.title = "Order " + order.number + " received";
      r.body = "We are waiting for the payment of " + total + ".";
      r.email_template = "notifications_order_placed";
      break;
    case OrderStatus::kPaid:
      r.event_type = "order.paid";
      r.title = "Payment received for order " + order.number;
      r.body = "Thank you! We received " + total + " and are preparing your order.";
      r.email_template = "orders_receipt";
      r.email_values.insert({{"lines", LinesText(order)},
                             {"subtotal", FormatMoney(order.subtotal, order.currency)},
                             {"discount", FormatMoney(order.discount, order.currency)},
                             {"shipping", FormatMoney(order.shipping, order.currency)},
                             {"tax", FormatMoney(order.tax, order.currency)},
                             {"loyalty", FormatMoney(order.loyalty, order.currency)},
                             {"points_earned", std::to_string(order.loyalty_points_earned)}});
      break;
    case OrderStatus::kCancelled:
      if (notify == Notify::kPaymentFailed) {
        r.event_type = "order.payment_failed";
        r.title = "Payment failed for order " + order.number;
        r.body = "The payment of " + total + " did not go through, so the order was cancelled.";
        r.email_template = "orders_payment_failed";
      } else {
        r.event_type = "order.cancelled";
        r.title = "Order " + order.number + " was cancelled";
        r.body = note.empty() ? "Your order was cancelled." : "Your order was cancelled: " + note + ".";
        r.email_template = "notifications_order_cancelled";
      }
      r.email_values["reason"] = note;
      break;
    case OrderStatus::kShipped:
      r.event_type = "order.shipped";
      r.title = "Order " + order.number + " has shipped";
      r.body = "Tracking number " + order.tracking_number + ".";
      r.email_template = "notifications_order_shipped";
      break;
    case OrderStatus::kOutForDelivery:
      r.event_type = "order.out_for_delivery";
      r.title = "Order " + order.number + " is out for delivery";
      r.body = "It should reach you today.";
      r.email_template = "notifications_order_out_for_delivery";
      break;
    case OrderStatus::kDelivered:
      r.event_type = "order.delivered";
      r.title = "Order " + order.number + " was delivered";
      r.body = "We hope you enjoy it!";
      r.email_template = "notifications_order_delivered";
      break;
    default:
      return OkStatus();  // internal steps (processing, pickup) and refunds, which the refunds module reports
  }
  return notifier_.Notify(tx, r);
}

Result<Order> OrdersService::Get(db::Tx& tx, std::int64_t order_id) {
  auto order = repo_.Find(tx, order_id);
  if (!order) return Error::NotFound("The order does not exist.");
  return std::move(*order);
}

Result<Order> OrdersService::Transition(db::Tx& tx, std::int64_t order_id, OrderStatus to, const catalog::Actor& actor,
                                        const std::string& note) {
  EMP_ASSIGN(auto order, Get(tx, order_id));
  if (!IsLegalTransition(order.status, to)) return IllegalTransition(order.status, to);
  EMP_ASSIGN(const bool moved, Move(tx, order, to, actor, note));
  if (!moved) return MovedConcurrently();
  order.status = to;
  order.updated_at = clock_.NowSeconds();
  return order;
}

Status OrdersService::SetCourier(db::Tx& tx, std::int64_t order_id, std::int64_t courier_id) {
  if (!repo_.SetCourier(tx, order_id, courier_id, clock_.NowSeconds())) {
    return Error::NotFound("The order does not exist.");
  }
  return OkStatus();
}

std::vector<OrderEvent> OrdersService::Timeline(db::Tx& tx, std::int64_t order_id) {
  return repo_.Events(tx, order_id);
}

// ---- Reading -------------------------------------------------------------------------------------

std::optional<PaymentView> OrdersService::PaymentOf(db::Tx& tx, std::int64_t order_id) {
  auto record = payments_.FindForOrder(tx, order_id);
  if (!record || !*record) return std::nullopt;
  const auto& r = **record;
  return PaymentView{.id = r.id,
                     .status = r.status,
                     .provider = r.provider,
                     .amount = r.amount,
                     .refunded = r.refunded,
                     .currency = r.currency,
                     .client_secret = r.client_secret,
                     .failure_message = r.failure_message};
}

Result<OrderDetail> OrdersService::LoadDetail(db::Tx& tx, std::int64_t order_id, std::optional<std::int64_t> owner) {
  auto order = repo_.Find(tx, order_id);
  // Someone else's order is reported exactly like a missing one.
  if (!order || (owner && order->user_id != *owner)) return Error::NotFound("The order does not exist.");
  OrderDetail d;
  d.order = std::move(*order);
  d.payment = PaymentOf(tx, order_id);
  d.timeline = repo_.Events(tx, order_id);
  return d;
}

Result<OrderDetail> OrdersService::Detail(std::int64_t order_id, std::optional<std::int64_t> owner) {
  return db_.Read([&](db::Tx& tx) { return LoadDetail(tx, order_id, owner); });
}

Result<OrderPage> OrdersService::List(const OrderFilter& filter) {
  return db_.Read([&](db::Tx& tx) -> Result<OrderPage> {
    OrderPage page;
    page.items = repo_.List(tx, filter);
    if (page.items.size() > static_cast<std::size_t>(filter.limit)) {
      page.items.resize(filter.limit);
      page.next_cursor = core::EncodeIdCursor(page.items.back().id);
    }
    return page;
  });
}

// ---- Customer and staff actions ------------------------------------------------------------------

Result<OrderDetail> OrdersService::ConfirmPayment(std::int64_t order_id, std::int64_t owner) {
  EMP_ASSIGN(auto payment_id, db_.Read([&](db::Tx& tx) -> Result<std::int64_t> {
    EMP_ASSIGN(auto detail, LoadDetail(tx, order_id, owner));
    if (detail.order.status != OrderStatus::kPendingPayment || !detail.payment ||
        detail.payment->status != "requires_action") {
      return Error::Conflict("This order has no payment waiting for confirmation.");
    }
    return detail.payment->id;
  }));
  EMP_ASSIGN(auto outcome, payments_.Confirm(payment_id));
  EMP_ASSIGN(auto detail, db_.Write([&](db::Tx& tx) -> Result<OrderDetail> {
    EMP_ASSIGN(auto order, Get(tx, order_id));
    EMP_TRY(Settle(tx, order, outcome));
    return LoadDetail(tx, order_id, owner);
  }));
  if (outcome.status == payments::IntentStatus::kDeclined || outcome.status == payments::IntentStatus::kCanceled) {
    return Error{ErrorCode::kPaymentDeclined,
                 outcome.failure_message.empty() ? "The payment was declined." : outcome.failure_message};
  }
  return detail;
}

Result<OrderDetail> OrdersService::Cancel(std::int64_t order_id, std::optional<std::int64_t> owner,
                                          const catalog::Actor& actor, const std::string& note) {
  EMP_ASSIGN(auto order, db_.Write([&](db::Tx& tx) -> Result<Order> {
    EMP_ASSIGN(auto detail, LoadDetail(tx, order_id, owner));
    auto& o = detail.order;
    const bool paid = detail.payment && detail.payment->status == "succeeded";
    if (o.status == OrderStatus::kCancelled && paid && detail.payment->refunded < detail.payment->amount) {
      return o;  // cancelled earlier but the refund did not go through: retry it below
    }
    if (!IsCancellable(o.status)) {
      return Error::Conflict("An order that is " + std::string(StatusName(o.status)) + " can no longer be cancelled.");
    }
    if (o.status == OrderStatus::kPendingPayment) {
      EMP_ASSIGN(bool moved, CancelUnpaid(tx, o, actor, note, Notify::kStatus));
      if (!moved) return MovedConcurrently();
    } else {
      // The stock was committed when the order was paid: it comes back as a restock, not a release.
      EMP_ASSIGN(const bool moved, Move(tx, o, OrderStatus::kCancelled, actor, note));
      if (!moved) return MovedConcurrently();
      EMP_TRY(catalog_.Restock(tx, StockLines(o), "order " + o.number + " cancelled", actor));
    }
    o.status = OrderStatus::kCancelled;
    return o;
  }));
  CancelPendingPayment(order);
  EMP_TRY(RefundCancelled(order, actor));
  return Detail(order_id, owner);
}

bool OrdersService::CancelPendingPayment(const Order& order) {
  auto payment = db_.Read([&](db::Tx& tx) { return Result<std::optional<PaymentView>>(PaymentOf(tx, order.id)); });
  if (!payment || !*payment) return true;
  const std::string& status = (*payment)->status;
  if (status != "requires_action" && status != "processing") return true;
  // A "succeeded" answer (the customer paid a moment before) reaches OnPaymentEvent like a
  // webhook would, which refunds it.
  if (auto cancelled = payments_.CancelPending((*payment)->id); !cancelled) {
    Log()->warn(R"({{"msg":"payment of a cancelled order not cancelled at the processor","order_id":{},)"
                R"("payment_id":{},"error":"{}"}})",
                order.id, (*payment)->id, core::JsonEscape(cancelled.error().message));
    return cancelled.error().code != ErrorCode::kUnavailable;
  }
  return true;
}

Status OrdersService::RefundCancelled(const Order& order, const catalog::Actor& actor) {
  EMP_ASSIGN(auto payment,
             db_.Read([&](db::Tx& tx) { return Result<std::optional<PaymentView>>(PaymentOf(tx, order.id)); }));
  if (!payment || payment->status != "succeeded" || payment->refunded >= payment->amount) return OkStatus();
  const auto amount = payment->amount - payment->refunded;
  // The key is derived from the order, so a repeated cancel can never refund twice.
  EMP_ASSIGN(auto refund,
             payments_.Refund(payment->id, amount, "order cancelled", "order-cancel-" + std::to_string(order.id)));
  return db_.Write([&](db::Tx& tx) -> Status {
    EMP_TRY(pricing_.ReverseForRefund(tx, order.user_id, order.id, refund.id, kFullRefundBp));
    RecordEvent(tx, order.id, OrderStatus::kCancelled, OrderStatus::kCancelled, actor,
                "refunded " + FormatMoney(refund.amount, order.currency) + " (refund " + std::to_string(refund.id) +
                    ", " + refund.status + ")");
    return OkStatus();
  });
}

Result<OrderDetail> OrdersService::AdminSetStatus(std::int64_t order_id, OrderStatus to, const catalog::Actor& actor,
                                                  const std::string& note) {
  if (to == OrderStatus::kCancelled) {
    // Auditing first, in its own transaction, keeps the cancel flow (which refunds outside any
    // transaction) unchanged; a failed cancel leaves an audit entry saying it was attempted.
    EMP_ASSIGN(auto from, db_.Write([&](db::Tx& tx) -> Result<OrderStatus> {
      EMP_ASSIGN(auto order, Get(tx, order_id));
      if (!IsLegalTransition(order.status, to)) return IllegalTransition(order.status, to);
      audit::AuditEntry e{.actor_id = actor.user_id,
                          .actor_role = actor.role,
                          .action = "order.status",
                          .resource_type = "order",
                          .resource_id = order_id,
                          .details = {{"from", StatusName(order.status)}, {"to", StatusName(to)}, {"note", note}},
                          .ip = actor.ip,
                          .request_id = actor.request_id};
      EMP_TRY(audit_.Record(tx, e));
      return order.status;
    }));
    if (IsCancellable(from)) return Cancel(order_id, std::nullopt, actor, note);
  }
  return db_.Write([&](db::Tx& tx) -> Result<OrderDetail> {
    EMP_ASSIGN(auto order, Get(tx, order_id));
    if (!IsLegalTransition(order.status, to)) return IllegalTransition(order.status, to);
    if (to == OrderStatus::kPaid) {
      // Marked paid by hand (e.g. a bank transfer): the same stock, points and receipt as a charge.
      EMP_ASSIGN(bool moved, MarkPaid(tx, order, actor, note));
      if (!moved) return MovedConcurrently();
    } else {
      EMP_ASSIGN(const bool moved, Move(tx, order, to, actor, note));
      if (!moved) return MovedConcurrently();
    }
    if (to != OrderStatus::kCancelled) {
      audit::AuditEntry e{.actor_id = actor.user_id,
                          .actor_role = actor.role,
                          .action = "order.status",
                          .resource_type = "order",
                          .resource_id = order_id,
                          .details = {{"from", StatusName(order.status)}, {"to", StatusName(to)}, {"note", note}},
                          .ip = actor.ip,
                          .request_id = actor.request_id};
      EMP_TRY(audit_.Record(tx, e));
    }
    return LoadDetail(tx, order_id, std::nullopt);
  });
}

// ---- Reservation sweeper -------------------------------------------------------------------------

Result<int> OrdersService::ExpireReservations() {
  const auto now = clock_.NowSeconds();
  EMP_ASSIGN(auto ids, db_.Read([&](db::Tx& tx) -> Result<std::vector<std::int64_t>> {
    return repo_.ExpiredReservations(tx, now, kExpiryBatch);
  }));
  int expired = 0;
  // Each cancellation at the processor can take its three attempts' timeouts when the processor
  // is down: after the first that cannot reach it, the rest of the batch is left to the refund of
  // a late success, so that the sweep still releases every reservation on time.
  bool processor_reachable = true;
  for (auto id : ids) {
    // One transaction per order: a payment landing on one of them cannot hold back the others.
    Order order;
    auto moved = db_.Write([&](db::Tx& tx) -> Result<bool> {
      EMP_ASSIGN(order, Get(tx, id));
      if (order.status != OrderStatus::kPendingPayment || order.reserved_until >= now) return false;
      return CancelUnpaid(tx, order, catalog::Actor::System(), "reservation expired", Notify::kStatus);
    });
    if (!moved) return std::move(moved).error();
    if (!*moved) continue;
    ++expired;
    if (processor_reachable) processor_reachable = CancelPendingPayment(order);
  }
  EMP_TRY(db_.Write([&](db::Tx& tx) { return idempotency_.Purge(tx); }));
  return expired;
}

}  // namespace emporium::orders
