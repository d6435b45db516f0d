#pragma once
// Idempotency-Key handling for POSTs that create or charge (orders, refunds, subscriptions): the
// same key and body replays the first response (status and body), the same key with another body
// is a 422, a request that arrives while the first one with its key is still running is a 409.
// Keys are scoped per user and per route and kept for 24 hours.
//
// The key row is written in the caller's transaction, so a request that fails and rolls back
// leaves no key behind (a retry runs again), and concurrent requests with one key serialise on
// the row's unique index: exactly one of them does the work.
//
//   const infra::IdempotencyKey key{"orders.create", user_id, header, infra::RequestHash(req)};
//   auto begun = db.Write([&](db::Tx& tx) -> Result<...> {
//     EMP_ASSIGN(auto replay, store.Begin(tx, key));
//     if (replay) return *replay;                       // answer it as is
//     ... do the work ...
//   });
//   ... later, once the final answer is known:
//   db.Write([&](db::Tx& tx) { return store.Complete(tx, key, 201, body); });

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/database.hpp"

namespace emporium::infra {

struct IdempotencyKey {
  std::string scope;         ///< the operation, e.g. "orders.create", "refunds.create:42"
  std::int64_t user_id = 0;  ///< whose key it is (0 for none)
  std::string key;           ///< the Idempotency-Key header: 1–255 printable ASCII characters
  std::string request_hash;  ///< RequestHash of what was asked
  /// What the request creates, named before its work begins (an order's number); optional. Stored
  /// with the key so that Abandoned can name it if the request never answers. At most
  /// kMaxResource characters (the column's size).
  std::string resource;
  static constexpr std::size_t kMaxResource = 64;
};

struct StoredResponse {
  int status = 0;
  std::string body;
};

/// SHA-256 (hex) of a canonical form of the request (method, path, body bytes).
std::string RequestHash(std::string_view method, std::string_view path, std::string_view body);

/// Checks an Idempotency-Key header value: 1–255 printable ASCII characters. kInvalidArgument with
/// field "Idempotency-Key" (a missing header must be reported by the caller the same way).
Status ValidateIdempotencyKey(std::string_view key);

class IdempotencyStore {
 public:
  explicit IdempotencyStore(const core::Clock& clock, std::chrono::seconds ttl = std::chrono::hours(24));

  /// In the caller's write transaction. nullopt: the key is new (or expired) and now belongs to
  /// this request. A StoredResponse: the first request finished; replay it. Errors:
  /// kInvalidArgument (422, field "Idempotency-Key") when the key was used with a different request;
  /// kConflict (409) when the first request is still running.
  Result<std::optional<StoredResponse>> Begin(db::Tx& tx, const IdempotencyKey& key);
  /// Records the final response for the key (the caller's transaction, usually the one that records
  /// the outcome). A key that was never begun is inserted.
  Status Complete(db::Tx& tx, const IdempotencyKey& key, int status, const std::string& body);
  /// The `resource` of a key begun more than `after` ago, for the same request, that its request
  /// never completed: its process stopped between the work's transactions, so Begin would answer
  /// 409 until the key expires. The caller may complete it (Complete) with that resource as stored.
  /// nullopt for any other key, including one whose request may still be running.
  std::optional<std::string> Abandoned(db::Tx& tx, const IdempotencyKey& key,
                                       std::chrono::seconds after = kAbandonedAfter);
  /// Longer than any request can run (a processor call's three attempts of 20 s, twice over, and
  /// more): a key begun this long ago and not completed belongs to a request that stopped.
  static constexpr std::chrono::minutes kAbandonedAfter{10};
  /// Gives up a begun key whose outcome is unknown (e.g. the processor could not be reached), so a
  /// retry with the same key runs again instead of replaying an error; the work it guards must be
  /// safe to resend (the processor call carries its own idempotency key). A completed key stays.
  Status Release(db::Tx& tx, const IdempotencyKey& key);
  /// Deletes keys older than the TTL; returns how many. For a periodic sweeper.
  Result<int> Purge(db::Tx& tx);

 private:
  const core::Clock& clock_;
  std::chrono::seconds ttl_;
};

}  // namespace emporium::infra
