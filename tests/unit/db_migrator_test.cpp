#include <gtest/gtest.h>

#include "db/migrator.hpp"

namespace emporium::db {
namespace {

using Statements = std::vector<std::string>;

TEST(SplitSqlStatements, SplitsOnSemicolonsAndDropsThem) {
  EXPECT_EQ(SplitSqlStatements("CREATE TABLE a (id INTEGER);\nCREATE INDEX a_id ON a (id);\n"),
            (Statements{"CREATE TABLE a (id INTEGER)", "CREATE INDEX a_id ON a (id)"}));
}

TEST(SplitSqlStatements, StripsCommentsAndNeverReturnsEmptyStatements) {
  const std::string script =
      "-- auth: users\n"
      "\n"
      "CREATE TABLE users (\n"
      "  id INTEGER PRIMARY KEY, -- the id\n"
      "  /* block\n comment */ email VARCHAR(200)\n"
      ");\n"
      ";\n"
      "  -- only a comment;\n"
      ";;\n";
  EXPECT_EQ(SplitSqlStatements(script),
            (Statements{"CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n    email VARCHAR(200)\n)"}));
  EXPECT_TRUE(SplitSqlStatements("-- nothing here\n\n   \n").empty());
}

TEST(SplitSqlStatements, IgnoresSemicolonsInsideQuotes) {
  EXPECT_EQ(SplitSqlStatements("INSERT INTO t VALUES ('a;b', 'it''s; -- not a comment');\nSELECT \"x;y\", `z;`;"),
            (Statements{"INSERT INTO t VALUES ('a;b', 'it''s; -- not a comment')", "SELECT \"x;y\", `z;`"}));
}

TEST(SplitSqlStatements, KeepsLastStatementWithoutSemicolon) {
  EXPECT_EQ(SplitSqlStatements("SELECT 1;\nSELECT 2"), (Statements{"SELECT 1", "SELECT 2"}));
}

TEST(SplitSqlStatements, KeepsSqliteTriggerBodyWhole) {
  const std::string script =
      "CREATE TABLE t (id INTEGER, n INTEGER);\n"
      "CREATE TRIGGER t_touch AFTER UPDATE ON t\n"
      "BEGIN\n"
      "  UPDATE t SET n = CASE WHEN n > 0 THEN n ELSE 0 END WHERE id = NEW.id;\n"
      "  -- a comment inside; with a semicolon\n"
      "  INSERT INTO log VALUES ('end;');\n"
      "END;\n"
      "CREATE INDEX t_n ON t (n);\n";
  EXPECT_EQ(SplitSqlStatements(script),
            (Statements{"CREATE TABLE t (id INTEGER, n INTEGER)",
                        "CREATE TRIGGER t_touch AFTER UPDATE ON t\nBEGIN\n"
                        "  UPDATE t SET n = CASE WHEN n > 0 THEN n ELSE 0 END WHERE id = NEW.id;\n"
                        "  INSERT INTO log VALUES ('end;');\nEND",
                        "CREATE INDEX t_n ON t (n)"}));
}

TEST(SplitSqlStatements, KeepsMariaDbTriggerWithIfBlockWhole) {
  const std::string script =
      "CREATE OR REPLACE TRIGGER stock_guard BEFORE UPDATE ON stock FOR EACH ROW\n"
      "BEGIN\n"
      "  IF NEW.qty < 0 THEN\n"
      "    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'negative';\n"
      "  END IF;\n"
      "  CASE WHEN NEW.qty = 0 THEN SET NEW.state = 'out'; ELSE SET NEW.state = 'in'; END CASE;\n"
      "END;\n"
      "CREATE TRIGGER simple BEFORE INSERT ON stock FOR EACH ROW SET NEW.qty = 0;\n"
      "CREATE TABLE trigger_log (id INT);\n";
  Statements got = SplitSqlStatements(script);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[0].starts_with("CREATE OR REPLACE TRIGGER stock_guard")) << got[0];
  EXPECT_TRUE(got[0].ends_with("END CASE;\nEND")) << got[0];
  EXPECT_EQ(got[1], "CREATE TRIGGER simple BEFORE INSERT ON stock FOR EACH ROW SET NEW.qty = 0");
  EXPECT_EQ(got[2], "CREATE TABLE trigger_log (id INT)");
}

TEST(MigrationFile, ParsesVersionAndNameFromTheFileName) {
  auto m = ParseMigrationFile("migrations/sqlite/V012__auth_users.sql",
                              "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->version, 12);
  EXPECT_EQ(m->name, "auth_users");
  EXPECT_EQ(m->statements.size(), 2u);
}

TEST(MigrationFile, RejectsMalformedNamesAndEmptyScripts) {
  for (const char* path :
       {"migrations/sqlite/V1__x.sql", "migrations/sqlite/001_x.sql", "migrations/sqlite/V001_x.sql",
        "migrations/sqlite/V001__Auth.sql", "migrations/sqlite/V000__x.sql", "migrations/sqlite/V001__.sql",
        "migrations/sqlite/V001__x.txt", "migrations/sqlite/v001__x.sql"}) {
    auto m = ParseMigrationFile(path, "CREATE TABLE a (id INT);");
    ASSERT_FALSE(m) << path;
    EXPECT_EQ(m.error().field, path);
  }
  EXPECT_FALSE(ParseMigrationFile("migrations/sqlite/V001__x.sql", "-- nothing\n"));
}

TEST(EmbeddedMigrations, AreWellFormedAndTheSameForBothDialects) {
  std::vector<Migration> sqlite, mariadb;
  ASSERT_NO_THROW(sqlite = EmbeddedMigrations(Dialect::kSqlite));
  ASSERT_NO_THROW(mariadb = EmbeddedMigrations(Dialect::kMariaDb));
  ASSERT_EQ(sqlite.size(), mariadb.size()) << "every migration needs a sqlite and a mariadb version";
  for (std::size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, mariadb[i].version);
    EXPECT_EQ(sqlite[i].name, mariadb[i].name);
    if (i > 0) {
      EXPECT_LT(sqlite[i - 1].version, sqlite[i].version);
    }
  }
}

}  // namespace
}  // namespace emporium::db
