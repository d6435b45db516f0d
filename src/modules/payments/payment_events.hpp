#pragma once
// Payment facts as the rest of the store sees them, whichever way they arrived: the synchronous
// answer of the processor (API response) or a Stripe webhook (or the simulated provider's events,
// which go through the very same path). PaymentsModule turns each into a PaymentEvent, stores its
// id once, updates its own payment record and calls every sink in the same transaction. Sinks must
// be idempotent and tolerate any order (a "succeeded" after a "failed", a refund before success):
// they move their own records with conditional updates and ignore events that do not apply.

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "core/error.hpp"
#include "db/database.hpp"

namespace emporium::payments {

struct PaymentEvent {
  std::string id;             ///< Stripe event id ("evt_..."), or a synthetic "api_<intent>_<status>" for API answers
  std::string type;           ///< "payment_intent.succeeded", "payment_intent.payment_failed",
                              ///< "payment_intent.requires_action", "charge.refunded", "invoice.paid", ...
  std::int64_t payment_id = 0;  ///< our payments row (0 when the event does not belong to one, e.g. invoices)
  std::string intent_id;
  std::string charge_id;
  std::int64_t amount = 0;           ///< amount of the intent / charge
  std::int64_t amount_refunded = 0;  ///< charge.refunded: cumulative
  std::int64_t fee = 0;
  std::string currency;
  std::string failure_message;
  std::map<std::string, std::string> metadata;  ///< as we set it when creating the intent ("order_id", ...)
  std::int64_t created = 0;          ///< Unix seconds
  boost::json::object object;        ///< data.object as received (for invoice/subscription sinks)
};

class PaymentEventSink {
 public:
  virtual ~PaymentEventSink() = default;
  /// Called inside the transaction that records the event. An error rolls everything back (the
  /// webhook then answers 500 and Stripe retries it).
  virtual Status OnPaymentEvent(db::Tx& tx, const PaymentEvent& event) = 0;
};

}  // namespace emporium::payments
