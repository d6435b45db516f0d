#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "modules/auth/password.hpp"

namespace emporium::auth {
namespace {

// libsodium's minimum argon2id limits: fast enough for unit tests.
constexpr std::uint64_t kOps = 1;
constexpr std::size_t kMem = 8192;

TEST(PasswordPolicy, RequiresTenToOneHundredTwentyEightCharacters) {
  PasswordPolicy policy("");
  EXPECT_TRUE(policy.Problem("short", "a@b.co"));
  EXPECT_TRUE(policy.Problem("123456789", "a@b.co"));
  EXPECT_FALSE(policy.Problem("tenletters", "a@b.co"));
  EXPECT_FALSE(policy.Problem(std::string(128, 'x'), "a@b.co"));
  EXPECT_TRUE(policy.Problem(std::string(129, 'x'), "a@b.co"));
}

TEST(PasswordPolicy, CountsCodePointsNotBytes) {
  PasswordPolicy policy("");
  // Five two-byte characters are ten bytes but only five characters.
  EXPECT_TRUE(policy.Problem("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", "a@b.co"));
  // Ten of them pass.
  EXPECT_FALSE(
      policy.Problem("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", "a@b.co"));
  EXPECT_TRUE(policy.Problem("\xff\xfe invalid utf8", "a@b.co"));
}

TEST(PasswordPolicy, RejectsTheBundledCommonPasswordsCaseInsensitively) {
  PasswordPolicy policy;
  EXPECT_GT(policy.common_count(), 900u);
  for (const char* p : {"password123", "qwertyuiop", "1234567890", "PASSWORD123", "QwErTyUiOp", "iloveyou12"}) {
    auto problem = policy.Problem(p, "someone@example.com");
    ASSERT_TRUE(problem) << p;
    EXPECT_NE(problem->find("common"), std::string::npos) << *problem;
  }
  EXPECT_FALSE(policy.Problem("correct horse battery staple", "someone@example.com"));
}

TEST(PasswordPolicy, RejectsThePasswordEqualToTheEmail) {
  PasswordPolicy policy("");
  EXPECT_TRUE(policy.Problem("someone@example.com", "someone@example.com"));
  EXPECT_TRUE(policy.Problem("SomeOne@Example.com", "someone@example.com"));
  EXPECT_FALSE(policy.Problem("someone@example.com!", "someone@example.com"));
}

TEST(PasswordPolicy, CheckReportsThePasswordField) {
  PasswordPolicy policy("");
  auto st = policy.Check("short", "a@b.co");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(st.error().fields.size(), 1u);
  EXPECT_EQ(st.error().fields[0].field, "password");
}

TEST(PasswordHasher, HashesWithArgon2idAndVerifies) {
  PasswordHasher hasher(kOps, kMem, 2);
  auto hash = hasher.Hash("a perfectly fine password");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(hasher.Verify(*hash, "a perfectly fine password"));
  EXPECT_FALSE(hasher.Verify(*hash, "a perfectly fine passworD"));
  EXPECT_FALSE(hasher.Verify(*hash, ""));
}

TEST(PasswordHasher, SaltsEveryHash) {
  PasswordHasher hasher(kOps, kMem, 1);
  EXPECT_NE(*hasher.Hash("same password here"), *hasher.Hash("same password here"));
}

TEST(PasswordHasher, NeverVerifiesAMalformedOrEmptyHash) {
  PasswordHasher hasher(kOps, kMem, 1);
  EXPECT_FALSE(hasher.Verify("", "anything"));
  EXPECT_FALSE(hasher.Verify("$argon2id$garbage", "anything"));
  EXPECT_FALSE(hasher.Verify(std::string(500, '$'), "anything"));
  hasher.VerifyDummy("anything");  // runs and returns without effect
}

TEST(PasswordHasher, FlagsHashesMadeWithOtherLimitsForRehash) {
  PasswordHasher weak(kOps, kMem, 1);
  PasswordHasher stronger(2, 16384, 1);
  auto hash = weak.Hash("some password value");
  ASSERT_TRUE(hash);
  EXPECT_FALSE(weak.NeedsRehash(*hash));
  EXPECT_TRUE(stronger.NeedsRehash(*hash));
  EXPECT_TRUE(stronger.Verify(*hash, "some password value"));  // old hashes still verify
}

TEST(PasswordHasher, IsSafeToUseFromManyThreads) {
  PasswordHasher hasher(kOps, kMem, 2);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      const std::string pw = "thread password " + std::to_string(i);
      auto h = hasher.Hash(pw);
      if (h && hasher.Verify(*h, pw)) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
}

}  // namespace
}  // namespace emporium::auth
