#include "modules/orders/orders_controller.hpp"

#include <boost/json/array.hpp>
#include <cctype>
#include <ctime>

#include "core/cursor.hpp"
#include "http/validation.hpp"
#include "infra/idempotency/idempotency_store.hpp"
#include "modules/orders/order_json.hpp"

namespace emporium::orders {

namespace json = boost::json;

namespace {

constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;
constexpr std::int64_t kDay = 24 * 60 * 60;

catalog::Actor ActorOf(const http::Request& req) {
  catalog::Actor a;
  if (req.principal) {
    a.user_id = req.principal->user_id;
    a.role = req.principal->role;
  }
  a.ip = req.remote_ip;
  a.request_id = req.request_id;
  return a;
}

Status Fail(std::vector<FieldError> errors) {
  if (errors.empty()) return OkStatus();
  Error e = Error::Invalid(errors.front().field, errors.front().message);
  e.fields = std::move(errors);
  return e;
}

void Append(const Status& st, std::vector<FieldError>& errors) {
  if (st) return;
  if (st.error().fields.empty()) {
    errors.push_back({st.error().field, st.error().message});
    return;
  }
  errors.insert(errors.end(), st.error().fields.begin(), st.error().fields.end());
}

/// payment_method_id: a provider payment method ("pm_...") or one of the customer's saved cards (id
/// as a number or a string of digits); absent = the default saved card.
std::string ReadPaymentMethod(const json::object& body, std::vector<FieldError>& errors) {
  const auto* v = body.if_contains("payment_method_id");
  if (!v || v->is_null()) return {};
  if (v->is_int64() && v->as_int64() > 0) return std::to_string(v->as_int64());
  if (v->is_string() && !v->as_string().empty() && v->as_string().size() <= 255) return std::string(v->as_string());
  errors.push_back({"payment_method_id", "must be a payment method id (\"pm_...\") or a saved card id"});
  return {};
}

Result<PlaceOrderInput> ReadPlaceOrder(const http::Request& req) {
  std::vector<FieldError> errors;
  PlaceOrderInput in;
  const auto key = req.Header("Idempotency-Key");
  if (!key) {
    errors.push_back({"Idempotency-Key", "header is required"});
  } else {
    Append(infra::ValidateIdempotencyKey(*key), errors);
    in.idempotency_key = std::string(*key);
  }
  EMP_ASSIGN(auto body, req.JsonBody());
  if (!body.is_object()) return Error::Invalid("body", "must be a JSON object");
  auto options = cart::ParseCheckoutOptions(body.as_object());
  if (options) {
    in.options = std::move(*options);
  } else {
    Append(Status(std::move(options).error()), errors);
  }
  in.payment_method = ReadPaymentMethod(body.as_object(), errors);
  EMP_TRY(Fail(std::move(errors)));
  in.user_id = req.user().user_id;
  in.request_hash = infra::RequestHash("POST", req.path, req.body);
  in.instance = req.path;
  in.request_id = req.request_id;
  return in;
}

std::optional<std::int64_t> ReadCursor(http::QueryInput& q, std::vector<FieldError>& errors) {
  auto cursor = q.String("cursor", {.max = 64});
  if (!cursor || cursor->empty()) return std::nullopt;
  auto id = core::DecodeIdCursor(*cursor);
  if (!id) errors.push_back({"cursor", "is not a valid cursor"});
  return id;
}

std::optional<OrderStatus> ReadStatus(const std::optional<std::string>& text, std::vector<FieldError>& errors) {
  if (!text || text->empty()) return std::nullopt;
  auto status = ParseStatus(*text);
  if (!status) errors.push_back({"status", "is not an order status"});
  return status;
}

/// A list query shared by the customer and the staff list: ?status=&limit=&cursor=.
Result<OrderFilter> ReadFilter(const http::Request& req, bool staff) {
  http::QueryInput q(req);
  std::vector<FieldError> errors;
  OrderFilter f;
  f.limit = static_cast<int>(q.Int("limit", {.min = 1, .max = kMaxLimit}).value_or(kDefaultLimit));
  f.status = ReadStatus(q.String("status", {.max = 32}), errors);
  f.before_id = ReadCursor(q, errors);
  if (staff) {
    f.user_id = q.Int("customer_id", {.min = 1});
    if (auto from = q.String("from", {.max = 40}); from && !from->empty()) {
      f.created_from = ParseDateOrTimestamp(*from);
      if (!f.created_from) errors.push_back({"from", "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp"});
    }
    if (auto to = q.String("to", {.max = 40}); to && !to->empty()) {
      // A date means the whole day; a timestamp is inclusive. The repository's bound is exclusive.
      const auto at = ParseDateOrTimestamp(*to);
      if (!at) errors.push_back({"to", "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp"});
      if (at) f.created_to = *at + (to->size() == 10 ? kDay : 1);
    }
  }
  Append(q.Finish(), errors);
  EMP_TRY(Fail(std::move(errors)));
  return f;
}

http::Response ListResponse(const OrderPage& page) {
  json::array items;
  for (const auto& o : page.items) items.push_back(OrderSummaryJson(o));
  return http::Response::List(std::move(items), page.next_cursor);
}

bool Digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return false;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

int Number(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

std::optional<std::int64_t> ParseDateOrTimestamp(std::string_view s) {
  if (!Digits(s, 0, 4) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' || !Digits(s, 8, 2)) {
    return std::nullopt;
  }
  const std::string date(s.substr(0, 10));
  if (!core::IsValidDate(date)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = Number(s, 0, 4) - 1900;
  tm.tm_mon = Number(s, 5, 2) - 1;
  tm.tm_mday = Number(s, 8, 2);
  std::int64_t offset = 0;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2) || s.size() < 20 || s[13] != ':' || !Digits(s, 14, 2) ||
        s[16] != ':' || !Digits(s, 17, 2)) {
      return std::nullopt;
    }
    tm.tm_hour = Number(s, 11, 2);
    tm.tm_min = Number(s, 14, 2);
    tm.tm_sec = Number(s, 17, 2);
    if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) return std::nullopt;
    auto zone = s.substr(19);
    if (!zone.empty() && zone.front() == '.') {  // fractional seconds are allowed and dropped
      std::size_t i = 1;
      while (i < zone.size() && std::isdigit(static_cast<unsigned char>(zone[i]))) ++i;
      if (i == 1) return std::nullopt;
      zone.remove_prefix(i);
    }
    if (zone == "Z" || zone == "z") {
      offset = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && Digits(zone, 1, 2) && zone[3] == ':' &&
               Digits(zone, 4, 2)) {
      offset = (Number(zone, 1, 2) * 60 + Number(zone, 4, 2)) * 60 * (zone[0] == '+' ? 1 : -1);
    } else {
      return std::nullopt;
    }
  }
  return static_cast<std::int64_t>(timegm(&tm)) - offset;
}

void RegisterOrderRoutes(http::Router& router, OrdersService& service) {
  auto* s = &service;
  const auto staff = http::RouteOptions::Roles({Role::kManager, Role::kAdmin, Role::kSupport});
  const auto manager = http::RouteOptions::Roles({Role::kManager, Role::kAdmin});

  router.Post(
      "/api/v1/orders",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto in, ReadPlaceOrder(req));
        EMP_ASSIGN(auto placed, s->PlaceOrder(in));
        // Both a fresh answer and a replay carry the body exactly as first produced.
        const bool problem = placed.status >= 400;
        http::Response r(placed.status, problem ? "application/problem+json" : "application/json",
                         std::move(placed.body));
        return r;
      },
      http::RouteOptions::User());

  router.Get(
      "/api/v1/orders",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto filter, ReadFilter(req, false));
        filter.user_id = req.user().user_id;
        EMP_ASSIGN(auto page, s->List(filter));
        return ListResponse(page);
      },
      http::RouteOptions::User());

  router.Get(
      "/api/v1/orders/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(auto detail, s->Detail(id, req.user().user_id));
        return http::Response::Json(200, OrderDetailJson(detail));
      },
      http::RouteOptions::User());

  router.Post(
      "/api/v1/orders/{id}/payment/confirm",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(auto detail, s->ConfirmPayment(id, req.user().user_id));
        return http::Response::Json(200, OrderDetailJson(detail));
      },
      http::RouteOptions::User());

  router.Post(
      "/api/v1/orders/{id}/cancel",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        std::string reason;
        if (!req.body.empty()) {
          EMP_ASSIGN(auto in, http::JsonInput::From(req));
          in.AllowOnly({"reason"});
          reason = in.String("reason", {.max = 500}).value_or("");
          EMP_TRY(in.Finish());
        }
        const auto note = reason.empty() ? std::string("cancelled by the customer")
                                         : "cancelled by the customer: " + reason;
        EMP_ASSIGN(auto detail, s->Cancel(id, req.user().user_id, ActorOf(req), note));
        return http::Response::Json(200, OrderDetailJson(detail));
      },
      http::RouteOptions::User());

  router.Get(
      "/api/v1/admin/orders",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(auto filter, ReadFilter(req, true));
        EMP_ASSIGN(auto page, s->List(filter));
        return ListResponse(page);
      },
      staff);

  router.Get(
      "/api/v1/admin/orders/{id}",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(auto detail, s->Detail(id, std::nullopt));
        return http::Response::Json(200, OrderDetailJson(detail));
      },
      staff);

  router.Post(
      "/api/v1/admin/orders/{id}/status",
      [s](http::Request& req) -> Result<http::Response> {
        EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
        EMP_ASSIGN(auto in, http::JsonInput::From(req));
        in.AllowOnly({"status", "note"});
        auto status_text = in.String("status", {.required = true, .max = 32});
        auto note = in.String("note", {.max = 500}).value_or("");
        std::optional<OrderStatus> status;
        if (status_text) {
          status = ParseStatus(*status_text);
          if (!status) in.Fail("status", "is not an order status");
        }
        EMP_TRY(in.Finish());
        EMP_ASSIGN(auto detail, s->AdminSetStatus(id, *status, ActorOf(req), note));
        return http::Response::Json(200, OrderDetailJson(detail));
      },
      manager);
}

}  // namespace emporium::orders
