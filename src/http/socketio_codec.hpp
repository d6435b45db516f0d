#pragma once
// Socket.IO v5 packet format (https://github.com/socketio/socket.io-protocol) carried in Engine.IO
// messages: `<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]`, e.g.
// `2["hello",1]`, `0/admin,{"token":"x"}`, `3/admin,12["ok"]`, `51-["file",{"_placeholder":true,"num":0}]`
// followed by one binary Engine.IO message per attachment. Validation follows the reference parser
// (socket.io-parser): anything it would reject is rejected here, and the session is closed.

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace emporium::http::socketio {

enum class PacketType : int {
  kConnect = 0,
  kDisconnect = 1,
  kEvent = 2,
  kAck = 3,
  kConnectError = 4,
  kBinaryEvent = 5,
  kBinaryAck = 6,
};

struct Packet {
  PacketType type = PacketType::kEvent;
  std::string nsp = "/";
  std::optional<std::int64_t> id;            ///< ack id
  std::optional<boost::json::value> data;    ///< absent when the packet has no payload
  std::vector<std::string> attachments;      ///< binary packets: the raw bytes, in placeholder order
};

/// Largest attachment count accepted in a binary packet header (the client sends one per Buffer).
constexpr std::size_t kMaxAttachments = 64;

/// Text part of a packet; binary packets declare attachments.size() in their header.
std::string Encode(const Packet& packet);

/// Reassembles packets from Engine.IO messages: a text message is a packet header, and a binary
/// packet is complete once its declared attachments have arrived as binary messages.
class Decoder {
 public:
  /// A complete packet, nullopt when attachments are still expected, or kBadRequest.
  Result<std::optional<Packet>> AddText(std::string_view text);
  Result<std::optional<Packet>> AddBinary(std::string bytes);
  bool AwaitingAttachments() const { return pending_.has_value(); }

 private:
  std::optional<Packet> pending_;
  std::size_t expected_attachments_ = 0;
};

/// Parses one text packet (without its attachments). kBadRequest on anything malformed.
Result<Packet> DecodeText(std::string_view text, std::size_t* attachments);

/// True when every {"_placeholder":true,"num":n} inside `value` refers to an attachment below `count`.
bool PlaceholdersValid(const boost::json::value& value, std::size_t count);

/// Event names the protocol reserves; a client may not emit them.
bool IsReservedEvent(std::string_view name);

}  // namespace emporium::http::socketio
