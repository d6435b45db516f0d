// `GET /ws`: the plain WebSocket transport of the real-time hub (protocol in ws_protocol.hpp and
// docs/realtime.md). Beast and Asio stay in this TU.
//
// One session per connection, living on the connection's io_context (one thread per context, so
// nothing in a session needs a lock except what other threads touch: Deliver() and Shutdown(),
// which only post to that context). Two coroutines share the socket: the reader (client frames,
// one at a time, blocking checks on the worker pool) and the writer (drains the send queue, closes
// the connection when asked or when the access token expires). Beast allows one read and one
// write/close in flight at once, which is exactly this split.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "http/realtime.hpp"
#include "http/stream_endpoint.hpp"
#include "http/ws_protocol.hpp"
#include "infra/realtime/hub.hpp"

namespace emporium::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using namespace boost::asio::experimental::awaitable_operators;

using EventPtr = std::shared_ptr<const infra::realtime::Event>;
using WebSocket = websocket::stream<beast::tcp_stream&>;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

/// Bounds the opening handshake and the closing one (a peer that never answers a close frame).
constexpr std::chrono::seconds kHandshakeTimeout{10};
/// Time to send {"type":"auth"} when the upgrade request carried no token.
constexpr std::chrono::seconds kAuthFrameTimeout{10};
/// After asking a client to close (slow reader, shutdown), the socket is cut if it has not gone.
constexpr std::chrono::seconds kCloseGrace{5};
constexpr std::size_t kMaxRoomsPerConnection = 64;
/// A read buffer grown by a large frame is released down to this once the frame is handled.
constexpr std::size_t kIdleReadBuffer = 1024;

const auto& Log() {
  static const auto logger = core::Logger("realtime");
  return logger;
}

// g++ 12 mishandles class-type temporaries and by-value parameters around co_await here (seen as a
// double free of a string captured by value), so the coroutines below take pointers and callers
// pass lambdas that capture by reference only: nothing non-trivial is destroyed by the coroutine
// machinery. The same rule holds for every co_await in this file: arguments are named locals.
template <class F>
asio::awaitable<std::optional<std::invoke_result_t<F&>>> CallOnWorker(F* f) {
  co_return (*f)();
}

/// Runs blocking `f` (authentication, room checks read the database) on the worker pool and
/// resumes on the connection's thread. (The optional only makes the result default-constructible,
/// as co_spawn requires.)
template <class F>
asio::awaitable<std::invoke_result_t<F&>> OnWorker(asio::thread_pool& workers, F&& f) {
  auto result = co_await asio::co_spawn(workers, CallOnWorker(&f), asio::use_awaitable);
  co_return std::move(*result);
}

/// The steady-clock instant of a Unix time, for timers that must not jump with the wall clock.
SteadyClock::time_point SteadyAt(std::int64_t unix_seconds) {
  const auto wall_left = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(unix_seconds)) -
                         std::chrono::system_clock::now();
  return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(wall_left);
}

struct Services {
  infra::realtime::Hub& hub;
  Authenticator& auth;
  RoomAuthorizer& rooms;
  RealtimeOptions options;
};

class WsSession final : public infra::realtime::Subscriber, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(const Services& services, WebSocket& ws, std::chrono::seconds token_ttl)
      : services_(services),
        ws_(ws),
        executor_(ws.get_executor()),
        token_ttl_(token_ttl),
        wake_(executor_),
        kill_(executor_) {}

  /// Any thread. Never blocks: counts the event against the queue bound and posts it to the
  /// connection's thread; a client over the bound is disconnected, not buffered for.
  void Deliver(const EventPtr& event) override {
    if (overflowed_.load(std::memory_order_relaxed)) return;
    if (pending_.fetch_add(1, std::memory_order_relaxed) >= services_.options.send_queue_limit) {
      pending_.fetch_sub(1, std::memory_order_relaxed);
      if (!overflowed_.exchange(true)) asio::post(executor_, [self = shared_from_this()] { self->OnOverflow(); });
      return;
    }
    asio::post(executor_, [self = shared_from_this(), event] { self->Enqueue(event); });
  }

  /// Any thread: close with 1001 going away (server shutdown).
  void GoAway() {
    asio::post(executor_, [self = shared_from_this()] { self->Close(ws::kCloseGoingAway, "server shutting down"); });
  }

  /// Serves the connection until it closes. `principal` is set when the upgrade request carried a
  /// valid token; otherwise the client has kAuthFrameTimeout to send an auth frame.
  asio::awaitable<void> Run(StreamContext& ctx, beast::flat_buffer& buffer, const std::optional<Principal>& principal) {
    ws_.text(true);
    ws_.auto_fragment(false);  // server frames are unmasked: written straight from the event's strings
    deadline_ = SteadyClock::now() + kAuthFrameTimeout;
    const Finished finished{this};
    if (principal) co_await OnAuthenticated(ctx, *principal);
    co_await (ReadLoop(ctx, buffer) && WriteLoop());
  }

 private:
  /// Marks the end of Run() however it ends (also by an exception or a destroyed coroutine).
  struct Finished {
    WsSession* session;
    ~Finished() {
      session->finished_ = true;
      session->services_.hub.LeaveAll(session);
      session->wake_.cancel();
      session->kill_.cancel();
    }
  };

  // ---- reader ---------------------------------------------------------------------------------

  asio::awaitable<void> ReadLoop(StreamContext& ctx, beast::flat_buffer& buffer) {
    while (true) {
      auto [ec, n] = co_await ws_.async_read(buffer, kUseTuple);
      if (ec) break;  // closed by the peer or by us, timed out, too big (Beast answered 1009), reset
      if (!ws_.got_text()) {
        Send(ws::ErrorReply(Error::BadRequest("Binary frames are not supported; send JSON text."), nullptr));
      } else {
        const std::string text = beast::buffers_to_string(buffer.data());
        co_await Handle(ctx, text);
      }
      buffer.consume(buffer.size());
      if (buffer.capacity() > kIdleReadBuffer) buffer.shrink_to_fit();
    }
    reader_done_ = true;
    wake_.cancel();
  }

  asio::awaitable<void> Handle(StreamContext& ctx, const std::string& text) {
    auto frame = ws::ParseClientFrame(text);
    if (!principal_) {
      // Nothing but a valid auth frame is accepted before authentication.
      if (!frame || frame->kind != ws::FrameKind::kAuth) {
        Close(ws::kCloseUnauthorized, "authenticate first");
        co_return;
      }
      auto who = co_await OnWorker(ctx.workers, [&] { return AuthenticateOnly(services_.auth, frame->token); });
      if (!who) {
        Close(ws::kCloseUnauthorized, "invalid access token");
        co_return;
      }
      co_await OnAuthenticated(ctx, *who);
      co_return;
    }
    if (!frame) {
      Send(ws::ErrorReply(frame.error(), ws::IdOf(text)));
      co_return;
    }
    switch (frame->kind) {
      case ws::FrameKind::kPing: Send(ws::Reply("pong", {}, frame->id)); break;
      case ws::FrameKind::kSubscribe: co_await Subscribe(ctx, *frame); break;
      case ws::FrameKind::kUnsubscribe: Unsubscribe(*frame); break;
      case ws::FrameKind::kAuth: co_await Reauthenticate(ctx, *frame); break;
    }
  }

  asio::awaitable<void> OnAuthenticated(StreamContext& ctx, const Principal& who) {
    Adopt(who);
    const auto defaults = co_await OnWorker(ctx.workers, [&] { return services_.rooms.DefaultRooms(who); });
    for (const auto& room : defaults) JoinRoom(room);
    Send(ws::ReadyReply(who, rooms_, expires_at_));
  }

  asio::awaitable<void> Subscribe(StreamContext& ctx, const ws::ClientFrame& frame) {
    const bool joined = std::find(rooms_.begin(), rooms_.end(), frame.room) != rooms_.end();
    if (!joined && rooms_.size() >= kMaxRoomsPerConnection) {
      Send(ws::ErrorReply(Error::Invalid("data.room", "at most " + std::to_string(kMaxRoomsPerConnection) +
                                                          " rooms per connection"),
                          frame.id, frame.room));
      co_return;
    }
    // Checked again even when joined: the answer may have changed (role, ownership).
    const Principal who = *principal_;
    const Status allowed = co_await OnWorker(ctx.workers, [&] { return services_.rooms.MayJoin(who, frame.room); });
    if (!allowed) {
      Send(ws::ErrorReply(allowed.error(), frame.id, frame.room));
      co_return;
    }
    JoinRoom(frame.room);
    Send(ws::Reply("subscribed", {{"room", frame.room}}, frame.id));
  }

  void Unsubscribe(const ws::ClientFrame& frame) {
    services_.hub.Leave(frame.room, this);
    std::erase(rooms_, frame.room);
    Send(ws::Reply("unsubscribed", {{"room", frame.room}}, frame.id));
  }

  /// A fresh token for the same user extends the connection past the old token's expiry.
  asio::awaitable<void> Reauthenticate(StreamContext& ctx, const ws::ClientFrame& frame) {
    auto who = co_await OnWorker(ctx.workers, [&] { return AuthenticateOnly(services_.auth, frame.token); });
    if (!who) {
      Send(ws::ErrorReply(Error::Unauthorized("The access token is invalid or expired."), frame.id));
      co_return;
    }
    if (who->user_id != principal_->user_id) {
      Send(ws::ErrorReply(Error::Forbidden("The token belongs to another user; open a new connection."), frame.id));
      co_return;
    }
    Adopt(*who);
    wake_.cancel();  // the writer re-arms its timer for the new expiry
    Send(ws::Reply("authenticated", {{"expires_at", core::FormatRfc3339(expires_at_)}}, frame.id));
  }

  void Adopt(const Principal& who) {
    principal_ = who;
    expires_at_ = who.issued_at + token_ttl_.count();
    deadline_ = SteadyAt(expires_at_);
  }

  void JoinRoom(const std::string& room) {
    if (std::find(rooms_.begin(), rooms_.end(), room) != rooms_.end()) return;
    services_.hub.Join(room, shared_from_this());
    rooms_.push_back(room);
  }

  // ---- writer ---------------------------------------------------------------------------------

  asio::awaitable<void> WriteLoop() {
    while (true) {
      while (head_ < queue_.size() && !reader_done_) {
        const EventPtr event = std::move(queue_[head_++]);
        if (head_ == queue_.size()) ResetQueue();
        const std::array<asio::const_buffer, 5> frame{
            asio::buffer(ws::kFrameHead), asio::buffer(event->type), asio::buffer(ws::kFrameMiddle),
            asio::buffer(event->data), asio::buffer(ws::kFrameTail)};
        auto [ec, n] = co_await ws_.async_write(frame, kUseTuple);
        pending_.fetch_sub(1, std::memory_order_relaxed);
        if (ec) {
          Abort();
          co_return;
        }
      }
      if (reader_done_) co_return;
      if (close_code_) {
        auto [ec] = co_await ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_text_), kUseTuple);
        if (ec) Abort();
        co_return;
      }
      wake_.expires_at(deadline_);
      auto [ec] = co_await wake_.async_wait(kUseTuple);
      if (!ec && SteadyClock::now() >= deadline_) {
        Close(ws::kCloseUnauthorized, principal_ ? "access token expired" : "authentication timeout");
      }
    }
  }

  // ---- queue and closing (connection thread) -----------------------------------------------

  void Enqueue(EventPtr event) {
    if (finished_ || close_code_) {
      pending_.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(event));
    wake_.cancel();
  }

  /// A reply to this client: counted against the same bound as events.
  void Send(EventPtr reply) {
    if (pending_.fetch_add(1, std::memory_order_relaxed) >= services_.options.send_queue_limit) {
      pending_.fetch_sub(1, std::memory_order_relaxed);
      overflowed_ = true;
      OnOverflow();
      return;
    }
    Enqueue(std::move(reply));
  }

  void ResetQueue() {
    queue_.clear();
    head_ = 0;
    // A burst may have grown the queue; an idle connection keeps no more than a few slots.
    if (queue_.capacity() > 16) queue_.shrink_to_fit();
  }

  void OnOverflow() {
    if (finished_ || close_code_) return;
    pending_.fetch_sub(queue_.size() - head_, std::memory_order_relaxed);
    ResetQueue();
    Log()->info(fmt::format(R"({{"msg":"websocket client too slow; disconnecting","user_id":{}}})",
                            principal_ ? principal_->user_id : 0));
    Close(ws::kClosePolicy, "send queue overflow");
  }

  /// Asks the writer to send a close frame after what is queued; cuts the socket if the client has
  /// not completed the close within kCloseGrace.
  void Close(std::uint16_t code, std::string reason) {
    if (finished_ || close_code_ || reader_done_) return;
    close_code_ = code;
    close_text_ = std::move(reason);
    wake_.cancel();
    kill_.expires_after(kCloseGrace);
    kill_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      if (!ec) self->Abort();
    });
  }

  /// Ends both coroutines at once: their pending operations fail with operation_aborted.
  void Abort() {
    if (finished_) return;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  const Services& services_;
  WebSocket& ws_;  // lives in the endpoint's Serve frame, which outlives every use (see finished_)
  const asio::any_io_executor executor_;
  const std::chrono::seconds token_ttl_;

  std::atomic<std::size_t> pending_{0};  // events and replies accepted and not yet written
  std::atomic<bool> overflowed_{false};

  // Connection thread only.
  std::optional<Principal> principal_;
  std::int64_t expires_at_ = 0;
  SteadyClock::time_point deadline_;  // auth frame due, or access token expiry
  std::vector<std::string> rooms_;
  std::vector<EventPtr> queue_;
  std::size_t head_ = 0;
  asio::steady_timer wake_;  // the writer sleeps on it until work, a close or the deadline
  asio::steady_timer kill_;
  std::uint16_t close_code_ = 0;
  std::string close_text_;
  bool reader_done_ = false;
  bool finished_ = false;  // Run() returned: ws_ must no longer be touched
};

Request UpgradeRequest(const bhttp::request<bhttp::string_body>& msg, const std::string& remote_ip) {
  Request req;
  req.method = ParseMethod(msg.method_string());
  req.target = std::string(msg.target());
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query_string = q == std::string::npos ? std::string() : req.target.substr(q + 1);
  req.remote_ip = remote_ip;
  for (const auto& field : msg) req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  return req;
}

asio::awaitable<void> WriteResponse(beast::tcp_stream& stream, Response& r, unsigned version, bool keep_alive,
                                    std::chrono::seconds timeout) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  for (auto& h : r.headers) res.set(h.name, h.value);
  res.body() = std::move(r.body);
  res.prepare_payload();
  res.keep_alive(keep_alive);
  stream.expires_after(timeout);
  co_await bhttp::async_write(stream, res, kUseTuple);
}

class WebSocketEndpoint final : public StreamEndpoint {
 public:
  explicit WebSocketEndpoint(Services services) : services_(std::move(services)) {}

  bool Matches(std::string_view path) const override { return path == "/ws"; }

  asio::awaitable<bool> Serve(StreamContext& ctx, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                              bhttp::request_parser<bhttp::string_body>& parser) override {
    const auto& msg = parser.get();
    Request req = UpgradeRequest(msg, ctx.remote_ip);

    if (!websocket::is_upgrade(msg)) {
      // A plain request that was fully read can be answered and the connection kept.
      const bool keep = parser.is_done() && msg.keep_alive();
      Response r = ctx.dispatcher.Reject(
          req, Error::BadRequest("GET /ws is a WebSocket endpoint: send an Upgrade: websocket request."), 426);
      r.Set("Upgrade", "websocket");
      co_await WriteResponse(stream, r, msg.version(), keep, ctx.config.body_timeout);
      co_return keep;
    }
    if (!parser.is_done() || buffer.size() > 0) {
      // A client must wait for 101 before sending frames, and an upgrade has no body.
      const Error error = Error::BadRequest("Unexpected data after the upgrade request.");
      co_await Refuse(ctx, stream, req, msg.version(), error);
      co_return false;
    }
    if (ctx.stopping.load() || stopping_.load()) {
      const Error error = Error::Unavailable("The server is shutting down.");
      co_await Refuse(ctx, stream, req, msg.version(), error);
      co_return false;
    }

    std::optional<Principal> principal;
    if (auto token = ws::TokenFrom(req)) {
      auto who = co_await OnWorker(ctx.workers, [&] { return AuthenticateOnly(services_.auth, *token); });
      if (!who) {
        const Error error = Error::Unauthorized("The access token is invalid or expired.");
        co_await Refuse(ctx, stream, req, msg.version(), error);
        co_return false;
      }
      principal = *who;
    }

    WebSocket ws(stream);
    ws.read_message_max(services_.options.max_payload);
    ws.set_option(websocket::stream_base::timeout{kHandshakeTimeout, websocket::stream_base::none(), false});
    stream.expires_never();  // the websocket's own timeouts apply from here
    auto [aec] = co_await ws.async_accept(msg, kUseTuple);
    if (aec) co_return false;
    // The HTTP read buffer is not needed any more; frames are read into a small one.
    buffer.consume(buffer.size());
    buffer.shrink_to_fit();

    // Beast pings after half the idle timeout and closes after all of it without a frame.
    ws.set_option(websocket::stream_base::timeout{
        kHandshakeTimeout, services_.options.ping_interval + services_.options.ping_timeout, true});
    auto session = std::make_shared<WsSession>(services_, ws, ctx.config.access_token_ttl);
    Register(session);
    try {
      co_await session->Run(ctx, buffer, principal);
    } catch (...) {
      Unregister(session.get());
      throw;  // the server's per-connection catch logs it
    }
    Unregister(session.get());
    co_return false;
  }

  void Shutdown() override {
    stopping_ = true;
    std::lock_guard lock(mutex_);
    for (auto& [raw, weak] : sessions_) {
      if (auto session = weak.lock()) session->GoAway();
    }
  }

 private:
  asio::awaitable<void> Refuse(StreamContext& ctx, beast::tcp_stream& stream, Request& req, unsigned version,
                               const Error& error) {
    Response r = ctx.dispatcher.Reject(req, error);
    co_await WriteResponse(stream, r, version, false, ctx.config.body_timeout);
  }

  void Register(const std::shared_ptr<WsSession>& session) {
    std::lock_guard lock(mutex_);
    sessions_.emplace(session.get(), session);
    // Shutdown() may have run between the check in Serve and here.
    if (stopping_.load()) session->GoAway();
  }
  void Unregister(const WsSession* session) {
    std::lock_guard lock(mutex_);
    sessions_.erase(session);
  }

  const Services services_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::unordered_map<const WsSession*, std::weak_ptr<WsSession>> sessions_;
};

}  // namespace

std::shared_ptr<StreamEndpoint> MakeWebSocketEndpoint(infra::realtime::Hub& hub, Authenticator& auth,
                                                      RoomAuthorizer& rooms, RealtimeOptions options) {
  return std::make_shared<WebSocketEndpoint>(Services{hub, auth, rooms, options});
}

}  // namespace emporium::http
