#include "core/trusted_proxies.hpp"

#include <gtest/gtest.h>

namespace emporium::core {
namespace {

TrustedProxies Proxies(std::vector<std::string> entries) {
  auto p = TrustedProxies::Parse(entries);
  EXPECT_TRUE(p) << p.error().fields[0].message;
  return *p;
}

TEST(TrustedProxies, IgnoresForwardedForFromUntrustedPeers) {
  auto p = Proxies({"10.0.0.0/8"});
  EXPECT_EQ(p.ClientIp("203.0.113.9", "1.2.3.4"), "203.0.113.9");
}

TEST(TrustedProxies, IgnoresForwardedForWhenNoProxyIsConfigured) {
  EXPECT_EQ(TrustedProxies().ClientIp("127.0.0.1", "1.2.3.4"), "127.0.0.1");
}

TEST(TrustedProxies, TakesTheFirstUntrustedHopFromTheRight) {
  auto p = Proxies({"10.0.0.0/8", "192.168.1.7"});
  // A client may prepend anything; only the hops our proxies added count.
  EXPECT_EQ(p.ClientIp("10.1.2.3", "6.6.6.6, 198.51.100.4, 192.168.1.7"), "198.51.100.4");
  EXPECT_EQ(p.ClientIp("10.1.2.3", "198.51.100.4"), "198.51.100.4");
}

TEST(TrustedProxies, FallsBackToThePeerOnGarbage) {
  auto p = Proxies({"10.0.0.0/8"});
  EXPECT_EQ(p.ClientIp("10.1.2.3", "not-an-ip"), "10.1.2.3");
  EXPECT_EQ(p.ClientIp("10.1.2.3", "10.9.9.9"), "10.1.2.3") << "every hop trusted";
}

TEST(TrustedProxies, MatchesIpv6AndMappedIpv4) {
  auto p = Proxies({"fd00::/8", "127.0.0.1"});
  EXPECT_TRUE(p.Contains("fd12:3456::1"));
  EXPECT_FALSE(p.Contains("fe80::1"));
  EXPECT_TRUE(p.Contains("::ffff:127.0.0.1"));
  EXPECT_EQ(p.ClientIp("fd00::1", "2001:db8::5"), "2001:db8::5");
}

TEST(TrustedProxies, RejectsMalformedEntries) {
  EXPECT_FALSE(TrustedProxies::Parse({"10.0.0.0/33"}));
  EXPECT_FALSE(TrustedProxies::Parse({"example.com"}));
  EXPECT_FALSE(TrustedProxies::Parse({"10.0.0.0/x"}));
}

}  // namespace
}  // namespace emporium::core
