#pragma once
// SQL for auth_refresh_tokens and auth_one_time_tokens. Tokens are looked up by their SHA-256 hex;
// the raw token is never stored. Runs inside the caller's transaction.

#include <cstdint>
#include <optional>
#include <string>

#include "db/database.hpp"
#include "modules/auth/model.hpp"

namespace emporium::auth {

class TokenRepository {
 public:
  std::int64_t InsertRefresh(db::Tx& tx, std::int64_t user_id, const std::string& family_id,
                             const std::string& token_hash, std::int64_t now, std::int64_t expires_at,
                             const std::string& ip) const;
  std::optional<RefreshToken> FindRefreshByHash(db::Tx& tx, const std::string& token_hash) const;
  /// Revokes one token if it is not revoked yet; false when it already was (a concurrent rotation).
  bool RevokeRefresh(db::Tx& tx, std::int64_t id, std::int64_t now, std::optional<std::int64_t> replaced_by) const;
  void RevokeFamily(db::Tx& tx, const std::string& family_id, std::int64_t now) const;
  void RevokeAllForUser(db::Tx& tx, std::int64_t user_id, std::int64_t now) const;

  std::int64_t InsertOneTime(db::Tx& tx, std::int64_t user_id, TokenPurpose purpose, const std::string& token_hash,
                             std::int64_t now, std::int64_t expires_at) const;
  std::optional<OneTimeToken> FindOneTimeByHash(db::Tx& tx, const std::string& token_hash, TokenPurpose purpose) const;
  /// Marks one token used if it is unused; false when it already was (a concurrent use).
  bool MarkOneTimeUsed(db::Tx& tx, std::int64_t id, std::int64_t now) const;
  /// Marks every unused token of a purpose used (after a reset, older links die too).
  void MarkAllOneTimeUsed(db::Tx& tx, std::int64_t user_id, TokenPurpose purpose, std::int64_t now) const;
  void DeleteOneTimeForUser(db::Tx& tx, std::int64_t user_id) const;
};

}  // namespace emporium::auth
