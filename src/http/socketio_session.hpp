#pragma once
// One Engine.IO session and the Socket.IO sockets multiplexed on it, independent of any socket I/O
// (no Beast): the transports in socketio_transport.cpp feed it client packets and drain its
// outbound queue, and it tells them when to wake up through the hooks below. Sessions outlive a
// single HTTP request (long-polling GETs and POSTs arrive on any connection and io thread), so all
// state is behind one mutex, and hooks are called after the mutex is released.
//
// Product mode: CONNECT on "/" authenticates the access token (auth.token, else the handshake's
// access_token parameter or Authorization header) on the worker pool, joins the principal's
// default rooms, and forwards every hub event as the Socket.IO event `<type>`. Client events:
// "subscribe" / "unsubscribe" {room}, acknowledged with {ok:true} or {ok:false,error}.
// Conformance mode: the reference server of socketio/socket.io-protocol (namespaces "/" and
// "/custom", "auth" greeting, "message" → "message-back", "message-with-ack" echoed in the ack).

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/engineio_codec.hpp"
#include "http/realtime.hpp"
#include "http/socketio_codec.hpp"
#include "infra/realtime/hub.hpp"

namespace emporium::http::socketio {

/// What every session shares: configuration and the collaborators of the endpoint.
struct Services {
  RealtimeOptions options;
  infra::realtime::Hub* hub = nullptr;
  Authenticator* auth = nullptr;
  RoomAuthorizer* rooms = nullptr;
  /// Runs blocking work (authentication, room checks) off the io threads.
  std::function<void(std::function<void()>)> run_blocking;
};

enum class Transport { kPolling, kWebSocket };

enum class CloseReason {
  kClientClose,      ///< the client sent the Engine.IO close packet
  kTransportClosed,  ///< the WebSocket went away
  kPingTimeout,
  kConnectTimeout,   ///< no Socket.IO CONNECT within connect_timeout
  kProtocolError,    ///< malformed packet or request
  kSendQueueFull,    ///< slow client
  kServerShutdown,
};
std::string_view CloseReasonName(CloseReason reason);

class Session final : public infra::realtime::Subscriber, public std::enable_shared_from_this<Session> {
 public:
  /// `fallback_token`: the handshake's access_token parameter or bearer header, used when the
  /// CONNECT packet carries no auth.token.
  Session(std::string sid, Transport transport, std::string fallback_token, std::shared_ptr<const Services> services);
  ~Session() override;

  const std::string& sid() const { return sid_; }
  /// The JSON of the Engine.IO open packet; polling sessions offer the websocket upgrade.
  std::string OpenPayload() const;

  // --- hooks, installed by the transports; each must be cheap and thread-safe
  void SetWriterWaker(std::function<void()> wake);     ///< outbound packets are waiting, or the session closed
  void SetHeartbeatWaker(std::function<void()> wake);  ///< a pong arrived, or the session closed
  void SetOnClosed(std::function<void()> on_closed);   ///< called once, after the session closed

  // --- client → server
  /// One Engine.IO packet from the client. A protocol violation closes the session.
  void Receive(engineio::Packet packet);

  // --- server → client
  /// What is queued now; packets queued "for the next flush" become due afterwards.
  std::vector<engineio::Packet> TakeOutbound();
  bool HasOutbound() const;

  // --- heartbeat and timeouts, driven by the transport's timers
  void SendPing();
  bool AwaitingPong() const;
  bool HasConnectedNamespace() const;

  // --- transport state
  Transport transport() const;
  /// Starts a long-polling GET woken by `wake`; false when another GET is pending (the caller then
  /// closes the session, as the reference server does).
  bool BeginPoll(std::function<void()> wake);
  void EndPoll();
  /// True while a websocket upgrade is being probed (polling GETs are answered at once with a noop).
  bool Upgrading() const;
  /// The `2probe` arrived on a websocket for this polling session: false when it is already upgraded
  /// or upgrading. Flushes a pending GET with a noop, as the reference server does.
  bool BeginUpgrade();
  void AbortUpgrade();
  /// The `5` arrived: from now on packets flow through the websocket, whose writer `wake` wakes.
  void CompleteUpgrade(std::function<void()> wake);

  void Close(CloseReason reason);
  bool closed() const;
  /// True once the client itself closed the session (POST "1").
  bool ClosedByClient() const;

  // --- infra::realtime::Subscriber
  void Deliver(const std::shared_ptr<const infra::realtime::Event>& event) override;

 private:
  struct NamespaceSocket {
    std::string id;
    std::optional<Principal> principal;  ///< product mode
  };
  /// Hooks to run once the mutex is released.
  struct After {
    bool wake_writer = false;
    bool wake_heartbeat = false;
    bool closed = false;
    bool leave_rooms = false;                           ///< leave every hub room
    std::vector<std::string> join_rooms;                ///< hub rooms to join
    std::vector<std::function<void()>> blocking;        ///< work for the worker pool
  };

  void HandleSocketIo(socketio::Packet packet, After& after);
  void OnConnect(socketio::Packet packet, After& after);
  void OnEvent(socketio::Packet packet, After& after);
  void OnConformanceEvent(const socketio::Packet& packet, After& after);
  void OnProductEvent(const socketio::Packet& packet, After& after);
  void Authenticate(std::string token);
  void ChangeRoom(bool join, std::string room, std::optional<std::int64_t> ack_id);
  void FinishConnect(const std::string& nsp, std::optional<Principal> principal, const boost::json::value& auth,
                     After& after);
  void AckLocked(const std::string& nsp, std::optional<std::int64_t> id, boost::json::object reply, After& after);

  void SendLocked(const socketio::Packet& packet, After& after);
  /// Queues `packet` for the write after the one that takes what is queued now.
  void SendInNextFlushLocked(const socketio::Packet& packet);
  void EnqueueLocked(engineio::Packet packet, After& after);
  void CloseLocked(CloseReason reason, After& after);
  void RunAfter(const After& after);

  const std::string sid_;
  const std::string fallback_token_;
  const std::shared_ptr<const Services> services_;

  mutable std::mutex mutex_;
  Transport transport_;
  bool upgrading_ = false;
  bool poll_pending_ = false;
  bool awaiting_pong_ = false;
  bool closed_ = false;
  bool closed_by_client_ = false;
  bool joined_hub_ = false;
  std::deque<engineio::Packet> outbound_;
  std::deque<engineio::Packet> next_flush_;  ///< released by the next TakeOutbound()
  socketio::Decoder decoder_;
  std::map<std::string, NamespaceSocket> namespaces_;
  bool authenticating_ = false;  ///< product mode: a CONNECT on "/" is being checked
  std::function<void()> wake_writer_;
  std::function<void()> wake_heartbeat_;
  std::function<void()> on_closed_;
};

}  // namespace emporium::http::socketio
