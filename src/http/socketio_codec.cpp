#include "http/socketio_codec.hpp"

#include <array>
#include <boost/json/parse.hpp>

#include "core/json_input.hpp"
#include "core/json_text.hpp"

namespace emporium::http::socketio {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 6> kReservedEvents = {"connect",       "connect_error", "disconnect",
                                                             "disconnecting", "newListener",   "removeListener"};
// Ack ids are JavaScript numbers; more digits than this cannot be a safe integer.
constexpr std::size_t kMaxIdDigits = 15;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Error Malformed(std::string why) { return Error::BadRequest("Malformed Socket.IO packet: " + std::move(why)); }

bool IsBinaryType(PacketType t) { return t == PacketType::kBinaryEvent || t == PacketType::kBinaryAck; }

/// The payload rules of socket.io-parser's Decoder.isPayloadValid.
bool PayloadValid(PacketType type, const std::optional<json::value>& data) {
  switch (type) {
    case PacketType::kConnect: return !data || data->is_object();
    case PacketType::kDisconnect: return !data;
    case PacketType::kConnectError: return data && (data->is_string() || data->is_object());
    case PacketType::kEvent:
    case PacketType::kBinaryEvent: {
      if (!data || !data->is_array() || data->as_array().empty()) return false;
      const auto& first = data->as_array().front();
      return first.is_number() || (first.is_string() && !IsReservedEvent(first.as_string()));
    }
    case PacketType::kAck:
    case PacketType::kBinaryAck: return data && data->is_array();
  }
  return false;
}

}  // namespace

bool IsReservedEvent(std::string_view name) {
  for (auto r : kReservedEvents) {
    if (r == name) return true;
  }
  return false;
}

std::string Encode(const Packet& packet) {
  std::string out;
  out += static_cast<char>('0' + static_cast<int>(packet.type));
  if (IsBinaryType(packet.type)) {
    out += std::to_string(packet.attachments.size());
    out += '-';
  }
  if (packet.nsp != "/") {
    out += packet.nsp;
    out += ',';
  }
  if (packet.id) out += std::to_string(*packet.id);
  if (packet.data) core::AppendJsonText(out, *packet.data);
  return out;
}

Result<Packet> DecodeText(std::string_view text, std::size_t* attachments) {
  *attachments = 0;
  if (text.empty() || text[0] < '0' || text[0] > '6') return Malformed("unknown packet type");
  Packet p;
  p.type = static_cast<PacketType>(text[0] - '0');
  std::string_view rest = text.substr(1);

  if (IsBinaryType(p.type)) {
    const auto dash = rest.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash > 3) return Malformed("illegal attachments");
    std::size_t n = 0;
    for (char c : rest.substr(0, dash)) {
      if (!IsDigit(c)) return Malformed("illegal attachments");
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (n > kMaxAttachments) return Malformed("too many attachments");
    *attachments = n;
    rest.remove_prefix(dash + 1);
  }

  // A namespace starts with '/' and runs to the next ',' (or to the end: "40/admin").
  if (!rest.empty() && rest[0] == '/') {
    const auto comma = rest.find(',');
    p.nsp = std::string(rest.substr(0, comma));
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
  }

  std::size_t digits = 0;
  while (digits < rest.size() && IsDigit(rest[digits])) ++digits;
  if (digits > 0) {
    if (digits > kMaxIdDigits) return Malformed("ack id out of range");
    std::int64_t id = 0;
    for (std::size_t i = 0; i < digits; ++i) id = id * 10 + (rest[i] - '0');
    p.id = id;
    rest.remove_prefix(digits);
  }

  if (!rest.empty()) {
    boost::system::error_code ec;
    json::value v = core::ParseClientJson(rest, ec);
    if (ec) return Malformed("payload is not JSON");
    p.data = std::move(v);
  }
  if (!PayloadValid(p.type, p.data)) return Malformed("invalid payload");
  if (IsBinaryType(p.type) && !PlaceholdersValid(*p.data, *attachments)) return Malformed("illegal placeholder");
  return p;
}

bool PlaceholdersValid(const json::value& value, std::size_t count) {
  if (value.is_array()) {
    for (const auto& v : value.as_array()) {
      if (!PlaceholdersValid(v, count)) return false;
    }
    return true;
  }
  if (!value.is_object()) return true;
  const auto& obj = value.as_object();
  if (const auto* flag = obj.if_contains("_placeholder"); flag && flag->is_bool() && flag->as_bool()) {
    const auto* num = obj.if_contains("num");
    return num && num->is_int64() && num->as_int64() >= 0 && static_cast<std::uint64_t>(num->as_int64()) < count;
  }
  for (const auto& [key, v] : obj) {
    if (!PlaceholdersValid(v, count)) return false;
  }
  return true;
}

Result<std::optional<Packet>> Decoder::AddText(std::string_view text) {
  if (pending_) return Malformed("text packet while binary attachments were expected");
  std::size_t attachments = 0;
  EMP_ASSIGN(auto packet, DecodeText(text, &attachments));
  if (attachments == 0) return std::optional<Packet>(std::move(packet));
  pending_ = std::move(packet);
  expected_attachments_ = attachments;
  return std::optional<Packet>();
}

Result<std::optional<Packet>> Decoder::AddBinary(std::string bytes) {
  if (!pending_) return Malformed("unexpected binary attachment");
  pending_->attachments.push_back(std::move(bytes));
  if (pending_->attachments.size() < expected_attachments_) return std::optional<Packet>();
  std::optional<Packet> done = std::move(pending_);
  pending_.reset();
  expected_attachments_ = 0;
  return done;
}

}  // namespace emporium::http::socketio
