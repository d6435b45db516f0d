#pragma once
// Bearer access token → Principal, and the per-thread "current user" slot that lets a handler reuse
// the row authentication just loaded.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/database.hpp"
#include "http/dispatcher.hpp"
#include "modules/auth/jwt.hpp"
#include "modules/auth/model.hpp"
#include "modules/auth/user_cache.hpp"
#include "modules/auth/user_repository.hpp"

namespace emporium::auth {

/// The user row loaded by the latest successful TokenAuthenticator::Authenticate on this thread.
///
/// Why this is sound: http::Dispatcher::Handle runs authentication and then the handler
/// synchronously on the same thread, Authenticate clears the slot before anything else, and the
/// dispatcher's Forget clears it before and after every request (handshakes outside requests use
/// http::AuthenticateOnly, which keeps nothing). So the slot only ever holds the row of the request
/// being handled, never one a job, a webhook or the next request would see. Readers also match the
/// user id (and the token's jti where they have it), and fall back to a SELECT when the slot is
/// empty or belongs to someone else.
/// GET /me uses it to cost exactly the one indexed SELECT of authentication.
///
/// A write body may run on the thread that leads its SQLite group commit (db::Database::Write): the
/// slot follows it there through Carrier(), which AuthModule registers with the Database.
class CurrentUser {
 public:
  /// Captures and installs this thread's slot (shared, immutable: capturing copies a pointer).
  static const db::CarriedThreadState& Carrier();

  static void Set(const User& user, std::string_view jti);
  static void Clear();
  /// The row if the slot holds `user_id` authenticated with `jti`, else nullptr. Valid until the
  /// next Set/Clear on this thread.
  static const User* Get(std::int64_t user_id, std::string_view jti);
  /// The row if the slot holds `user_id` (any token), else nullptr.
  static const User* Get(std::int64_t user_id);
  /// Handlers that change the user row call this so a later read cannot see the old values.
  static void Invalidate(std::int64_t user_id);
};

/// Verifies the JWT (HS256 only, unexpired, all claims), then loads the user row by id: a missing,
/// inactive or deleted user, or a token issued before the user's tokens_valid_after, is refused.
/// The principal's role comes from the row, so role changes apply at once. The row comes from
/// `cache` when it was read a moment ago (UserCache says how changes reach it). Thread-safe.
class TokenAuthenticator final : public http::Authenticator {
 public:
  TokenAuthenticator(db::Database& db, const JwtCodec& jwt, const UserRepository& users, UserCache& cache)
      : db_(db), jwt_(jwt), users_(users), cache_(cache) {}

  Result<Principal> Authenticate(std::string_view token) override;
  /// Forgets the request's row (CurrentUser): a later request on this thread, a job or a webhook
  /// must never see it.
  void Forget() override;

 private:
  db::Database& db_;
  const JwtCodec& jwt_;
  const UserRepository& users_;
  UserCache& cache_;
};

}  // namespace emporium::auth
