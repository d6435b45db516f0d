#include "modules/refunds/refunds_controller.hpp"

#include <boost/json/array.hpp>

#include "http/validation.hpp"

namespace emporium::refunds {

namespace json = boost::json;

namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;
constexpr std::int64_t kMaxAmount = 1'000'000'000'000;

Result<http::Response> RefundOrder(RefundsService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t order_id, req.IdParam("id"));
  const std::string key(req.Header("Idempotency-Key").value_or(""));
  EMP_TRY(infra::ValidateIdempotencyKey(key));
  EMP_ASSIGN(auto in, http::JsonInput::From(req));
  in.AllowOnly({"amount", "reason", "restock"});
  const auto amount = in.Int("amount", {.min = 1, .max = kMaxAmount});
  // The processor keeps at most 500 characters of a refund's reason.
  const auto reason = in.String("reason", {.required = true, .min = 1, .max = 500});
  const auto restock = in.Bool("restock");
  EMP_TRY(in.Finish());
  EMP_ASSIGN(
      const auto stored,
      service.RefundOrder(
          req, {.order_id = order_id, .amount = amount, .reason = *reason, .restock = restock.value_or(false)}, key));
  // A replayed problem keeps its own media type.
  const bool problem = stored.status >= 400;
  return http::Response(stored.status, problem ? "application/problem+json" : "application/json", stored.body);
}

Result<http::Response> CreateRequest(RefundsService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t order_id, req.IdParam("id"));
  EMP_ASSIGN(auto in, http::JsonInput::From(req));
  in.AllowOnly({"reason", "amount"});
  const auto reason = in.String("reason", {.required = true, .min = 1, .max = 1000});
  const auto amount = in.Int("amount", {.min = 1, .max = kMaxAmount});
  EMP_TRY(in.Finish());
  EMP_ASSIGN(const RefundRequest r, service.CreateRequest(req.user().user_id, order_id, *reason, amount));
  return http::Response::Json(201, ToJson(r));
}

Result<http::Response> ListRequests(RefundsService& service, http::Request& req) {
  http::QueryInput q(req);
  const int limit = static_cast<int>(q.Int("limit", {.min = 1, .max = kMaxLimit}).value_or(kDefaultLimit));
  const auto cursor = q.String("cursor", {.min = 1, .max = 200});
  const auto status_text = q.String("status", {.min = 1, .max = 20});
  auto status = status_text ? ParseRequestStatus(*status_text) : std::nullopt;
  EMP_TRY(q.Finish());
  if (status_text && !status) return Error::Invalid("status", "must be one of pending, approved, denied");
  EMP_ASSIGN(const RequestPage page, service.ListRequests(status, cursor, limit));
  json::array items;
  for (const auto& r : page.items) items.push_back(ToJson(r));
  return http::Response::List(std::move(items), page.next_cursor);
}

Result<http::Response> Approve(RefundsService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t request_id, req.IdParam("id"));
  std::optional<std::int64_t> amount;
  if (!req.body.empty()) {
    EMP_ASSIGN(auto in, http::JsonInput::From(req));
    in.AllowOnly({"amount"});
    amount = in.Int("amount", {.min = 1, .max = kMaxAmount});
    EMP_TRY(in.Finish());
  }
  EMP_ASSIGN(auto body, service.Approve(req, request_id, amount));
  return http::Response::Json(200, body);
}

Result<http::Response> Deny(RefundsService& service, http::Request& req) {
  EMP_ASSIGN(const std::int64_t request_id, req.IdParam("id"));
  EMP_ASSIGN(auto in, http::JsonInput::From(req));
  in.AllowOnly({"reason"});
  const auto reason = in.String("reason", {.required = true, .min = 1, .max = 1000});
  EMP_TRY(in.Finish());
  EMP_ASSIGN(const RefundRequest r, service.Deny(req, request_id, *reason));
  return http::Response::Json(200, ToJson(r));
}

}  // namespace

void RegisterRefundRoutes(http::Router& router, RefundsService& service) {
  RefundsService* s = &service;
  const auto reviewers = http::RouteOptions::Roles({Role::kManager, Role::kAdmin, Role::kSupport});
  router.Post(
      "/api/v1/admin/orders/{id}/refunds", [s](http::Request& req) { return RefundOrder(*s, req); },
      http::RouteOptions::Roles({Role::kManager, Role::kAdmin}));
  router.Post(
      "/api/v1/orders/{id}/refund-requests", [s](http::Request& req) { return CreateRequest(*s, req); },
      http::RouteOptions::User());
  router.Get(
      "/api/v1/admin/refund-requests", [s](http::Request& req) { return ListRequests(*s, req); }, reviewers);
  router.Post(
      "/api/v1/admin/refund-requests/{id}/approve", [s](http::Request& req) { return Approve(*s, req); }, reviewers);
  router.Post(
      "/api/v1/admin/refund-requests/{id}/deny", [s](http::Request& req) { return Deny(*s, req); }, reviewers);
}

}  // namespace emporium::refunds
