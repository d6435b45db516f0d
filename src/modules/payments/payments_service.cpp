#include "modules/payments/payments_service.hpp"

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <cctype>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "modules/payments/stripe_webhook.hpp"
#include "modules/payments/stripe_wire.hpp"

namespace emporium::payments {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxSavedCards = 20;
constexpr std::size_t kMaxProviderIdLength = 255;

/// How far along a payment is. Events arrive in any order (a webhook may overtake the API answer,
/// Stripe retries late), so a payment only ever moves to a later stage: never from succeeded back
/// to failed, nor from failed back to requires_action. A failed payment can still succeed (a later
/// attempt on the same intent).
int StageOf(std::string_view status) {
  if (status == "created") return 0;
  if (status == "processing") return 1;
  if (status == "requires_action") return 2;
  if (status == "failed") return 3;
  if (status == "succeeded" || status == "canceled") return 4;
  return -1;
}

/// The payment status an event type stands for; "" for events that do not move the status.
std::string StatusForEvent(std::string_view type) {
  if (type == "payment_intent.succeeded") return "succeeded";
  if (type == "payment_intent.payment_failed") return "failed";
  if (type == "payment_intent.requires_action") return "requires_action";
  if (type == "payment_intent.processing") return "processing";
  if (type == "payment_intent.canceled") return "canceled";
  return {};
}

std::string EventTypeFor(IntentStatus status) {
  switch (status) {
    case IntentStatus::kSucceeded:
      return "payment_intent.succeeded";
    case IntentStatus::kDeclined:
      return "payment_intent.payment_failed";
    case IntentStatus::kRequiresAction:
      return "payment_intent.requires_action";
    case IntentStatus::kCanceled:
      return "payment_intent.canceled";
    case IntentStatus::kProcessing:
      break;
  }
  return "payment_intent.processing";
}

IntentStatus IntentStatusOfRecord(std::string_view status) {
  if (status == "succeeded") return IntentStatus::kSucceeded;
  if (status == "requires_action") return IntentStatus::kRequiresAction;
  if (status == "failed") return IntentStatus::kDeclined;
  if (status == "canceled") return IntentStatus::kCanceled;
  return IntentStatus::kProcessing;
}

PaymentOutcome OutcomeOf(const PaymentRecord& p) {
  return PaymentOutcome{.payment_id = p.id,
                        .status = IntentStatusOfRecord(p.status),
                        .intent_id = p.intent_id,
                        .client_secret = p.status == "requires_action" ? p.client_secret : std::string(),
                        .failure_message = p.status == "failed" ? p.failure_message : std::string(),
                        .decline_code = {}};
}

PaymentOutcome OutcomeOf(std::int64_t payment_id, const Intent& intent) {
  return PaymentOutcome{.payment_id = payment_id,
                        .status = intent.status,
                        .intent_id = intent.id,
                        .client_secret = intent.client_secret,
                        .failure_message = intent.failure_message,
                        .decline_code = intent.decline_code};
}

/// A processor answer as the PaymentIntent object a webhook would carry, so sinks read one shape.
json::object IntentObject(const PaymentRecord& payment, const Intent& intent) {
  json::object metadata;
  for (const auto& [key, value] : intent.metadata) metadata[key] = value;
  json::object object{{"id", intent.id},
                      {"object", "payment_intent"},
                      {"status", std::string(IntentStatusName(intent.status))},
                      {"amount", payment.amount},
                      {"currency", payment.currency},
                      {"metadata", std::move(metadata)}};
  if (!intent.client_secret.empty()) object["client_secret"] = intent.client_secret;
  if (!intent.charge_id.empty()) object["latest_charge"] = intent.charge_id;
  if (intent.status == IntentStatus::kDeclined) {
    object["last_payment_error"] =
        json::object{{"decline_code", intent.decline_code}, {"message", intent.failure_message}};
  }
  return object;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool IsCurrency(std::string_view s) {
  return s.size() == 3 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

PaymentsService::PaymentsService(db::Database& db, const core::Config& config, const core::Clock& clock,
                                 auth::AuthModule& auth, std::unique_ptr<PaymentProvider> provider)
    : db_(db), config_(config), clock_(clock), auth_(auth), provider_(std::move(provider)) {}

Result<std::vector<SavedCard>> PaymentsService::ListCards(std::int64_t user_id) {
  const std::string provider(provider_->Name());
  return db_.Read([&](db::Tx& tx) -> Result<std::vector<SavedCard>> { return repo_.ListCards(tx, user_id, provider); });
}

Result<std::string> PaymentsService::EnsureCustomer(std::int64_t user_id) {
  const std::string provider(provider_->Name());
  EMP_ASSIGN(auto existing, db_.Read([&](db::Tx& tx) -> Result<std::optional<std::string>> {
    return repo_.FindCustomer(tx, user_id, provider);
  }));
  if (existing) return *existing;
  EMP_ASSIGN(auto user, auth_.FindUser(user_id));
  // The key is derived from the account (id and creation time, so a re-created database does not
  // collide at the processor): two concurrent first cards create one customer.
  const std::string key = "emporium-customer-" + std::to_string(user_id) + "-" + std::to_string(user.created_at);
  EMP_ASSIGN(std::string created, provider_->CreateCustomer(user.email, user.first_name + " " + user.last_name, key));
  return db_.Write([&](db::Tx& tx) -> Result<std::string> {
    repo_.InsertCustomerIfAbsent(tx, user_id, provider, created, clock_.NowSeconds());
    return repo_.FindCustomer(tx, user_id, provider).value_or(created);
  });
}

Result<SavedCard> PaymentsService::AddCard(std::int64_t user_id, const std::string& provider_token,
                                           const std::string& request_key) {
  const std::string provider(provider_->Name());
  EMP_ASSIGN(auto cards, ListCards(user_id));
  if (cards.size() >= kMaxSavedCards) return Error::Conflict("At most 20 cards can be saved; delete one first.");
  EMP_ASSIGN(std::string customer, EnsureCustomer(user_id));
  const std::string key = "emporium-card-" + std::to_string(user_id) + "-" +
                          (request_key.empty() ? core::RandomToken(16) : core::Sha256Hex(request_key));
  EMP_ASSIGN(Card card, provider_->AttachCard(customer, provider_token, key));
  return db_.Write([&](db::Tx& tx) -> Result<SavedCard> {
    if (const auto owner = repo_.FindCardOwner(tx, provider, card.id)) {
      if (*owner != user_id) return Error::Conflict("This card is saved by another account.");
      // A replayed request: the processor answered with the card saved the first time.
      for (const auto& saved : repo_.ListCards(tx, user_id, provider)) {
        if (saved.provider_id == card.id) return saved;
      }
    }
    SavedCard saved{.id = 0,
                    .user_id = user_id,
                    .provider_id = card.id,
                    .brand = card.brand,
                    .last4 = card.last4,
                    .exp_month = card.exp_month,
                    .exp_year = card.exp_year,
                    .is_default = !repo_.DefaultCard(tx, user_id, provider).has_value(),
                    .created_at = clock_.NowSeconds()};
    saved.id = repo_.InsertCard(tx, saved, provider);
    return saved;
  });
}

Status PaymentsService::DeleteCard(std::int64_t user_id, std::int64_t card_id) {
  EMP_ASSIGN(auto card, db_.Read([&](db::Tx& tx) -> Result<SavedCard> {
    auto found = repo_.FindCard(tx, user_id, card_id);
    if (!found) return Error::NotFound("The payment method does not exist.");
    return *found;
  }));
  if (auto detached = provider_->DetachCard(card.provider_id); !detached) {
    // A card the processor no longer knows is gone already; only an unreachable processor stops us.
    if (detached.error().code == ErrorCode::kUnavailable) return std::move(detached).error();
    core::Logger("payments")->info(R"({{"msg":"card already detached at the processor","card_id":{}}})", card_id);
  }
  const std::string provider(provider_->Name());
  return db_.Write([&](db::Tx& tx) -> Status {
    if (!repo_.SoftDeleteCard(tx, user_id, card_id, clock_.NowSeconds())) {
      return Error::NotFound("The payment method does not exist.");
    }
    if (card.is_default) {
      const auto remaining = repo_.ListCards(tx, user_id, provider);
      if (!remaining.empty()) repo_.SetDefaultCard(tx, user_id, remaining.back().id);
    }
    return OkStatus();
  });
}

Result<SavedCard> PaymentsService::MakeDefaultCard(std::int64_t user_id, std::int64_t card_id) {
  return db_.Write([&](db::Tx& tx) -> Result<SavedCard> {
    auto card = repo_.FindCard(tx, user_id, card_id);
    if (!card) return Error::NotFound("The payment method does not exist.");
    repo_.SetDefaultCard(tx, user_id, card_id);
    card->is_default = true;
    return *card;
  });
}

Result<PaymentsService::ResolvedMethod> PaymentsService::ResolvePaymentMethod(db::Tx& tx,
                                                                             const NewPayment& payment) {
  const std::string provider(provider_->Name());
  const std::string& method = payment.payment_method;
  if (method.empty()) {
    auto card = repo_.DefaultCard(tx, payment.user_id, provider);
    if (!card) return Error::Invalid("payment_method_id", "is required: there is no default saved card");
    return ResolvedMethod{card->provider_id, true};
  }
  if (IsDigits(method)) {
    auto card = repo_.FindCard(tx, payment.user_id, std::stoll(method));
    if (!card) return Error::Invalid("payment_method_id", "is not one of your saved cards");
    return ResolvedMethod{card->provider_id, true};
  }
  if (method.size() > kMaxProviderIdLength || !(method.starts_with("pm_") || method.starts_with("tok_"))) {
    return Error::Invalid("payment_method_id", "must be a saved card id or a processor payment method");
  }
  // Stripe's shared test cards ("pm_card_visa") are never anyone's saved card: saving one attaches
  // a new PaymentMethod with an id of its own (simulated mode does the same).
  if (method.starts_with("pm_card_")) return ResolvedMethod{method, false};
  const auto owner = repo_.FindCardOwner(tx, provider, method);
  if (owner && *owner != payment.user_id) {
    return Error::Invalid("payment_method_id", "is not one of your saved cards");
  }
  return ResolvedMethod{method, owner.has_value()};
}

Result<PaymentToCharge> PaymentsService::CreatePayment(db::Tx& tx, const NewPayment& payment) {
  static constexpr std::array<std::string_view, 3> kPurposes = {"order", "membership", "replenishment"};
  if (payment.user_id <= 0) return Error::Invalid("user_id", "is required");
  if (payment.amount <= 0) return Error::Invalid("amount", "must be a positive amount in minor units");
  if (!IsCurrency(payment.currency)) return Error::Invalid("currency", "must be an ISO 4217 code such as USD");
  if (std::find(kPurposes.begin(), kPurposes.end(), payment.purpose) == kPurposes.end()) {
    return Error::Invalid("purpose", "must be order, membership or replenishment");
  }
  EMP_ASSIGN(ResolvedMethod method, ResolvePaymentMethod(tx, payment));
  const std::int64_t now = clock_.NowSeconds();
  PaymentToCharge prepared;
  prepared.off_session = payment.off_session;
  // A saved card belongs to the customer it is attached to, and an off-session charge needs one.
  if (method.saved || payment.off_session) {
    prepared.customer = repo_.FindCustomer(tx, payment.user_id, std::string(provider_->Name())).value_or("");
  }
  prepared.payment = PaymentRecord{.id = 0,
                       .user_id = payment.user_id,
                       .order_id = payment.order_id,
                       .purpose = payment.purpose,
                       .provider = std::string(provider_->Name()),
                       .status = "created",
                       .amount = payment.amount,
                       .currency = payment.currency,
                       .payment_method = std::move(method.provider_id),
                       .created_at = now,
                       .updated_at = now};
  prepared.payment.id = repo_.InsertPayment(tx, prepared.payment, payment.off_session);
  return prepared;
}

Result<Intent> PaymentsService::AskProcessor(const PaymentToCharge& prepared) {
  const PaymentRecord& payment = prepared.payment;
  IntentRequest request{.amount = payment.amount,
                        .currency = payment.currency,
                        .customer = prepared.customer,
                        .payment_method = payment.payment_method,
                        .off_session = prepared.off_session,
                        .description = payment.purpose + " payment " + std::to_string(payment.id),
                        .metadata = {{"payment_id", std::to_string(payment.id)}, {"purpose", payment.purpose}},
                        // The record's creation time goes into the key too: ids restart when a database is
                        // rebuilt, and the processor keeps keys for 24 h on the same account.
                        .idempotency_key = "emporium-payment-" + std::to_string(payment.id) + "-" +
                                           std::to_string(payment.created_at)};
  if (payment.order_id) request.metadata["order_id"] = std::to_string(*payment.order_id);
  // A processing intent is asked for its news; resending the creation would only replay the
  // processor's first (processing) answer.
  return payment.status == "processing" && !payment.intent_id.empty() ? provider_->RetrieveIntent(payment.intent_id)
                                                                      : provider_->CreateIntent(request);
}

// Only a payment the processor has not answered for is sent; the same key makes a resend (after a
// timeout, or by a concurrent caller) return the same intent instead of charging again.
Result<PaymentOutcome> PaymentsService::Execute(std::int64_t payment_id) {
  EMP_ASSIGN(PaymentToCharge prepared, db_.ReadStatement([&](db::Tx& tx) -> Result<PaymentToCharge> {
    auto found = repo_.FindPaymentToCharge(tx, payment_id);
    if (!found) return Error::NotFound("The payment does not exist.");
    return *found;
  }));
  const PaymentRecord& payment = prepared.payment;
  if (payment.status != "created" && payment.status != "processing") return OutcomeOf(payment);
  EMP_ASSIGN(Intent intent, AskProcessor(prepared));
  EMP_TRY(RecordIntent(payment, intent));
  return OutcomeOf(payment.id, intent);
}

Status PaymentsService::Charge(const PaymentToCharge& prepared, const Settlement& settle) {
  const PaymentRecord& payment = prepared.payment;
  if (payment.status != "created" && payment.status != "processing") {
    return db_.Write([&](db::Tx& tx) { return settle(tx, OutcomeOf(payment)); });
  }
  const Result<Intent> intent = AskProcessor(prepared);
  return db_.Write([&](db::Tx& tx) -> Status {
    if (!intent) return settle(tx, intent.error());
    // The record read is the one CreatePayment made: if a webhook moved it meanwhile, the
    // conditional update misses and ApplyToPayment reads it again.
    EMP_TRY(ApplyToPayment(tx, payment, EventFor(payment, *intent)));
    return settle(tx, OutcomeOf(payment.id, *intent));
  });
}

Result<PaymentOutcome> PaymentsService::Confirm(std::int64_t payment_id) {
  EMP_ASSIGN(PaymentRecord payment, db_.Read([&](db::Tx& tx) { return Get(tx, payment_id); }));
  if (payment.status != "requires_action" || payment.intent_id.empty()) return OutcomeOf(payment);
  EMP_ASSIGN(Intent intent,
             provider_->ConfirmIntent(payment.intent_id, "emporium-confirm-" + std::to_string(payment.id)));
  EMP_TRY(RecordIntent(payment, intent));
  return OutcomeOf(payment.id, intent);
}

Result<PaymentOutcome> PaymentsService::CancelPending(std::int64_t payment_id) {
  EMP_ASSIGN(PaymentRecord payment, db_.Read([&](db::Tx& tx) { return Get(tx, payment_id); }));
  const bool pending = payment.status == "requires_action" || payment.status == "processing";
  if (!pending || payment.intent_id.empty()) return OutcomeOf(payment);
  // With the record's creation time, like the charge's key: ids restart when a database is rebuilt.
  const std::string key = "emporium-cancel-" + std::to_string(payment.id) + "-" + std::to_string(payment.created_at);
  EMP_ASSIGN(Intent intent, provider_->CancelIntent(payment.intent_id, key));
  EMP_TRY(RecordIntent(payment, intent));
  return OutcomeOf(payment.id, intent);
}

PaymentEvent PaymentsService::EventFor(const PaymentRecord& payment, const Intent& intent) const {
  PaymentEvent event;
  event.type = EventTypeFor(intent.status);
  const std::string subject = intent.id.empty() ? "payment-" + std::to_string(payment.id) : intent.id;
  event.id = "api_" + subject + "_" + std::string(IntentStatusName(intent.status));
  event.payment_id = payment.id;
  event.intent_id = intent.id;
  event.charge_id = intent.charge_id;
  event.amount = payment.amount;
  event.currency = payment.currency;
  event.fee = intent.fee;
  event.failure_message = intent.failure_message;
  event.metadata = intent.metadata;
  event.created = clock_.NowSeconds();
  event.object = IntentObject(payment, intent);
  return event;
}

Status PaymentsService::RecordIntent(const PaymentRecord& payment, const Intent& intent) {
  return HandleEvent(EventFor(payment, intent));
}

Result<PaymentRecord> PaymentsService::Get(db::Tx& tx, std::int64_t payment_id) {
  auto payment = repo_.FindPayment(tx, payment_id);
  if (!payment) return Error::NotFound("The payment does not exist.");
  return *payment;
}

Result<std::optional<PaymentRecord>> PaymentsService::FindForOrder(db::Tx& tx, std::int64_t order_id) {
  return repo_.LatestForOrder(tx, order_id);
}

std::optional<PaymentRecord> PaymentsService::ResolvePayment(db::Tx& tx, const PaymentEvent& event) const {
  // Our own answers name the payment; its row is then the one read this event needs.
  if (event.payment_id > 0) {
    auto payment = repo_.FindPayment(tx, event.payment_id);
    // metadata.payment_id names our row before it knows its intent (a webhook overtaking the API
    // answer); a row bound to another intent is not this event's.
    if (payment && (payment->intent_id.empty() || event.intent_id.empty() || payment->intent_id == event.intent_id)) {
      return payment;
    }
  }
  if (event.intent_id.empty()) return std::nullopt;
  return repo_.FindPaymentByIntent(tx, event.intent_id);
}

Status PaymentsService::ApplyToPayment(db::Tx& tx, PaymentRecord payment, const PaymentEvent& event) const {
  const std::int64_t now = clock_.NowSeconds();
  if (event.type == "charge.refunded") {
    repo_.RaiseRefunded(tx, payment.id, event.amount_refunded, now);
    return OkStatus();
  }
  const std::string status = StatusForEvent(event.type);
  if (status.empty()) return OkStatus();
  // A conditional update on the status read: a concurrent event moving the row makes it miss, and
  // the loop re-reads (the event insert already serialises duplicates of this very event).
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (StageOf(status) <= StageOf(payment.status)) return OkStatus();
    PaymentStateChange change{.expected_status = payment.status,
                              .status = status,
                              .intent_id = event.intent_id,
                              .charge_id = event.charge_id,
                              .client_secret = JsonString(event.object, "client_secret"),
                              .failure_message = status == "failed" ? event.failure_message : std::string(),
                              .fee = status == "succeeded" ? event.fee : 0};
    if (change.failure_message.size() > 1000) change.failure_message.resize(1000);
    if (repo_.ApplyStateChange(tx, payment.id, change, now)) return OkStatus();
    auto reread = repo_.FindPayment(tx, payment.id);
    if (!reread) return OkStatus();
    payment = std::move(*reread);
  }
  return Error::Unavailable("The payment is being updated concurrently; try again.");
}

Status PaymentsService::HandleEvent(const PaymentEvent& incoming) {
  if (incoming.id.empty() || incoming.type.empty()) return Error::BadRequest("The event has no id or type.");
  return db_.Write([&](db::Tx& tx) -> Status {
    PaymentEvent event = incoming;
    const auto payment = ResolvePayment(tx, incoming);
    event.payment_id = payment ? payment->id : 0;
    if (!repo_.InsertEventIfNew(tx, event.id, event.type, event.payment_id, clock_.NowSeconds())) return OkStatus();
    if (payment) EMP_TRY(ApplyToPayment(tx, *payment, event));
    for (auto* sink : sinks_) EMP_TRY(sink->OnPaymentEvent(tx, event));
    return OkStatus();
  });
}

Status PaymentsService::HandleWebhook(std::string_view signature_header, std::string_view payload) {
  if (config_.stripe_webhook_secret.empty()) return Error::NotFound();
  EMP_TRY(VerifyStripeSignature(signature_header, payload, config_.stripe_webhook_secret, clock_.NowSeconds()));
  EMP_ASSIGN(PaymentEvent event, ParseStripeEvent(payload));
  core::Logger("payments")
      ->info(R"({{"msg":"stripe event","event_id":"{}","type":"{}"}})", core::JsonEscape(event.id),
             core::JsonEscape(event.type));
  return HandleEvent(event);
}

Result<RefundRecord> PaymentsService::ReserveRefund(std::int64_t payment_id, std::int64_t amount,
                                                    const std::string& reason, const std::string& key) {
  return db_.Write([&](db::Tx& tx) -> Result<RefundRecord> {
    if (auto existing = repo_.FindRefundByKey(tx, payment_id, key)) return *existing;
    auto payment = repo_.FindPayment(tx, payment_id);
    if (!payment) return Error::NotFound("The payment does not exist.");
    if (payment->status != "succeeded") return Error::Conflict("Only a succeeded payment can be refunded.");
    if (amount > payment->amount - payment->refunded) {
      return Error::Invalid(
          "amount", "is more than remains refundable (" + std::to_string(payment->amount - payment->refunded) + ")");
    }
    const std::int64_t now = clock_.NowSeconds();
    // The read above may be stale (MariaDB, READ COMMITTED): the conditional update decides.
    if (!repo_.ReserveRefund(tx, payment_id, amount, now)) {
      return Error::Conflict("A concurrent refund took the remaining amount.");
    }
    RefundRecord refund{.id = 0,
                        .payment_id = payment_id,
                        .amount = amount,
                        .reason = reason,
                        .status = "pending",
                        .provider_refund_id = {},
                        .created_at = now};
    refund.id = repo_.InsertRefund(tx, refund, key);
    return refund;
  });
}

Result<RefundRecord> PaymentsService::Refund(std::int64_t payment_id, std::int64_t amount, const std::string& reason,
                                             const std::string& key) {
  if (amount <= 0) return Error::Invalid("amount", "must be a positive amount in minor units");
  if (key.empty() || key.size() > 255) return Error::Invalid("idempotency_key", "must be 1–255 characters");
  if (reason.size() > 500) return Error::Invalid("reason", "must be at most 500 characters");
  auto reserved = ReserveRefund(payment_id, amount, reason, key);
  if (!reserved && reserved.error().code == ErrorCode::kConflict) {
    // The same key raced us: its refund row is the answer.
    auto existing = db_.Read(
        [&](db::Tx& tx) -> Result<std::optional<RefundRecord>> { return repo_.FindRefundByKey(tx, payment_id, key); });
    if (existing && *existing) return **existing;
  }
  if (!reserved) return std::move(reserved).error();
  RefundRecord refund = std::move(reserved).value();
  if (refund.status != "pending") return refund;

  EMP_ASSIGN(PaymentRecord payment, db_.Read([&](db::Tx& tx) { return Get(tx, payment_id); }));
  const auto answer = provider_->CreateRefund({.payment_intent = payment.intent_id,
                                               .amount = refund.amount,
                                               .reason = refund.reason,
                                               .idempotency_key = "emporium-refund-" + std::to_string(refund.id) + "-" +
                                                                  std::to_string(refund.created_at)});
  return FinishRefund(std::move(refund), answer);
}

Result<RefundRecord> PaymentsService::FinishRefund(RefundRecord refund, const Result<payments::Refund>& answer) {
  // Unreachable processor: the outcome is unknown, so the refund stays pending with its amount
  // held; calling Refund again with the same key resends it under the same processor key.
  if (!answer && answer.error().code == ErrorCode::kUnavailable) return answer.error();
  const bool failed = !answer || answer->status == "failed" || answer->status == "canceled";
  const std::string status = failed ? "failed" : (answer->status == "succeeded" ? "succeeded" : "pending");
  const std::string provider_id = answer ? answer->id : std::string();
  EMP_TRY(db_.Write([&](db::Tx& tx) -> Status {
    const std::int64_t now = clock_.NowSeconds();
    if (status != "pending" && repo_.FinishRefund(tx, refund.id, status, provider_id, now) && failed) {
      repo_.ReturnRefund(tx, refund.payment_id, refund.amount, now);  // nothing was refunded
    } else if (status == "pending" && !provider_id.empty()) {
      repo_.FinishRefund(tx, refund.id, "pending", provider_id, now);
    }
    return OkStatus();
  }));
  if (!answer) return answer.error();
  refund.status = status;
  refund.provider_refund_id = provider_id;
  return refund;
}

}  // namespace emporium::payments
