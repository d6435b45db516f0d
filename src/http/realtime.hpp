#pragma once
// Real-time transports mounted on the HTTP server: `GET /ws` (plain WebSocket, JSON frames) and
// `/socket.io/` (Engine.IO v4 / Socket.IO v5 wire protocol, so the stock socket.io-client works).
// Both authenticate with the same access token as the REST API and join hub rooms after an
// ownership check. No Beast here: the endpoints are built by these factories and handed to
// Server::Mount.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include "core/error.hpp"
#include "core/roles.hpp"
#include "http/dispatcher.hpp"

namespace emporium::infra::realtime {
class Hub;
}

namespace emporium::http {

class StreamEndpoint;  // http/stream_endpoint.hpp (internal to src/http)

/// Decides whether a principal may join a room. Implemented by the composition root from the
/// modules' facades (an order room belongs to the order's customer, `admin` to staff ...).
/// Blocking (it may read the database): transports call it on the worker pool.
class RoomAuthorizer {
 public:
  virtual ~RoomAuthorizer() = default;
  /// OK, kForbidden (not yours), kNotFound (no such room) or kInvalidArgument (malformed name).
  virtual Status MayJoin(const Principal& who, std::string_view room) = 0;
  /// Rooms joined automatically on connect (user:{id}; admin for staff).
  virtual std::vector<std::string> DefaultRooms(const Principal& who) = 0;
};

struct RealtimeOptions {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds connect_timeout{45000};  ///< Socket.IO: time to send the CONNECT packet
  std::size_t max_payload = 1000000;                 ///< largest client frame / polling body, bytes
  std::size_t send_queue_limit = 1024;               ///< frames queued for one client before it is dropped
  /// Socket.IO protocol test-suite mode (socketio/socket.io-protocol): no authentication, the
  /// `/custom` namespace, and the reference server's echo handlers.
  bool socketio_conformance = false;
};

std::shared_ptr<StreamEndpoint> MakeWebSocketEndpoint(infra::realtime::Hub& hub, Authenticator& auth,
                                                      RoomAuthorizer& rooms, RealtimeOptions options);
std::shared_ptr<StreamEndpoint> MakeSocketIoEndpoint(infra::realtime::Hub& hub, Authenticator& auth,
                                                     RoomAuthorizer& rooms, RealtimeOptions options);

}  // namespace emporium::http
