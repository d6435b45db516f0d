#include "http/socketio_session.hpp"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "core/crypto.hpp"
#include "core/json_text.hpp"
#include "core/log.hpp"

namespace emporium::http::socketio {

namespace json = boost::json;
using EioType = engineio::PacketType;

namespace {

const auto& Log() {
  static const auto logger = core::Logger("socketio");
  return logger;
}

// Socket ids and session ids: 15 random bytes, 20 base64url characters like the reference server.
std::string NewId() { return core::RandomToken(15); }

std::string RoomError(ErrorCode code) {
  switch (code) {
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kInvalidArgument: return "invalid_room";
    default: return "unavailable";
  }
}

bool IsConformanceNamespace(const std::string& nsp) { return nsp == "/" || nsp == "/custom"; }

json::array Tail(const json::array& args) {
  json::array tail;
  for (std::size_t i = 1; i < args.size(); ++i) tail.push_back(args[i]);
  return tail;
}

}  // namespace

std::string_view CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kClientClose: return "client close";
    case CloseReason::kTransportClosed: return "transport closed";
    case CloseReason::kPingTimeout: return "ping timeout";
    case CloseReason::kConnectTimeout: return "connect timeout";
    case CloseReason::kProtocolError: return "protocol error";
    case CloseReason::kSendQueueFull: return "send queue full";
    case CloseReason::kServerShutdown: return "server shutdown";
  }
  return "unknown";
}

Session::Session(std::string sid, Transport transport, std::string fallback_token,
                 std::shared_ptr<const Services> services)
    : sid_(std::move(sid)),
      fallback_token_(std::move(fallback_token)),
      services_(std::move(services)),
      transport_(transport) {}

// No LeaveAll here: the last reference may be dropped by the hub itself while it delivers, and the
// hub holds subscribers weakly anyway. Close() leaves the rooms.
Session::~Session() = default;

std::string Session::OpenPayload() const {
  json::object open;
  open["sid"] = sid_;
  json::array upgrades;
  if (transport_ == Transport::kPolling) upgrades.emplace_back("websocket");
  open["upgrades"] = std::move(upgrades);
  open["pingInterval"] = services_->options.ping_interval.count();
  open["pingTimeout"] = services_->options.ping_timeout.count();
  open["maxPayload"] = static_cast<std::uint64_t>(services_->options.max_payload);
  return core::JsonText(open);
}

void Session::SetWriterWaker(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_writer_ = std::move(wake);
}

void Session::SetHeartbeatWaker(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_heartbeat_ = std::move(wake);
}

void Session::SetOnClosed(std::function<void()> on_closed) {
  std::lock_guard lock(mutex_);
  on_closed_ = std::move(on_closed);
}

// ---------------------------------------------------------------------------------------------
// Client → server

void Session::Receive(engineio::Packet packet) {
  After after;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    switch (packet.type) {
      case EioType::kClose: CloseLocked(CloseReason::kClientClose, after); break;
      case EioType::kPong:
        awaiting_pong_ = false;
        after.wake_heartbeat = true;
        break;
      case EioType::kMessage: {
        auto decoded = packet.binary ? decoder_.AddBinary(std::move(packet.data)) : decoder_.AddText(packet.data);
        if (!decoded) {
          Log()->debug(fmt::format(R"({{"msg":"bad packet","sid":"{}","error":"{}"}})", sid_,
                                   core::JsonEscape(decoded.error().message)));
          CloseLocked(CloseReason::kProtocolError, after);
        } else if (*decoded) {
          HandleSocketIo(std::move(**decoded), after);
        }
        break;
      }
      case EioType::kOpen:
      case EioType::kPing:
      case EioType::kUpgrade:
      case EioType::kNoop:
        // v4 clients never ping; `5` outside an upgrade and stray noops are harmless.
        break;
    }
  }
  RunAfter(after);
}

void Session::HandleSocketIo(socketio::Packet packet, After& after) {
  switch (packet.type) {
    case socketio::PacketType::kConnect: OnConnect(std::move(packet), after); break;
    case socketio::PacketType::kDisconnect:
      namespaces_.erase(packet.nsp);
      after.leave_rooms = packet.nsp == "/" && joined_hub_;
      break;
    case socketio::PacketType::kEvent:
    case socketio::PacketType::kBinaryEvent: OnEvent(std::move(packet), after); break;
    case socketio::PacketType::kAck:
    case socketio::PacketType::kBinaryAck:
    case socketio::PacketType::kConnectError:
      // The server never asks the client for an ack, and CONNECT_ERROR is a server packet.
      break;
  }
}

void Session::OnConnect(socketio::Packet packet, After& after) {
  if (namespaces_.contains(packet.nsp)) return;  // already connected: the reference ignores it too
  const bool conformance = services_->options.socketio_conformance;
  if (conformance ? !IsConformanceNamespace(packet.nsp) : packet.nsp != "/") {
    SendLocked({socketio::PacketType::kConnectError, packet.nsp, std::nullopt,
                json::value(json::object{{"message", "Invalid namespace"}}), {}},
               after);
    return;
  }
  json::value auth = packet.data ? std::move(*packet.data) : json::value(json::object{});
  if (conformance) {
    FinishConnect(packet.nsp, std::nullopt, auth, after);
    return;
  }
  if (authenticating_) return;
  std::string token = fallback_token_;
  if (const auto* t = auth.as_object().if_contains("token"); t && t->is_string()) token = std::string(t->as_string());
  if (token.empty()) {
    SendLocked({socketio::PacketType::kConnectError, "/", std::nullopt,
                json::value(json::object{{"message", "unauthorized"}}), {}},
               after);
    return;
  }
  authenticating_ = true;
  after.blocking.push_back([self = shared_from_this(), token = std::move(token)]() mutable {
    self->Authenticate(std::move(token));
  });
}

// On the worker pool: the token check and the default rooms read the database.
void Session::Authenticate(std::string token) {
  auto principal = AuthenticateOnly(*services_->auth, token);
  std::vector<std::string> rooms;
  if (principal) rooms = services_->rooms->DefaultRooms(*principal);
  After after;
  {
    std::lock_guard lock(mutex_);
    authenticating_ = false;
    if (closed_) return;
    if (!principal) {
      SendLocked({socketio::PacketType::kConnectError, "/", std::nullopt,
                  json::value(json::object{{"message", "unauthorized"}}), {}},
                 after);
    } else {
      FinishConnect("/", *principal, json::object{}, after);
      // Joined after the CONNECT reply is queued, so no event can overtake it.
      after.join_rooms = std::move(rooms);
    }
  }
  RunAfter(after);
}

void Session::FinishConnect(const std::string& nsp, std::optional<Principal> principal, const json::value& auth,
                            After& after) {
  NamespaceSocket socket{NewId(), std::move(principal)};
  SendLocked({socketio::PacketType::kConnect, nsp, std::nullopt, json::value(json::object{{"sid", socket.id}}), {}},
             after);
  if (services_->options.socketio_conformance) {
    // The reference server emits "auth" from its connection handler while the CONNECT packet is
    // being written, so it leaves in the next write; the suite's listeners rely on that.
    SendInNextFlushLocked(
        {socketio::PacketType::kEvent, nsp, std::nullopt, json::value(json::array{"auth", auth}), {}});
  }
  namespaces_.emplace(nsp, std::move(socket));
}

void Session::OnEvent(socketio::Packet packet, After& after) {
  if (!namespaces_.contains(packet.nsp)) return;  // not connected to that namespace: ignored
  if (services_->options.socketio_conformance) {
    OnConformanceEvent(packet, after);
  } else {
    OnProductEvent(packet, after);
  }
}

// The handlers of the reference server in socketio/socket.io-protocol's Readme.
void Session::OnConformanceEvent(const socketio::Packet& packet, After& after) {
  if (packet.nsp != "/") return;
  const auto& args = packet.data->as_array();
  if (!args.front().is_string()) return;
  const std::string_view name = args.front().as_string();
  const bool binary = !packet.attachments.empty();
  if (name == "message") {
    json::array echo{"message-back"};
    for (std::size_t i = 1; i < args.size(); ++i) echo.push_back(args[i]);
    SendLocked({binary ? socketio::PacketType::kBinaryEvent : socketio::PacketType::kEvent, "/", std::nullopt,
                json::value(std::move(echo)), packet.attachments},
               after);
  } else if (name == "message-with-ack" && packet.id) {
    SendLocked({binary ? socketio::PacketType::kBinaryAck : socketio::PacketType::kAck, "/", packet.id,
                json::value(Tail(args)), packet.attachments},
               after);
  }
}

void Session::OnProductEvent(const socketio::Packet& packet, After& after) {
  const auto& args = packet.data->as_array();
  const std::string_view name = args.front().is_string() ? std::string_view(args.front().as_string()) : "";
  const bool join = name == "subscribe";
  if (!join && name != "unsubscribe") {
    AckLocked("/", packet.id, {{"ok", false}, {"error", "unknown_event"}}, after);
    return;
  }
  const json::object* body = args.size() > 1 && args[1].is_object() ? &args[1].as_object() : nullptr;
  const json::value* room = body ? body->if_contains("room") : nullptr;
  if (!room || !room->is_string() || room->as_string().empty()) {
    AckLocked("/", packet.id, {{"ok", false}, {"error", "invalid_room"}}, after);
    return;
  }
  after.blocking.push_back([self = shared_from_this(), join, room = std::string(room->as_string()), id = packet.id] {
    self->ChangeRoom(join, room, id);
  });
}

// On the worker pool: MayJoin may read the database (is this order yours?).
void Session::ChangeRoom(bool join, std::string room, std::optional<std::int64_t> ack_id) {
  std::optional<Principal> who;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    auto it = namespaces_.find("/");
    if (it == namespaces_.end() || !it->second.principal) return;
    who = it->second.principal;
  }
  json::object reply{{"ok", true}};
  if (join) {
    if (auto allowed = services_->rooms->MayJoin(*who, room); allowed) {
      services_->hub->Join(room, shared_from_this());
      std::lock_guard lock(mutex_);
      joined_hub_ = true;
    } else {
      reply = {{"ok", false}, {"error", RoomError(allowed.error().code)}};
    }
  } else {
    services_->hub->Leave(room, this);
  }
  After after;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    AckLocked("/", ack_id, std::move(reply), after);
  }
  RunAfter(after);
}

void Session::AckLocked(const std::string& nsp, std::optional<std::int64_t> id, json::object reply, After& after) {
  if (!id) return;
  SendLocked({socketio::PacketType::kAck, nsp, id, json::value(json::array{std::move(reply)}), {}}, after);
}

// ---------------------------------------------------------------------------------------------
// Server → client

void Session::Deliver(const std::shared_ptr<const infra::realtime::Event>& event) {
  After after;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || !namespaces_.contains("/")) return;
    // `2["<type>",<data>]`: the event data is already serialised by the hub, once for everyone.
    std::string text = "2[";
    text += core::JsonStringText(event->type);
    text += ',';
    text += event->data;
    text += ']';
    EnqueueLocked(engineio::Packet::Text(EioType::kMessage, std::move(text)), after);
  }
  RunAfter(after);
}

void Session::SendLocked(const socketio::Packet& packet, After& after) {
  EnqueueLocked(engineio::Packet::Text(EioType::kMessage, socketio::Encode(packet)), after);
  for (const auto& bytes : packet.attachments) EnqueueLocked(engineio::Packet::Binary(bytes), after);
}

void Session::EnqueueLocked(engineio::Packet packet, After& after) {
  if (closed_) return;
  if (outbound_.size() + next_flush_.size() >= services_->options.send_queue_limit) {
    CloseLocked(CloseReason::kSendQueueFull, after);
    return;
  }
  outbound_.push_back(std::move(packet));
  after.wake_writer = true;
}

void Session::SendInNextFlushLocked(const socketio::Packet& packet) {
  next_flush_.push_back(engineio::Packet::Text(EioType::kMessage, socketio::Encode(packet)));
  for (const auto& bytes : packet.attachments) next_flush_.push_back(engineio::Packet::Binary(bytes));
}

std::vector<engineio::Packet> Session::TakeOutbound() {
  std::lock_guard lock(mutex_);
  if (outbound_.empty()) outbound_.swap(next_flush_);
  std::vector<engineio::Packet> out(std::make_move_iterator(outbound_.begin()),
                                    std::make_move_iterator(outbound_.end()));
  outbound_.clear();
  outbound_.swap(next_flush_);
  return out;
}

bool Session::HasOutbound() const {
  std::lock_guard lock(mutex_);
  return !outbound_.empty();
}

// ---------------------------------------------------------------------------------------------
// Heartbeat, transport state, close

void Session::SendPing() {
  After after;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    awaiting_pong_ = true;
    EnqueueLocked(engineio::Packet::Text(EioType::kPing), after);
  }
  RunAfter(after);
}

bool Session::AwaitingPong() const {
  std::lock_guard lock(mutex_);
  return awaiting_pong_;
}

bool Session::HasConnectedNamespace() const {
  std::lock_guard lock(mutex_);
  return !namespaces_.empty();
}

Transport Session::transport() const {
  std::lock_guard lock(mutex_);
  return transport_;
}

bool Session::BeginPoll(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  if (poll_pending_) return false;
  poll_pending_ = true;
  wake_writer_ = std::move(wake);
  return true;
}

void Session::EndPoll() {
  std::lock_guard lock(mutex_);
  poll_pending_ = false;
  if (transport_ == Transport::kPolling) wake_writer_ = nullptr;
}

bool Session::Upgrading() const {
  std::lock_guard lock(mutex_);
  return upgrading_;
}

bool Session::BeginUpgrade() {
  After after;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || transport_ != Transport::kPolling || upgrading_) return false;
    upgrading_ = true;
    // The client pauses polling before it sends `5`: answer its pending GET so that it can.
    if (poll_pending_) {
      outbound_.push_back(engineio::Packet::Text(EioType::kNoop));
      after.wake_writer = true;
    }
  }
  RunAfter(after);
  return true;
}

void Session::AbortUpgrade() {
  std::lock_guard lock(mutex_);
  upgrading_ = false;
}

void Session::CompleteUpgrade(std::function<void()> wake) {
  After after;
  {
    std::lock_guard lock(mutex_);
    upgrading_ = false;
    transport_ = Transport::kWebSocket;
    wake_writer_ = std::move(wake);
    after.wake_writer = !outbound_.empty() || closed_;
  }
  RunAfter(after);
}

void Session::Close(CloseReason reason) {
  After after;
  {
    std::lock_guard lock(mutex_);
    CloseLocked(reason, after);
  }
  RunAfter(after);
}

bool Session::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

bool Session::ClosedByClient() const {
  std::lock_guard lock(mutex_);
  return closed_by_client_;
}

void Session::CloseLocked(CloseReason reason, After& after) {
  if (closed_) return;
  closed_ = true;
  closed_by_client_ = reason == CloseReason::kClientClose;
  namespaces_.clear();
  next_flush_.clear();
  // A pending GET learns why it ends: the client's own close is answered with a noop, as the
  // reference server does; any other close with the close packet.
  outbound_.push_back(engineio::Packet::Text(reason == CloseReason::kClientClose ? EioType::kNoop
                                                                                 : EioType::kClose));
  after.wake_writer = after.wake_heartbeat = after.closed = true;
  after.leave_rooms = joined_hub_;
  after.join_rooms.clear();
  after.blocking.clear();
  Log()->debug(fmt::format(R"({{"msg":"session closed","sid":"{}","reason":"{}"}})", sid_, CloseReasonName(reason)));
}

void Session::RunAfter(const After& after) {
  std::function<void()> wake_writer, wake_heartbeat, on_closed;
  {
    std::lock_guard lock(mutex_);
    if (after.wake_writer) wake_writer = wake_writer_;
    if (after.wake_heartbeat) wake_heartbeat = wake_heartbeat_;
    if (after.closed) on_closed = std::move(on_closed_);
    if (!after.join_rooms.empty()) joined_hub_ = true;
  }
  for (const auto& room : after.join_rooms) services_->hub->Join(room, shared_from_this());
  for (const auto& work : after.blocking) services_->run_blocking(work);
  if (wake_writer) wake_writer();
  if (wake_heartbeat) wake_heartbeat();
  if (after.leave_rooms && services_->hub) services_->hub->LeaveAll(this);
  if (on_closed) on_closed();
}

}  // namespace emporium::http::socketio
