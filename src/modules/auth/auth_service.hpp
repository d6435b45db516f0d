#pragma once
// Sign-up, sign-in, sessions (refresh rotation with reuse detection), e-mail verification and
// password reset/change. Synchronous and blocking (argon2id, SQL): run on worker threads.

#include <cstdint>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/rate_limiter.hpp"
#include "db/database.hpp"
#include "infra/mail/mailer.hpp"
#include "modules/auth/jwt.hpp"
#include "modules/auth/model.hpp"
#include "modules/auth/password.hpp"
#include "modules/auth/token_repository.hpp"
#include "modules/auth/user_repository.hpp"

namespace emporium::auth {

/// Where a request comes from (for throttling and token bookkeeping).
struct ClientInfo {
  std::string ip;
  std::string request_id;
};

struct Registration {
  std::string email;  ///< already validated and lower-cased
  std::string password;
  std::string first_name;
  std::string last_name;
};

/// Single-use e-mail links: verification lives 24 h, password reset 1 h.
inline constexpr std::int64_t kVerifyEmailTtlSeconds = 24 * 3600;
inline constexpr std::int64_t kResetPasswordTtlSeconds = 3600;

/// Queues a templated mail after the transaction commits, so a rolled-back change never mails.
/// Shared by the auth services.
class AuthMailer {
 public:
  AuthMailer(infra::MailService& mail, const core::Config& config);
  void SendAfterCommit(db::Tx& tx, const std::string& template_name, const std::string& to,
                       std::map<std::string, std::string> values) const;
  /// PUBLIC_URL without a trailing slash.
  const std::string& public_url() const { return public_url_; }
  /// The display name of MAIL_FROM ("Emporium <no-reply@...>" → "Emporium").
  const std::string& store_name() const { return store_name_; }
  /// A greeting name: the first name, or "there" ("Hi there,") when the account has none.
  static std::string Greeting(const std::string& first_name);

 private:
  infra::MailService& mail_;
  std::string public_url_;
  std::string store_name_;
};

class AuthService {
 public:
  AuthService(db::Database& db, const core::Config& config, const core::Clock& clock, core::RateLimiter& limiter,
              const AuthMailer& mailer, const PasswordPolicy& policy, PasswordHasher& hasher, const JwtCodec& jwt,
              const UserRepository& users, const TokenRepository& tokens);

  /// 201 path: creates a customer, mails the verification link, returns a session. kConflict for a
  /// taken e-mail, kInvalidArgument (field password) for a weak password, kRateLimited after too
  /// many sign-ups from one IP.
  Result<TokenPair> Register(const Registration& in, const ClientInfo& client);

  /// kUnauthorized "Invalid e-mail or password." for an unknown e-mail, a wrong password and a
  /// deactivated account alike; kRateLimited once the IP or the account has too many recent failures
  /// (checked before the password, so even the right password is refused then).
  Result<TokenPair> Login(const std::string& email, const std::string& password, const ClientInfo& client);

  /// Rotates a refresh token: the old one is revoked and replaced. Reusing a revoked token revokes
  /// its whole family. kUnauthorized for unknown, expired, revoked tokens and inactive users.
  Result<TokenPair> Refresh(const std::string& refresh_token, const ClientInfo& client);

  /// Revokes the family of `refresh_token` if it belongs to `user_id`; otherwise does nothing.
  Status Logout(std::int64_t user_id, const std::string& refresh_token);

  /// Consumes a verification token. kBadRequest "The link is invalid or has expired." otherwise.
  Result<UserView> VerifyEmail(const std::string& token);
  /// Mails a fresh verification link unless the address is verified already.
  Status ResendVerification(std::int64_t user_id);

  /// Mails a reset link if the account exists and is active; the caller answers 202 either way.
  Status ForgotPassword(const std::string& email, const ClientInfo& client);
  /// Consumes a reset token, sets the password, revokes every session and mails the notice.
  Status ResetPassword(const std::string& token, const std::string& password);
  /// Checks the current password (kInvalidArgument on current_password), sets the new one, revokes
  /// every other session and returns a fresh one for the caller.
  Result<TokenPair> ChangePassword(std::int64_t user_id, const std::string& current_password,
                                   const std::string& new_password, const ClientInfo& client);

  const PasswordPolicy& policy() const { return policy_; }

 private:
  /// Inserts a refresh token (in `family_id`, or a new family; its row id into `refresh_id` when
  /// given) and issues an access token.
  TokenPair StartSession(db::Tx& tx, const User& user, const std::string& ip, std::string family_id = {},
                         std::int64_t* refresh_id = nullptr);
  Error Throttled(const core::RateLimitDecision& a, const core::RateLimitDecision& b) const;

  db::Database& db_;
  const core::Config& config_;
  const core::Clock& clock_;
  core::RateLimiter& limiter_;
  const AuthMailer& mailer_;
  const PasswordPolicy& policy_;
  PasswordHasher& hasher_;
  const JwtCodec& jwt_;
  const UserRepository& users_;
  const TokenRepository& tokens_;
  core::RateLimitPolicy login_ip_policy_;
  core::RateLimitPolicy login_account_policy_;
  core::RateLimitPolicy register_policy_;
  core::RateLimitPolicy forgot_policy_;
  core::RateLimitPolicy resend_policy_;
};

}  // namespace emporium::auth
