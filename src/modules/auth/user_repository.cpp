#include "modules/auth/user_repository.hpp"

#include <soci/soci.h>

#include "db/binds.hpp"

namespace emporium::auth {

namespace {

constexpr const char* kSelectById =
    "SELECT id, email, password_hash, first_name, last_name, birthday, phone, role, is_active, email_verified_at, "
    "tokens_valid_after, created_at, updated_at, deleted_at FROM auth_users WHERE id = :id";

constexpr const char* kSelectByEmail =
    "SELECT id, email, password_hash, first_name, last_name, birthday, phone, role, is_active, email_verified_at, "
    "tokens_valid_after, created_at, updated_at, deleted_at FROM auth_users WHERE email = :email";

// Optional filters are switched on by flags so the statement text stays constant. LIKE uses '!' as
// its escape character, which needs no quoting in either dialect.
constexpr const char* kSelectList =
    "SELECT id, email, password_hash, first_name, last_name, birthday, phone, role, is_active, email_verified_at, "
    "tokens_valid_after, created_at, updated_at, deleted_at FROM auth_users "
    "WHERE deleted_at IS NULL AND id < :before_id "
    "AND (:any_role = 1 OR role = :role) "
    "AND (:any_active = 1 OR is_active = :active) "
    "AND (:any_q = 1 OR email LIKE :q_email ESCAPE '!' OR first_name LIKE :q_first ESCAPE '!' "
    "OR last_name LIKE :q_last ESCAPE '!') "
    "ORDER BY id DESC LIMIT :limit";

constexpr const char* kInsert =
    "INSERT INTO auth_users (email, password_hash, first_name, last_name, role, is_active, email_verified_at, "
    "tokens_valid_after, created_at, updated_at) "
    "VALUES (:email, :password_hash, :first_name, :last_name, :role, 1, :verified_at, 0, :created_at, :updated_at) "
    "RETURNING id";

constexpr const char* kUpdateProfile =
    "UPDATE auth_users SET first_name = :first_name, last_name = :last_name, birthday = :birthday, phone = :phone, "
    "updated_at = :now WHERE id = :id";

constexpr const char* kUpdatePassword = "UPDATE auth_users SET password_hash = :hash, updated_at = :now WHERE id = :id";

constexpr const char* kSetVerified =
    "UPDATE auth_users SET email_verified_at = :verified_at, updated_at = :now "
    "WHERE id = :id AND email_verified_at IS NULL";

constexpr const char* kUpdateRoleActive =
    "UPDATE auth_users SET role = :role, is_active = :active, updated_at = :now WHERE id = :id";

constexpr const char* kRevokeAccess =
    "UPDATE auth_users SET tokens_valid_after = "
    "CASE WHEN tokens_valid_after > :now1 THEN tokens_valid_after + 1 ELSE :now2 + 1 END WHERE id = :id";

// The password hash becomes empty, which never verifies.
constexpr const char* kAnonymise =
    "UPDATE auth_users SET email = :email, password_hash = '', first_name = '', last_name = '', birthday = NULL, "
    "phone = NULL, is_active = 0, deleted_at = :deleted_at, updated_at = :now WHERE id = :id";

/// One auth_users row, in the column order of the SELECTs above.
User UserFromRow(const db::Row& r) {
  User u;
  u.id = db::RowInt(r, 0);
  u.email = db::RowStr(r, 1);
  u.password_hash = db::RowStr(r, 2);
  u.first_name = db::RowStr(r, 3);
  u.last_name = db::RowStr(r, 4);
  u.birthday = db::RowOptStr(r, 5);
  u.phone = db::RowOptStr(r, 6);
  u.role = ParseRole(db::RowStr(r, 7)).value_or(Role::kCustomer);
  u.active = db::RowInt(r, 8) != 0;
  u.email_verified_at = db::RowOptInt(r, 9);
  u.tokens_valid_after = db::RowInt(r, 10);
  u.created_at = db::RowInt(r, 11);
  u.updated_at = db::RowInt(r, 12);
  u.deleted_at = db::RowOptInt(r, 13);
  return u;
}

std::optional<User> FindOne(db::Tx& tx, const char* sql, db::Binds binds) {
  std::optional<User> out;
  db::Rows(tx, sql, std::move(binds), [&](const db::Row& r) { out = UserFromRow(r); });
  return out;
}

std::string LikePattern(const std::string& q) {
  std::string out = "%";
  for (char c : q) {
    if (c == '%' || c == '_' || c == '!') out += '!';
    out += c;
  }
  return out + "%";
}

}  // namespace

std::optional<User> UserRepository::FindById(db::Tx& tx, std::int64_t id) const {
  return FindOne(tx, kSelectById, std::move(db::Binds().Int(id)));
}

std::optional<User> UserRepository::FindByEmail(db::Tx& tx, const std::string& email) const {
  return FindOne(tx, kSelectByEmail, std::move(db::Binds().Str(email)));
}

std::int64_t UserRepository::Insert(db::Tx& tx, const NewUser& user) const {
  long long id = 0;
  const std::string role(RoleName(user.role));
  long long verified_at = user.email_verified_at.value_or(0);
  soci::indicator verified_ind = user.email_verified_at ? soci::i_ok : soci::i_null;
  long long now = user.now;
  tx.sql << kInsert, soci::use(user.email, "email"), soci::use(user.password_hash, "password_hash"),
      soci::use(user.first_name, "first_name"), soci::use(user.last_name, "last_name"), soci::use(role, "role"),
      soci::use(verified_at, verified_ind, "verified_at"), soci::use(now, "created_at"), soci::use(now, "updated_at"),
      soci::into(id);
  return id;
}

void UserRepository::UpdateProfile(db::Tx& tx, const User& user, std::int64_t now) const {
  std::string birthday = user.birthday.value_or("");
  soci::indicator birthday_ind = user.birthday ? soci::i_ok : soci::i_null;
  std::string phone = user.phone.value_or("");
  soci::indicator phone_ind = user.phone ? soci::i_ok : soci::i_null;
  long long ts = now, id = user.id;
  tx.sql << kUpdateProfile, soci::use(user.first_name, "first_name"), soci::use(user.last_name, "last_name"),
      soci::use(birthday, birthday_ind, "birthday"), soci::use(phone, phone_ind, "phone"), soci::use(ts, "now"),
      soci::use(id, "id");
  Changed(tx, user.id);
}

void UserRepository::UpdatePasswordHash(db::Tx& tx, std::int64_t id, const std::string& hash, std::int64_t now) const {
  long long ts = now, key = id;
  tx.sql << kUpdatePassword, soci::use(hash, "hash"), soci::use(ts, "now"), soci::use(key, "id");
  Changed(tx, id);
}

void UserRepository::SetEmailVerified(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  long long ts = now, key = id;
  tx.sql << kSetVerified, soci::use(ts, "verified_at"), soci::use(ts, "now"), soci::use(key, "id");
  Changed(tx, id);
}

void UserRepository::UpdateRoleAndActive(db::Tx& tx, std::int64_t id, Role role, bool active, std::int64_t now) const {
  const std::string role_name(RoleName(role));
  int active_flag = active ? 1 : 0;
  long long ts = now, key = id;
  tx.sql << kUpdateRoleActive, soci::use(role_name, "role"), soci::use(active_flag, "active"), soci::use(ts, "now"),
      soci::use(key, "id");
  Changed(tx, id);
}

void UserRepository::RevokeAccessTokens(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  long long ts = now, key = id;
  tx.sql << kRevokeAccess, soci::use(ts, "now1"), soci::use(ts, "now2"), soci::use(key, "id");
  Changed(tx, id);
}

void UserRepository::Anonymise(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  const std::string email = "deleted+" + std::to_string(id) + "@invalid.emporium";
  long long ts = now, key = id;
  tx.sql << kAnonymise, soci::use(email, "email"), soci::use(ts, "deleted_at"), soci::use(ts, "now"),
      soci::use(key, "id");
  Changed(tx, id);
}

void UserRepository::Changed(db::Tx& tx, std::int64_t id) const {
  if (cache_ == nullptr) return;
  tx.AfterCommit([cache = cache_, id] { cache->Drop(id); });
}

std::vector<User> UserRepository::List(db::Tx& tx, const UserFilter& filter) const {
  long long before_id = filter.before_id.value_or(INT64_MAX);
  int any_role = filter.role ? 0 : 1;
  const std::string role(RoleName(filter.role.value_or(Role::kCustomer)));
  int any_active = filter.active ? 0 : 1;
  int active = filter.active.value_or(true) ? 1 : 0;
  int any_q = filter.q && !filter.q->empty() ? 0 : 1;
  const std::string pattern = LikePattern(filter.q.value_or(""));
  int limit = filter.limit;

  db::Binds binds;
  binds.Int(before_id).Int(any_role).Str(role).Int(any_active).Int(active).Int(any_q);
  binds.Str(pattern).Str(pattern).Str(pattern).Int(limit);
  std::vector<User> out;
  db::Rows(tx, kSelectList, std::move(binds), [&](const db::Row& r) { out.push_back(UserFromRow(r)); });
  return out;
}

}  // namespace emporium::auth
