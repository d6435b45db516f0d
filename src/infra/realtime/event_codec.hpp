#pragma once
// Building Events once per publish, and their wire form on a Redis channel. Internal to the hubs
// (and their tests).

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "infra/realtime/hub.hpp"

namespace emporium::infra::realtime {

/// True for an event type both transports can put on the wire without escaping: 1–64 characters
/// from [A-Za-z0-9._:-]. Event types come from code, never from clients; the check guarantees
/// that a frame such as {"type":"<type>",...} or 42["<type>",...] is valid JSON by construction.
bool IsValidEventType(std::string_view type);

/// Serialises `data` once into a shareable Event. Null when `type` is invalid (a bug: logged).
std::shared_ptr<const Event> MakeEvent(std::string room, std::string type, const boost::json::object& data);

/// The Redis channel of a room: "emporium:rt:<room>". One channel per room, so Redis sends an
/// instance only the rooms it has subscribers for.
inline constexpr std::string_view kChannelPrefix = "emporium:rt:";
std::string ChannelFor(std::string_view room);
/// The room of a channel, or nullopt when the channel is not one of ours.
std::optional<std::string> RoomOfChannel(std::string_view channel);

/// A published message: "<type>\n<serialised data>". The type never contains '\n'.
std::string EncodeMessage(const Event& event);
/// Inverse of EncodeMessage for a message received on `room`'s channel. Null when the message is
/// malformed (another program publishing on our prefix must not reach clients).
std::shared_ptr<const Event> DecodeMessage(std::string room, std::string_view message);

}  // namespace emporium::infra::realtime
