#pragma once
// HTTP in and out for the refund routes: body and query validation (422 with errors[]), JSON
// rendering, status codes. The rules live in RefundsService.

#include "http/router.hpp"
#include "modules/refunds/refunds_service.hpp"

namespace emporium::refunds {

/// POST /api/v1/admin/orders/{id}/refunds (manager, admin; Idempotency-Key required);
/// POST /api/v1/orders/{id}/refund-requests (the order's owner);
/// GET /api/v1/admin/refund-requests, POST /api/v1/admin/refund-requests/{id}/approve and /deny
/// (manager, admin, support).
void RegisterRefundRoutes(http::Router& router, RefundsService& service);

}  // namespace emporium::refunds
