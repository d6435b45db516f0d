#include "http/engineio_codec.hpp"

#include <array>
#include <cstdint>

namespace emporium::http::engineio {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::optional<Packet> DecodeText(std::string_view frame) {
  if (frame.empty() || frame[0] < '0' || frame[0] > '6') return std::nullopt;
  return Packet::Text(static_cast<PacketType>(frame[0]), std::string(frame.substr(1)));
}

std::string EncodeText(const Packet& packet) {
  std::string out;
  out.reserve(packet.data.size() + 1);
  out += static_cast<char>(packet.type);
  out += packet.data;
  return out;
}

std::optional<std::vector<Packet>> DecodePayload(std::string_view body) {
  std::vector<Packet> packets;
  while (true) {
    const auto end = body.find(kRecordSeparator);
    const std::string_view record = body.substr(0, end);
    if (!record.empty() && record[0] == 'b') {
      auto bytes = Base64Decode(record.substr(1));
      if (!bytes) return std::nullopt;
      packets.push_back(Packet::Binary(std::move(*bytes)));
    } else {
      auto packet = DecodeText(record);
      if (!packet) return std::nullopt;
      packets.push_back(std::move(*packet));
    }
    if (end == std::string_view::npos) break;
    body.remove_prefix(end + 1);
  }
  return packets;
}

std::string EncodePayload(const std::vector<Packet>& packets) {
  std::string out;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const Packet& p = packets[i];
    if (i > 0) out += kRecordSeparator;
    if (p.binary) {
      out += 'b';
      out += Base64Encode(p.data);
    } else {
      out += EncodeText(p);
    }
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) | std::uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t n = std::uint8_t(bytes[i]) << 16;
    if (rest == 2) n |= std::uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::array<int, 4> v{};
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        ++padding;
        v[k] = 0;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      v[k] = Base64Value(c);
      if (v[k] < 0) return std::nullopt;
    }
    const std::uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xFF);
    if (padding < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (padding < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

Query ParseQuery(std::string_view query_string) {
  Query q;
  while (!query_string.empty()) {
    const auto amp = query_string.find('&');
    const std::string_view pair = query_string.substr(0, amp);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string value = eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
    if (key == "EIO") q.eio = value;
    else if (key == "transport") q.transport = value;
    else if (key == "sid") q.sid = value;
    else if (key == "access_token") q.access_token = value;
    if (amp == std::string_view::npos) break;
    query_string.remove_prefix(amp + 1);
  }
  return q;
}

std::string ErrorBody(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnknownTransport: return R"({"code":0,"message":"Transport unknown"})";
    case ErrorCode::kUnknownSid: return R"({"code":1,"message":"Session ID unknown"})";
    case ErrorCode::kBadHandshakeMethod: return R"({"code":2,"message":"Bad handshake method"})";
    case ErrorCode::kBadRequest: return R"({"code":3,"message":"Bad request"})";
    case ErrorCode::kForbidden: return R"({"code":4,"message":"Forbidden"})";
    case ErrorCode::kUnsupportedProtocolVersion: return R"({"code":5,"message":"Unsupported protocol version"})";
  }
  return R"({"code":3,"message":"Bad request"})";
}

}  // namespace emporium::http::engineio
