#pragma once
// SQL for auth_users. Every function runs inside the caller's transaction and lets driver
// exceptions propagate (db::Database translates them).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "modules/auth/model.hpp"
#include "modules/auth/user_cache.hpp"

namespace emporium::auth {

struct NewUser {
  std::string email;  ///< lower-cased
  std::string password_hash;
  std::string first_name;
  std::string last_name;
  Role role = Role::kCustomer;
  std::optional<std::int64_t> email_verified_at;
  std::int64_t now = 0;
};

struct UserFilter {
  std::optional<std::string> q;  ///< substring of e-mail, first or last name (case-insensitive)
  std::optional<Role> role;
  std::optional<bool> active;
  std::optional<std::int64_t> before_id;  ///< keyset cursor: only ids below this
  int limit = 20;                         ///< rows to return (callers ask for one extra to detect more)
};

class UserRepository {
 public:
  UserRepository() = default;
  /// Every update below drops the user from `cache` once its transaction commits.
  explicit UserRepository(UserCache* cache) : cache_(cache) {}

  std::optional<User> FindById(db::Tx& tx, std::int64_t id) const;
  std::optional<User> FindByEmail(db::Tx& tx, const std::string& email) const;
  /// Inserts and returns the new id. A duplicate e-mail throws (→ kConflict).
  std::int64_t Insert(db::Tx& tx, const NewUser& user) const;
  void UpdateProfile(db::Tx& tx, const User& user, std::int64_t now) const;
  void UpdatePasswordHash(db::Tx& tx, std::int64_t id, const std::string& hash, std::int64_t now) const;
  void SetEmailVerified(db::Tx& tx, std::int64_t id, std::int64_t now) const;
  void UpdateRoleAndActive(db::Tx& tx, std::int64_t id, Role role, bool active, std::int64_t now) const;
  /// Makes every access token issued so far invalid: tokens_valid_after becomes
  /// max(tokens_valid_after, now) + 1, so even a token issued in this very second is refused.
  void RevokeAccessTokens(db::Tx& tx, std::int64_t id, std::int64_t now) const;
  /// Deactivates and anonymises the account: e-mail deleted+<id>@invalid.emporium, names, birthday
  /// and phone cleared, password unusable, deleted_at set.
  void Anonymise(db::Tx& tx, std::int64_t id, std::int64_t now) const;
  /// Newest first (id DESC), excluding deleted accounts.
  std::vector<User> List(db::Tx& tx, const UserFilter& filter) const;

 private:
  void Changed(db::Tx& tx, std::int64_t id) const;

  UserCache* cache_ = nullptr;
};

}  // namespace emporium::auth
