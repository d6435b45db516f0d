#include "infra/idempotency/idempotency_store.hpp"

#include <soci/soci.h>

#include "core/crypto.hpp"
#include "db/binds.hpp"
#include "db/rows.hpp"

namespace emporium::infra {

namespace {

constexpr const char* kFind =
    "SELECT request_hash, status_code, response_body, created_at FROM idempotency_keys "
    "WHERE scope = :scope AND user_id = :user_id AND idem_key = :idem_key";
constexpr const char* kInsert =
    "INSERT INTO idempotency_keys (scope, user_id, idem_key, request_hash, resource, created_at) "
    "VALUES (:scope, :user_id, :idem_key, :request_hash, :resource, :created_at)";
constexpr const char* kFindUnfinished =
    "SELECT resource FROM idempotency_keys WHERE scope = :scope AND user_id = :user_id AND idem_key = :idem_key "
    "AND request_hash = :request_hash AND status_code IS NULL AND resource IS NOT NULL AND created_at < :before";
constexpr const char* kDelete =
    "DELETE FROM idempotency_keys WHERE scope = :scope AND user_id = :user_id AND idem_key = :idem_key";
constexpr const char* kComplete =
    "UPDATE idempotency_keys SET status_code = :status_code, response_body = :body, completed_at = :now "
    "WHERE scope = :scope AND user_id = :user_id AND idem_key = :idem_key";
constexpr const char* kInsertCompleted =
    "INSERT INTO idempotency_keys (scope, user_id, idem_key, request_hash, status_code, response_body, "
    "created_at, completed_at) VALUES (:scope, :user_id, :idem_key, :request_hash, :status_code, :body, :now, :now2)";
constexpr const char* kRelease =
    "DELETE FROM idempotency_keys WHERE scope = :scope AND user_id = :user_id AND idem_key = :idem_key "
    "AND status_code IS NULL";
constexpr const char* kPurge = "DELETE FROM idempotency_keys WHERE created_at < :cutoff";

struct StoredKey {
  std::string request_hash;
  std::optional<int> status;
  std::string body;
  std::int64_t created_at = 0;
};

std::optional<StoredKey> Find(db::Tx& tx, const IdempotencyKey& key) {
  StoredKey row;
  int status = 0;
  soci::indicator status_ind = soci::i_null, body_ind = soci::i_null;
  tx.sql << kFind, soci::use(key.scope, "scope"), soci::use(key.user_id, "user_id"), soci::use(key.key, "idem_key"),
      soci::into(row.request_hash), soci::into(status, status_ind), soci::into(row.body, body_ind),
      soci::into(row.created_at);
  if (!tx.sql.got_data()) return std::nullopt;
  if (status_ind == soci::i_ok) row.status = status;
  if (body_ind != soci::i_ok) row.body.clear();
  return row;
}

/// What an existing, unexpired key means for a new request carrying it.
Result<std::optional<StoredResponse>> Judge(const StoredKey& row, const IdempotencyKey& key) {
  if (row.request_hash != key.request_hash) {
    return Error::Invalid("Idempotency-Key", "was already used with a different request");
  }
  if (!row.status) {
    return Error::Conflict("A request with this Idempotency-Key is still being processed; retry shortly.");
  }
  return std::optional<StoredResponse>(StoredResponse{*row.status, row.body});
}

}  // namespace

std::string RequestHash(std::string_view method, std::string_view path, std::string_view body) {
  // Length-prefixed so that no two different (method, path, body) triples share a canonical form.
  std::string canonical;
  canonical.reserve(method.size() + path.size() + body.size() + 32);
  for (std::string_view part : {method, path, body}) {
    canonical += std::to_string(part.size());
    canonical += ':';
    canonical += part;
  }
  return core::Sha256Hex(canonical);
}

Status ValidateIdempotencyKey(std::string_view key) {
  if (key.empty()) return Error::Invalid("Idempotency-Key", "header is required");
  if (key.size() > 255) return Error::Invalid("Idempotency-Key", "must be at most 255 characters");
  for (unsigned char c : key) {
    if (c < 0x21 || c > 0x7e) return Error::Invalid("Idempotency-Key", "must be printable ASCII without spaces");
  }
  return OkStatus();
}

IdempotencyStore::IdempotencyStore(const core::Clock& clock, std::chrono::seconds ttl) : clock_(clock), ttl_(ttl) {}

namespace {

/// Claims `key`; false when a row for it exists already. A duplicate fails the statement alone
/// (SQLite and MariaDB keep the transaction), so the caller can read what is stored.
bool TryInsert(db::Tx& tx, const IdempotencyKey& key, std::int64_t now) {
  try {
    db::Binds binds;
    binds.Str(key.scope).Int(key.user_id).Str(key.key).Str(key.request_hash);
    binds.OptStr(key.resource.empty() ? std::nullopt : std::optional<std::string>(key.resource)).Int(now);
    db::Exec(tx, kInsert, std::move(binds));
    return true;
  } catch (const std::exception& e) {
    if (!db::IsUniqueViolation(e)) throw;
    return false;
  }
}

}  // namespace

Result<std::optional<StoredResponse>> IdempotencyStore::Begin(db::Tx& tx, const IdempotencyKey& key) {
  // MariaDB would refuse a longer one; SQLite would store it. Refused on both, so tests catch it.
  if (key.resource.size() > IdempotencyKey::kMaxResource) return Error::Internal("idempotency resource too long");
  const std::int64_t now = clock_.NowSeconds();
  // A new key is the common case: claim it in one statement and read only when it is taken. On
  // MariaDB the INSERT of a key another transaction holds waits on the unique index until that one
  // commits (then fails here) or rolls back (then succeeds); SQLite writers are serialised anyway.
  if (TryInsert(tx, key, now)) return std::optional<StoredResponse>();
  auto row = Find(tx, key);
  if (row && row->created_at >= now - ttl_.count()) return Judge(*row, key);
  // Expired (or purged meanwhile): the key is free again.
  tx.sql << kDelete, soci::use(key.scope, "scope"), soci::use(key.user_id, "user_id"), soci::use(key.key, "idem_key");
  if (!TryInsert(tx, key, now))
    return Error::Conflict("A request with this Idempotency-Key is still being processed; retry shortly.");
  return std::optional<StoredResponse>();
}

Status IdempotencyStore::Complete(db::Tx& tx, const IdempotencyKey& key, int status, const std::string& body) {
  const std::int64_t now = clock_.NowSeconds();
  if (db::Exec(tx, kComplete,
               std::move(db::Binds().Int(status).Str(body).Int(now).Str(key.scope).Int(key.user_id).Str(key.key))) >
      0) {
    return OkStatus();
  }
  tx.sql << kInsertCompleted, soci::use(key.scope, "scope"), soci::use(key.user_id, "user_id"),
      soci::use(key.key, "idem_key"), soci::use(key.request_hash, "request_hash"), soci::use(status, "status_code"),
      soci::use(body, "body"), soci::use(now, "now"), soci::use(now, "now2");
  return OkStatus();
}

std::optional<std::string> IdempotencyStore::Abandoned(db::Tx& tx, const IdempotencyKey& key,
                                                       std::chrono::seconds after) {
  std::optional<std::string> resource;
  db::Binds binds;
  binds.Str(key.scope).Int(key.user_id).Str(key.key).Str(key.request_hash).Int(clock_.NowSeconds() - after.count());
  db::Rows(tx, kFindUnfinished, std::move(binds), [&](const db::Row& r) { resource = db::RowStr(r, 0); });
  return resource;
}

Status IdempotencyStore::Release(db::Tx& tx, const IdempotencyKey& key) {
  tx.sql << kRelease, soci::use(key.scope, "scope"), soci::use(key.user_id, "user_id"), soci::use(key.key, "idem_key");
  return OkStatus();
}

Result<int> IdempotencyStore::Purge(db::Tx& tx) {
  const std::int64_t cutoff = clock_.NowSeconds() - ttl_.count();
  soci::statement purge = (tx.sql.prepare << kPurge, soci::use(cutoff, "cutoff"));
  purge.execute(true);
  return static_cast<int>(purge.get_affected_rows());
}

}  // namespace emporium::infra
