#pragma once
// A fresh database per test, in the dialect CTest runs the suite for (integration_tests runs once
// per dialect):
//   EMPORIUM_TEST_DB=sqlite (default)  a temporary SQLite file, deleted with the TestDatabase (and
//                                      the whole temp folder at process exit)
//   EMPORIUM_TEST_DB=mariadb           a new database emporium_t<pid>_<n> on the server named by
//                                      EMPORIUM_TEST_MARIADB_URL (or EMPORIUM_TEST_MARIADB_ROOT),
//                                      as started by scripts/with-services; dropped afterwards
//
//   TEST(OrderRepository, FindsOrdersByCustomer) {
//     auto db = test::OpenTestDatabase();          // migrated with the embedded migrations
//     orders::OrderRepository repo;
//     auto r = db->Write([&](db::Tx& tx) { return repo.Insert(tx, ...); });
//     OrderService service(*db, ...);              // *db is a db::Database&
//   }

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "db/database.hpp"

namespace emporium::test {

/// "sqlite" or "mariadb", from EMPORIUM_TEST_DB (unset or empty = "sqlite"); for test names and logs.
const char* TestDialectName();

/// The dialect the suite runs against. An unknown EMPORIUM_TEST_DB value is reported by
/// OpenTestDatabase as a test failure.
db::Dialect TestDialect();

/// One test's database. Behaves like a pointer to db::Database (`db->Write(...)`, `*db`). The
/// destructor closes the pool, then deletes the file or drops the MariaDB database. Movable.
class TestDatabase {
 public:
  TestDatabase(TestDatabase&&) noexcept;
  TestDatabase& operator=(TestDatabase&&) noexcept;
  ~TestDatabase();

  db::Database& operator*() const { return *get(); }
  db::Database* operator->() const { return get(); }
  db::Database* get() const;

  /// A DATABASE_URL for this same database, e.g. to open a second db::Database on it (a second
  /// "process" for concurrency or migration tests).
  const std::string& url() const;

  struct State;  ///< defined in test_database.cpp
  explicit TestDatabase(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

/// Creates a fresh database with `pool_size` sessions and, when `migrate`, applies the embedded
/// migrations of the dialect (db::Migrate). On any failure, including EMPORIUM_TEST_DB=mariadb with
/// neither EMPORIUM_TEST_MARIADB_URL nor EMPORIUM_TEST_MARIADB_ROOT set, it records a failure
/// (ADD_FAILURE, with the reason) and throws std::runtime_error, which ends the current test: a CI
/// run that asked for MariaDB never silently skips. Thread-safe.
TestDatabase OpenTestDatabase(bool migrate = true, int pool_size = 4);

/// A fixture holding a fresh migrated database per test: `TEST_F(DatabaseTest, ...)` or derive
/// from it and use db().
class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { database_.emplace(OpenTestDatabase()); }
  void TearDown() override { database_.reset(); }
  db::Database& db() { return **database_; }
  /// Runs a statement of the test's own in a write transaction (a trigger that injects a failure,
  /// say); a failure fails the test.
  void ExecSql(const std::string& sql);
  /// Makes every UPDATE of `table` fail (only those whose new row meets `condition`, an SQL
  /// expression over NEW, when one is given) through a trigger named `name`, until
  /// ExecSql("DROP TRIGGER <name>"): how a test makes the database refuse a step mid-flow.
  void FailUpdates(const std::string& name, const std::string& table, const std::string& condition = "");
  /// Same for every INSERT into `table`.
  void FailInserts(const std::string& name, const std::string& table, const std::string& condition = "");

  std::optional<TestDatabase> database_;

 private:
  void FailWrites(const std::string& statement, const std::string& name, const std::string& table,
                  const std::string& condition);
};

}  // namespace emporium::test
