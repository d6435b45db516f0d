#pragma once
// Token buckets shared by every instance through Redis (used when REDIS_URL is set). Same
// semantics as core::MakeMemoryRateLimiter: one atomic Lua script per decision, time taken from the
// injected Clock (so tests can freeze it and all instances agree on the arithmetic).

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/rate_limiter.hpp"

namespace emporium::infra {

/// Where a Redis server is: redis://[[user]:password@]host[:port][/db].
struct RedisAddress {
  std::string host;
  int port = 6379;
  std::string username;  ///< Redis 6 ACL user; empty = AUTH with the password only
  std::string password;
  int db = 0;
};

/// Parses a redis:// URL (percent-decoded user and password). kInvalidArgument on anything else,
/// including rediss:// (hiredis 0.14 has no TLS).
Result<RedisAddress> ParseRedisUrl(const std::string& url);

/// A limiter over a small pool of blocking hiredis connections (connect and command timeouts 1 s).
/// It fails OPEN: when Redis cannot be reached every request is allowed, a warning is logged at most
/// every 10 s, and reconnection is retried at most once a second so a dead Redis adds no latency.
/// Only a malformed URL is an error; an unreachable server at start-up is not. Thread-safe.
Result<std::unique_ptr<core::RateLimiter>> MakeRedisRateLimiter(const std::string& redis_url, const core::Clock& clock);

}  // namespace emporium::infra
