#include "modules/auth/admin_user_controller.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/cursor.hpp"
#include "http/validation.hpp"

namespace emporium::auth {

namespace json = boost::json;

namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;

Actor ActorOf(const http::Request& req) {
  return Actor{
      .user_id = req.user().user_id, .role = req.user().role, .ip = req.remote_ip, .request_id = req.request_id};
}

}  // namespace

void AdminUserController::RegisterRoutes(http::Router& router) {
  using http::RouteOptions;
  auto bind = [this](Result<http::Response> (AdminUserController::*fn)(http::Request&)) {
    return [this, fn](http::Request& req) { return (this->*fn)(req); };
  };
  const auto readers = RouteOptions::Roles({Role::kAdmin, Role::kManager});
  const auto writers = RouteOptions::Roles({Role::kAdmin});
  router.Get("/api/v1/admin/users", bind(&AdminUserController::List), readers);
  router.Get("/api/v1/admin/users/{id}", bind(&AdminUserController::Get), readers);
  router.Post("/api/v1/admin/users", bind(&AdminUserController::Create), writers);
  router.Patch("/api/v1/admin/users/{id}", bind(&AdminUserController::Patch), writers);
}

Result<http::Response> AdminUserController::List(http::Request& req) {
  http::QueryInput in(req);
  UserFilter filter;
  filter.q = in.String("q", {.max = 254});
  auto role = in.String("role", {.max = 16});
  filter.active = in.Bool("active");
  filter.limit = static_cast<int>(in.Int("limit", {.min = 1, .max = kMaxPageSize}).value_or(kDefaultPageSize));
  auto cursor = in.String("cursor", {.max = 64});
  EMP_TRY(in.Finish());
  if (role && !role->empty()) {
    filter.role = ParseRole(*role);
    if (!filter.role) return Error::Invalid("role", "must be one of: customer, support, courier, manager, admin");
  }
  if (cursor && !cursor->empty()) {
    filter.before_id = core::DecodeIdCursor(*cursor);
    if (!filter.before_id) return Error::Invalid("cursor", "is not a valid cursor");
  }
  EMP_ASSIGN(UserPage page, service_.List(std::move(filter)));
  json::array items;
  items.reserve(page.items.size());
  for (const auto& u : page.items) items.push_back(ToJson(u));
  return http::Response::List(std::move(items), page.next_cursor);
}

Result<http::Response> AdminUserController::Get(http::Request& req) {
  EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
  EMP_ASSIGN(UserView user, service_.Get(id));
  return http::Response::Json(200, ToJson(user));
}

Result<http::Response> AdminUserController::Create(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  auto email = in.Email("email", true);
  auto password = in.String("password", {.required = true, .max = 1024, .trim = false});
  auto first_name = in.String("first_name", {.required = true, .min = 1, .max = 100});
  auto last_name = in.String("last_name", {.required = true, .min = 1, .max = 100});
  auto role = in.Enum("role", {"support", "courier", "manager", "admin"}, true);
  EMP_TRY(in.Finish());
  NewAccount account{.email = std::move(*email),
                     .password = std::move(*password),
                     .first_name = std::move(*first_name),
                     .last_name = std::move(*last_name),
                     .role = ParseRole(*role).value_or(Role::kSupport)};
  EMP_ASSIGN(UserView user, service_.Create(account, ActorOf(req)));
  http::Response res = http::Response::Json(201, ToJson(user));
  res.Set("Location", "/api/v1/admin/users/" + std::to_string(user.id));
  return res;
}

Result<http::Response> AdminUserController::Patch(http::Request& req) {
  EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  in.AllowOnly({"role", "active"});
  UserPatch patch;
  if (in.IsNull("role")) in.Fail("role", "must not be null");
  if (in.IsNull("active")) in.Fail("active", "must not be null");
  if (auto role = in.Enum("role", {"customer", "support", "courier", "manager", "admin"}))
    patch.role = ParseRole(*role);
  patch.active = in.Bool("active");
  EMP_TRY(in.Finish());
  EMP_ASSIGN(UserView user, service_.Update(id, patch, ActorOf(req)));
  return http::Response::Json(200, ToJson(user));
}

}  // namespace emporium::auth
