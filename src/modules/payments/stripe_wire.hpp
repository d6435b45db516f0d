#pragma once
// Stripe's wire format, apart from any I/O so it can be unit-tested: form-encoded request bodies
// with bracketed nested keys, the error object of a 4xx answer and its mapping onto our Error,
// and the few PaymentIntent / Refund / PaymentMethod fields we read.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "modules/payments/payment_provider.hpp"

namespace emporium::payments {

/// Ordered (key, value) pairs; keys may be nested ("metadata[order_id]", "expand[]").
using FormParams = std::vector<std::pair<std::string, std::string>>;

/// Every byte outside [A-Za-z0-9-_.~] as %XX (path segments, form values).
std::string PercentEncode(std::string_view text);

/// application/x-www-form-urlencoded as Stripe's own libraries send it: every byte outside
/// [A-Za-z0-9-_.~] percent-encoded, except '[' and ']' in keys, which stay literal.
std::string FormEncode(const FormParams& params);

/// The "error" member of a Stripe error answer.
struct StripeError {
  std::string type;  ///< card_error | invalid_request_error | api_error | idempotency_error | ...
  std::string code;
  std::string decline_code;
  std::string message;
  std::string param;
  std::optional<boost::json::object> payment_intent;  ///< card errors on intents carry the intent
};

/// Parses {"error": {...}}; nullopt when the body is not a Stripe error object.
std::optional<StripeError> ParseStripeError(std::string_view body);

/// Maps a Stripe error that is not a decline we can report as an intent: card_error →
/// kPaymentDeclined, invalid_request_error → kInvalidArgument on `field` (our name for the input
/// the processor rejected), idempotency_error (a key reused with other parameters) → kConflict,
/// anything else (api_error, rate limits) → kUnavailable. Stripe's message is kept for card errors only: it is written
/// for the card holder.
Error MapStripeError(const StripeError& error, const std::string& field);

/// Stripe PaymentIntent status → ours. requires_payment_method after a confirmation attempt is a
/// decline; requires_confirmation/requires_action both need the customer.
IntentStatus IntentStatusFromStripe(std::string_view status);

/// A PaymentIntent object (latest_charge may be an id or an expanded object with
/// balance_transaction.fee).
Intent IntentFromJson(const boost::json::object& object);

/// A declined intent from a card_error answer (the error's payment_intent when present).
Intent DeclinedIntent(const StripeError& error);

/// A PaymentMethod object's card.
Card CardFromJson(const boost::json::object& object);

/// A string member, "" when absent or not a string.
std::string JsonString(const boost::json::object& object, std::string_view key);
/// An integer member, 0 when absent or not an integer.
std::int64_t JsonInt(const boost::json::object& object, std::string_view key);

}  // namespace emporium::payments
