#include "modules/payments/payments_controller.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/validation.hpp"

namespace emporium::payments {

namespace json = boost::json;

namespace {

json::object CardJson(const SavedCard& card) {
  return json::object{{"id", card.id},
                      {"brand", card.brand},
                      {"last4", card.last4},
                      {"exp_month", card.exp_month},
                      {"exp_year", card.exp_year},
                      {"is_default", card.is_default}};
}

}  // namespace

void RegisterPaymentsRoutes(http::Router& router, PaymentsService& service, const core::Config& config) {
  auto* s = &service;
  const auto user = http::RouteOptions::User();

  router.Get(
      "/api/v1/me/payment-methods",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto cards, s->ListCards(req.user().user_id));
        json::array items;
        for (const auto& card : cards) items.push_back(CardJson(card));
        // A user has at most a handful of cards (20): one page, no cursor.
        return http::Response::List(std::move(items), std::nullopt);
      },
      user);

  router.Post(
      "/api/v1/me/payment-methods",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"provider_token"});
        auto token = in.String("provider_token", {.required = true, .min = 1, .max = 255});
        EMP_TRY(in.Finish());
        const std::string key(req.Header("Idempotency-Key").value_or(""));
        if (key.size() > 255) return Error::Invalid("Idempotency-Key", "must be at most 255 characters");
        EMP_ASSIGN(auto card, s->AddCard(req.user().user_id, *token, key));
        return http::Response::Json(201, CardJson(card));
      },
      user);

  router.Delete(
      "/api/v1/me/payment-methods/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_TRY(s->DeleteCard(req.user().user_id, id));
        return http::Response::NoContent();
      },
      user);

  router.Post(
      "/api/v1/me/payment-methods/{id}/default",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(auto card, s->MakeDefaultCard(req.user().user_id, id));
        return http::Response::Json(200, CardJson(card));
      },
      user);

  if (config.stripe_webhook_secret.empty()) return;
  // Stripe delivers from a few addresses in bursts; the signature, not a rate limit, keeps others out.
  router.Post(
      "/api/v1/webhooks/stripe",
      [s](http::Request& req) -> Result<http::Response> {
        const auto signature = req.Header("Stripe-Signature");
        if (!signature) return Error::BadRequest("The Stripe-Signature header is missing.");
        EMP_TRY(s->HandleWebhook(*signature, req.body));
        return http::Response::Json(200, json::object{{"received", true}});
      },
      http::RouteOptions{.rate_limited = false});
}

}  // namespace emporium::payments
