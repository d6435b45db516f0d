#include "support/test_database.hpp"

#include <soci/soci.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "db/migrator.hpp"

namespace emporium::test {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void Fail(const std::string& message) {
  ADD_FAILURE() << message;
  throw std::runtime_error(message);
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

int NextNumber() {
  static std::atomic<int> n{0};
  return ++n;
}

// One folder per test process for SQLite files; removed at exit even if a test leaked its database.
class TempRoot {
 public:
  const fs::path& Path() {
    std::call_once(once_, [this] {
      std::string tmpl = (fs::temp_directory_path() / "emporium-test-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr) Fail("cannot create a temporary directory under " + tmpl);
      path_ = tmpl;
    });
    return path_;
  }
  ~TempRoot() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }

 private:
  std::once_flag once_;
  fs::path path_;
};

TempRoot& Temp() {
  static TempRoot root;
  return root;
}

struct ServerUrl {
  std::string base;      // "mariadb://user:pw@host:port/"
  std::string database;  // "db", or empty
  std::string query;     // "?x=1", or empty
};

ServerUrl SplitServerUrl(const std::string& url) {
  std::size_t scheme = url.find("://");
  std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  std::size_t q = url.find('?', start);
  std::string head = url.substr(0, q);
  ServerUrl out;
  out.query = q == std::string::npos ? std::string() : url.substr(q);
  std::size_t slash = head.find('/', start);
  out.base = slash == std::string::npos ? head + "/" : head.substr(0, slash + 1);
  out.database = slash == std::string::npos ? std::string() : head.substr(slash + 1);
  return out;
}

struct MariaDbServer {
  std::string base;   // scheme://user:pw@host:port/
  std::string query;  // "?..." or empty
  std::unique_ptr<db::Database> admin;
};

// The admin connection that creates and drops test databases, opened once per process.
MariaDbServer& Server() {
  static std::mutex mutex;
  static MariaDbServer server;
  std::lock_guard lock(mutex);
  if (server.admin) return server;
  std::string url = Env("EMPORIUM_TEST_MARIADB_URL");
  if (url.empty()) url = Env("EMPORIUM_TEST_MARIADB_ROOT");
  if (url.empty()) {
    Fail(
        "EMPORIUM_TEST_DB=mariadb but neither EMPORIUM_TEST_MARIADB_URL nor EMPORIUM_TEST_MARIADB_ROOT is set; "
        "run the suite under scripts/with-services mariadb -- ...");
  }
  ServerUrl parts = SplitServerUrl(url);
  // The root URL names no database; every account may open information_schema.
  std::string admin_url =
      parts.base + (parts.database.empty() ? std::string("information_schema") : parts.database) + parts.query;
  auto admin = db::Database::Open(admin_url, 1);
  if (!admin) Fail("cannot connect to the test MariaDB server: " + admin.error().message);
  server.base = parts.base;
  server.query = parts.query;
  server.admin = std::move(admin).value();
  return server;
}

Status Exec(db::Database& admin, const std::string& statement) {
  return admin.RunWithoutTransaction([&](db::Tx& tx) -> Status {
    tx.sql << statement;
    return OkStatus();
  });
}

}  // namespace

struct TestDatabase::State {
  std::unique_ptr<db::Database> database;
  std::string url;
  fs::path sqlite_dir;       // SQLite: the folder holding the file and its -wal/-shm
  std::string mariadb_name;  // MariaDB: the database to drop

  ~State() {
    database.reset();  // close every session before removing what they point at
    if (!sqlite_dir.empty()) {
      std::error_code ec;
      fs::remove_all(sqlite_dir, ec);
    }
    if (!mariadb_name.empty()) {
      Status dropped = Exec(*Server().admin, "DROP DATABASE IF EXISTS " + mariadb_name);
      if (!dropped)
        std::cerr << "test database " << mariadb_name << " not dropped: " << dropped.error().message << "\n";
    }
  }
};

const char* TestDialectName() {
  std::string v = Env("EMPORIUM_TEST_DB");
  if (v.empty() || v == "sqlite") return "sqlite";
  if (v == "mariadb" || v == "mysql") return "mariadb";
  return "unknown";
}

db::Dialect TestDialect() {
  return std::string_view(TestDialectName()) == "mariadb" ? db::Dialect::kMariaDb : db::Dialect::kSqlite;
}

TestDatabase::TestDatabase(std::unique_ptr<State> state) : state_(std::move(state)) {}
TestDatabase::TestDatabase(TestDatabase&&) noexcept = default;
TestDatabase& TestDatabase::operator=(TestDatabase&&) noexcept = default;
TestDatabase::~TestDatabase() = default;

db::Database* TestDatabase::get() const { return state_ ? state_->database.get() : nullptr; }

const std::string& TestDatabase::url() const { return state_->url; }

TestDatabase OpenTestDatabase(bool migrate, int pool_size) {
  if (std::string_view(TestDialectName()) == "unknown") {
    Fail("EMPORIUM_TEST_DB must be sqlite or mariadb, not \"" + Env("EMPORIUM_TEST_DB") + "\"");
  }
  auto state = std::make_unique<TestDatabase::State>();
  const int n = NextNumber();
  if (TestDialect() == db::Dialect::kSqlite) {
    state->sqlite_dir = Temp().Path() / ("db" + std::to_string(n));
    state->url = "sqlite://" + (state->sqlite_dir / "emporium.db").string();
  } else {
    MariaDbServer& server = Server();
    std::string name = "emporium_t" + std::to_string(::getpid()) + "_" + std::to_string(n);
    Status created =
        Exec(*server.admin, "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    if (!created) Fail("cannot create test database " + name + ": " + created.error().message);
    state->mariadb_name = name;
    state->url = server.base + name + server.query;
  }
  auto opened = db::Database::Open(state->url, pool_size);
  if (!opened) Fail("cannot open test database: " + opened.error().message);
  state->database = std::move(opened).value();
  if (migrate) {
    auto migrated = db::Migrate(*state->database);
    if (!migrated) Fail("migrations failed on the test database: " + migrated.error().message);
  }
  return TestDatabase(std::move(state));
}

void DatabaseTest::ExecSql(const std::string& sql) {
  const Status done = db().Write([&](db::Tx& tx) -> Status {
    tx.sql << sql;
    return OkStatus();
  });
  ASSERT_TRUE(done) << sql << ": " << done.error().message;
}

void DatabaseTest::FailWrites(const std::string& statement, const std::string& name, const std::string& table,
                              const std::string& condition) {
  const std::string head = "CREATE TRIGGER " + name + " BEFORE " + statement + " ON " + table;
  const std::string refuse = "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'";
  if (db().dialect() == db::Dialect::kSqlite) {
    ExecSql(head + (condition.empty() ? "" : " WHEN " + condition) +
            " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  } else if (condition.empty()) {
    ExecSql(head + " FOR EACH ROW " + refuse);
  } else {
    ExecSql(head + " FOR EACH ROW BEGIN IF " + condition + " THEN " + refuse + "; END IF; END");
  }
}

void DatabaseTest::FailUpdates(const std::string& name, const std::string& table, const std::string& condition) {
  FailWrites("UPDATE", name, table, condition);
}

void DatabaseTest::FailInserts(const std::string& name, const std::string& table, const std::string& condition) {
  FailWrites("INSERT", name, table, condition);
}

}  // namespace emporium::test
