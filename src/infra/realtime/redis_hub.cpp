// The hub for several instances: Redis pub/sub with one channel per room ("emporium:rt:<room>").
//
// Why one channel per room (SUBSCRIBE as a room gets its first local member, UNSUBSCRIBE when it
// loses its last) rather than one PSUBSCRIBE pattern: with a pattern every instance receives, parses
// and drops every event of every room, so the traffic per instance grows with the size of the whole
// fleet; with per-room channels Redis sends an instance only what its own connections want.
//
// Exactly once: Publish only PUBLISHes; every instance, this one included, delivers an event when
// Redis hands it back on a channel it is subscribed to, and it is subscribed to each channel once.
//
// Threads (hiredis 0.14 has no Asio adapter, and Publish must never wait on the network):
// - the subscriber thread owns the subscribed connection. It polls the socket together with an
//   eventfd that Join/Leave signal, and reconciles the set of subscribed channels with the rooms
//   that have members ("dirty" rooms are re-checked, so racing joins and leaves converge on the
//   registry's state, whatever order they were signalled in). It reconnects with backoff and then
//   subscribes to every room again.
// - the publisher thread owns a second connection and drains a bounded queue, pipelining the
//   PUBLISH commands of a batch. Events published while Redis is down are dropped and logged: the
//   hub is at-most-once across an outage, never at-least-once (no duplicates after a reconnect).
#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/log.hpp"
#include "core/thread.hpp"
#include "infra/realtime/event_codec.hpp"
#include "infra/realtime/hub.hpp"
#include "infra/realtime/room_registry.hpp"
#include "infra/redis/redis_rate_limiter.hpp"

namespace emporium::infra::realtime {

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr timeval kConnectTimeout{1, 0};
constexpr timeval kIoTimeout{2, 0};  ///< bounds a blocking write or an AUTH reply, never an idle wait
constexpr int kPollMillis = 1000;
constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{5000};
constexpr std::size_t kMaxQueuedPublishes = 65536;
constexpr std::size_t kChannelsPerCommand = 512;
constexpr auto kWarningInterval = std::chrono::seconds(10);

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

const auto& Log() {
  static const auto logger = core::Logger("realtime");
  return logger;
}

/// A warning logged at most once per interval, so a Redis outage does not flood the log.
class ThrottledWarning {
 public:
  void operator()(std::string_view msg, std::string_view error) {
    const auto now = Clock::now().time_since_epoch().count();
    auto last = last_.load(std::memory_order_relaxed);
    const auto interval = std::chrono::duration_cast<Clock::duration>(kWarningInterval).count();
    if (last != 0 && now - last < interval) return;
    if (!last_.compare_exchange_strong(last, now)) return;
    Log()->warn(fmt::format(R"({{"msg":"{}","error":"{}"}})", msg, core::JsonEscape(error)));
  }

 private:
  std::atomic<Clock::rep> last_{0};
};

class Backoff {
 public:
  milliseconds Next() {
    const auto delay = delay_;
    delay_ = std::min(delay_ * 2, kMaxBackoff);
    return delay;
  }
  void Reset() { delay_ = kFirstBackoff; }

 private:
  milliseconds delay_ = kFirstBackoff;
};

ReplyPtr Command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return ReplyPtr(
      static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

/// A connected, authenticated blocking context, or the reason why not. SELECT is skipped on
/// purpose: pub/sub channels are global to the server, whatever the database number.
Result<ContextPtr> Connect(const RedisAddress& address) {
  ContextPtr c(redisConnectWithTimeout(address.host.c_str(), address.port, kConnectTimeout));
  if (!c) return Error::Unavailable("cannot allocate a redis context");
  if (c->err) return Error::Unavailable(c->errstr);
  redisSetTimeout(c.get(), kIoTimeout);
  redisEnableKeepAlive(c.get());
  if (!address.password.empty()) {
    ReplyPtr reply = address.username.empty() ? Command(c.get(), {"AUTH", address.password})
                                              : Command(c.get(), {"AUTH", address.username, address.password});
    // The server's error text only; the AUTH arguments are never logged.
    if (!reply) return Error::Unavailable(c->errstr);
    if (reply->type == REDIS_REPLY_ERROR) return Error::Unavailable(std::string(reply->str, reply->len));
  }
  return c;
}

std::string_view Text(const redisReply* r) {
  if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)) return {};
  return {r->str, r->len};
}

/// Writes everything hiredis has buffered. The socket is blocking with kIoTimeout, so this returns.
bool Flush(redisContext* c) {
  int done = 0;
  while (!done) {
    if (redisBufferWrite(c, &done) != REDIS_OK) return false;
  }
  return true;
}

/// A connection that has data to read while we expect none was closed or reset by the server.
bool LooksClosed(redisContext* c) {
  pollfd p{c->fd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

class RedisHub final : public Hub {
 public:
  RedisHub(RedisAddress address, ContextPtr subscriber_connection, ContextPtr publisher_connection, int wake_fd)
      : address_(std::move(address)), wake_fd_(wake_fd) {
    subscriber_thread_ = std::thread([this, c = std::move(subscriber_connection)]() mutable {
      core::NameThisThread("redis-subscribe");
      SubscriberMain(std::move(c));
    });
    publisher_thread_ = std::thread([this, c = std::move(publisher_connection)]() mutable {
      core::NameThisThread("redis-publish");
      PublisherMain(std::move(c));
    });
  }

  ~RedisHub() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    Wake();
    subscriber_thread_.join();
    publisher_thread_.join();
    ::close(wake_fd_);
  }

  void Join(const std::string& room, const std::shared_ptr<Subscriber>& subscriber) override {
    if (registry_.Join(room, subscriber)) MarkDirty(room);
  }
  void Leave(const std::string& room, const Subscriber* subscriber) override {
    if (registry_.Leave(room, subscriber)) MarkDirty(room);
  }
  void LeaveAll(const Subscriber* subscriber) override {
    for (const auto& room : registry_.LeaveAll(subscriber)) MarkDirty(room);
  }

  void Publish(const std::string& room, const std::string& type, const boost::json::object& data) override {
    const auto event = MakeEvent(room, type, data);
    if (!event) return;
    {
      std::lock_guard lock(mutex_);
      if (outgoing_.size() >= kMaxQueuedPublishes) {
        overflow_warning_("real-time publish queue full; event dropped", room);
        return;
      }
      outgoing_.push_back({ChannelFor(room), EncodeMessage(*event)});
    }
    wake_.notify_all();
  }

  void PublishLocal(const std::string& room, const std::string& type, const boost::json::object& data) override {
    if (!registry_.Has(room)) return;
    if (auto event = MakeEvent(room, type, data)) registry_.Deliver(event);
  }

  std::size_t LocalSubscribers(const std::string& room) const override { return registry_.Members(room); }
  std::size_t LocalRooms(std::string_view prefix) const override { return registry_.Rooms(prefix); }

 private:
  struct Outgoing {
    std::string channel;
    std::string message;
  };

  bool Stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  /// Sleeps for `delay` unless the hub stops first.
  void Pause(milliseconds delay) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, delay, [this] { return stopping_; });
  }

  void Wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

  void MarkDirty(const std::string& room) {
    {
      std::lock_guard lock(dirty_mutex_);
      dirty_.insert(room);
    }
    Wake();
  }

  std::unordered_set<std::string> TakeDirty() {
    std::lock_guard lock(dirty_mutex_);
    return std::exchange(dirty_, {});
  }

  // ---- subscriber thread -------------------------------------------------------------------

  void SubscriberMain(ContextPtr c) {
    Backoff backoff;
    while (!Stopping()) {
      if (!c) {
        auto connected = Connect(address_);
        if (!connected) {
          subscriber_warning_("redis real-time subscriber cannot connect; retrying", connected.error().message);
          Pause(backoff.Next());
          continue;
        }
        c = std::move(*connected);
        Log()->info(R"({"msg":"redis real-time subscriber reconnected"})");
      }
      backoff.Reset();
      const std::string error = Serve(c.get());
      c.reset();
      if (Stopping()) break;
      subscriber_warning_(
          "redis real-time subscriber lost its connection; events for this instance are lost until "
          "it is back",
          error);
      Pause(backoff.Next());
    }
  }

  /// Runs one connection until it fails (returns why) or the hub stops (returns "").
  std::string Serve(redisContext* c) {
    subscribed_.clear();
    TakeDirty();  // the full resubscription below covers them
    auto rooms = registry_.RoomNames();
    if (!Reconcile(c, std::unordered_set<std::string>(rooms.begin(), rooms.end()))) return c->errstr;
    while (true) {
      pollfd fds[2] = {{c->fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      if (::poll(fds, 2, kPollMillis) < 0) {
        if (errno != EINTR) return "poll failed";
        continue;
      }
      if (Stopping()) return "";
      if (fds[1].revents & POLLIN) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);
        if (!Reconcile(c, TakeDirty())) return c->errstr;
      }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        if (redisBufferRead(c) != REDIS_OK) return c->errstr;
        void* raw = nullptr;
        while (redisGetReplyFromReader(c, &raw) == REDIS_OK && raw) {
          OnReply(ReplyPtr(static_cast<redisReply*>(raw)));
          raw = nullptr;
        }
        if (c->err) return c->errstr;
      }
    }
  }

  /// Brings the subscribed channels of `rooms` in line with the registry: subscribed exactly when
  /// the room has members now.
  bool Reconcile(redisContext* c, const std::unordered_set<std::string>& rooms) {
    std::vector<std::string> subscribe{"SUBSCRIBE"};
    std::vector<std::string> unsubscribe{"UNSUBSCRIBE"};
    for (const auto& room : rooms) {
      const bool wanted = registry_.Has(room);
      const bool have = subscribed_.contains(room);
      if (wanted && !have) {
        subscribe.push_back(ChannelFor(room));
        subscribed_.insert(room);
      } else if (!wanted && have) {
        unsubscribe.push_back(ChannelFor(room));
        subscribed_.erase(room);
      }
      if (subscribe.size() > kChannelsPerCommand && !Send(c, subscribe)) return false;
      if (unsubscribe.size() > kChannelsPerCommand && !Send(c, unsubscribe)) return false;
    }
    return Send(c, subscribe) && Send(c, unsubscribe);
  }

  /// Sends a (UN)SUBSCRIBE with its channels, if it has any, and resets it to the bare command.
  static bool Send(redisContext* c, std::vector<std::string>& command) {
    if (command.size() < 2) return true;
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : command) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    const bool ok =
        redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()) == REDIS_OK && Flush(c);
    command.resize(1);
    return ok;
  }

  void OnReply(ReplyPtr reply) {
    // Subscribe/unsubscribe confirmations need no action; only messages are delivered.
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 || Text(reply->element[0]) != "message") return;
    auto room = RoomOfChannel(Text(reply->element[1]));
    if (!room) return;
    auto event = DecodeMessage(std::move(*room), Text(reply->element[2]));
    if (!event) {
      malformed_warning_("dropped a malformed real-time message from redis", Text(reply->element[1]));
      return;
    }
    registry_.Deliver(event);
  }

  // ---- publisher thread --------------------------------------------------------------------

  void PublisherMain(ContextPtr c) {
    Backoff backoff;
    std::deque<Outgoing> batch;
    while (true) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !outgoing_.empty(); });
        if (outgoing_.empty()) break;  // stopping, and everything published
        batch.swap(outgoing_);
      }
      // The server closes idle connections on restart; notice that before writing, so the batch
      // goes to the new server instead of being lost on the dead socket.
      if (c && LooksClosed(c.get())) c.reset();
      if (!c) {
        auto connected = Connect(address_);
        if (!connected) {
          publisher_warning_("redis real-time publisher cannot connect; events dropped", connected.error().message);
          batch.clear();
          if (!Stopping()) Pause(backoff.Next());
          continue;
        }
        c = std::move(*connected);
      }
      backoff.Reset();
      if (!PublishBatch(c.get(), batch)) {
        publisher_warning_("redis real-time publish failed; events dropped", c->errstr);
        c.reset();
      }
      batch.clear();
    }
  }

  /// Pipelines the batch: every PUBLISH is written, then every reply read.
  static bool PublishBatch(redisContext* c, const std::deque<Outgoing>& batch) {
    for (const auto& out : batch) {
      const char* argv[] = {"PUBLISH", out.channel.data(), out.message.data()};
      const std::size_t lengths[] = {7, out.channel.size(), out.message.size()};
      if (redisAppendCommandArgv(c, 3, argv, lengths) != REDIS_OK) return false;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK) return false;
      ReplyPtr reply(static_cast<redisReply*>(raw));
    }
    return true;
  }

  const RedisAddress address_;
  RoomRegistry registry_;

  std::mutex mutex_;  // guards stopping_ and outgoing_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Outgoing> outgoing_;

  std::mutex dirty_mutex_;
  std::unordered_set<std::string> dirty_;
  const int wake_fd_;                           // eventfd: wakes the subscriber thread's poll
  std::unordered_set<std::string> subscribed_;  // subscriber thread only

  ThrottledWarning subscriber_warning_;
  ThrottledWarning publisher_warning_;
  ThrottledWarning overflow_warning_;
  ThrottledWarning malformed_warning_;

  std::thread subscriber_thread_;
  std::thread publisher_thread_;
};

}  // namespace

Result<std::unique_ptr<Hub>> MakeRedisHub(const std::string& redis_url) {
  EMP_ASSIGN(auto address, ParseRedisUrl(redis_url));
  auto subscriber = Connect(address);
  if (!subscriber)
    return Error::Unavailable("Cannot connect to Redis for real-time events: " + subscriber.error().message);
  auto publisher = Connect(address);
  if (!publisher)
    return Error::Unavailable("Cannot connect to Redis for real-time events: " + publisher.error().message);
  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) return Error::Internal("eventfd failed");
  return std::unique_ptr<Hub>(
      std::make_unique<RedisHub>(std::move(address), std::move(*subscriber), std::move(*publisher), wake_fd));
}

}  // namespace emporium::infra::realtime
