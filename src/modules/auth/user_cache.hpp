#pragma once
// The user rows that authentication reads on every request, kept in memory for a moment.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "modules/auth/model.hpp"

namespace emporium::auth {

/// Users by id, each kept for `ttl` after it was read (AUTH_USER_CACHE_MS). Every change this
/// process makes to a user row (UserRepository's updates) drops that user once its transaction
/// commits, so on this instance a deactivated account, a role change or a revocation applies to
/// the very next request; `ttl` only bounds how long a change made by another instance or by the
/// CLI takes to be seen. A ttl of zero keeps nothing. Thread-safe.
///
/// A read that began before a change committed must not store what it read after the change
/// dropped the entry: callers take Generation() before reading and pass it to Put, which stores
/// nothing if anything was dropped in between.
class UserCache {
 public:
  explicit UserCache(std::chrono::milliseconds ttl, std::size_t max_entries = 100000)
      : ttl_(ttl), max_entries_(max_entries) {}

  /// A copy of the row if it was read less than ttl ago.
  std::optional<User> Find(std::int64_t id) const;
  std::uint64_t Generation() const;
  /// Keeps `user` unless a Drop happened since `generation` was taken.
  void Put(const User& user, std::uint64_t generation);
  /// Forgets `id` (and makes reads begun before now unstorable).
  void Drop(std::int64_t id);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    User user;
    Clock::time_point read_at;
  };

  const std::chrono::milliseconds ttl_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, Entry> entries_;
  std::uint64_t generation_ = 0;
};

}  // namespace emporium::auth
