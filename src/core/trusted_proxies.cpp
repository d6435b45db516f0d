#include "core/trusted_proxies.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace emporium::core {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses an address into 16 bytes; IPv4-mapped IPv6 peers ("::ffff:10.0.0.1") count as IPv4.
bool ParseAddress(std::string_view text, int& family, unsigned char (&out)[16]) {
  std::string s(Trim(text));
  if (s.starts_with("::ffff:") && s.find('.') != std::string::npos) s = s.substr(7);
  std::memset(out, 0, sizeof out);
  if (inet_pton(AF_INET, s.c_str(), out) == 1) {
    family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out) == 1) {
    family = AF_INET6;
    return true;
  }
  return false;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& entries) {
  TrustedProxies out;
  for (const auto& entry : entries) {
    Network n;
    std::string_view e = Trim(entry);
    std::string_view addr = e;
    const auto slash = e.find('/');
    if (slash != std::string_view::npos) addr = e.substr(0, slash);
    if (!ParseAddress(addr, n.family, n.bytes)) {
      return Error::Invalid("TRUSTED_PROXIES", "\"" + std::string(e) + "\" is not an IP address or CIDR block");
    }
    const int max_prefix = n.family == AF_INET ? 32 : 128;
    n.prefix = max_prefix;
    if (slash != std::string_view::npos) {
      auto digits = e.substr(slash + 1);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n.prefix);
      if (ec != std::errc() || p != digits.data() + digits.size() || n.prefix < 0 || n.prefix > max_prefix) {
        return Error::Invalid("TRUSTED_PROXIES", "\"" + std::string(e) + "\" has an invalid prefix length");
      }
    }
    out.networks_.push_back(n);
  }
  return out;
}

bool TrustedProxies::Contains(std::string_view ip) const {
  int family = 0;
  unsigned char bytes[16];
  if (!ParseAddress(ip, family, bytes)) return false;
  for (const auto& n : networks_) {
    if (n.family != family) continue;
    const int full = n.prefix / 8, rest = n.prefix % 8;
    if (std::memcmp(bytes, n.bytes, full) != 0) continue;
    if (rest == 0) return true;
    const unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
    if ((bytes[full] & mask) == (n.bytes[full] & mask)) return true;
  }
  return false;
}

std::string TrustedProxies::ClientIp(std::string_view peer, std::string_view forwarded_for) const {
  if (networks_.empty() || forwarded_for.empty() || !Contains(peer)) return std::string(peer);
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    std::string_view hop = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    int family = 0;
    unsigned char bytes[16];
    if (!ParseAddress(hop, family, bytes)) return std::string(peer);  // garbage: trust only the socket
    if (!Contains(hop)) return std::string(hop);
  }
  return std::string(peer);  // every hop was a trusted proxy
}

}  // namespace emporium::core
