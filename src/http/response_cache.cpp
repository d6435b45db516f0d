#include "http/response_cache.hpp"

#include <algorithm>
#include <functional>

namespace emporium::http {

ResponseCache::ResponseCache(const core::Clock& clock, Options options) : clock_(clock), options_(options) {}

ResponseCache::Shard& ResponseCache::ShardFor(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

std::shared_ptr<const ResponseCache::Entry> ResponseCache::Find(std::string_view key, bool claim) const {
  if (!enabled()) return nullptr;
  Shard& shard = ShardFor(key);
  std::shared_ptr<const Entry> entry;
  {
    std::lock_guard lock(shard.mutex);
    // C++20 heterogeneous lookup needs a transparent hash; one string copy per lookup is cheaper
    // than the code that would take, and this runs once per cacheable request.
    auto it = shard.entries.find(std::string(key));
    if (it == shard.entries.end()) return nullptr;
    entry = it->second;
  }
  if (entry->generation != generation()) return nullptr;  // a local write since: never served
  const auto now = clock_.Now();
  if (now < entry->expires_at) return entry;
  if (now >= entry->expires_at + options_.ttl) return nullptr;  // too old even to bridge a refresh
  // Expired: the first claiming caller recomputes, the others get this copy meanwhile.
  if (!claim) return entry->refreshing.load(std::memory_order_acquire) ? entry : nullptr;
  if (!entry->refreshing.exchange(true, std::memory_order_acq_rel)) return nullptr;
  return entry;
}

void ResponseCache::Store(std::string key, const Response& response, std::int64_t tag, std::uint64_t generation) {
  if (!enabled() || generation != this->generation()) return;
  auto entry = std::make_shared<Entry>();
  entry->response = response;
  entry->tag = tag;
  entry->generation = generation;
  entry->expires_at = clock_.Now() + options_.ttl;

  Shard& shard = ShardFor(key);
  const std::size_t per_shard = std::max<std::size_t>(1, options_.max_entries / kShards);
  std::lock_guard lock(shard.mutex);
  auto it = shard.entries.find(key);
  if (it != shard.entries.end()) {
    it->second = std::move(entry);
    return;
  }
  // Bounded memory without LRU bookkeeping on the hit path: a full shard starts over. With a
  // 1-second TTL, what is dropped would have expired within the second anyway.
  if (shard.entries.size() >= per_shard) shard.entries.clear();
  shard.entries.emplace(std::move(key), std::move(entry));
}

std::size_t ResponseCache::size() const {
  std::size_t n = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.entries.size();
  }
  return n;
}

}  // namespace emporium::http
