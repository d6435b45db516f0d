#include "modules/payments/simulated_provider.hpp"

#include <array>
#include <cctype>
#include <optional>

#include "core/crypto.hpp"

namespace emporium::payments {

namespace {

enum class Behaviour { kSucceeds, kDeclines, kRequiresAction };

struct TestCard {
  std::string_view name;  ///< the part after "pm_card_" / "tok_", also the suffix of saved card ids
  std::string_view brand;
  std::string_view last4;
  Behaviour behaviour;
  std::string_view decline_code;
  std::string_view message;
};

// Stripe's test cards (https://docs.stripe.com/testing); all expire 12/2034 here.
constexpr std::array<TestCard, 5> kTestCards = {{
    {"visa", "visa", "4242", Behaviour::kSucceeds, "", ""},
    {"mastercard", "mastercard", "4444", Behaviour::kSucceeds, "", ""},
    {"chargeDeclined", "visa", "0002", Behaviour::kDeclines, "card_declined", "Your card was declined."},
    {"insufficientFunds", "visa", "9995", Behaviour::kDeclines, "insufficient_funds",
     "Your card has insufficient funds."},
    {"authenticationRequired", "visa", "3184", Behaviour::kRequiresAction, "", ""},
}};
constexpr int kTestExpMonth = 12;
constexpr int kTestExpYear = 2034;

const TestCard* FindTestCard(std::string_view name) {
  for (const auto& card : kTestCards) {
    if (card.name == name) return &card;
  }
  return nullptr;
}

/// The test card behind a token ("tok_visa"), a test payment method ("pm_card_visa") or a saved
/// card of ours ("pm_<random>_visa").
const TestCard* TestCardFor(std::string_view id) {
  for (std::string_view prefix : {"pm_card_", "tok_"}) {
    if (id.starts_with(prefix)) return FindTestCard(id.substr(prefix.size()));
  }
  if (!id.starts_with("pm_")) return nullptr;
  const auto underscore = id.find('_', 3);
  return underscore == std::string_view::npos ? nullptr : FindTestCard(id.substr(underscore + 1));
}

/// `prefix` + `length` random letters and digits, like Stripe's object ids.
std::string RandomId(std::string_view prefix, std::size_t length) {
  std::string out(prefix);
  while (out.size() < prefix.size() + length) {
    for (const char c : core::RandomToken(length)) {
      if (std::isalnum(static_cast<unsigned char>(c)) && out.size() < prefix.size() + length) out += c;
    }
  }
  return out;
}

std::string IntentRequestFingerprint(const IntentRequest& r) {
  return "intent|" + std::to_string(r.amount) + "|" + r.currency + "|" + r.customer + "|" + r.payment_method;
}

}  // namespace

std::int64_t SimulatedFee(std::int64_t amount) { return (amount * 29 + 500) / 1000 + 30; }

SimulatedProvider::SimulatedProvider(std::size_t memory_limit) : memory_limit_(memory_limit) {}

Result<std::string> SimulatedProvider::Recall(const std::string& key, const std::string& request) const {
  const auto it = keys_.find(key);
  if (it == keys_.end()) return std::string();
  if (it->second.request != request) {
    return Error::Conflict("The idempotency key was already used for a different request.");
  }
  return it->second.answer_id;
}

void SimulatedProvider::Remember(const std::string& key, std::string request, std::string answer_id) {
  if (key.empty()) return;
  if (keys_.emplace(key, Remembered{std::move(request), std::move(answer_id)}).second) key_order_.push_back(key);
  while (key_order_.size() > memory_limit_) {
    // A forgotten key's card or refund can no longer be replayed, so it is forgotten too.
    const auto oldest = keys_.find(key_order_.front());
    if (oldest != keys_.end()) {
      cards_.erase(oldest->second.answer_id);
      refunds_.erase(oldest->second.answer_id);
      keys_.erase(oldest);
    }
    key_order_.pop_front();
  }
}

void SimulatedProvider::StoreIntent(const Intent& intent) {
  if (intents_.insert_or_assign(intent.id, intent).second) intent_order_.push_back(intent.id);
  while (intent_order_.size() > memory_limit_) {
    intents_.erase(intent_order_.front());
    refunded_.erase(intent_order_.front());
    intent_order_.pop_front();
  }
}

Intent SimulatedProvider::Charge(Intent intent) const {
  intent.status = IntentStatus::kSucceeded;
  intent.charge_id = RandomId("ch_", 24);
  intent.fee = SimulatedFee(intent.amount);
  intent.client_secret.clear();
  return intent;
}

Result<std::string> SimulatedProvider::CreateCustomer(const std::string& email, const std::string& name,
                                                      const std::string& idempotency_key) {
  std::lock_guard lock(mutex_);
  const std::string request = "customer|" + email + "|" + name;
  EMP_ASSIGN(std::string known, Recall(idempotency_key, request));
  if (!known.empty()) return known;
  std::string id = RandomId("cus_", 14);
  Remember(idempotency_key, request, id);
  return id;
}

Result<Card> SimulatedProvider::AttachCard(const std::string& customer, const std::string& provider_token,
                                           const std::string& idempotency_key) {
  const TestCard* test = TestCardFor(provider_token);
  if (test == nullptr) return Error::Invalid("provider_token", "is not a known card token");
  if (test->behaviour == Behaviour::kDeclines) {
    return Error{ErrorCode::kPaymentDeclined, std::string(test->message)};
  }
  std::lock_guard lock(mutex_);
  const std::string request = "attach|" + customer + "|" + provider_token;
  EMP_ASSIGN(std::string known, Recall(idempotency_key, request));
  if (!known.empty() && cards_.count(known)) return cards_.at(known);
  Card card{.id = RandomId("pm_", 14) + "_" + std::string(test->name),
            .brand = std::string(test->brand),
            .last4 = std::string(test->last4),
            .exp_month = kTestExpMonth,
            .exp_year = kTestExpYear};
  cards_[card.id] = card;
  Remember(idempotency_key, request, card.id);
  return card;
}

Status SimulatedProvider::DetachCard(const std::string& payment_method) {
  if (TestCardFor(payment_method) == nullptr) return Error::Invalid("payment_method", "does not exist");
  std::lock_guard lock(mutex_);
  cards_.erase(payment_method);
  return OkStatus();
}

Result<Intent> SimulatedProvider::CreateIntent(const IntentRequest& request) {
  if (request.amount <= 0) return Error::Invalid("amount", "must be positive");
  const TestCard* test = TestCardFor(request.payment_method);
  if (test == nullptr) return Error::Invalid("payment_method_id", "is not a known payment method");

  std::lock_guard lock(mutex_);
  const std::string fingerprint = IntentRequestFingerprint(request);
  EMP_ASSIGN(std::string known, Recall(request.idempotency_key, fingerprint));
  if (!known.empty() && intents_.count(known)) return intents_.at(known);

  Intent intent{.id = RandomId("pi_", 24),
                .status = IntentStatus::kProcessing,
                .amount = request.amount,
                .currency = request.currency,
                .metadata = request.metadata};
  switch (test->behaviour) {
    case Behaviour::kSucceeds:
      intent = Charge(std::move(intent));
      break;
    case Behaviour::kDeclines:
      intent.status = IntentStatus::kDeclined;
      intent.decline_code = std::string(test->decline_code);
      intent.failure_message = std::string(test->message);
      break;
    case Behaviour::kRequiresAction:
      intent.status = IntentStatus::kRequiresAction;
      intent.client_secret = intent.id + "_secret_" + RandomId("", 24);
      break;
  }
  StoreIntent(intent);
  Remember(request.idempotency_key, fingerprint, intent.id);
  return intent;
}

Result<Intent> SimulatedProvider::ConfirmIntent(const std::string& intent_id, const std::string&) {
  std::lock_guard lock(mutex_);
  const auto it = intents_.find(intent_id);
  if (it == intents_.end()) return Error::Invalid("intent_id", "does not exist");
  // Confirming is idempotent by the intent's state: only a requires_action intent moves.
  if (it->second.status == IntentStatus::kRequiresAction) it->second = Charge(it->second);
  return it->second;
}

Result<Intent> SimulatedProvider::RetrieveIntent(const std::string& intent_id) {
  std::lock_guard lock(mutex_);
  const auto it = intents_.find(intent_id);
  if (it == intents_.end()) return Error::Invalid("intent_id", "does not exist");
  return it->second;
}

Result<Intent> SimulatedProvider::CancelIntent(const std::string& intent_id, const std::string&) {
  std::lock_guard lock(mutex_);
  const auto it = intents_.find(intent_id);
  if (it == intents_.end()) return Error::Invalid("intent_id", "does not exist");
  // Idempotent by the intent's state, like ConfirmIntent: a succeeded intent stays succeeded.
  Intent& intent = it->second;
  if (intent.status != IntentStatus::kSucceeded) {
    intent.status = IntentStatus::kCanceled;
    intent.client_secret.clear();
  }
  return intent;
}

Result<Refund> SimulatedProvider::CreateRefund(const RefundRequest& request) {
  if (request.amount <= 0) return Error::Invalid("amount", "must be positive");
  if (!request.payment_intent.starts_with("pi_")) return Error::Invalid("payment_intent", "does not exist");
  std::lock_guard lock(mutex_);
  const std::string fingerprint =
      "refund|" + request.payment_intent + "|" + std::to_string(request.amount) + "|" + request.reason;
  EMP_ASSIGN(std::string known, Recall(request.idempotency_key, fingerprint));
  if (!known.empty() && refunds_.count(known)) return refunds_.at(known);
  // An intent forgotten (bounded memory, restart) is trusted: our payments row already limits what
  // can be refunded. A remembered one is checked like Stripe does.
  if (const auto it = intents_.find(request.payment_intent); it != intents_.end()) {
    if (it->second.status != IntentStatus::kSucceeded) {
      return Error::Invalid("payment_intent", "has no successful charge to refund");
    }
    if (refunded_[it->first] + request.amount > it->second.amount) {
      return Error::Invalid("amount", "is greater than the unrefunded amount of the charge");
    }
    refunded_[it->first] += request.amount;
  }
  Refund refund{.id = RandomId("re_", 24), .amount = request.amount, .status = "succeeded"};
  refunds_[refund.id] = refund;
  Remember(request.idempotency_key, fingerprint, refund.id);
  return refund;
}

}  // namespace emporium::payments
