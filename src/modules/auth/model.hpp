#pragma once
// Value types of the auth module: the stored rows (User, Address, tokens) and the views the API
// returns (UserView, TokenPair). Plain structs; JSON rendering lives in model.cpp.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/roles.hpp"

namespace emporium::auth {

/// A row of auth_users. `email` is lower-cased. A deleted account is anonymised and inactive.
struct User {
  std::int64_t id = 0;
  std::string email;
  std::string password_hash;
  std::string first_name;
  std::string last_name;
  std::optional<std::string> birthday;  ///< "YYYY-MM-DD"
  std::optional<std::string> phone;
  Role role = Role::kCustomer;
  bool active = true;
  std::optional<std::int64_t> email_verified_at;
  /// Access tokens with iat below this (Unix seconds) are refused: bumped on password change/reset,
  /// deactivation and deletion. New tokens are issued with iat >= this value.
  std::int64_t tokens_valid_after = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> deleted_at;
};

/// What the API shows of a user (never the password hash or token bookkeeping).
struct UserView {
  std::int64_t id = 0;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::optional<std::string> birthday;
  std::optional<std::string> phone;
  Role role = Role::kCustomer;
  bool active = true;
  bool email_verified = false;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

UserView ToView(const User& user);
/// {id, email, first_name, last_name, birthday|null, phone|null, role, active, email_verified,
///  created_at, updated_at} with RFC 3339 timestamps.
boost::json::object ToJson(const UserView& user);

/// A row of auth_addresses. lat/lng are both set or both absent.
struct Address {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string name;
  std::string line1;
  std::optional<std::string> line2;
  std::string city;
  std::string postal_code;
  std::string country;  ///< ISO 3166-1 alpha-2, upper-case
  std::optional<std::string> phone;
  std::optional<double> lat;
  std::optional<double> lng;
  bool is_default = false;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

boost::json::object ToJson(const Address& address);

/// A row of auth_refresh_tokens. Only the SHA-256 of the token is stored.
struct RefreshToken {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string family_id;
  std::string token_hash;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> revoked_at;
  std::optional<std::int64_t> replaced_by;
};

enum class TokenPurpose { kVerifyEmail, kResetPassword };
std::string_view PurposeName(TokenPurpose purpose);

/// A row of auth_one_time_tokens (e-mail verification and password reset links).
struct OneTimeToken {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  TokenPurpose purpose = TokenPurpose::kVerifyEmail;
  std::string token_hash;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;
};

/// The answer to register, login, refresh and password change.
struct TokenPair {
  UserView user;
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_in = 0;  ///< access token lifetime in seconds
};

/// {user, access_token, refresh_token, token_type: "Bearer", expires_in}
boost::json::object ToJson(const TokenPair& pair);

}  // namespace emporium::auth
