#include "modules/auth/model.hpp"

#include "core/clock.hpp"

namespace emporium::auth {

namespace json = boost::json;

UserView ToView(const User& user) {
  return UserView{.id = user.id,
                  .email = user.email,
                  .first_name = user.first_name,
                  .last_name = user.last_name,
                  .birthday = user.birthday,
                  .phone = user.phone,
                  .role = user.role,
                  .active = user.active && !user.deleted_at,
                  .email_verified = user.email_verified_at.has_value(),
                  .created_at = user.created_at,
                  .updated_at = user.updated_at};
}

namespace {
json::value OptionalString(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }
}  // namespace

json::object ToJson(const UserView& user) {
  json::object o;
  o["id"] = user.id;
  o["email"] = user.email;
  o["first_name"] = user.first_name;
  o["last_name"] = user.last_name;
  o["birthday"] = OptionalString(user.birthday);
  o["phone"] = OptionalString(user.phone);
  o["role"] = RoleName(user.role);
  o["active"] = user.active;
  o["email_verified"] = user.email_verified;
  o["created_at"] = core::FormatRfc3339(user.created_at);
  o["updated_at"] = core::FormatRfc3339(user.updated_at);
  return o;
}

json::object ToJson(const Address& a) {
  json::object o;
  o["id"] = a.id;
  o["name"] = a.name;
  o["line1"] = a.line1;
  o["line2"] = OptionalString(a.line2);
  o["city"] = a.city;
  o["postal_code"] = a.postal_code;
  o["country"] = a.country;
  o["phone"] = OptionalString(a.phone);
  o["lat"] = a.lat ? json::value(*a.lat) : json::value(nullptr);
  o["lng"] = a.lng ? json::value(*a.lng) : json::value(nullptr);
  o["is_default"] = a.is_default;
  o["created_at"] = core::FormatRfc3339(a.created_at);
  o["updated_at"] = core::FormatRfc3339(a.updated_at);
  return o;
}

std::string_view PurposeName(TokenPurpose purpose) {
  return purpose == TokenPurpose::kVerifyEmail ? "verify_email" : "reset_password";
}

json::object ToJson(const TokenPair& pair) {
  json::object o;
  o["user"] = ToJson(pair.user);
  o["access_token"] = pair.access_token;
  o["refresh_token"] = pair.refresh_token;
  o["token_type"] = "Bearer";
  o["expires_in"] = pair.expires_in;
  return o;
}

}  // namespace emporium::auth
