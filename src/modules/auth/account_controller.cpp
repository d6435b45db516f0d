#include "modules/auth/account_controller.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <ctime>

#include "http/validation.hpp"
#include "modules/auth/auth_controller.hpp"
#include "core/postal.hpp"

namespace emporium::auth {

namespace json = boost::json;

namespace {

constexpr http::StringRule kNameRule{.required = false, .min = 1, .max = 100};
constexpr http::StringRule kPasswordRule{.required = true, .max = 1024, .trim = false};

// Fields of the profile that exist but cannot be changed here.
const std::vector<std::string_view> kReadOnlyProfileFields = {"id",     "email",      "role",      "email_verified",
                                                              "active", "created_at", "updated_at"};
const std::vector<std::string_view> kProfileFields = {"first_name", "last_name", "birthday", "phone"};
const std::vector<std::string_view> kAddressFields = {"name",    "line1", "line2", "city", "postal_code",
                                                      "country", "phone", "lat",   "lng",  "is_default"};

bool Contains(const std::vector<std::string_view>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string Today(const core::Clock& clock) {
  const std::time_t t = static_cast<std::time_t>(clock.NowSeconds());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// A string member that may be null to clear it: absent → nullopt, null → inner nullopt.
std::optional<std::optional<std::string>> NullableString(http::JsonInput& in, std::string_view field,
                                                         http::StringRule rule) {
  if (!in.Has(field)) return std::nullopt;
  if (in.IsNull(field)) return std::optional<std::string>();
  auto v = in.String(field, rule);
  if (!v) return std::nullopt;
  if (v->empty()) return std::optional<std::string>();  // "" clears like null
  return std::optional<std::string>(std::move(*v));
}

void RejectNull(http::JsonInput& in, std::string_view field) {
  if (in.IsNull(field)) in.Fail(std::string(field), "must not be null");
}

// Address fields for create (`create` = required fields enforced) or update.
Result<AddressFields> ParseAddress(const http::Request& req, bool create) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  in.AllowOnly(kAddressFields);
  AddressFields f;
  if (!create) {
    for (auto field : {"name", "line1", "city", "postal_code", "country", "is_default"}) RejectNull(in, field);
  }
  f.name = in.String("name", {.required = create, .min = 1, .max = 200});
  f.line1 = in.String("line1", {.required = create, .min = 1, .max = 200});
  f.line2 = NullableString(in, "line2", {.max = 200});
  f.city = in.String("city", {.required = create, .min = 1, .max = 100});
  f.postal_code = in.String("postal_code", {.required = create, .min = 1, .max = 20});
  if (auto country = in.String("country", {.required = create, .min = 2, .max = 2})) {
    std::string upper = *country;
    for (auto& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (core::IsCountryCode(upper)) {
      f.country = std::move(upper);
    } else {
      in.Fail("country", "must be an ISO 3166-1 alpha-2 country code");
    }
  }
  f.phone = NullableString(in, "phone", {.max = 20});
  if (f.phone && *f.phone && !core::IsPhoneNumber(**f.phone)) {
    in.Fail("phone", "must be an international phone number such as +4915112345678");
  }

  const bool has_lat = in.Has("lat"), has_lng = in.Has("lng");
  const bool lat_null = in.IsNull("lat"), lng_null = in.IsNull("lng");
  auto lat = in.Number("lat", {.min = -90, .max = 90});
  auto lng = in.Number("lng", {.min = -180, .max = 180});
  if (has_lat != has_lng || lat_null != lng_null) {
    in.Fail(has_lat && !lat_null ? "lng" : "lat", "lat and lng must be given together");
  } else if (has_lat && lat_null) {
    f.coordinates = std::optional<std::pair<double, double>>();
  } else if (lat && lng) {
    f.coordinates = std::optional<std::pair<double, double>>(std::pair{*lat, *lng});
  }
  f.is_default = in.Bool("is_default");
  EMP_TRY(in.Finish());
  return f;
}

json::array AddressItems(const std::vector<Address>& addresses) {
  json::array items;
  items.reserve(addresses.size());
  for (const auto& a : addresses) items.push_back(ToJson(a));
  return items;
}

}  // namespace

void AccountController::RegisterRoutes(http::Router& router) {
  using http::RouteOptions;
  auto bind = [this](Result<http::Response> (AccountController::*fn)(http::Request&)) {
    return [this, fn](http::Request& req) { return (this->*fn)(req); };
  };
  router.Get("/api/v1/me", bind(&AccountController::GetMe), {.authenticated = true, .inline_read = true});
  router.Patch("/api/v1/me", bind(&AccountController::PatchMe), RouteOptions::User());
  router.Delete("/api/v1/me", bind(&AccountController::DeleteMe), RouteOptions::User());
  router.Put("/api/v1/me/password", bind(&AccountController::ChangePassword), RouteOptions::User());
  router.Get("/api/v1/me/addresses", bind(&AccountController::ListAddresses), RouteOptions::User());
  router.Post("/api/v1/me/addresses", bind(&AccountController::CreateAddress), RouteOptions::User());
  router.Patch("/api/v1/me/addresses/{id}", bind(&AccountController::PatchAddress), RouteOptions::User());
  router.Delete("/api/v1/me/addresses/{id}", bind(&AccountController::DeleteAddress), RouteOptions::User());
}

Result<http::Response> AccountController::GetMe(http::Request& req) {
  EMP_ASSIGN(UserView user, accounts_.GetMe(req.user().user_id, req.user().jti));
  return http::Response::Json(200, ToJson(user));
}

Result<http::Response> AccountController::PatchMe(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  for (const auto& kv : in.object()) {
    if (Contains(kReadOnlyProfileFields, kv.key())) {
      in.Fail(std::string(kv.key()), "is read-only");
    } else if (!Contains(kProfileFields, kv.key())) {
      in.Fail(std::string(kv.key()), "is not a known field");
    }
  }
  ProfilePatch patch;
  RejectNull(in, "first_name");
  RejectNull(in, "last_name");
  patch.first_name = in.String("first_name", kNameRule);
  patch.last_name = in.String("last_name", kNameRule);
  patch.birthday = NullableString(in, "birthday", {.max = 10});
  if (patch.birthday && *patch.birthday) {
    const std::string& date = **patch.birthday;
    if (!core::IsValidDate(date)) {
      in.Fail("birthday", "must be a date in the form YYYY-MM-DD, from 1900 on");
    } else if (date >= Today(clock_)) {
      in.Fail("birthday", "must be in the past");
    }
  }
  patch.phone = NullableString(in, "phone", {.max = 20});
  if (patch.phone && *patch.phone && !core::IsPhoneNumber(**patch.phone)) {
    in.Fail("phone", "must be an international phone number such as +4915112345678");
  }
  EMP_TRY(in.Finish());
  EMP_ASSIGN(UserView user, accounts_.UpdateMe(req.user().user_id, patch));
  return http::Response::Json(200, ToJson(user));
}

Result<http::Response> AccountController::DeleteMe(http::Request& req) {
  EMP_TRY(accounts_.DeleteMe(req.user().user_id));
  return http::Response::NoContent();
}

Result<http::Response> AccountController::ChangePassword(http::Request& req) {
  EMP_ASSIGN(http::JsonInput in, http::JsonInput::From(req));
  auto current = in.String("current_password", kPasswordRule);
  auto password = in.String("password", kPasswordRule);
  EMP_TRY(in.Finish());
  EMP_ASSIGN(TokenPair pair, auth_.ChangePassword(req.user().user_id, *current, *password, ClientOf(req)));
  return http::Response::Json(200, ToJson(pair));
}

Result<http::Response> AccountController::ListAddresses(http::Request& req) {
  EMP_ASSIGN(std::vector<Address> addresses, accounts_.ListAddresses(req.user().user_id));
  // At most 50 addresses per user: one page, never a cursor.
  return http::Response::List(AddressItems(addresses), std::nullopt);
}

Result<http::Response> AccountController::CreateAddress(http::Request& req) {
  EMP_ASSIGN(AddressFields fields, ParseAddress(req, true));
  EMP_ASSIGN(Address address, accounts_.CreateAddress(req.user().user_id, fields));
  http::Response res = http::Response::Json(201, ToJson(address));
  res.Set("Location", "/api/v1/me/addresses/" + std::to_string(address.id));
  return res;
}

Result<http::Response> AccountController::PatchAddress(http::Request& req) {
  EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
  EMP_ASSIGN(AddressFields fields, ParseAddress(req, false));
  EMP_ASSIGN(Address address, accounts_.UpdateAddress(req.user().user_id, id, fields));
  return http::Response::Json(200, ToJson(address));
}

Result<http::Response> AccountController::DeleteAddress(http::Request& req) {
  EMP_ASSIGN(std::int64_t id, req.IdParam("id"));
  EMP_TRY(accounts_.DeleteAddress(req.user().user_id, id));
  return http::Response::NoContent();
}

}  // namespace emporium::auth
