#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "core/rate_limiter.hpp"

namespace emporium::core {

namespace {

constexpr std::size_t kShards = 16;
/// A shard is swept for full buckets after this many operations (or its size, if larger), so the
/// sweep costs O(1) amortised per call.
constexpr std::size_t kSweepEvery = 1024;

struct Bucket {
  double tokens = 0;
  std::int64_t updated_us = 0;
  // The policy travels with the bucket so that the sweep can tell when it is full again.
  double capacity = 0;
  double refill_per_second = 0;
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

std::int64_t Micros(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock.Now().time_since_epoch()).count();
}

int CeilSeconds(double seconds) {
  if (!(seconds > 0)) return 0;
  if (seconds > 86400.0 * 365) return 86400 * 365;
  return static_cast<int>(std::ceil(seconds - 1e-9));
}

/// Tokens after lazy refill; time never runs backwards for a bucket (a clock step back only pauses refill).
double Refilled(const Bucket& b, std::int64_t now_us, double capacity, double refill_per_second) {
  const double elapsed = static_cast<double>(std::max<std::int64_t>(0, now_us - b.updated_us)) / 1e6;
  return std::min(capacity, b.tokens + elapsed * refill_per_second);
}

class MemoryRateLimiter final : public RateLimiter {
 public:
  explicit MemoryRateLimiter(const Clock& clock) : clock_(clock) {}

  RateLimitDecision Consume(std::string_view key, const RateLimitPolicy& policy, int cost) override {
    const std::string full_key = FullKey(key, policy);
    Shard& shard = ShardFor(full_key);
    const std::int64_t now = Micros(clock_);

    std::lock_guard lock(shard.mutex);
    MaybeSweep(shard, now);
    auto it = shard.buckets.find(full_key);
    double tokens = it == shard.buckets.end() ? policy.capacity
                                              : Refilled(it->second, now, policy.capacity, policy.refill_per_second);

    RateLimitDecision d;
    d.limit = static_cast<int>(policy.capacity);
    const double needed = cost <= 0 ? 1.0 : static_cast<double>(cost);
    d.allowed = tokens + 1e-9 >= needed;
    if (d.allowed && cost > 0) {
      tokens -= cost;
      // A bucket that is not full must be remembered; one still full is the same as no bucket.
      if (it == shard.buckets.end()) it = shard.buckets.emplace(full_key, Bucket{}).first;
      it->second = {tokens, now, policy.capacity, policy.refill_per_second};
    } else if (it != shard.buckets.end()) {
      it->second = {tokens, std::max(now, it->second.updated_us), policy.capacity, policy.refill_per_second};
    }
    d.remaining = std::max(0, static_cast<int>(std::floor(tokens + 1e-9)));
    if (policy.refill_per_second > 0) {
      d.reset_seconds = CeilSeconds((policy.capacity - tokens) / policy.refill_per_second);
      if (!d.allowed) d.retry_after_seconds = std::max(1, CeilSeconds((needed - tokens) / policy.refill_per_second));
    } else if (!d.allowed) {
      d.retry_after_seconds = 86400;  // a bucket that never refills; only Reset() opens it
    }
    return d;
  }

  bool InProcess() const override { return true; }

  void Reset(std::string_view key, const RateLimitPolicy& policy) override {
    const std::string full_key = FullKey(key, policy);
    Shard& shard = ShardFor(full_key);
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.buckets.find(full_key); it != shard.buckets.end()) shard.buckets.erase(it);
  }

 private:
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket, StringHash, std::equal_to<>> buckets;
    std::size_t operations = 0;
  };

  static std::string FullKey(std::string_view key, const RateLimitPolicy& policy) {
    std::string out;
    out.reserve(policy.name.size() + 1 + key.size());
    out.append(policy.name).push_back(':');
    out.append(key);
    return out;
  }

  Shard& ShardFor(std::string_view full_key) { return shards_[std::hash<std::string_view>{}(full_key) % kShards]; }

  void MaybeSweep(Shard& shard, std::int64_t now) {
    if (++shard.operations < std::max(kSweepEvery, shard.buckets.size())) return;
    shard.operations = 0;
    std::erase_if(shard.buckets, [&](const auto& entry) {
      const Bucket& b = entry.second;
      return Refilled(b, now, b.capacity, b.refill_per_second) >= b.capacity;
    });
  }

  const Clock& clock_;
  std::array<Shard, kShards> shards_;
};

}  // namespace

std::unique_ptr<RateLimiter> MakeMemoryRateLimiter(const Clock& clock) {
  return std::make_unique<MemoryRateLimiter>(clock);
}

}  // namespace emporium::core
