#include "modules/payments/stripe_wire.hpp"

#include <boost/json/parse.hpp>

namespace emporium::payments {

namespace json = boost::json;

namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

void AppendEncoded(std::string& out, std::string_view text, bool keep_brackets) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_brackets && (c == '[' || c == ']'))) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
}

const json::object* ObjectMember(const json::object& object, std::string_view key) {
  const auto* v = object.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

}  // namespace

std::string JsonString(const json::object& object, std::string_view key) {
  const auto* v = object.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t JsonInt(const json::object& object, std::string_view key) {
  const auto* v = object.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return 0;
}

std::string PercentEncode(std::string_view text) {
  std::string out;
  AppendEncoded(out, text, false);
  return out;
}

std::string FormEncode(const FormParams& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    AppendEncoded(out, key, true);
    out += '=';
    AppendEncoded(out, value, false);
  }
  return out;
}

std::optional<StripeError> ParseStripeError(std::string_view body) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto* error = ObjectMember(parsed.as_object(), "error");
  if (error == nullptr) return std::nullopt;
  StripeError out{.type = JsonString(*error, "type"),
                  .code = JsonString(*error, "code"),
                  .decline_code = JsonString(*error, "decline_code"),
                  .message = JsonString(*error, "message"),
                  .param = JsonString(*error, "param"),
                  .payment_intent = std::nullopt};
  if (const auto* intent = ObjectMember(*error, "payment_intent")) out.payment_intent = *intent;
  return out;
}

Error MapStripeError(const StripeError& error, const std::string& field) {
  if (error.type == "card_error") {
    return {ErrorCode::kPaymentDeclined, error.message.empty() ? "The card was declined." : error.message};
  }
  if (error.type == "invalid_request_error") {
    return Error::Invalid(field, error.code == "resource_missing" ? "does not exist at the payment processor"
                                                                  : "was rejected by the payment processor");
  }
  if (error.type == "idempotency_error") {
    return Error::Conflict("The idempotency key was already used for a different request.");
  }
  return Error::Unavailable("The payment processor could not handle the request.");
}

IntentStatus IntentStatusFromStripe(std::string_view status) {
  if (status == "succeeded") return IntentStatus::kSucceeded;
  if (status == "requires_action" || status == "requires_confirmation") return IntentStatus::kRequiresAction;
  if (status == "requires_payment_method") return IntentStatus::kDeclined;
  if (status == "canceled") return IntentStatus::kCanceled;
  return IntentStatus::kProcessing;
}

Intent IntentFromJson(const json::object& object) {
  Intent intent;
  intent.id = JsonString(object, "id");
  intent.status = IntentStatusFromStripe(JsonString(object, "status"));
  intent.amount = JsonInt(object, "amount");
  intent.currency = JsonString(object, "currency");
  intent.client_secret = JsonString(object, "client_secret");
  if (const auto* charge = ObjectMember(object, "latest_charge")) {
    intent.charge_id = JsonString(*charge, "id");
    if (const auto* balance = ObjectMember(*charge, "balance_transaction")) intent.fee = JsonInt(*balance, "fee");
  } else {
    intent.charge_id = JsonString(object, "latest_charge");
  }
  if (const auto* error = ObjectMember(object, "last_payment_error")) {
    intent.decline_code = JsonString(*error, "decline_code");
    if (intent.decline_code.empty()) intent.decline_code = JsonString(*error, "code");
    intent.failure_message = JsonString(*error, "message");
  }
  if (const auto* metadata = ObjectMember(object, "metadata")) {
    for (const auto& [key, value] : *metadata) {
      if (value.is_string()) intent.metadata.emplace(std::string(key), std::string(value.as_string()));
    }
  }
  return intent;
}

Intent DeclinedIntent(const StripeError& error) {
  Intent intent = error.payment_intent ? IntentFromJson(*error.payment_intent) : Intent{};
  intent.status = IntentStatus::kDeclined;
  intent.decline_code = error.decline_code.empty() ? error.code : error.decline_code;
  intent.failure_message = error.message;
  return intent;
}

Card CardFromJson(const json::object& object) {
  Card card;
  card.id = JsonString(object, "id");
  if (const auto* c = ObjectMember(object, "card")) {
    card.brand = JsonString(*c, "brand");
    card.last4 = JsonString(*c, "last4");
    card.exp_month = static_cast<int>(JsonInt(*c, "exp_month"));
    card.exp_year = static_cast<int>(JsonInt(*c, "exp_year"));
  }
  return card;
}

}  // namespace emporium::payments
