#include "modules/auth/jwt.hpp"

#include <jwt.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <optional>

#include "core/crypto.hpp"
#include "core/log.hpp"

namespace emporium::auth {

namespace {

constexpr std::size_t kMaxTokenLength = 4096;

struct JwtDeleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

Error Invalid() { return Error::Unauthorized("The access token is invalid or has expired."); }

// Integer claim; false when absent or not a number (libjwt sets errno in both cases).
bool IntGrant(jwt_t* j, const char* name, std::int64_t& out) {
  errno = 0;
  const long v = jwt_get_grant_int(j, name);
  if (errno != 0) return false;
  out = v;
  return true;
}

}  // namespace

JwtCodec::JwtCodec(std::string secret, std::chrono::seconds ttl, const core::Clock& clock)
    : secret_(std::move(secret)), ttl_(ttl), clock_(clock) {
  if (secret_.empty()) {
    core::Logger("auth")->warn(
        R"({"msg":"JWT secret is empty; using a random one, so sessions will not survive a restart"})");
    secret_ = core::RandomToken(48);
  }
}

IssuedToken JwtCodec::Issue(std::int64_t user_id, Role role, std::int64_t not_before) const {
  IssuedToken out;
  out.claims.user_id = user_id;
  out.claims.role = role;
  out.claims.issued_at = std::max(clock_.NowSeconds(), not_before);
  out.claims.expires_at = out.claims.issued_at + ttl_.count();
  out.claims.jti = core::RandomToken(16);

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) std::abort();  // only fails when out of memory
  JwtPtr j(raw);
  const std::string sub = std::to_string(user_id);
  const std::string role_name(RoleName(role));
  bool ok = jwt_add_grant(j.get(), "sub", sub.c_str()) == 0 && jwt_add_grant(j.get(), "role", role_name.c_str()) == 0 &&
            jwt_add_grant_int(j.get(), "iat", static_cast<long>(out.claims.issued_at)) == 0 &&
            jwt_add_grant_int(j.get(), "exp", static_cast<long>(out.claims.expires_at)) == 0 &&
            jwt_add_grant(j.get(), "jti", out.claims.jti.c_str()) == 0 &&
            jwt_set_alg(j.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret_.data()),
                        static_cast<int>(secret_.size())) == 0;
  std::unique_ptr<char, FreeDeleter> encoded(ok ? jwt_encode_str(j.get()) : nullptr);
  if (!encoded) std::abort();  // only fails when out of memory
  out.token = encoded.get();
  return out;
}

Result<AccessClaims> JwtCodec::Verify(std::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenLength) return Invalid();
  std::string text(token);  // libjwt wants a NUL-terminated string; also the memory's key
  std::optional<AccessClaims> remembered;
  {
    std::lock_guard lock(verified_mutex_);
    if (auto it = verified_.find(text); it != verified_.end()) remembered = it->second;
  }
  if (remembered) {
    if (remembered->expires_at <= clock_.NowSeconds()) return Invalid();
    return *std::move(remembered);
  }
  EMP_ASSIGN(AccessClaims claims, Decode(text));
  std::lock_guard lock(verified_mutex_);
  if (verified_.size() >= kMaxRemembered) verified_.clear();
  verified_.emplace(std::move(text), claims);
  return claims;
}

Result<AccessClaims> JwtCodec::Decode(const std::string& text) const {
  jwt_t* raw = nullptr;
  // The key is always passed: with a NULL key libjwt 1.10 accepts unsigned ("alg":"none") tokens.
  const int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                            static_cast<int>(secret_.size()));
  JwtPtr j(raw);
  if (rc != 0 || !j) return Invalid();
  // jwt_decode verifies with whatever alg the header names (an HS512 token signed with our secret
  // passes), so pin it.
  if (jwt_get_alg(j.get()) != JWT_ALG_HS256) return Invalid();

  AccessClaims claims;
  if (!IntGrant(j.get(), "iat", claims.issued_at) || !IntGrant(j.get(), "exp", claims.expires_at)) return Invalid();
  if (claims.expires_at <= clock_.NowSeconds()) return Invalid();

  const char* sub = jwt_get_grant(j.get(), "sub");
  if (sub == nullptr) return Invalid();
  const std::string_view sub_view(sub);
  auto [end, ec] = std::from_chars(sub_view.data(), sub_view.data() + sub_view.size(), claims.user_id);
  if (ec != std::errc() || end != sub_view.data() + sub_view.size() || claims.user_id <= 0) return Invalid();

  const char* role = jwt_get_grant(j.get(), "role");
  const auto parsed_role = role ? ParseRole(role) : std::nullopt;
  if (!parsed_role) return Invalid();
  claims.role = *parsed_role;

  const char* jti = jwt_get_grant(j.get(), "jti");
  if (jti == nullptr || *jti == '\0') return Invalid();
  claims.jti = jti;
  return claims;
}

}  // namespace emporium::auth
