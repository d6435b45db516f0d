#pragma once
// Engine.IO v4 wire format (https://github.com/socketio/engine.io-protocol), without any I/O: the
// packet codec, the HTTP long-polling payload (packets joined by the 0x1E record separator, binary
// packets base64-encoded behind a `b`), and the handshake query. Pure functions, unit-tested in
// tests/unit/socketio_codec_test.cpp; the transport (socketio_transport.cpp) does the I/O.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace emporium::http::engineio {

enum class PacketType : char {
  kOpen = '0',
  kClose = '1',
  kPing = '2',
  kPong = '3',
  kMessage = '4',
  kUpgrade = '5',
  kNoop = '6',
};

struct Packet {
  PacketType type = PacketType::kMessage;
  std::string data;     ///< text after the type digit, or the raw bytes of a binary message
  bool binary = false;  ///< only messages are binary; a binary message has no type digit on the wire

  static Packet Text(PacketType t, std::string d = {}) { return Packet{t, std::move(d), false}; }
  static Packet Binary(std::string bytes) { return Packet{PacketType::kMessage, std::move(bytes), true}; }
  bool operator==(const Packet&) const = default;
};

constexpr char kRecordSeparator = '\x1e';

/// A text frame (WebSocket) or one record of a polling payload: "<type digit><data>". nullopt for
/// an empty string or an unknown type.
std::optional<Packet> DecodeText(std::string_view frame);
/// The text form of a non-binary packet.
std::string EncodeText(const Packet& packet);

/// Splits a polling POST body into packets; nullopt when any record is malformed (the reference
/// server then closes the session).
std::optional<std::vector<Packet>> DecodePayload(std::string_view body);
/// Joins packets for a polling GET response: binary messages become "b<base64>".
std::string EncodePayload(const std::vector<Packet>& packets);

std::string Base64Encode(std::string_view bytes);
/// nullopt when the input is not canonical padded base64.
std::optional<std::string> Base64Decode(std::string_view text);

/// The query parameters of an Engine.IO request that matter to the server.
struct Query {
  std::string eio;        ///< must be "4"
  std::string transport;  ///< "polling" | "websocket"
  std::string sid;        ///< empty on the handshake request
  std::string access_token;
};
/// Parses `a=b&c=d` (percent-decoding values). Unknown parameters are ignored.
Query ParseQuery(std::string_view query_string);

/// The Engine.IO error codes the reference server answers with (HTTP 400 + JSON body).
enum class ErrorCode {
  kUnknownTransport = 0,
  kUnknownSid = 1,
  kBadHandshakeMethod = 2,
  kBadRequest = 3,
  kForbidden = 4,
  kUnsupportedProtocolVersion = 5,
};
/// `{"code":N,"message":"..."}`, the reference server's wording.
std::string ErrorBody(ErrorCode code);

}  // namespace emporium::http::engineio
