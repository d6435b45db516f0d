#include "modules/auth/user_cache.hpp"

namespace emporium::auth {

std::optional<User> UserCache::Find(std::int64_t id) const {
  if (ttl_.count() == 0) return std::nullopt;
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end() || now - it->second.read_at >= ttl_) return std::nullopt;
  return it->second.user;
}

std::uint64_t UserCache::Generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void UserCache::Put(const User& user, std::uint64_t generation) {
  if (ttl_.count() == 0) return;
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (generation != generation_) return;
  // Entries are replaced, not expired: past the bound, start over rather than keep every user who
  // ever signed in.
  if (entries_.size() >= max_entries_ && !entries_.contains(user.id)) entries_.clear();
  entries_.insert_or_assign(user.id, Entry{user, now});
}

void UserCache::Drop(std::int64_t id) {
  std::lock_guard lock(mutex_);
  ++generation_;
  entries_.erase(id);
}

}  // namespace emporium::auth
