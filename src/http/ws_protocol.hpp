#pragma once
// The JSON protocol of `GET /ws`, kept apart from the socket code (websocket.cpp) so that it can be
// unit-tested and so that changing a message does not recompile Beast.
//
// Every frame, both ways, is one JSON text message {"type": "...", "data": {...}}.
// Client → server: auth {token}, subscribe {room}, unsubscribe {room}, ping {}. Any of them may carry
// an "id" in data, echoed in the reply so a client can match replies to requests.
// Server → client: ready, authenticated, subscribed, unsubscribed, pong, error, and the hub's events.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/request.hpp"
#include "infra/realtime/hub.hpp"

namespace emporium::http::ws {

/// Close codes. 4401 follows the convention of 4000 + the HTTP status.
inline constexpr std::uint16_t kCloseGoingAway = 1001;       ///< the server is shutting down
inline constexpr std::uint16_t kClosePolicy = 1008;          ///< the client is too slow to read its events
inline constexpr std::uint16_t kCloseUnauthorized = 4401;    ///< no, bad or expired access token

enum class FrameKind { kAuth, kSubscribe, kUnsubscribe, kPing };

struct ClientFrame {
  FrameKind kind = FrameKind::kPing;
  std::string room;   ///< subscribe, unsubscribe
  std::string token;  ///< auth
  boost::json::value id;  ///< data.id as sent (string or number), null when absent
};

/// Parses one client text frame. kBadRequest when it is not a JSON object with a string "type";
/// kInvalidArgument (with the field) for an unknown type or a missing/invalid room or token.
/// Never throws, whatever the input.
Result<ClientFrame> ParseClientFrame(std::string_view text);

/// data.id of a frame that could not be parsed completely, so that even the error is matchable.
boost::json::value IdOf(std::string_view text);

/// A reply frame to one client (room is empty: it does not go through the hub).
std::shared_ptr<const infra::realtime::Event> Reply(std::string type, boost::json::object data,
                                                    const boost::json::value& id);
/// {"type":"error","data":{"code":"forbidden","message":"...","room"?:...,"id"?:...}}.
std::shared_ptr<const infra::realtime::Event> ErrorReply(const Error& error, const boost::json::value& id,
                                                         std::string_view room = {});

/// The "ready" frame sent once authenticated: who, which rooms were joined, when the token expires.
std::shared_ptr<const infra::realtime::Event> ReadyReply(const Principal& who, const std::vector<std::string>& rooms,
                                                         std::int64_t expires_at);

/// The three pieces that, with the event's type and data between them, make the frame text:
/// {"type":"<type>","data":<data>}. The writer sends them as one buffer sequence, so an event
/// shared by a thousand connections is never copied into a thousand frames.
inline constexpr std::string_view kFrameHead = R"({"type":")";
inline constexpr std::string_view kFrameMiddle = R"(","data":)";
inline constexpr std::string_view kFrameTail = "}";
/// The same frame as one string (tests and diagnostics).
std::string FrameText(const infra::realtime::Event& event);

/// The bearer token of an upgrade request: the Authorization header, else the access_token query
/// parameter. nullopt when neither is present (the client may then authenticate with a frame).
std::optional<std::string> TokenFrom(const Request& upgrade);

}  // namespace emporium::http::ws
