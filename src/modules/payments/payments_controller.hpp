#pragma once
// HTTP routes of the payments module: the saved cards of the signed-in user and the Stripe webhook.

#include "core/config.hpp"
#include "http/router.hpp"
#include "modules/payments/payments_service.hpp"

namespace emporium::payments {

/// GET/POST /api/v1/me/payment-methods, DELETE /api/v1/me/payment-methods/{id},
/// POST /api/v1/me/payment-methods/{id}/default, and POST /api/v1/webhooks/stripe when
/// config.stripe_webhook_secret is set (otherwise that path is simply not routed: 404).
void RegisterPaymentsRoutes(http::Router& router, PaymentsService& service, const core::Config& config);

}  // namespace emporium::payments
