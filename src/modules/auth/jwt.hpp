#pragma once
// HS256 access tokens over libjwt 1.10. That version cannot pin the algorithm nor check expiry by
// itself (DEPENDENCIES.md §2), so Verify does both, and the key is never NULL.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/roles.hpp"

namespace emporium::auth {

struct AccessClaims {
  std::int64_t user_id = 0;  ///< `sub`, a decimal string in the token
  Role role = Role::kCustomer;
  std::int64_t issued_at = 0;   ///< `iat`
  std::int64_t expires_at = 0;  ///< `exp`
  std::string jti;
};

struct IssuedToken {
  std::string token;
  AccessClaims claims;
};

/// Issues and verifies access tokens. Thread-safe.
///
/// A client sends the same access token with every request for its lifetime, and checking its
/// signature (libjwt: a JSON parse and OpenSSL's one-shot HMAC, which looks the algorithm up on
/// every call) was about 4 % of the server's CPU in the checkout benchmark. So the claims of a token
/// that verified are remembered, keyed by the token's exact bytes: only those bytes, signed with
/// this codec's key (which never changes), can match, and expiry is still checked on every call.
/// At most kMaxRemembered tokens are kept; past that the memory is cleared and refills.
class JwtCodec {
 public:
  /// `secret` must not be empty (Config::jwt_secret after core::EnsureJwtSecret); an empty one is
  /// replaced by a random per-process secret, with a warning, so a wiring mistake never leaves the
  /// key NULL.
  JwtCodec(std::string secret, std::chrono::seconds ttl, const core::Clock& clock);

  /// A token with sub, role, iat, exp = iat + ttl and a random jti. `not_before` lets the caller
  /// raise iat to a user's tokens_valid_after (see User); iat is max(now, not_before).
  IssuedToken Issue(std::int64_t user_id, Role role, std::int64_t not_before = 0) const;

  /// kUnauthorized unless the token is a well-formed HS256 JWT signed with this key, unexpired,
  /// with every claim present and well-typed. Any other alg (none, HS512, RS256 ...) is refused.
  Result<AccessClaims> Verify(std::string_view token) const;

  std::chrono::seconds ttl() const { return ttl_; }

  static constexpr std::size_t kMaxRemembered = 16384;

 private:
  Result<AccessClaims> Decode(const std::string& token) const;

  std::string secret_;
  std::chrono::seconds ttl_;
  const core::Clock& clock_;
  mutable std::mutex verified_mutex_;
  mutable std::unordered_map<std::string, AccessClaims> verified_;  // guarded by verified_mutex_
};

}  // namespace emporium::auth
