#pragma once
// A micro-cache of whole responses for public, read-only GET routes (product lists and pages,
// categories, search): what an anonymous visitor sees, kept for a short time so that a busy shop
// page costs one database read per TTL instead of one per request.
//
// Correctness rests on two rules:
//   - an entry is fresh for `ttl` (RESPONSE_CACHE_TTL_MS). When it expires, the first request to
//     find it recomputes it while the others keep getting the expired copy (no stampede of 64
//     identical searches on the database), for at most one more `ttl`: another instance's (or the
//     worker process's) writes show here within 2 × ttl;
//   - Invalidate() makes every entry computed before it a miss at once. The module that owns the
//     data calls it after each commit that changes what those routes show (catalog writes, stock
//     moves), so this instance never serves a page older than its own last write. Store() takes the
//     generation read *before* the handler ran: a response computed from data a concurrent commit
//     has since replaced is born stale.
//
// The Dispatcher consults it (RouteOptions::cache) only for requests without a principal: member
// prices and members-only products are never cached. A hit is answered on the io thread.
//
//   http::ResponseCache cache(clock, {.ttl = 1s, .max_entries = 20000});
//   router.Get("/api/v1/products", handler, {.cache = &cache});
//   ... after a catalog commit:  cache.Invalidate();

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "http/request.hpp"

namespace emporium::http {

class ResponseCache {
 public:
  struct Options {
    std::chrono::milliseconds ttl{1000};  ///< 0 disables the cache (every lookup misses, nothing is kept)
    std::size_t max_entries = 20000;      ///< across all shards; a full shard is emptied before it grows
  };

  struct Entry {
    Response response;
    std::int64_t tag = 0;  ///< Request::cache_tag of the request that produced it (e.g. a product id)
    std::uint64_t generation = 0;
    core::TimePoint expires_at;
    /// Set by the one request that recomputes an expired entry; the others are served this copy.
    mutable std::atomic<bool> refreshing{false};
  };

  ResponseCache(const core::Clock& clock, Options options);
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  bool enabled() const { return options_.ttl.count() > 0; }

  /// The entry for `key` if it may be served: fresh, or expired less than one ttl ago while another
  /// request is already recomputing it. Null (a miss) when there is none or it was invalidated.
  /// An expired entry that nobody recomputes yet is a miss too; with `claim`, the caller becomes the
  /// one that recomputes it (and must Store), so of many callers exactly one gets null.
  /// Thread-safe; takes one shard's mutex for a hash lookup.
  std::shared_ptr<const Entry> Find(std::string_view key, bool claim = false) const;

  /// Keeps `response` under `key`, computed while the cache was at `generation` (generation() read
  /// before the handler ran). Does nothing when that generation is already past or the cache is off.
  void Store(std::string key, const Response& response, std::int64_t tag, std::uint64_t generation);

  /// The current generation, for Store().
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  /// Every entry stored so far becomes a miss. Thread-safe, lock-free; memory is reclaimed lazily
  /// (a stale entry is replaced on its next store or when its shard is emptied).
  void Invalidate() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  /// Number of entries held, stale ones included (tests, metrics).
  std::size_t size() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<const Entry>> entries;
  };
  Shard& ShardFor(std::string_view key) const;

  const core::Clock& clock_;
  const Options options_;
  std::atomic<std::uint64_t> generation_{1};
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace emporium::http
