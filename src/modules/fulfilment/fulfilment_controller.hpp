#pragma once
// HTTP in and out for the fulfilment routes: body and query validation (422 with errors[]), JSON
// rendering, status codes. The rules live in FulfilmentService.

#include "core/clock.hpp"
#include "http/router.hpp"
#include "modules/fulfilment/fulfilment_service.hpp"

namespace emporium::fulfilment {

/// POST /api/v1/admin/orders/{id}/shipments (manager, admin); GET /api/v1/courier/shipments,
/// POST /api/v1/courier/shipments/{id}/location, POST /api/v1/courier/shipments/{id}/status
/// (courier); GET /api/v1/orders/{id}/tracking (any signed-in user; the service decides who sees it).
void RegisterFulfilmentRoutes(http::Router& router, FulfilmentService& service, const core::Clock& clock);

}  // namespace emporium::fulfilment
