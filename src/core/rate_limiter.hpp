#pragma once
// Token-bucket rate limiting. One interface, two stores: in-process (this file) and Redis
// (infra/redis/redis_rate_limiter.hpp, shared by every instance when REDIS_URL is set).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace emporium::core {

struct RateLimitPolicy {
  std::string name;           ///< namespaces keys, e.g. "ip", "user", "login-fail"
  double capacity = 60;       ///< bucket size (burst)
  double refill_per_second = 1;
};

struct RateLimitDecision {
  bool allowed = true;
  int limit = 0;                ///< RateLimit-Limit
  int remaining = 0;            ///< RateLimit-Remaining (after this request)
  int reset_seconds = 0;        ///< RateLimit-Reset: seconds until the bucket is full again
  int retry_after_seconds = 0;  ///< Retry-After when !allowed
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  /// Takes `cost` tokens from the bucket `policy.name + ":" + key`. Allowed iff the bucket held at
  /// least `cost` tokens (then they are removed). cost 0 peeks: allowed iff at least one token is left,
  /// nothing is removed. Thread-safe. A store failure (Redis down) allows the request and is logged.
  virtual RateLimitDecision Consume(std::string_view key, const RateLimitPolicy& policy, int cost = 1) = 0;
  /// Refills the bucket completely (e.g. after a successful login).
  virtual void Reset(std::string_view key, const RateLimitPolicy& policy) = 0;
  /// True when Consume never leaves the process (no network round trip), so it may run on an io thread.
  virtual bool InProcess() const = 0;
};

/// In-process buckets, sharded by key hash; idle full buckets are evicted so memory stays bounded.
std::unique_ptr<RateLimiter> MakeMemoryRateLimiter(const Clock& clock);

}  // namespace emporium::core
