#include <gtest/gtest.h>
#include <jwt.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "modules/auth/jwt.hpp"

namespace emporium::auth {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "unit-test-secret-that-is-long-enough-0123456789";
constexpr std::int64_t kNow = 1'800'000'000;

// Signs arbitrary claims with libjwt directly, to forge tokens JwtCodec would never issue.
std::string Sign(jwt_alg_t alg, const std::string& key, const std::map<std::string, std::string>& strings,
                 const std::map<std::string, long>& ints) {
  jwt_t* j = nullptr;
  EXPECT_EQ(jwt_new(&j), 0);
  for (const auto& [k, v] : strings) jwt_add_grant(j, k.c_str(), v.c_str());
  for (const auto& [k, v] : ints) jwt_add_grant_int(j, k.c_str(), v);
  EXPECT_EQ(jwt_set_alg(j, alg, reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size())), 0);
  char* s = jwt_encode_str(j);
  std::string out = s ? s : "";
  std::free(s);
  jwt_free(j);
  return out;
}

std::string B64(const std::string& s) { return core::Base64UrlEncode(s); }

class JwtCodecTest : public ::testing::Test {
 protected:
  JwtCodecTest() : clock_(kNow), codec_(kSecret, 15min, clock_) {}
  core::ManualClock clock_;
  JwtCodec codec_;
};

TEST_F(JwtCodecTest, RoundTripsAllClaims) {
  IssuedToken issued = codec_.Issue(42, Role::kManager);
  auto claims = codec_.Verify(issued.token);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->user_id, 42);
  EXPECT_EQ(claims->role, Role::kManager);
  EXPECT_EQ(claims->issued_at, kNow);
  EXPECT_EQ(claims->expires_at, kNow + 15 * 60);
  EXPECT_FALSE(claims->jti.empty());
  EXPECT_EQ(claims->jti, issued.claims.jti);
}

TEST_F(JwtCodecTest, GivesEveryTokenADistinctJti) {
  EXPECT_NE(codec_.Issue(1, Role::kCustomer).claims.jti, codec_.Issue(1, Role::kCustomer).claims.jti);
}

TEST_F(JwtCodecTest, RaisesIssuedAtToNotBefore) {
  IssuedToken issued = codec_.Issue(7, Role::kCustomer, kNow + 2);
  EXPECT_EQ(issued.claims.issued_at, kNow + 2);
  EXPECT_EQ(issued.claims.expires_at, kNow + 2 + 15 * 60);
  EXPECT_TRUE(codec_.Verify(issued.token));
}

TEST_F(JwtCodecTest, RejectsExpiredToken) {
  IssuedToken issued = codec_.Issue(42, Role::kCustomer);
  clock_.Advance(15min - 1s);
  EXPECT_TRUE(codec_.Verify(issued.token));
  clock_.Advance(1s);
  auto claims = codec_.Verify(issued.token);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error().code, ErrorCode::kUnauthorized);
}

TEST_F(JwtCodecTest, RejectsTamperedPayload) {
  IssuedToken issued = codec_.Issue(42, Role::kCustomer);
  // Verified (and so remembered) first: a remembered token must not vouch for a similar one.
  ASSERT_TRUE(codec_.Verify(issued.token));
  const auto first = issued.token.find('.');
  const auto second = issued.token.find('.', first + 1);
  const std::string forged_payload = B64(R"({"sub":"1","role":"admin","iat":)" + std::to_string(kNow) + R"(,"exp":)" +
                                         std::to_string(kNow + 900) + R"(,"jti":"x"})");
  const std::string forged = issued.token.substr(0, first + 1) + forged_payload + issued.token.substr(second);
  EXPECT_FALSE(codec_.Verify(forged));

  std::string flipped = issued.token;
  flipped[first + 3] = flipped[first + 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec_.Verify(flipped));
}

TEST_F(JwtCodecTest, KeepsVerifyingPastTheNumberOfTokensItRemembers) {
  std::vector<IssuedToken> issued;
  for (std::size_t i = 0; i < JwtCodec::kMaxRemembered + 10; ++i) {
    issued.push_back(codec_.Issue(static_cast<std::int64_t>(i) + 1, Role::kCustomer));
    ASSERT_TRUE(codec_.Verify(issued.back().token));
  }
  for (std::size_t i : {std::size_t{0}, JwtCodec::kMaxRemembered - 1, JwtCodec::kMaxRemembered + 9}) {
    auto claims = codec_.Verify(issued[i].token);
    ASSERT_TRUE(claims) << i;
    EXPECT_EQ(claims->user_id, static_cast<std::int64_t>(i) + 1);
  }
  clock_.Advance(15min);
  EXPECT_FALSE(codec_.Verify(issued.front().token));
  EXPECT_FALSE(codec_.Verify(issued.back().token)) << "a remembered token still expires";
}

TEST_F(JwtCodecTest, RejectsTokenSignedWithAnotherKey) {
  JwtCodec other("another-secret-entirely-different-0123456789", 15min, clock_);
  EXPECT_FALSE(codec_.Verify(other.Issue(42, Role::kAdmin).token));
}

TEST_F(JwtCodecTest, RejectsAlgNone) {
  const std::string payload = B64(R"({"sub":"1","role":"admin","iat":)" + std::to_string(kNow) + R"(,"exp":)" +
                                  std::to_string(kNow + 900) + R"(,"jti":"x"})");
  for (const char* header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"NONE","typ":"JWT"})", R"({"alg":"none"})"}) {
    EXPECT_FALSE(codec_.Verify(B64(header) + "." + payload + ".")) << header;
    EXPECT_FALSE(codec_.Verify(B64(header) + "." + payload)) << header;
  }
}

TEST_F(JwtCodecTest, RejectsHs512SignedWithTheSameSecret) {
  const std::string token = Sign(JWT_ALG_HS512, kSecret, {{"sub", "42"}, {"role", "admin"}, {"jti", "abc"}},
                                 {{"iat", kNow}, {"exp", kNow + 900}});
  ASSERT_FALSE(token.empty());
  EXPECT_FALSE(codec_.Verify(token));
  // The same claims under HS256 are accepted, so only the algorithm made the difference.
  const std::string hs256 = Sign(JWT_ALG_HS256, kSecret, {{"sub", "42"}, {"role", "admin"}, {"jti", "abc"}},
                                 {{"iat", kNow}, {"exp", kNow + 900}});
  EXPECT_TRUE(codec_.Verify(hs256));
}

TEST_F(JwtCodecTest, RejectsTokensWithMissingOrMalformedClaims) {
  const std::map<std::string, std::string> strings = {{"sub", "42"}, {"role", "customer"}, {"jti", "abc"}};
  const std::map<std::string, long> ints = {{"iat", kNow}, {"exp", kNow + 900}};
  for (const auto& missing : {"sub", "role", "jti"}) {
    auto s = strings;
    s.erase(missing);
    EXPECT_FALSE(codec_.Verify(Sign(JWT_ALG_HS256, kSecret, s, ints))) << "without " << missing;
  }
  for (const auto& missing : {"iat", "exp"}) {
    auto i = ints;
    i.erase(missing);
    EXPECT_FALSE(codec_.Verify(Sign(JWT_ALG_HS256, kSecret, strings, i))) << "without " << missing;
  }
  for (const auto& bad_sub : {"0", "-3", "abc", "42x", ""}) {
    auto s = strings;
    s["sub"] = bad_sub;
    EXPECT_FALSE(codec_.Verify(Sign(JWT_ALG_HS256, kSecret, s, ints))) << "sub " << bad_sub;
  }
  auto s = strings;
  s["role"] = "superuser";
  EXPECT_FALSE(codec_.Verify(Sign(JWT_ALG_HS256, kSecret, s, ints)));
}

TEST_F(JwtCodecTest, RejectsGarbage) {
  for (const char* token : {"", "abc", "a.b.c", "..", "eyJhbGciOiJIUzI1NiJ9..", "not a token at all"}) {
    EXPECT_FALSE(codec_.Verify(token)) << token;
  }
  EXPECT_FALSE(codec_.Verify(std::string(10000, 'a')));
}

TEST(JwtCodec, EmptySecretStillSignsAndVerifies) {
  core::ManualClock clock(kNow);
  JwtCodec codec("", 15min, clock);
  auto issued = codec.Issue(3, Role::kCustomer);
  EXPECT_TRUE(codec.Verify(issued.token));
}

}  // namespace
}  // namespace emporium::auth
