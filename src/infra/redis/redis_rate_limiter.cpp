#include "infra/redis/redis_rate_limiter.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <boost/url/parse.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "core/log.hpp"

namespace emporium::infra {

namespace {

constexpr timeval kConnectTimeout{1, 0};
constexpr timeval kCommandTimeout{1, 0};
constexpr std::size_t kMaxIdleConnections = 8;
constexpr auto kReconnectBackoff = std::chrono::seconds(1);
constexpr auto kWarningInterval = std::chrono::seconds(10);
constexpr std::string_view kKeyPrefix = "emporium:rl:";

// KEYS[1] bucket; ARGV: capacity, refill per second, now (µs since epoch), cost.
// Returns {allowed (0/1), tokens left (string, to keep the fraction)}. A full bucket is deleted, since
// it is the same as no bucket; a partial one expires once it would be full again.
// Time never runs backwards for a bucket: skew between instances only pauses the refill.
constexpr std::string_view kScript = R"lua(
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) / 1000000 * rate)
  ts = now
end
local needed = cost
if cost <= 0 then needed = 1 end
local allowed = 0
if tokens + 1e-9 >= needed then
  allowed = 1
  if cost > 0 then tokens = tokens - cost end
end
if tokens < capacity then
  local ttl = 86400000
  if rate > 0 then ttl = math.ceil((capacity - tokens) / rate * 1000) + 1000 end
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', ts))
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('DEL', KEYS[1])
end
return {allowed, string.format('%.17g', tokens)}
)lua";

std::string Sha1Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

int CeilSeconds(double seconds) {
  if (!(seconds > 0)) return 0;
  if (seconds > 86400.0 * 365) return 86400 * 365;
  return static_cast<int>(std::ceil(seconds - 1e-9));
}

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

std::int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class RedisRateLimiter final : public core::RateLimiter {
 public:
  RedisRateLimiter(RedisAddress address, const core::Clock& clock)
      : address_(std::move(address)), clock_(clock), sha_(Sha1Hex(kScript)), log_(core::Logger("ratelimit")) {
    // Warm one connection so a misconfiguration shows in the start-up log; failure is not fatal.
    if (auto c = Acquire()) Release(std::move(c));
  }

  core::RateLimitDecision Consume(std::string_view key, const core::RateLimitPolicy& policy, int cost) override {
    const std::string full_key = FullKey(key, policy);
    const std::string capacity = fmt::format("{:.17g}", policy.capacity);
    const std::string rate = fmt::format("{:.17g}", policy.refill_per_second);
    const std::string now =
        std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch()).count());
    const std::string cost_text = std::to_string(std::max(0, cost));

    ReplyPtr reply = Command({"EVALSHA", sha_, "1", full_key, capacity, rate, now, cost_text});
    if (reply && reply->type == REDIS_REPLY_ERROR && std::string_view(reply->str, reply->len).starts_with("NOSCRIPT")) {
      // First use on this server (or after SCRIPT FLUSH / a restart): EVAL also caches the script.
      reply = Command({"EVAL", std::string(kScript), "1", full_key, capacity, rate, now, cost_text});
    }
    if (!reply) return FailOpen(policy);
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 || reply->element[0]->type != REDIS_REPLY_INTEGER ||
        reply->element[1]->type != REDIS_REPLY_STRING) {
      Warn(reply->type == REDIS_REPLY_ERROR ? std::string(reply->str, reply->len) : "unexpected script reply");
      return FailOpen(policy);
    }
    const bool allowed = reply->element[0]->integer == 1;
    const double tokens = std::strtod(reply->element[1]->str, nullptr);

    core::RateLimitDecision d;
    d.allowed = allowed;
    d.limit = static_cast<int>(policy.capacity);
    d.remaining = std::max(0, static_cast<int>(std::floor(tokens + 1e-9)));
    const double needed = cost <= 0 ? 1.0 : static_cast<double>(cost);
    if (policy.refill_per_second > 0) {
      d.reset_seconds = CeilSeconds((policy.capacity - tokens) / policy.refill_per_second);
      if (!allowed) d.retry_after_seconds = std::max(1, CeilSeconds((needed - tokens) / policy.refill_per_second));
    } else if (!allowed) {
      d.retry_after_seconds = 86400;
    }
    return d;
  }

  bool InProcess() const override { return false; }

  void Reset(std::string_view key, const core::RateLimitPolicy& policy) override {
    Command({"DEL", FullKey(key, policy)});
  }

 private:
  static std::string FullKey(std::string_view key, const core::RateLimitPolicy& policy) {
    std::string out(kKeyPrefix);
    out.append(policy.name).push_back(':');
    out.append(key);
    return out;
  }

  core::RateLimitDecision FailOpen(const core::RateLimitPolicy& policy) {
    core::RateLimitDecision d;
    d.allowed = true;
    d.limit = static_cast<int>(policy.capacity);
    d.remaining = d.limit;
    return d;
  }

  void Warn(const std::string& what) {
    const auto now = SteadyMicros();
    auto last = last_warning_us_.load(std::memory_order_relaxed);
    const auto interval = std::chrono::duration_cast<std::chrono::microseconds>(kWarningInterval).count();
    if (last != 0 && now - last < interval) return;
    if (!last_warning_us_.compare_exchange_strong(last, now)) return;
    log_->warn(fmt::format(R"({{"msg":"redis rate limiter unavailable; allowing requests","error":"{}","host":"{}"}})",
                           core::JsonEscape(what), core::JsonEscape(address_.host)));
  }

  /// Runs one command; on an I/O failure retries once on a fresh connection. Null on failure
  /// (already logged). An error reply is returned as a reply.
  ReplyPtr Command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
      ContextPtr c = Acquire();
      if (!c) return nullptr;
      auto* raw = static_cast<redisReply*>(
          redisCommandArgv(c.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()));
      if (raw) {
        Release(std::move(c));
        return ReplyPtr(raw);
      }
      // A pooled connection may have been closed by the server (timeout, restart), and then its
      // siblings were too: drop them all and retry once on a fresh connection.
      const std::string error = c->errstr;
      {
        std::lock_guard lock(mutex_);
        idle_.clear();
      }
      if (attempt == 1) {
        Warn(error);
        MarkDown();
      }
    }
    return nullptr;
  }

  ContextPtr Acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        ContextPtr c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    if (SteadyMicros() < down_until_us_.load(std::memory_order_relaxed)) return nullptr;
    ContextPtr c(redisConnectWithTimeout(address_.host.c_str(), address_.port, kConnectTimeout));
    if (!c || c->err) {
      Warn(c ? c->errstr : "cannot allocate a redis context");
      MarkDown();
      return nullptr;
    }
    redisSetTimeout(c.get(), kCommandTimeout);
    if (!address_.password.empty() &&
        !Setup(c.get(), address_.username.empty()
                            ? std::vector<std::string>{"AUTH", address_.password}
                            : std::vector<std::string>{"AUTH", address_.username, address_.password})) {
      return nullptr;
    }
    if (address_.db != 0 && !Setup(c.get(), {"SELECT", std::to_string(address_.db)})) return nullptr;
    return c;
  }

  bool Setup(redisContext* c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    ReplyPtr reply(
        static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
      // Never log the AUTH arguments; the server's error text is enough.
      Warn(reply ? std::string(reply->str, reply->len) : std::string(c->errstr));
      MarkDown();
      return false;
    }
    return true;
  }

  void Release(ContextPtr c) {
    if (c->err) return;
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(c));
  }

  void MarkDown() {
    down_until_us_.store(
        SteadyMicros() + std::chrono::duration_cast<std::chrono::microseconds>(kReconnectBackoff).count(),
        std::memory_order_relaxed);
  }

  const RedisAddress address_;
  const core::Clock& clock_;
  const std::string sha_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::vector<ContextPtr> idle_;
  std::atomic<std::int64_t> down_until_us_{0};
  std::atomic<std::int64_t> last_warning_us_{0};
};

}  // namespace

Result<RedisAddress> ParseRedisUrl(const std::string& url) {
  auto invalid = [] { return Error::Invalid("REDIS_URL", "must look like redis://[:password@]host[:port][/db]"); };
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return invalid();
  const auto& u = *parsed;
  if (u.scheme() != "redis") return invalid();
  RedisAddress address;
  address.host = u.host_address();
  if (address.host.empty()) return invalid();
  if (u.has_port()) {
    const auto port = u.port();
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value <= 0 || value > 65535) return invalid();
    address.port = value;
  }
  if (u.has_userinfo()) {
    address.username = u.user();
    if (u.has_password()) address.password = u.password();
    // "redis://secret@host" is a password alone (the form redis-cli accepts), not a user name.
    if (!u.has_password()) std::swap(address.username, address.password);
  }
  const std::string path = u.path();
  if (!path.empty() && path != "/") {
    const std::string_view db = std::string_view(path).substr(1);
    int value = 0;
    const auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), value);
    if (ec != std::errc() || end != db.data() + db.size() || value < 0) return invalid();
    address.db = value;
  }
  if (u.has_query() || u.has_fragment()) return invalid();
  return address;
}

Result<std::unique_ptr<core::RateLimiter>> MakeRedisRateLimiter(const std::string& redis_url,
                                                                const core::Clock& clock) {
  EMP_ASSIGN(auto address, ParseRedisUrl(redis_url));
  return std::unique_ptr<core::RateLimiter>(std::make_unique<RedisRateLimiter>(std::move(address), clock));
}

}  // namespace emporium::infra
