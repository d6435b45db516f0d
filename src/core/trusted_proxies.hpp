#pragma once
// The client's address behind reverse proxies. X-Forwarded-For is honoured only when the TCP peer
// is a trusted proxy (TRUSTED_PROXIES), and then read right to left, skipping trusted hops: the
// first untrusted address is the client. Anything else in the header is client-controlled and
// would let anyone pick their own rate-limit bucket.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace emporium::core {

class TrustedProxies {
 public:
  /// Each entry is an IPv4/IPv6 address or a CIDR block ("10.0.0.0/8", "fd00::/8").
  static Result<TrustedProxies> Parse(const std::vector<std::string>& entries);
  TrustedProxies() = default;

  bool empty() const { return networks_.empty(); }
  bool Contains(std::string_view ip) const;

  /// The client address for a request from `peer` carrying `forwarded_for` (may be empty).
  std::string ClientIp(std::string_view peer, std::string_view forwarded_for) const;

 private:
  struct Network {
    int family = 0;  // AF_INET or AF_INET6
    unsigned char bytes[16] = {};
    int prefix = 0;
  };
  std::vector<Network> networks_;
};

}  // namespace emporium::core
