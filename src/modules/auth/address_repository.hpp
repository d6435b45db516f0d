#pragma once
// SQL for auth_addresses. Every lookup is scoped by user_id, so another user's address is simply
// not found. Runs inside the caller's transaction.

#include <cstdint>
#include <optional>
#include <vector>

#include "db/database.hpp"
#include "modules/auth/model.hpp"

namespace emporium::auth {

class AddressRepository {
 public:
  /// The default address first, then newest first.
  std::vector<Address> ListByUser(db::Tx& tx, std::int64_t user_id) const;
  std::optional<Address> Find(db::Tx& tx, std::int64_t user_id, std::int64_t id) const;
  int CountByUser(db::Tx& tx, std::int64_t user_id) const;
  /// Inserts every field of `address` but id; returns the new id.
  std::int64_t Insert(db::Tx& tx, const Address& address) const;
  /// Writes every field of `address` (matched by id and user_id).
  void Update(db::Tx& tx, const Address& address) const;
  /// Clears is_default on every address of the user except `keep_id`.
  void ClearDefaultExcept(db::Tx& tx, std::int64_t user_id, std::int64_t keep_id) const;
  void SetDefault(db::Tx& tx, std::int64_t user_id, std::int64_t id, std::int64_t now) const;
  /// The most recently created address of the user other than `except_id`.
  std::optional<std::int64_t> MostRecentExcept(db::Tx& tx, std::int64_t user_id, std::int64_t except_id) const;
  bool Delete(db::Tx& tx, std::int64_t user_id, std::int64_t id) const;
  void DeleteAllForUser(db::Tx& tx, std::int64_t user_id) const;
};

}  // namespace emporium::auth
