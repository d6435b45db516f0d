#pragma once
// HTTP in and out for the pricing routes: query/body validation (422 with errors[]), JSON
// rendering, status codes. The rules live in PricingService.

#include "http/router.hpp"
#include "modules/pricing/pricing_service.hpp"

namespace emporium::pricing {

/// Public shipping routes, the customer's loyalty route and the manager/admin pricing routes.
void RegisterPricingRoutes(http::Router& router, PricingService& service);

}  // namespace emporium::pricing
