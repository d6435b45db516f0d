#include "modules/payments/stripe_webhook.hpp"

#include <boost/json/parse.hpp>
#include <charconv>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "modules/payments/stripe_wire.hpp"

namespace emporium::payments {

namespace json = boost::json;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> ParseInt64(std::string_view s) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::map<std::string, std::string> StringMap(const json::object& object, std::string_view key) {
  std::map<std::string, std::string> out;
  const auto* v = object.if_contains(key);
  if (v == nullptr || !v->is_object()) return out;
  for (const auto& [k, value] : v->as_object()) {
    if (value.is_string()) out.emplace(std::string(k), std::string(value.as_string()));
  }
  return out;
}

void FillFromIntent(const json::object& object, PaymentEvent& event) {
  const Intent intent = IntentFromJson(object);
  event.intent_id = intent.id;
  event.charge_id = intent.charge_id;
  event.amount = intent.amount;
  event.fee = intent.fee;
  event.currency = intent.currency;
  event.failure_message = intent.failure_message;
  event.metadata = intent.metadata;
}

void FillFromCharge(const json::object& object, PaymentEvent& event) {
  event.charge_id = JsonString(object, "id");
  event.intent_id = JsonString(object, "payment_intent");
  event.amount = JsonInt(object, "amount");
  event.amount_refunded = JsonInt(object, "amount_refunded");
  event.currency = JsonString(object, "currency");
  event.metadata = StringMap(object, "metadata");
}

}  // namespace

Status VerifyStripeSignature(std::string_view header, std::string_view payload, std::string_view secret,
                             std::int64_t now, std::int64_t tolerance) {
  std::optional<std::int64_t> timestamp;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view item = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      if (timestamp) return Error::BadRequest("The Stripe-Signature header has more than one timestamp.");
      timestamp = ParseInt64(value);
      if (!timestamp) return Error::BadRequest("The Stripe-Signature timestamp is not a number.");
    } else if (key == "v1") {
      signatures.push_back(value);
    }
  }
  if (!timestamp || signatures.empty()) return Error::BadRequest("The Stripe-Signature header is malformed.");
  if (*timestamp < now - tolerance || *timestamp > now + tolerance) {
    return Error::BadRequest("The Stripe-Signature timestamp is outside the tolerance.");
  }
  std::string signed_payload = std::to_string(*timestamp);
  signed_payload += '.';
  signed_payload.append(payload);
  const std::string expected = core::HmacSha256Hex(secret, signed_payload);
  bool matched = false;
  // Every candidate is compared, so the time taken does not depend on which one matched.
  for (const auto signature : signatures) matched |= core::ConstantTimeEquals(expected, signature);
  if (!matched) return Error::BadRequest("No valid Stripe signature for this payload.");
  return OkStatus();
}

Result<PaymentEvent> ParseStripeEvent(std::string_view payload) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(payload, ec);
  if (ec || !parsed.is_object()) return Error::BadRequest("The webhook body is not a JSON object.");
  const auto& root = parsed.as_object();
  PaymentEvent event;
  event.id = JsonString(root, "id");
  event.type = JsonString(root, "type");
  event.created = JsonInt(root, "created");
  const auto* data = root.if_contains("data");
  const auto* object = data && data->is_object() ? data->as_object().if_contains("object") : nullptr;
  if (event.id.empty() || event.id.size() > 255 || event.type.empty() || event.type.size() > 100 || object == nullptr ||
      !object->is_object()) {
    return Error::BadRequest("The webhook body is not a Stripe event.");
  }
  event.object = object->as_object();
  if (event.type.starts_with("payment_intent.")) {
    FillFromIntent(event.object, event);
  } else if (event.type.starts_with("charge.")) {
    FillFromCharge(event.object, event);
  }
  if (const auto it = event.metadata.find("payment_id"); it != event.metadata.end()) {
    event.payment_id = ParseInt64(it->second).value_or(0);
  }
  return event;
}

}  // namespace emporium::payments
