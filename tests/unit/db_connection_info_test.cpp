#include <gtest/gtest.h>

#include <filesystem>

#include "db/database.hpp"

namespace emporium::db {
namespace {

Error ParseError(const std::string& url) {
  auto info = ConnectionInfo::Parse(url);
  EXPECT_FALSE(info) << url;
  return info ? Error{} : info.error();
}

TEST(ConnectionInfo, ParsesAbsoluteSqlitePath) {
  auto info = ConnectionInfo::Parse("sqlite:///var/lib/emporium/shop.db");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->dialect, Dialect::kSqlite);
  EXPECT_EQ(info->soci_backend, "sqlite3");
  EXPECT_EQ(info->sqlite_path, "/var/lib/emporium/shop.db");
  EXPECT_EQ(info->connect_string, "db=/var/lib/emporium/shop.db timeout=5");
  EXPECT_EQ(info->display, "sqlite:///var/lib/emporium/shop.db");
  EXPECT_EQ(info->pool_size, 0);
}

TEST(ConnectionInfo, ResolvesRelativeSqlitePathAgainstWorkingDirectory) {
  auto info = ConnectionInfo::Parse("sqlite://data/emporium.db");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sqlite_path, (std::filesystem::current_path() / "data/emporium.db").lexically_normal().string());
}

TEST(ConnectionInfo, AcceptsInMemorySqlite) {
  auto info = ConnectionInfo::Parse("sqlite://:memory:");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sqlite_path, ":memory:");
  EXPECT_EQ(info->connect_string, "db=:memory: timeout=5");
}

TEST(ConnectionInfo, QuotesSqlitePathWithSpacesAndDecodesEscapes) {
  auto info = ConnectionInfo::Parse("sqlite:///tmp/my%20shop/db.sqlite");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sqlite_path, "/tmp/my shop/db.sqlite");
  EXPECT_EQ(info->connect_string, "db=\"/tmp/my shop/db.sqlite\" timeout=5");
}

TEST(ConnectionInfo, ReadsPoolTimeoutAndGroupOptions) {
  EXPECT_EQ(ConnectionInfo::Parse("sqlite:///tmp/a.db")->max_group, 32);
  auto info = ConnectionInfo::Parse("sqlite:///tmp/a.db?pool=3&timeout=10&group=1");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->pool_size, 3);
  EXPECT_EQ(info->timeout_seconds, 10);
  EXPECT_EQ(info->max_group, 1);
  EXPECT_EQ(info->sqlite_path, "/tmp/a.db");
  EXPECT_EQ(info->connect_string, "db=/tmp/a.db timeout=10");
}

TEST(ConnectionInfo, RejectsUnknownOptionsByName) {
  Error e = ParseError("sqlite:///tmp/a.db?cache=shared");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(e.fields.size(), 1u);
  EXPECT_EQ(e.fields[0].field, "DATABASE_URL");
  EXPECT_NE(e.fields[0].message.find("\"cache\""), std::string::npos) << e.fields[0].message;
}

TEST(ConnectionInfo, RejectsOutOfRangeOptions) {
  ParseError("sqlite:///tmp/a.db?pool=0");
  ParseError("sqlite:///tmp/a.db?pool=many");
  ParseError("sqlite:///tmp/a.db?timeout=-1");
  ParseError("sqlite:///tmp/a.db?group=0");
  ParseError("sqlite:///tmp/a.db?group=1001");
}

TEST(ConnectionInfo, ParsesMariaDbUrlAndMasksPassword) {
  auto info = ConnectionInfo::Parse("mariadb://shop:s3cret@db.internal:3307/shop");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->dialect, Dialect::kMariaDb);
  EXPECT_EQ(info->soci_backend, "mysql");
  EXPECT_EQ(info->connect_string,
            "db='shop' user='shop' password='s3cret' host='db.internal' port=3307 charset=utf8mb4 connect_timeout=5");
  EXPECT_EQ(info->display, "mariadb://shop:***@db.internal:3307/shop");
}

TEST(ConnectionInfo, DefaultsMariaDbPortAndAcceptsMysqlScheme) {
  auto info = ConnectionInfo::Parse("mysql://app@localhost/emporium");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->dialect, Dialect::kMariaDb);
  EXPECT_EQ(info->connect_string,
            "db='emporium' user='app' host='localhost' port=3306 charset=utf8mb4 connect_timeout=5");
  EXPECT_EQ(info->display, "mysql://app@localhost:3306/emporium");
}

TEST(ConnectionInfo, PercentDecodesAndEscapesCredentials) {
  auto info = ConnectionInfo::Parse("mariadb://us%40er:p%40ss%3Aw%2Fd%27x@127.0.0.1/db?pool=2");
  ASSERT_TRUE(info);
  EXPECT_EQ(
      info->connect_string,
      "db='db' user='us@er' password='p@ss:w/d\\'x' host='127.0.0.1' port=3306 charset=utf8mb4 connect_timeout=5");
  EXPECT_EQ(info->pool_size, 2);
  EXPECT_EQ(info->display, "mariadb://us@er:***@127.0.0.1:3306/db?pool=2");
}

TEST(ConnectionInfo, AcceptsBracketedIpv6Host) {
  auto info = ConnectionInfo::Parse("mariadb://u:p@[::1]:3310/db");
  ASSERT_TRUE(info);
  EXPECT_NE(info->connect_string.find("host='::1' port=3310"), std::string::npos) << info->connect_string;
  EXPECT_EQ(info->display, "mariadb://u:***@[::1]:3310/db");
}

TEST(ConnectionInfo, RejectsMalformedUrlsWithoutEchoingThePassword) {
  for (const char* url :
       {"mariadb://u:topsecret@h:99999/db", "mariadb://u:topsecret@h:3306/", "mariadb://u:topsecret@h:3306",
        "mariadb://:topsecret@h/db", "mariadb://h/db", "mariadb://u:topsecret@/db", "mariadb://u:top%zzsecret@h/db",
        "postgres://u:topsecret@h/db", "topsecret", "sqlite://", "sqlite:///tmp/dir/"}) {
    Error e = ParseError(url);
    EXPECT_EQ(e.code, ErrorCode::kInvalidArgument) << url;
    ASSERT_EQ(e.fields.size(), 1u) << url;
    EXPECT_EQ(e.fields[0].field, "DATABASE_URL");
    EXPECT_EQ(e.fields[0].message.find("topsecret"), std::string::npos) << e.fields[0].message;
  }
}

}  // namespace
}  // namespace emporium::db
