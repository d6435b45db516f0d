#pragma once
// Staff account management for admins (and read access for managers). Every change is written to
// the audit log in the same transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "db/database.hpp"
#include "modules/audit/audit_module.hpp"
#include "modules/auth/auth_service.hpp"
#include "modules/auth/model.hpp"
#include "modules/auth/password.hpp"
#include "modules/auth/token_repository.hpp"
#include "modules/auth/user_repository.hpp"

namespace emporium::auth {

/// Who performs an admin action, for authorisation rules and the audit log.
struct Actor {
  std::int64_t user_id = 0;
  Role role = Role::kCustomer;
  std::string ip;
  std::string request_id;
};

struct NewAccount {
  std::string email;  ///< already validated and lower-cased
  std::string password;
  std::string first_name;
  std::string last_name;
  Role role = Role::kSupport;
};

struct UserPatch {
  std::optional<Role> role;
  std::optional<bool> active;
};

struct UserPage {
  std::vector<UserView> items;  ///< newest first
  std::optional<std::string> next_cursor;
};

class AdminUserService {
 public:
  AdminUserService(db::Database& db, const core::Clock& clock, const AuthMailer& mailer, const PasswordPolicy& policy,
                   PasswordHasher& hasher, const UserRepository& users, const TokenRepository& tokens,
                   audit::AuditLog& audit)
      : db_(db),
        clock_(clock),
        mailer_(mailer),
        policy_(policy),
        hasher_(hasher),
        users_(users),
        tokens_(tokens),
        audit_(audit) {}

  /// `filter.limit` is the page size (1–100); `filter.before_id` comes from a cursor.
  Result<UserPage> List(UserFilter filter);
  /// kNotFound for unknown and deleted accounts.
  Result<UserView> Get(std::int64_t id);

  /// Creates an account with a pre-verified e-mail. With an actor (the admin API) the new user gets
  /// the staff_welcome mail and the audit entry names the actor; without one (the CLI) it is a system
  /// action and no mail is sent. kConflict for a taken e-mail, kInvalidArgument for a weak password.
  Result<UserView> Create(const NewAccount& account, const std::optional<Actor>& actor);

  /// Changes role and/or active. Deactivation makes the user's access tokens fail at once and
  /// revokes their refresh tokens. kConflict when an admin would deactivate or demote themself;
  /// kNotFound for unknown and deleted accounts.
  Result<UserView> Update(std::int64_t id, const UserPatch& patch, const Actor& actor);

 private:
  db::Database& db_;
  const core::Clock& clock_;
  const AuthMailer& mailer_;
  const PasswordPolicy& policy_;
  PasswordHasher& hasher_;
  const UserRepository& users_;
  const TokenRepository& tokens_;
  audit::AuditLog& audit_;
};


}  // namespace emporium::auth
