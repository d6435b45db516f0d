#pragma once
// The accounts and auth module: the one header other code includes. Builds its repositories,
// services and controllers; exposes the routes, the bearer-token Authenticator for the HTTP
// dispatcher, and a few user operations other modules and the CLI need.
//
//   audit::AuditLog audit(db, clock);
//   auth::AuthModule auth(db, config, clock, mail, limiter, audit);
//   auth.RegisterRoutes(router);
//   audit.RegisterRoutes(router);
//   dispatcher.SetAuthenticator(&auth.authenticator());

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/rate_limiter.hpp"
#include "core/roles.hpp"
#include "db/database.hpp"
#include "http/dispatcher.hpp"
#include "http/router.hpp"
#include "infra/mail/mailer.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/model.hpp"

namespace emporium::auth {

class AuthModule {
 public:
  /// Every reference must outlive the module. `config.jwt_secret` should be set (core::EnsureJwtSecret);
  /// the argon2id limits and concurrency, token lifetimes and login throttling come from `config`.
  /// Registers the actor lookup of `audit` (e-mail and role of an entry's actor). Builds a password
  /// hasher, which computes one hash at start-up (a dummy used for unknown e-mails at login).
  AuthModule(db::Database& db, const core::Config& config, const core::Clock& clock, infra::MailService& mail,
             core::RateLimiter& limiter, audit::AuditLog& audit);
  ~AuthModule();
  AuthModule(const AuthModule&) = delete;
  AuthModule& operator=(const AuthModule&) = delete;

  /// /api/v1/auth/*, /api/v1/me*, /api/v1/admin/users*.
  void RegisterRoutes(http::Router& router);

  /// Verifies bearer access tokens for the dispatcher. Lives as long as the module.
  http::Authenticator& authenticator();

  /// Creates an account with a pre-verified e-mail and any role, e.g. the first admin from
  /// `emporium user create`. Recorded in the audit log as a system action ("user.create" with
  /// details.source = "cli"); no mail is sent. The e-mail is trimmed and lower-cased.
  /// kInvalidArgument (field email or password) for a malformed address or a weak password,
  /// kConflict when the e-mail is taken. Blocking (argon2id).
  Result<UserView> CreateUser(const std::string& email, const std::string& password, const std::string& first_name,
                              const std::string& last_name, Role role);

  /// A user by id, for other modules (names and e-mail for orders, mails ...). kNotFound for unknown
  /// and deleted accounts.
  Result<UserView> FindUser(std::int64_t id);
  /// The same, inside the caller's transaction.
  Result<UserView> FindUser(db::Tx& tx, std::int64_t id);
  /// Active, not deleted accounts with `role`, newest first: ids below `before_id` (keyset; nullopt =
  /// from the newest), at most `limit` (clamped to 1–1000). Inside the caller's transaction (the
  /// audiences of notifications and broadcasts).
  std::vector<UserView> ListActiveUsers(db::Tx& tx, Role role, std::optional<std::int64_t> before_id, int limit);
  /// Saves an address for `user_id` with the same validation as POST /me/addresses (the seed
  /// command's customers). `address.id`, `user_id` and timestamps are ignored.
  Result<Address> CreateAddress(std::int64_t user_id, const Address& address);
  /// One of `user_id`'s saved addresses, inside the caller's transaction (checkout). kNotFound when
  /// it does not exist or belongs to someone else.
  Result<Address> FindAddress(db::Tx& tx, std::int64_t user_id, std::int64_t address_id);

 private:
  struct Impl;
  db::Database& db_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::auth
