#pragma once
// HTTP in and out for the order routes: headers, body and query validation (422 with errors[]),
// JSON rendering and status codes. The rules live in OrdersService.

#include <cstdint>
#include <optional>
#include <string_view>

#include "http/router.hpp"
#include "modules/orders/orders_service.hpp"

namespace emporium::orders {

/// The customer routes (/api/v1/orders...) and the staff routes (/api/v1/admin/orders...).
void RegisterOrderRoutes(http::Router& router, OrdersService& service);

/// "2027-01-15" (that day's start, UTC) or an RFC 3339 timestamp with "Z" or an offset
/// ("2027-01-15T08:00:00Z", "2027-01-15T09:00:00+01:00"); nullopt when malformed.
std::optional<std::int64_t> ParseDateOrTimestamp(std::string_view text);

}  // namespace emporium::orders
