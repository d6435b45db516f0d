#pragma once
// How orders look in JSON (one place, so POST /orders, its idempotent replay and the GET routes
// agree). Money as {"amount", "currency"} objects, timestamps RFC 3339 UTC.

#include <boost/json/object.hpp>

#include "modules/orders/model.hpp"
#include "modules/orders/orders_service.hpp"

namespace emporium::orders {

/// The list item: the order without lines, payment or timeline.
boost::json::object OrderSummaryJson(const Order& order);
/// The detail document: the summary plus ship_to, lines[], payment (null when there is none) and
/// timeline[].
boost::json::object OrderDetailJson(const OrderDetail& detail);
boost::json::object TimelineEventJson(const OrderEvent& event);

}  // namespace emporium::orders
