#include "db/migrator.hpp"

#include "db/rows.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <stdexcept>

#include "core/log.hpp"
#include "core/resources.hpp"

namespace emporium::db {
namespace {

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)";
constexpr const char* kSelectApplied = "SELECT version, name FROM schema_migrations ORDER BY version";
constexpr const char* kCountVersion = "SELECT COUNT(*) FROM schema_migrations WHERE version = :version";
constexpr const char* kInsertApplied =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:version, :name, :applied_at)";
constexpr const char* kSqliteHasTable =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
constexpr const char* kMariaDbHasTable =
    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
    "AND table_name = 'schema_migrations'";
constexpr const char* kSelectMaxVersion = "SELECT MAX(version) FROM schema_migrations";
// Lock names are server-wide: include the database so test databases on one server do not contend.
constexpr const char* kGetLock = "SELECT GET_LOCK(LEFT(CONCAT('emporium_migrate:', DATABASE()), 64), 30)";
constexpr const char* kReleaseLock = "SELECT RELEASE_LOCK(LEFT(CONCAT('emporium_migrate:', DATABASE()), 64))";

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto logger = core::Logger("db");
  return logger;
}

// ---- splitting -------------------------------------------------------------------------------

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Drops whitespace-only lines (left behind by comments) and trailing blanks; trims the statement.
std::string Tidy(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) {
      if (!out.empty()) out += '\n';
      out += line;
    }
    start = end + 1;
  }
  std::size_t first = out.find_first_not_of(" \t");
  return first == std::string::npos ? std::string() : out.substr(first);
}

// A small lexer: a ';' ends a statement unless it is inside quotes or comments, or inside the
// BEGIN … END body of a CREATE TRIGGER / PROCEDURE / FUNCTION / EVENT.
class Splitter {
 public:
  std::vector<std::string> Split(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      const char next = i + 1 < s.size() ? s[i + 1] : '\0';
      if (c == '-' && next == '-') {
        Flush();
        while (i < s.size() && s[i] != '\n') ++i;
        current_ += '\n';
        continue;
      }
      if (c == '/' && next == '*') {
        Flush();
        std::size_t end = s.find("*/", i + 2);
        i = end == std::string_view::npos ? s.size() : end + 1;
        current_ += ' ';
        continue;
      }
      if (c == '\'' || c == '"' || c == '`') {
        // A doubled quote ('it''s') closes and reopens, which leaves the text intact.
        Flush();
        std::size_t end = s.find(c, i + 1);
        if (end == std::string_view::npos) end = s.size() - 1;
        current_.append(s.substr(i, end - i + 1));
        i = end;
        continue;
      }
      if (IsWordChar(c)) {
        word_ += c;
        current_ += c;
        continue;
      }
      Flush();
      if (c == ';') {
        ResolvePendingEnd();
        if (!block_ || depth_ <= 0) {
          EndStatement();
          continue;
        }
      }
      current_ += c;
    }
    Flush();
    EndStatement();
    return std::move(out_);
  }

 private:
  void Flush() {
    if (word_.empty()) return;
    Word(Upper(word_));
    word_.clear();
  }

  void ResolvePendingEnd() {
    if (pending_end_) {
      pending_end_ = false;
      --depth_;
    }
  }

  void Word(const std::string& w) {
    ++words_;
    if (pending_end_) {
      pending_end_ = false;
      // END IF / END LOOP / END WHILE / END REPEAT close blocks that were never counted.
      if (w == "IF" || w == "LOOP" || w == "WHILE" || w == "REPEAT") return;
      --depth_;
      if (w == "CASE") return;  // END CASE: this CASE closes, it does not open
    }
    if (words_ == 1) {
      create_ = w == "CREATE";
      return;
    }
    if (create_ && !decided_) {
      if (w == "TRIGGER" || w == "PROCEDURE" || w == "FUNCTION" || w == "EVENT") {
        block_ = true;
        decided_ = true;
      } else if (w == "TABLE" || w == "INDEX" || w == "VIEW" || w == "VIRTUAL" || w == "UNIQUE" || w == "DATABASE" ||
                 w == "SCHEMA" || w == "SEQUENCE" || w == "USER" || w == "ROLE") {
        decided_ = true;
      }
      return;
    }
    if (!block_) return;
    if (w == "BEGIN" || w == "CASE") {
      ++depth_;
    } else if (w == "END") {
      pending_end_ = true;
    }
  }

  void EndStatement() {
    std::string statement = Tidy(current_);
    if (!statement.empty()) out_.push_back(std::move(statement));
    current_.clear();
    words_ = 0;
    depth_ = 0;
    create_ = decided_ = block_ = pending_end_ = false;
  }

  std::vector<std::string> out_;
  std::string current_;
  std::string word_;
  int words_ = 0;
  int depth_ = 0;
  bool create_ = false;
  bool decided_ = false;
  bool block_ = false;
  bool pending_end_ = false;
};

// ---- applying ----------------------------------------------------------------------------------

struct Applied {
  int version = 0;
  std::string name;
};

std::vector<Applied> ReadApplied(Tx& tx) {
  std::vector<Applied> out;
  soci::rowset<soci::row> rows = (tx.sql.prepare << kSelectApplied);
  for (const soci::row& row : rows) out.push_back({static_cast<int>(RowInt(row, 0)), RowStr(row, 1)});
  return out;
}

std::string Label(const Migration& m) {
  std::string v = std::to_string(m.version);
  if (v.size() < 3) v.insert(0, 3 - v.size(), '0');
  return "V" + v + "__" + m.name;
}

Status CheckList(const std::vector<Migration>& migrations) {
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) {
      return Error::Internal("migrations must be sorted by version without duplicates (" + Label(migrations[i - 1]) +
                             ", " + Label(migrations[i]) + ")");
    }
  }
  return OkStatus();
}

Status CheckCompatible(const std::vector<Applied>& applied, const std::vector<Migration>& migrations) {
  const int binary_version = migrations.empty() ? 0 : migrations.back().version;
  const int database_version = applied.empty() ? 0 : applied.back().version;
  if (database_version > binary_version) {
    return Error::Unavailable("database schema version " + std::to_string(database_version) +
                              " is newer than this binary (" + std::to_string(binary_version) + "); upgrade emporium");
  }
  for (const Applied& a : applied) {
    auto it =
        std::find_if(migrations.begin(), migrations.end(), [&](const Migration& m) { return m.version == a.version; });
    if (it == migrations.end()) {
      return Error::Internal("the database has migration " + std::to_string(a.version) + " (" + a.name +
                             ") that this binary does not know");
    }
    if (it->name != a.name) {
      Log()->warn("{\"event\":\"migration_renamed\",\"version\":" + std::to_string(a.version) + ",\"database\":\"" +
                  core::JsonEscape(a.name) + "\",\"binary\":\"" + core::JsonEscape(it->name) + "\"}");
    }
  }
  return OkStatus();
}

bool IsApplied(const std::vector<Applied>& applied, int version) {
  return std::any_of(applied.begin(), applied.end(), [&](const Applied& a) { return a.version == version; });
}

long long NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Runs one migration's statements; a failure names the migration and statement (migration SQL has
// no bound values, so the driver text is safe to return). Transient errors go up to Database's retry.
Status ApplyStatements(Tx& tx, const Migration& m, const char* note) {
  for (std::size_t i = 0; i < m.statements.size(); ++i) {
    try {
      tx.sql << m.statements[i];
    } catch (const std::exception& e) {
      if (IsTransientError(e)) throw;
      std::string head = m.statements[i].substr(0, m.statements[i].find('\n'));
      if (head.size() > 120) head = head.substr(0, 120) + "...";
      return Error::Internal("migration " + Label(m) + " failed at statement " + std::to_string(i + 1) + " of " +
                             std::to_string(m.statements.size()) + " (" + head + "): " + SafeErrorText(e) + note);
    }
  }
  long long now = NowSeconds();
  int version = m.version;
  std::string name = m.name;
  tx.sql << kInsertApplied, soci::use(version), soci::use(name), soci::use(now);
  Log()->info("{\"event\":\"migration_applied\",\"migration\":\"" + core::JsonEscape(Label(m)) + "\"}");
  return OkStatus();
}

Result<MigrationReport> MigrateSqlite(Database& db, const std::vector<Migration>& migrations) {
  Status created = db.Write([&](Tx& tx) -> Status {
    tx.sql << kCreateSchemaMigrations;
    return OkStatus();
  });
  EMP_TRY(created);
  Result<std::vector<Applied>> read = db.Read([&](Tx& tx) -> Result<std::vector<Applied>> { return ReadApplied(tx); });
  if (!read) return std::move(read).error();
  const std::vector<Applied>& applied = *read;
  EMP_TRY(CheckCompatible(applied, migrations));

  MigrationReport report;
  for (const Migration& m : migrations) {
    if (IsApplied(applied, m.version)) continue;
    bool did_apply = false;
    // BEGIN IMMEDIATE serializes migrators; the one that comes second finds the version recorded.
    Status st = db.Write([&](Tx& tx) -> Status {
      did_apply = false;
      int count = 0;
      int version = m.version;
      tx.sql << kCountVersion, soci::use(version), soci::into(count);
      if (count > 0) return OkStatus();
      EMP_TRY(ApplyStatements(tx, m, ""));
      did_apply = true;
      return OkStatus();
    });
    EMP_TRY(st);
    if (did_apply) ++report.applied;
  }
  report.current_version = migrations.empty() ? 0 : migrations.back().version;
  return report;
}

Result<MigrationReport> MigrateMariaDb(Database& db, const std::vector<Migration>& migrations) {
  MigrationReport report;
  // One session for the whole run: GET_LOCK belongs to it, and DDL commits implicitly anyway.
  Status st = db.RunWithoutTransaction([&](Tx& tx) -> Status {
    tx.sql << kCreateSchemaMigrations;
    int got = 0;
    soci::indicator got_ind = soci::i_ok;
    tx.sql << kGetLock, soci::into(got, got_ind);
    if (got_ind != soci::i_ok || got != 1) {
      return Error::Unavailable("another emporium migrate holds the migration lock; try again when it has finished");
    }
    struct Unlock {
      soci::session& sql;
      ~Unlock() {
        try {
          int released = 0;
          soci::indicator ind = soci::i_ok;
          sql << kReleaseLock, soci::into(released, ind);
        } catch (const std::exception&) {
          // The lock dies with the connection if this fails.
        }
      }
    } unlock{tx.sql};

    std::vector<Applied> applied = ReadApplied(tx);
    EMP_TRY(CheckCompatible(applied, migrations));
    for (const Migration& m : migrations) {
      if (IsApplied(applied, m.version)) continue;
      EMP_TRY(ApplyStatements(tx, m,
                              "; MariaDB keeps the statements before it (DDL is not transactional): "
                              "repair the schema by hand, then run migrate again"));
      ++report.applied;
    }
    return OkStatus();
  });
  EMP_TRY(st);
  report.current_version = migrations.empty() ? 0 : migrations.back().version;
  return report;
}

}  // namespace

std::vector<std::string> SplitSqlStatements(const std::string& script) { return Splitter().Split(script); }

Result<Migration> ParseMigrationFile(std::string_view path, std::string_view script) {
  std::string_view file = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
  auto bad = [&](const std::string& why) {
    return Error::Invalid(std::string(path),
                          why + "; migration files are named V<NNN>__<name>.sql, e.g. V001__auth_users.sql");
  };
  if (!file.starts_with('V') || !file.ends_with(".sql")) return bad("the name must start with V and end in .sql");
  std::string_view stem = file.substr(1, file.size() - 1 - 4);
  std::size_t sep = stem.find("__");
  if (sep == std::string_view::npos) return bad("no \"__\" after the version");
  std::string_view digits = stem.substr(0, sep);
  std::string_view name = stem.substr(sep + 2);
  if (digits.size() < 3 || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("the version must be 3 to 9 digits");
  }
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      })) {
    return bad("the name must be lower-case letters, digits and _");
  }
  Migration m;
  m.version = std::stoi(std::string(digits));
  if (m.version == 0) return bad("version 0 is reserved for an empty database");
  m.name = std::string(name);
  m.statements = SplitSqlStatements(std::string(script));
  if (m.statements.empty()) return bad("the file has no SQL statements");
  return m;
}

std::vector<Migration> EmbeddedMigrations(Dialect dialect) {
  const char* prefix = dialect == Dialect::kSqlite ? "migrations/sqlite/" : "migrations/mariadb/";
  std::vector<Migration> out;
  std::map<int, std::string> seen;
  for (const core::ResourceEntry& entry : core::ResourcesUnder(prefix)) {
    Result<Migration> m = ParseMigrationFile(entry.path, entry.contents);
    if (!m) {
      const Error& e = m.error();
      throw std::logic_error("bad migration file " + std::string(entry.path) + ": " +
                             (e.fields.empty() ? e.message : e.fields.front().message));
    }
    auto [it, inserted] = seen.emplace(m->version, std::string(entry.path));
    if (!inserted) {
      throw std::logic_error("two migrations have version " + std::to_string(m->version) + ": " + it->second + " and " +
                             std::string(entry.path));
    }
    out.push_back(std::move(m).value());
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return out;
}

Result<MigrationReport> Migrate(Database& db, const std::vector<Migration>& migrations) {
  EMP_TRY(CheckList(migrations));
  return db.dialect() == Dialect::kSqlite ? MigrateSqlite(db, migrations) : MigrateMariaDb(db, migrations);
}

Result<MigrationReport> Migrate(Database& db) {
  std::vector<Migration> migrations;
  try {
    migrations = EmbeddedMigrations(db.dialect());
  } catch (const std::logic_error& e) {
    return Error::Internal(e.what());
  }
  return Migrate(db, migrations);
}

Result<SchemaState> ReadSchemaState(Database& db, const std::vector<Migration>& migrations) {
  SchemaState state;
  state.binary_version = migrations.empty() ? 0 : migrations.back().version;
  Result<int> version = db.Read([&](Tx& tx) -> Result<int> {
    int tables = 0;
    tx.sql << (tx.dialect == Dialect::kSqlite ? kSqliteHasTable : kMariaDbHasTable), soci::into(tables);
    if (tables == 0) return 0;
    int max_version = 0;
    soci::indicator ind = soci::i_ok;
    tx.sql << kSelectMaxVersion, soci::into(max_version, ind);
    return ind == soci::i_ok ? max_version : 0;
  });
  if (!version) return std::move(version).error();
  state.database_version = *version;
  return state;
}

Result<SchemaState> ReadSchemaState(Database& db) {
  std::vector<Migration> migrations;
  try {
    migrations = EmbeddedMigrations(db.dialect());
  } catch (const std::logic_error& e) {
    return Error::Internal(e.what());
  }
  return ReadSchemaState(db, migrations);
}

}  // namespace emporium::db
