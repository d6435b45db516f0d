#include "modules/auth/user_repository.hpp"

#include <soci/soci.h>

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

// The into-targets of one auth_users row, in the column order of the SELECTs above.
struct UserRow {
  long long id = 0;
  std::string email, password_hash, first_name, last_name, birthday, phone, role;
  soci::indicator birthday_ind = soci::i_null, phone_ind = soci::i_null, verified_ind = soci::i_null,
                  deleted_ind = soci::i_null;
  int is_active = 0;
  long long email_verified_at = 0, tokens_valid_after = 0, created_at = 0, updated_at = 0, deleted_at = 0;

  void Exchange(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(email));
    st.exchange(soci::into(password_hash));
    st.exchange(soci::into(first_name));
    st.exchange(soci::into(last_name));
    st.exchange(soci::into(birthday, birthday_ind));
    st.exchange(soci::into(phone, phone_ind));
    st.exchange(soci::into(role));
    st.exchange(soci::into(is_active));
    st.exchange(soci::into(email_verified_at, verified_ind));
    st.exchange(soci::into(tokens_valid_after));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
    st.exchange(soci::into(deleted_at, deleted_ind));
  }

  User ToUser() const {
    User u;
    u.id = id;
    u.email = email;
    u.password_hash = password_hash;
    u.first_name = first_name;
    u.last_name = last_name;
    if (birthday_ind == soci::i_ok) u.birthday = birthday;
    if (phone_ind == soci::i_ok) u.phone = phone;
    u.role = ParseRole(role).value_or(Role::kCustomer);
    u.active = is_active != 0;
    if (verified_ind == soci::i_ok) u.email_verified_at = email_verified_at;
    u.tokens_valid_after = tokens_valid_after;
    u.created_at = created_at;
    u.updated_at = updated_at;
    if (deleted_ind == soci::i_ok) u.deleted_at = deleted_at;
    return u;
  }
};

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
  long long key = id;
  UserRow row;
  soci::statement st(tx.sql);
  row.Exchange(st);
  st.exchange(soci::use(key, "id"));
  st.alloc();
  st.prepare(kSelectById);
  st.define_and_bind();
  st.execute(true);
  if (!st.got_data()) return std::nullopt;
  return row.ToUser();
}

std::optional<User> UserRepository::FindByEmail(db::Tx& tx, const std::string& email) const {
  UserRow row;
  soci::statement st(tx.sql);
  row.Exchange(st);
  st.exchange(soci::use(email, "email"));
  st.alloc();
  st.prepare(kSelectByEmail);
  st.define_and_bind();
  st.execute(true);
  if (!st.got_data()) return std::nullopt;
  return row.ToUser();
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
}

void UserRepository::UpdatePasswordHash(db::Tx& tx, std::int64_t id, const std::string& hash, std::int64_t now) const {
  long long ts = now, key = id;
  tx.sql << kUpdatePassword, soci::use(hash, "hash"), soci::use(ts, "now"), soci::use(key, "id");
}

void UserRepository::SetEmailVerified(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  long long ts = now, key = id;
  tx.sql << kSetVerified, soci::use(ts, "verified_at"), soci::use(ts, "now"), soci::use(key, "id");
}

void UserRepository::UpdateRoleAndActive(db::Tx& tx, std::int64_t id, Role role, bool active, std::int64_t now) const {
  const std::string role_name(RoleName(role));
  int active_flag = active ? 1 : 0;
  long long ts = now, key = id;
  tx.sql << kUpdateRoleActive, soci::use(role_name, "role"), soci::use(active_flag, "active"), soci::use(ts, "now"),
      soci::use(key, "id");
}

void UserRepository::RevokeAccessTokens(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  long long ts = now, key = id;
  tx.sql << kRevokeAccess, soci::use(ts, "now1"), soci::use(ts, "now2"), soci::use(key, "id");
}

void UserRepository::Anonymise(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  const std::string email = "deleted+" + std::to_string(id) + "@invalid.emporium";
  long long ts = now, key = id;
  tx.sql << kAnonymise, soci::use(email, "email"), soci::use(ts, "deleted_at"), soci::use(ts, "now"),
      soci::use(key, "id");
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

  UserRow row;
  soci::statement st(tx.sql);
  row.Exchange(st);
  st.exchange(soci::use(before_id, "before_id"));
  st.exchange(soci::use(any_role, "any_role"));
  st.exchange(soci::use(role, "role"));
  st.exchange(soci::use(any_active, "any_active"));
  st.exchange(soci::use(active, "active"));
  st.exchange(soci::use(any_q, "any_q"));
  st.exchange(soci::use(pattern, "q_email"));
  st.exchange(soci::use(pattern, "q_first"));
  st.exchange(soci::use(pattern, "q_last"));
  st.exchange(soci::use(limit, "limit"));
  st.alloc();
  st.prepare(kSelectList);
  st.define_and_bind();
  st.execute();
  std::vector<User> out;
  while (st.fetch()) out.push_back(row.ToUser());
  return out;
}

}  // namespace emporium::auth
