#include "core/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/crypto.hpp"

namespace emporium::core {
namespace {

const FieldError* FindField(const Error& e, const std::string& field) {
  for (const auto& f : e.fields) {
    if (f.field == field) return &f;
  }
  return nullptr;
}

TEST(Config, DefaultsWhenEnvironmentIsEmpty) {
  auto c = LoadConfig({});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->database_url, "sqlite://data/emporium.db");
  EXPECT_EQ(c->data_dir, "data");
  EXPECT_TRUE(c->redis_url.empty());
  EXPECT_TRUE(c->smtp_url.empty());
  EXPECT_EQ(c->access_token_ttl, std::chrono::minutes(15));
}

TEST(Config, TheWorkerPoolIsEightThreadsPerCoreUnlessSet) {
  Config c;
  EXPECT_EQ(WorkerThreads(c), 8 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  c.worker_threads = 3;
  EXPECT_EQ(WorkerThreads(c), 3);
}

TEST(Config, ReadsEveryDocumentedVariable) {
  auto c = LoadConfig({{"PORT", "0"},
                       {"DATABASE_URL", "mariadb://u:p@127.0.0.1:3306/shop"},
                       {"REDIS_URL", "redis://127.0.0.1:6379/0"},
                       {"JWT_SECRET", std::string(40, 'x')},
                       {"SMTP_URL", "smtp://user:pw@mail.example.com:587"},
                       {"DATA_DIR", "/var/lib/emporium"},
                       {"CORS_ORIGINS", "https://shop.example.com, http://localhost:3000"},
                       {"LOG_LEVEL", "debug"},
                       {"PUBLIC_URL", "https://shop.example.com/"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->port, 0);
  EXPECT_EQ(c->database_url, "mariadb://u:p@127.0.0.1:3306/shop");
  EXPECT_EQ(c->cors_origins, (std::vector<std::string>{"https://shop.example.com", "http://localhost:3000"}));
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->public_url, "https://shop.example.com") << "trailing slash is dropped so links join cleanly";
}

TEST(Config, ReportsEveryBadValueAtOnce) {
  auto c = LoadConfig({{"PORT", "80a"},
                       {"DATABASE_URL", "postgres://x"},
                       {"JWT_SECRET", "short"},
                       {"LOG_LEVEL", "loud"},
                       {"CORS_ORIGINS", "shop.example.com"},
                       {"SMTP_URL", "mail.example.com"}});
  ASSERT_FALSE(c);
  const auto& e = c.error();
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  for (const char* field : {"PORT", "DATABASE_URL", "JWT_SECRET", "LOG_LEVEL", "CORS_ORIGINS", "SMTP_URL"}) {
    EXPECT_NE(FindField(e, field), nullptr) << field;
  }
  EXPECT_NE(FindField(e, "PORT")->message.find("80a"), std::string::npos) << "the message quotes the bad value";
}

TEST(Config, ValidatesTrustedProxies) {
  auto ok = LoadConfig({{"TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "192.168.1.7"}));
  auto bad = LoadConfig({{"TRUSTED_PROXIES", "10.0.0.0/8,lb.internal"}});
  ASSERT_FALSE(bad);
  ASSERT_NE(FindField(bad.error(), "TRUSTED_PROXIES"), nullptr);
}

TEST(Config, TheUserRowCacheLastsASecondUnlessSetAndZeroTurnsItOff) {
  EXPECT_EQ(LoadConfig({})->auth_user_cache_ttl, std::chrono::milliseconds(1000));
  EXPECT_EQ(LoadConfig({{"AUTH_USER_CACHE_MS", "0"}})->auth_user_cache_ttl, std::chrono::milliseconds(0));
  EXPECT_EQ(LoadConfig({{"AUTH_USER_CACHE_MS", "250"}})->auth_user_cache_ttl, std::chrono::milliseconds(250));
  auto bad = LoadConfig({{"AUTH_USER_CACHE_MS", "-1"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(FindField(bad.error(), "AUTH_USER_CACHE_MS"), nullptr);
  EXPECT_FALSE(LoadConfig({{"AUTH_USER_CACHE_MS", "60001"}}));
}

TEST(Config, RejectsOutOfRangePort) {
  EXPECT_FALSE(LoadConfig({{"PORT", "65536"}}));
  EXPECT_FALSE(LoadConfig({{"PORT", "-1"}}));
}

TEST(Config, EmptyValuesMeanUnset) {
  auto c = LoadConfig({{"PORT", ""}, {"REDIS_URL", ""}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 8080);
}

TEST(Dotenv, ParsesCommentsQuotesAndExport) {
  auto env = ParseDotenv(
      "# comment\n"
      "PORT=9090\n"
      "export LOG_LEVEL=debug\n"
      "PUBLIC_URL=\"https://x.example.com\"\n"
      "MAIL_FROM='Shop <shop@example.com>'\n"
      "DATA_DIR=/srv/data # trailing comment\n"
      "NOT A LINE\n");
  EXPECT_EQ(env["PORT"], "9090");
  EXPECT_EQ(env["LOG_LEVEL"], "debug");
  EXPECT_EQ(env["PUBLIC_URL"], "https://x.example.com");
  EXPECT_EQ(env["MAIL_FROM"], "Shop <shop@example.com>");
  EXPECT_EQ(env["DATA_DIR"], "/srv/data");
  EXPECT_EQ(env.count("NOT A LINE"), 0u);
}

TEST(Config, GeneratedJwtSecretPersistsAcrossRestarts) {
  InitCrypto();
  const auto dir = std::filesystem::temp_directory_path() / ("emporium-config-" + RandomToken(6));
  Config first;
  first.data_dir = dir.string();
  ASSERT_TRUE(EnsureJwtSecret(first));
  EXPECT_GE(first.jwt_secret.size(), 32u);
  EXPECT_EQ(std::filesystem::status(dir / "jwt_secret").permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);

  Config second;
  second.data_dir = dir.string();
  ASSERT_TRUE(EnsureJwtSecret(second));
  EXPECT_EQ(first.jwt_secret, second.jwt_secret);
  std::filesystem::remove_all(dir);
}

TEST(Config, ExplicitJwtSecretWins) {
  Config c;
  c.jwt_secret = std::string(32, 'k');
  c.data_dir = "/nonexistent/never/created";
  ASSERT_TRUE(EnsureJwtSecret(c));
  EXPECT_EQ(c.jwt_secret, std::string(32, 'k'));
}

}  // namespace
}  // namespace emporium::core
