#pragma once
// Stripe webhook deliveries: the Stripe-Signature check and the event → PaymentEvent translation.
//
// Stripe signs "<t>.<raw body>" with HMAC-SHA256, keyed by the endpoint secret string as given
// ("whsec_..." included), and sends "t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=...]". Several v1
// values appear while a secret is being rolled; any one matching is enough.

#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "modules/payments/payment_events.hpp"

namespace emporium::payments {

inline constexpr std::int64_t kWebhookToleranceSeconds = 300;

/// OK when `header` carries a v1 signature of `payload` by `secret` and its timestamp is within
/// `tolerance` seconds of `now` (either way). kBadRequest otherwise (the reason in the message).
/// Signatures are compared in constant time.
Status VerifyStripeSignature(std::string_view header, std::string_view payload, std::string_view secret,
                             std::int64_t now, std::int64_t tolerance = kWebhookToleranceSeconds);

/// The event in a webhook body: id, type, created and data.object, with the fields of
/// payment_intent.* (intent id, amount, currency, metadata, latest charge, last_payment_error) and
/// charge.refunded (payment_intent, amount_refunded) filled in. payment_id is taken from
/// metadata["payment_id"] when present (0 otherwise). kBadRequest when it is not an event.
Result<PaymentEvent> ParseStripeEvent(std::string_view payload);

}  // namespace emporium::payments
