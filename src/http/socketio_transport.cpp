// The /socket.io/ endpoint: Engine.IO v4 transports (HTTP long-polling, WebSocket, and the upgrade
// from one to the other) around socketio::Session, which holds the protocol state. Beast and Asio
// live here only.
//
// Threads: the server runs one io_context per io thread and a connection stays on its context,
// but the requests of one long-polling session arrive on any connection. A session's state is
// therefore behind its own mutex (socketio_session.hpp), and whoever waits for it (a pending GET,
// a WebSocket writer, the heartbeat) waits on a timer of its own io_context that the session
// "wakes" by posting a cancel to that context. Blocking work goes to ctx.workers.

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "core/crypto.hpp"
#include "http/engineio_codec.hpp"
#include "http/realtime.hpp"
#include "http/socketio_session.hpp"
#include "http/stream_endpoint.hpp"

namespace emporium::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using socketio::CloseReason;
using socketio::Session;
using socketio::Transport;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kPath = "/socket.io/";
// The reference server gives a websocket 10 s to complete an upgrade (upgradeTimeout).
constexpr auto kUpgradeTimeout = std::chrono::seconds(10);
constexpr auto kForever = std::chrono::hours(24);
constexpr auto kClosedSessionGrace = std::chrono::milliseconds(500);
constexpr auto kConformanceFlushGap = std::chrono::milliseconds(5);

using WebSocket = websocket::stream<beast::tcp_stream&>;
using HttpRequest = bhttp::request<bhttp::string_body>;
using Parser = bhttp::request_parser<bhttp::string_body>;

/// A timer that another thread can interrupt: Wake() posts a cancel to the timer's own io_context,
/// so it cannot race with the coroutine that waits on it (both run on that context's one thread).
class Alarm {
 public:
  explicit Alarm(const asio::any_io_executor& executor) : timer_(std::make_shared<asio::steady_timer>(executor)) {}

  std::function<void()> Waker() const {
    return [weak = std::weak_ptr<asio::steady_timer>(timer_)] {
      if (auto timer = weak.lock()) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
    };
  }
  asio::awaitable<void> WaitUntil(Clock::time_point when) {
    timer_->expires_at(when);
    co_await timer_->async_wait(kUseTuple);
  }
  asio::awaitable<void> WaitFor(Clock::duration d) { co_await WaitUntil(Clock::now() + d); }

 private:
  std::shared_ptr<asio::steady_timer> timer_;
};

std::string BearerToken(const HttpRequest& req) {
  const auto it = req.find(bhttp::field::authorization);
  if (it == req.end()) return {};
  const std::string_view value = it->value();
  constexpr std::string_view kBearer = "Bearer ";
  if (value.size() <= kBearer.size() || !beast::iequals(value.substr(0, kBearer.size()), kBearer)) return {};
  return std::string(value.substr(kBearer.size()));
}

}  // namespace

class SocketIoEndpoint final : public StreamEndpoint, public std::enable_shared_from_this<SocketIoEndpoint> {
 public:
  SocketIoEndpoint(infra::realtime::Hub& hub, Authenticator& auth, RoomAuthorizer& rooms, RealtimeOptions options)
      : services_(std::make_shared<socketio::Services>()) {
    if (options.socketio_conformance) {
      // The reference server configuration of the socketio/socket.io-protocol test suite.
      options.ping_interval = std::chrono::milliseconds(300);
      options.ping_timeout = std::chrono::milliseconds(200);
      options.connect_timeout = std::chrono::milliseconds(1000);
      options.max_payload = 1000000;
    }
    services_->options = options;
    services_->hub = &hub;
    services_->auth = &auth;
    services_->rooms = &rooms;
  }

  bool Matches(std::string_view path) const override { return path.starts_with(kPath); }

  asio::awaitable<bool> Serve(StreamContext& ctx, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                              Parser& parser) override;

  void Shutdown() override {
    std::vector<std::shared_ptr<Session>> sessions;
    {
      std::lock_guard lock(mutex_);
      shutting_down_ = true;
      for (const auto& [sid, session] : sessions_) sessions.push_back(session);
    }
    for (const auto& s : sessions) s->Close(CloseReason::kServerShutdown);
  }

 private:
  struct Exchange {  // one request being served
    StreamContext& ctx;
    beast::tcp_stream& stream;
    beast::flat_buffer& buffer;
    Parser& parser;
  };

  std::shared_ptr<Session> CreateSession(Exchange& x, Transport transport, const engineio::Query& query);
  std::shared_ptr<Session> Find(const std::string& sid) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(sid);
    return it == sessions_.end() ? nullptr : it->second;
  }
  asio::awaitable<void> Heartbeat(std::shared_ptr<Session> session);

  asio::awaitable<bool> Reply(Exchange& x, unsigned status, std::string body, bool json = false);
  asio::awaitable<bool> ReplyError(Exchange& x, engineio::ErrorCode code) {
    return Reply(x, 400, engineio::ErrorBody(code), true);
  }
  asio::awaitable<bool> PollGet(Exchange& x, std::shared_ptr<Session> session);
  asio::awaitable<bool> PollPost(Exchange& x, std::shared_ptr<Session> session);
  asio::awaitable<bool> ServeWebSocket(Exchange& x, std::shared_ptr<Session> session, bool upgrade);
  asio::awaitable<bool> Probe(WebSocket& ws, Session& session);
  asio::awaitable<void> Writer(WebSocket& ws, std::shared_ptr<Session> session, Alarm& alarm);

  std::shared_ptr<socketio::Services> services_;
  std::once_flag workers_once_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
  bool shutting_down_ = false;
};

asio::awaitable<bool> SocketIoEndpoint::Serve(StreamContext& ctx, beast::tcp_stream& stream,
                                              beast::flat_buffer& buffer, Parser& parser) {
  // Every request runs on the same server, hence the same worker pool.
  std::call_once(workers_once_, [&] {
    services_->run_blocking = [&workers = ctx.workers](std::function<void()> work) {
      asio::post(workers, std::move(work));
    };
  });
  Exchange x{ctx, stream, buffer, parser};
  const HttpRequest& req = parser.get();
  const std::string_view target = req.target();
  const auto q = target.find('?');
  if (target.substr(0, q) != kPath) co_return co_await ReplyError(x, engineio::ErrorCode::kBadRequest);
  const auto query = engineio::ParseQuery(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));

  const bool is_upgrade = websocket::is_upgrade(req);
  if (query.transport != "polling" && query.transport != "websocket") {
    co_return co_await ReplyError(x, engineio::ErrorCode::kUnknownTransport);
  }
  if (query.eio != "4") co_return co_await ReplyError(x, engineio::ErrorCode::kUnsupportedProtocolVersion);
  const bool wants_websocket = query.transport == "websocket";
  if (wants_websocket != is_upgrade) co_return co_await ReplyError(x, engineio::ErrorCode::kBadRequest);

  if (query.sid.empty()) {
    if (req.method() != bhttp::verb::get) co_return co_await ReplyError(x, engineio::ErrorCode::kBadHandshakeMethod);
    auto session = CreateSession(x, wants_websocket ? Transport::kWebSocket : Transport::kPolling, query);
    if (!session) co_return co_await Reply(x, 503, R"({"code":3,"message":"Server shutting down"})", true);
    if (wants_websocket) co_return co_await ServeWebSocket(x, std::move(session), false);
    co_return co_await Reply(x, 200, "0" + session->OpenPayload());
  }

  auto session = Find(query.sid);
  if (session && session->closed()) {
    // Closed sessions stay findable for a moment (see Heartbeat): a poll that was already on its
    // way when the client's own close arrived gets the final noop instead of an error.
    const bool last_poll = !wants_websocket && req.method() == bhttp::verb::get && session->ClosedByClient();
    auto packets = last_poll ? session->TakeOutbound() : std::vector<engineio::Packet>();
    if (!packets.empty()) co_return co_await Reply(x, 200, engineio::EncodePayload(packets));
    session = nullptr;
  }
  if (!session) co_return co_await ReplyError(x, engineio::ErrorCode::kUnknownSid);
  if (wants_websocket) {
    co_return co_await ServeWebSocket(x, std::move(session), true);
  }
  // After an upgrade, the polling transport of that session is gone.
  if (session->transport() != Transport::kPolling) co_return co_await ReplyError(x, engineio::ErrorCode::kBadRequest);
  if (req.method() == bhttp::verb::get) co_return co_await PollGet(x, std::move(session));
  if (req.method() == bhttp::verb::post) co_return co_await PollPost(x, std::move(session));
  co_return co_await ReplyError(x, engineio::ErrorCode::kBadRequest);
}

std::shared_ptr<Session> SocketIoEndpoint::CreateSession(Exchange& x, Transport transport,
                                                         const engineio::Query& query) {
  std::string token = query.access_token.empty() ? BearerToken(x.parser.get()) : query.access_token;
  auto session = std::make_shared<Session>(core::RandomToken(15), transport, std::move(token), services_);
  {
    std::lock_guard lock(mutex_);
    if (shutting_down_ || x.ctx.stopping.load()) return nullptr;
    sessions_.emplace(session->sid(), session);
  }
  // The heartbeat lives on the io_context of the connection that opened the session; the
  // endpoint is kept alive by it, so that a session closing at shutdown finds its registry.
  asio::co_spawn(x.stream.get_executor(),
                 [self = shared_from_this(), session]() { return self->Heartbeat(session); }, asio::detached);
  return session;
}

// Server-initiated heartbeat (Engine.IO v4): a ping every ping_interval, a pong expected within
// ping_timeout; the next ping is ping_interval after the pong. Also closes a session that has not
// connected to any Socket.IO namespace within connect_timeout, and takes the session out of the
// registry kClosedSessionGrace after it closed.
asio::awaitable<void> SocketIoEndpoint::Heartbeat(std::shared_ptr<Session> session) {
  const auto& options = services_->options;
  Alarm alarm(co_await asio::this_coro::executor);
  session->SetHeartbeatWaker(alarm.Waker());
  const auto start = Clock::now();
  auto connect_deadline = std::optional<Clock::time_point>(start + options.connect_timeout);
  auto next_ping = start + options.ping_interval;
  std::optional<Clock::time_point> pong_deadline;
  while (!session->closed()) {
    auto wake_at = pong_deadline ? *pong_deadline : next_ping;
    if (connect_deadline) wake_at = std::min(wake_at, *connect_deadline);
    co_await alarm.WaitUntil(wake_at);
    if (session->closed()) break;
    const auto now = Clock::now();
    if (connect_deadline && now >= *connect_deadline) {
      connect_deadline.reset();
      if (!session->HasConnectedNamespace()) session->Close(CloseReason::kConnectTimeout);
    }
    if (pong_deadline) {
      if (!session->AwaitingPong()) {
        pong_deadline.reset();
        next_ping = now + options.ping_interval;
      } else if (now >= *pong_deadline) {
        session->Close(CloseReason::kPingTimeout);
      }
    } else if (now >= next_ping) {
      session->SendPing();
      pong_deadline = now + options.ping_timeout;
    }
  }
  session->SetHeartbeatWaker(nullptr);
  // The session leaves the registry a little after it closed (not at shutdown, which must not wait).
  bool shutting_down = false;
  {
    std::lock_guard lock(mutex_);
    shutting_down = shutting_down_;
  }
  if (!shutting_down) co_await alarm.WaitFor(kClosedSessionGrace);
  std::lock_guard lock(mutex_);
  sessions_.erase(session->sid());
}

asio::awaitable<bool> SocketIoEndpoint::Reply(Exchange& x, unsigned status, std::string body, bool json) {
  // A request whose body was not read cannot be followed by another on this connection.
  const bool keep_alive = x.parser.get().keep_alive() && x.parser.is_done() && !x.ctx.stopping.load();
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), x.parser.get().version()};
  res.set(bhttp::field::content_type, json ? "application/json" : "text/plain; charset=UTF-8");
  res.set(bhttp::field::cache_control, "no-store");
  if (services_->options.socketio_conformance) res.set(bhttp::field::access_control_allow_origin, "*");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  x.stream.expires_after(x.ctx.config.body_timeout);
  auto [ec, n] = co_await bhttp::async_write(x.stream, res, kUseTuple);
  co_return !ec && keep_alive;
}

// A long-polling GET is held until the session has something to send (the ping every
// ping_interval guarantees that) or closes.
asio::awaitable<bool> SocketIoEndpoint::PollGet(Exchange& x, std::shared_ptr<Session> session) {
  if (session->Upgrading()) co_return co_await Reply(x, 200, "6");  // let the client pause polling
  Alarm alarm(x.stream.get_executor());
  if (!session->BeginPoll(alarm.Waker())) {
    session->Close(CloseReason::kProtocolError);  // two concurrent GETs: the reference closes too
    co_return co_await ReplyError(x, engineio::ErrorCode::kBadRequest);
  }
  const auto give_up = Clock::now() + services_->options.ping_interval + services_->options.ping_timeout;
  while (!session->HasOutbound() && !session->closed() && Clock::now() < give_up) {
    co_await alarm.WaitUntil(give_up);
  }
  auto packets = session->TakeOutbound();
  session->EndPoll();
  if (packets.empty()) {
    packets.push_back(engineio::Packet::Text(session->closed() ? engineio::PacketType::kClose
                                                               : engineio::PacketType::kNoop));
  }
  co_return co_await Reply(x, 200, engineio::EncodePayload(packets));
}

asio::awaitable<bool> SocketIoEndpoint::PollPost(Exchange& x, std::shared_ptr<Session> session) {
  const std::size_t max = services_->options.max_payload;
  if (const auto length = x.parser.content_length(); length && *length > max) {
    session->Close(CloseReason::kProtocolError);
    co_return co_await Reply(x, 413, engineio::ErrorBody(engineio::ErrorCode::kBadRequest), true);
  }
  x.parser.body_limit(max);
  x.stream.expires_after(x.ctx.config.body_timeout);
  auto [ec, n] = co_await bhttp::async_read(x.stream, x.buffer, x.parser, kUseTuple);
  if (ec) {
    session->Close(CloseReason::kProtocolError);
    if (ec != bhttp::error::body_limit) co_return false;  // the client went away mid-body
    co_return co_await Reply(x, 413, engineio::ErrorBody(engineio::ErrorCode::kBadRequest), true);
  }
  auto packets = engineio::DecodePayload(x.parser.get().body());
  if (!packets) {
    session->Close(CloseReason::kProtocolError);
    co_return co_await ReplyError(x, engineio::ErrorCode::kBadRequest);
  }
  for (auto& p : *packets) session->Receive(std::move(p));
  co_return co_await Reply(x, 200, "ok");
}

asio::awaitable<bool> SocketIoEndpoint::ServeWebSocket(Exchange& x, std::shared_ptr<Session> session, bool upgrade) {
  x.stream.expires_never();  // the websocket's own timeouts apply from here
  WebSocket ws(x.stream);
  ws.read_message_max(services_->options.max_payload);
  ws.set_option(websocket::stream_base::timeout{kUpgradeTimeout, kUpgradeTimeout, false});
  auto [aec] = co_await ws.async_accept(x.parser.get(), kUseTuple);
  if (aec) {
    if (!upgrade) session->Close(CloseReason::kTransportClosed);
    co_return false;
  }

  if (upgrade) {
    // A second websocket for an upgraded (or upgrading) session is accepted and closed at once,
    // as the reference server does.
    if (session->transport() != Transport::kPolling || session->Upgrading()) {
      co_await ws.async_close(websocket::close_code::policy_error, kUseTuple);
      co_return false;
    }
    if (!co_await Probe(ws, *session)) co_return false;
  } else {
    ws.text(true);
    auto [wec, wn] = co_await ws.async_write(asio::buffer("0" + session->OpenPayload()), kUseTuple);
    if (wec) {
      session->Close(CloseReason::kTransportClosed);
      co_return false;
    }
  }
  // Engine.IO's ping/pong detects dead peers; the websocket itself only bounds the close handshake.
  ws.set_option(websocket::stream_base::timeout{kUpgradeTimeout, websocket::stream_base::none(), false});

  Alarm writer_alarm(x.stream.get_executor());
  if (upgrade) {
    session->CompleteUpgrade(writer_alarm.Waker());
  } else {
    session->SetWriterWaker(writer_alarm.Waker());
  }
  // The writer runs beside the reader on this io_context and must finish before `ws` goes away.
  bool writer_done = false;
  Alarm done_alarm(x.stream.get_executor());
  asio::co_spawn(x.stream.get_executor(), Writer(ws, session, writer_alarm),
                 [&writer_done, wake = done_alarm.Waker()](std::exception_ptr) {
                   writer_done = true;
                   wake();
                 });

  beast::flat_buffer frame;
  while (true) {
    frame.clear();
    auto [rec, rn] = co_await ws.async_read(frame, kUseTuple);
    if (rec) break;
    if (ws.got_binary()) {
      session->Receive(engineio::Packet::Binary(beast::buffers_to_string(frame.data())));
    } else if (auto packet = engineio::DecodeText(beast::buffers_to_string(frame.data()))) {
      session->Receive(std::move(*packet));
    } else {
      session->Close(CloseReason::kProtocolError);
    }
    if (session->closed()) break;
  }
  session->Close(CloseReason::kTransportClosed);  // no-op when it closed for another reason
  while (!writer_done) co_await done_alarm.WaitFor(kForever);
  co_return false;
}

// The upgrade of a polling session: `2probe` → `3probe`, then `5` switches the transport. Until
// then the session keeps polling, and its pending GET is answered with a noop.
asio::awaitable<bool> SocketIoEndpoint::Probe(WebSocket& ws, Session& session) {
  beast::flat_buffer frame;
  auto [ec, n] = co_await ws.async_read(frame, kUseTuple);
  if (ec || ws.got_binary() || beast::buffers_to_string(frame.data()) != "2probe" || !session.BeginUpgrade()) {
    co_await ws.async_close(websocket::close_code::policy_error, kUseTuple);
    co_return false;
  }
  ws.text(true);
  auto [wec, wn] = co_await ws.async_write(asio::buffer(std::string_view("3probe")), kUseTuple);
  if (wec) {
    session.AbortUpgrade();
    co_return false;
  }
  frame.clear();
  auto [rec, rn] = co_await ws.async_read(frame, kUseTuple);
  if (rec || ws.got_binary() || beast::buffers_to_string(frame.data()) != "5") {
    session.AbortUpgrade();
    if (!rec) co_await ws.async_close(websocket::close_code::policy_error, kUseTuple);
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> SocketIoEndpoint::Writer(WebSocket& ws, std::shared_ptr<Session> session, Alarm& alarm) {
  asio::steady_timer pace(ws.get_executor());
  while (true) {
    if (services_->options.socketio_conformance) {
      // Node's writes complete an event-loop turn later, so the reference server's consecutive
      // flushes reach a client in separate reads; the suite registers its listener for the
      // second message only after the first one arrived. Reproduced with a short pause.
      pace.expires_after(kConformanceFlushGap);
      co_await pace.async_wait(kUseTuple);
    }
    for (auto& packet : session->TakeOutbound()) {
      ws.binary(packet.binary);
      const std::string frame = packet.binary ? std::move(packet.data) : engineio::EncodeText(packet);
      auto [ec, n] = co_await ws.async_write(asio::buffer(frame), kUseTuple);
      if (ec) {
        session->Close(CloseReason::kTransportClosed);
        co_return;
      }
    }
    if (session->closed()) {
      if (!session->HasOutbound()) {
        co_await ws.async_close(websocket::close_code::normal, kUseTuple);
        co_return;
      }
      continue;
    }
    if (!session->HasOutbound()) co_await alarm.WaitFor(kForever);
  }
}

std::shared_ptr<StreamEndpoint> MakeSocketIoEndpoint(infra::realtime::Hub& hub, Authenticator& auth,
                                                     RoomAuthorizer& rooms, RealtimeOptions options) {
  return std::make_shared<SocketIoEndpoint>(hub, auth, rooms, options);
}

}  // namespace emporium::http
