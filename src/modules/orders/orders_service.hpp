#pragma once
// The rules of the orders module: placing an order (the checkout flow with its compensations),
// settling it from payment facts, cancelling it, the state machine's transitions with their
// timeline, and the reservation sweeper. Controllers and the facade call it; SQL stays in
// OrdersRepository.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "infra/events/event_bus.hpp"
#include "infra/idempotency/idempotency_store.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_module.hpp"
#include "modules/cart/cart_module.hpp"
#include "modules/catalog/catalog_module.hpp"
#include "modules/notifications/notifier.hpp"
#include "modules/orders/model.hpp"
#include "modules/orders/orders_repository.hpp"
#include "modules/payments/payments_module.hpp"
#include "modules/pricing/pricing_module.hpp"

namespace emporium::orders {

/// What an order shows of its payment (from our payment record, or from the processor's answer
/// right after charging).
struct PaymentView {
  std::int64_t id = 0;
  std::string status;  ///< created | requires_action | processing | succeeded | failed | canceled
  std::string provider;
  std::int64_t amount = 0;
  std::int64_t refunded = 0;
  std::string currency;
  std::string client_secret;  ///< requires_action only
  std::string failure_message;
};

/// An order as the detail routes return it.
struct OrderDetail {
  Order order;
  std::optional<PaymentView> payment;
  std::vector<OrderEvent> timeline;
};

struct OrderPage {
  std::vector<Order> items;
  std::optional<std::string> next_cursor;
};

struct PlaceOrderInput {
  std::int64_t user_id = 0;
  std::string idempotency_key;  ///< validated by the caller
  std::string request_hash;     ///< infra::RequestHash of the request
  cart::CheckoutOptions options;
  std::string payment_method;  ///< "pm_...", a saved card id, or empty for the default card
  std::string instance;        ///< request path, for problem bodies
  std::string request_id;
};

/// The final HTTP answer of POST /orders: what the client gets and what a replay returns verbatim.
using PlacedOrder = infra::StoredResponse;

class OrdersService {
 public:
  OrdersService(db::Database& db, const core::Config& config, const core::Clock& clock, catalog::CatalogModule& catalog,
                cart::CartModule& cart, pricing::PricingModule& pricing, payments::PaymentsModule& payments,
                auth::AuthModule& auth, audit::AuditLog& audit, notifications::Notifier& notifier,
                infra::EventBus* events);

  /// POST /orders: reserve, record, charge, settle (see docs in orders_service.cpp). Errors before
  /// the charge (validation, stock, idempotency) are returned and leave nothing behind; once charged
  /// the answer (201, or 402 for a decline) is stored under the idempotency key and returned.
  Result<PlacedOrder> PlaceOrder(const PlaceOrderInput& in);

  /// The order with its payment and timeline; kNotFound unless `owner` is empty or owns it.
  Result<OrderDetail> Detail(std::int64_t order_id, std::optional<std::int64_t> owner);
  Result<OrderPage> List(const OrderFilter& filter);

  /// Completes a requires_action payment of the owner's pending order (409 otherwise).
  Result<OrderDetail> ConfirmPayment(std::int64_t order_id, std::int64_t owner);
  /// Cancels before shipment: releases (unpaid) or restocks and refunds (paid). `owner` limits it to
  /// the customer's own order. Repeating it after a refund failure retries the refund.
  Result<OrderDetail> Cancel(std::int64_t order_id, std::optional<std::int64_t> owner, const catalog::Actor& actor,
                             const std::string& note);
  /// Staff: a legal transition (409 otherwise), audited. Cancelling and marking paid run the same
  /// stock, points and refund steps as the customer and payment paths.
  Result<OrderDetail> AdminSetStatus(std::int64_t order_id, OrderStatus to, const catalog::Actor& actor,
                                     const std::string& note);

  Result<Order> Get(db::Tx& tx, std::int64_t order_id);
  Result<Order> Transition(db::Tx& tx, std::int64_t order_id, OrderStatus to, const catalog::Actor& actor,
                           const std::string& note);
  Status SetCourier(db::Tx& tx, std::int64_t order_id, std::int64_t courier_id);
  std::vector<OrderEvent> Timeline(db::Tx& tx, std::int64_t order_id);

  /// payment_intent.succeeded → paid; payment_intent.payment_failed → cancelled; others ignored.
  Status OnPaymentEvent(db::Tx& tx, const payments::PaymentEvent& event);

  Result<int> ExpireReservations();

 private:
  /// What a move tells the customer: the new status, or (for a cancellation) the failed payment.
  enum class Notify { kStatus, kPaymentFailed };

  /// pending_payment → paid, once (conditional update): commits stock, credits points, empties the
  /// cart, then (after commit) e-mails the receipt and publishes. False when it did not apply.
  /// `journal`, when given, receives the timeline entry of the move (here and below).
  Result<bool> MarkPaid(db::Tx& tx, const Order& order, const catalog::Actor& actor, const std::string& note,
                        std::vector<OrderEvent>* journal = nullptr);
  /// pending_payment → cancelled, once: releases the reservation, the discount use and the points.
  Result<bool> CancelUnpaid(db::Tx& tx, const Order& order, const catalog::Actor& actor, const std::string& note,
                            Notify notify, std::vector<OrderEvent>* journal = nullptr);
  /// Applies a processor answer to a still-pending order (a webhook may have done it already; the
  /// conditional updates make a second application a no-op). True when this call moved the order;
  /// `order` is then updated in memory.
  Result<bool> Settle(db::Tx& tx, Order& order, const payments::PaymentOutcome& outcome,
                      std::vector<OrderEvent>* journal = nullptr);
  /// Refunds what remains captured on a cancelled order and records it (outside any transaction).
  Status RefundCancelled(const Order& order, const catalog::Actor& actor);
  /// After an unpaid order was cancelled: cancels its payment at the processor if it still waits
  /// for the customer (3-D Secure) or the processor, so that it can no longer be charged (outside
  /// any transaction). A failure is logged: a payment that succeeds later is refunded instead.
  /// False when the processor could not be reached.
  bool CancelPendingPayment(const Order& order);

  /// The conditional status update with its timeline entry, events and customer notification;
  /// false when the order moved meanwhile.
  Result<bool> Move(db::Tx& tx, const Order& order, OrderStatus to, const catalog::Actor& actor,
                    const std::string& note, Notify notify = Notify::kStatus,
                    std::optional<std::int64_t> paid_at = std::nullopt, std::vector<OrderEvent>* journal = nullptr);
  void RecordEvent(db::Tx& tx, std::int64_t order_id, std::optional<OrderStatus> from, OrderStatus to,
                   const catalog::Actor& actor, const std::string& note, std::vector<OrderEvent>* journal = nullptr);
  /// order.updated to the customer's rooms and admin.event ("order.<status>" unless `admin_type`
  /// names it, e.g. "order.placed") to staff, once the transaction commits.
  void PublishAfterCommit(db::Tx& tx, const Order& order, OrderStatus status, std::string_view admin_type = {});
  Status NotifyCustomer(db::Tx& tx, const Order& order, OrderStatus status, const std::string& note, Notify notify);
  Result<OrderDetail> LoadDetail(db::Tx& tx, std::int64_t order_id, std::optional<std::int64_t> owner);
  std::optional<PaymentView> PaymentOf(db::Tx& tx, std::int64_t order_id);
  /// Completes the key of POST /orders with the order as stored (201): one with nothing to charge
  /// (paid in its first transaction), or one whose settlement transaction failed.
  Result<PlacedOrder> AnswerAsStored(const infra::IdempotencyKey& key, std::int64_t order_id);
  /// The order's first transaction; `payment` is the one to charge (none when nothing is owed, the
  /// order then being paid already) and `journal` receives the timeline entries.
  Result<Order> PlaceInTransaction(db::Tx& tx, const PlaceOrderInput& in, const std::string& number,
                                   std::optional<payments::PaymentToCharge>& payment, std::vector<OrderEvent>& journal);
  /// The answer for a key of POST /orders whose request stopped before answering (see the .cpp),
  /// after completing the key with it; nullopt if the key is not such a key.
  std::optional<PlacedOrder> AnswerAbandoned(const infra::IdempotencyKey& key);
  std::optional<PaymentView> PaymentFromOutcome(std::int64_t payment_id,
                                                const Result<payments::PaymentOutcome>& outcome);
  PlacedOrder Answer(const OrderDetail& detail, const Result<payments::PaymentOutcome>& outcome,
                     const PlaceOrderInput& in);

  db::Database& db_;
  const core::Config& config_;
  const core::Clock& clock_;
  catalog::CatalogModule& catalog_;
  cart::CartModule& cart_;
  pricing::PricingModule& pricing_;
  payments::PaymentsModule& payments_;
  auth::AuthModule& auth_;
  audit::AuditLog& audit_;
  notifications::Notifier& notifier_;
  infra::EventBus* events_;
  infra::IdempotencyStore idempotency_;
  OrdersRepository repo_;
  std::string order_url_prefix_;
};

}  // namespace emporium::orders
