#include "modules/auth/token_repository.hpp"

#include <soci/soci.h>

namespace emporium::auth {

namespace {

constexpr const char* kInsertRefresh =
    "INSERT INTO auth_refresh_tokens (user_id, family_id, token_hash, created_at, expires_at, created_ip) "
    "VALUES (:user_id, :family_id, :token_hash, :created_at, :expires_at, :ip) RETURNING id";

constexpr const char* kSelectRefreshByHash =
    "SELECT id, user_id, family_id, token_hash, created_at, expires_at, revoked_at, replaced_by "
    "FROM auth_refresh_tokens WHERE token_hash = :token_hash";

constexpr const char* kRevokeRefresh =
    "UPDATE auth_refresh_tokens SET revoked_at = :now, replaced_by = :replaced_by "
    "WHERE id = :id AND revoked_at IS NULL";

constexpr const char* kRevokeFamily =
    "UPDATE auth_refresh_tokens SET revoked_at = :now WHERE family_id = :family_id AND revoked_at IS NULL";

constexpr const char* kRevokeAllForUser =
    "UPDATE auth_refresh_tokens SET revoked_at = :now WHERE user_id = :user_id AND revoked_at IS NULL";

constexpr const char* kInsertOneTime =
    "INSERT INTO auth_one_time_tokens (user_id, purpose, token_hash, created_at, expires_at) "
    "VALUES (:user_id, :purpose, :token_hash, :created_at, :expires_at) RETURNING id";

constexpr const char* kSelectOneTimeByHash =
    "SELECT id, user_id, token_hash, created_at, expires_at, used_at FROM auth_one_time_tokens "
    "WHERE token_hash = :token_hash AND purpose = :purpose";

constexpr const char* kMarkOneTimeUsed =
    "UPDATE auth_one_time_tokens SET used_at = :now WHERE id = :id AND used_at IS NULL";

constexpr const char* kMarkAllOneTimeUsed =
    "UPDATE auth_one_time_tokens SET used_at = :now WHERE user_id = :user_id AND purpose = :purpose "
    "AND used_at IS NULL";

constexpr const char* kDeleteOneTimeForUser = "DELETE FROM auth_one_time_tokens WHERE user_id = :user_id";

}  // namespace

std::int64_t TokenRepository::InsertRefresh(db::Tx& tx, std::int64_t user_id, const std::string& family_id,
                                            const std::string& token_hash, std::int64_t now, std::int64_t expires_at,
                                            const std::string& ip) const {
  long long id = 0, uid = user_id, created = now, expires = expires_at;
  const std::string ip_value = ip.substr(0, 45);
  soci::indicator ip_ind = ip.empty() ? soci::i_null : soci::i_ok;
  tx.sql << kInsertRefresh, soci::use(uid, "user_id"), soci::use(family_id, "family_id"),
      soci::use(token_hash, "token_hash"), soci::use(created, "created_at"), soci::use(expires, "expires_at"),
      soci::use(ip_value, ip_ind, "ip"), soci::into(id);
  return id;
}

std::optional<RefreshToken> TokenRepository::FindRefreshByHash(db::Tx& tx, const std::string& token_hash) const {
  long long id = 0, user_id = 0, created_at = 0, expires_at = 0, revoked_at = 0, replaced_by = 0;
  std::string family_id, hash;
  soci::indicator revoked_ind = soci::i_null, replaced_ind = soci::i_null;
  tx.sql << kSelectRefreshByHash, soci::use(token_hash, "token_hash"), soci::into(id), soci::into(user_id),
      soci::into(family_id), soci::into(hash), soci::into(created_at), soci::into(expires_at),
      soci::into(revoked_at, revoked_ind), soci::into(replaced_by, replaced_ind);
  if (!tx.sql.got_data()) return std::nullopt;
  RefreshToken t;
  t.id = id;
  t.user_id = user_id;
  t.family_id = family_id;
  t.token_hash = hash;
  t.created_at = created_at;
  t.expires_at = expires_at;
  if (revoked_ind == soci::i_ok) t.revoked_at = revoked_at;
  if (replaced_ind == soci::i_ok) t.replaced_by = replaced_by;
  return t;
}

bool TokenRepository::RevokeRefresh(db::Tx& tx, std::int64_t id, std::int64_t now,
                                    std::optional<std::int64_t> replaced_by) const {
  long long ts = now, key = id, replacement = replaced_by.value_or(0);
  soci::indicator replacement_ind = replaced_by ? soci::i_ok : soci::i_null;
  soci::statement st = (tx.sql.prepare << kRevokeRefresh, soci::use(ts, "now"),
                        soci::use(replacement, replacement_ind, "replaced_by"), soci::use(key, "id"));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

void TokenRepository::RevokeFamily(db::Tx& tx, const std::string& family_id, std::int64_t now) const {
  long long ts = now;
  tx.sql << kRevokeFamily, soci::use(ts, "now"), soci::use(family_id, "family_id");
}

void TokenRepository::RevokeAllForUser(db::Tx& tx, std::int64_t user_id, std::int64_t now) const {
  long long ts = now, uid = user_id;
  tx.sql << kRevokeAllForUser, soci::use(ts, "now"), soci::use(uid, "user_id");
}

std::int64_t TokenRepository::InsertOneTime(db::Tx& tx, std::int64_t user_id, TokenPurpose purpose,
                                            const std::string& token_hash, std::int64_t now,
                                            std::int64_t expires_at) const {
  long long id = 0, uid = user_id, created = now, expires = expires_at;
  const std::string purpose_name(PurposeName(purpose));
  tx.sql << kInsertOneTime, soci::use(uid, "user_id"), soci::use(purpose_name, "purpose"),
      soci::use(token_hash, "token_hash"), soci::use(created, "created_at"), soci::use(expires, "expires_at"),
      soci::into(id);
  return id;
}

std::optional<OneTimeToken> TokenRepository::FindOneTimeByHash(db::Tx& tx, const std::string& token_hash,
                                                               TokenPurpose purpose) const {
  long long id = 0, user_id = 0, created_at = 0, expires_at = 0, used_at = 0;
  std::string hash;
  soci::indicator used_ind = soci::i_null;
  const std::string purpose_name(PurposeName(purpose));
  tx.sql << kSelectOneTimeByHash, soci::use(token_hash, "token_hash"), soci::use(purpose_name, "purpose"),
      soci::into(id), soci::into(user_id), soci::into(hash), soci::into(created_at), soci::into(expires_at),
      soci::into(used_at, used_ind);
  if (!tx.sql.got_data()) return std::nullopt;
  OneTimeToken t;
  t.id = id;
  t.user_id = user_id;
  t.purpose = purpose;
  t.token_hash = hash;
  t.created_at = created_at;
  t.expires_at = expires_at;
  if (used_ind == soci::i_ok) t.used_at = used_at;
  return t;
}

bool TokenRepository::MarkOneTimeUsed(db::Tx& tx, std::int64_t id, std::int64_t now) const {
  long long ts = now, key = id;
  soci::statement st = (tx.sql.prepare << kMarkOneTimeUsed, soci::use(ts, "now"), soci::use(key, "id"));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

void TokenRepository::MarkAllOneTimeUsed(db::Tx& tx, std::int64_t user_id, TokenPurpose purpose,
                                         std::int64_t now) const {
  long long ts = now, uid = user_id;
  const std::string purpose_name(PurposeName(purpose));
  tx.sql << kMarkAllOneTimeUsed, soci::use(ts, "now"), soci::use(uid, "user_id"), soci::use(purpose_name, "purpose");
}

void TokenRepository::DeleteOneTimeForUser(db::Tx& tx, std::int64_t user_id) const {
  long long uid = user_id;
  tx.sql << kDeleteOneTimeForUser, soci::use(uid, "user_id");
}

}  // namespace emporium::auth
