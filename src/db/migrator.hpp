#pragma once
// Schema migrations compiled into the binary from migrations/<dialect>/V<NNN>__<module>_<what>.sql.
// Applied in order, each in its own transaction (MariaDB DDL auto-commits: a failed migration there
// is reported with the statement that failed), recorded in schema_migrations.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "db/database.hpp"

namespace emporium::db {

struct Migration {
  int version = 0;
  std::string name;  ///< "auth_users" from V001__auth_users.sql
  std::vector<std::string> statements;
};

/// The embedded migrations for a dialect, sorted by version. A file under migrations/<dialect>/
/// that is not named V<NNN>__<name>.sql (three or more digits, version > 0, name of [a-z0-9_]), or
/// two files with one version, is a build mistake: throws std::logic_error naming the file (Migrate
/// and ReadSchemaState turn that into kInternal with the same message, so start-up fails loudly).
std::vector<Migration> EmbeddedMigrations(Dialect dialect);

/// Parses one migration file: `path` like "migrations/sqlite/V001__auth_users.sql" (only the file
/// name matters) and its SQL. kInvalidArgument (field = path) for a malformed name.
Result<Migration> ParseMigrationFile(std::string_view path, std::string_view script);

/// Splits a SQL script into statements on ';' outside quotes and comments (the ';' is dropped);
/// keeps CREATE TRIGGER … BEGIN … END; whole (nested CASE … END and MariaDB BEGIN … END blocks
/// included); strips `--` and `/* */` comments; never returns an empty statement.
std::vector<std::string> SplitSqlStatements(const std::string& script);

struct MigrationReport {
  int current_version = 0;  ///< after the run
  int applied = 0;
};

/// Applies every pending embedded migration. Fails (kUnavailable) if the database is newer than the
/// binary. Safe to run from several processes at once (SQLite: BEGIN IMMEDIATE per migration;
/// MariaDB: GET_LOCK held for the whole run).
Result<MigrationReport> Migrate(Database& db);

/// The same with an explicit list (tests; `migrations` sorted by version, versions unique).
/// kUnavailable "database schema version N is newer than this binary (M); upgrade emporium" when the
/// database records a version above the list's last; kInternal when it records a version the list
/// lacks, or when a statement fails (the message names the migration and statement).
Result<MigrationReport> Migrate(Database& db, const std::vector<Migration>& migrations);

/// Current schema version and the latest this binary knows; used by /readyz and `serve`.
struct SchemaState {
  int database_version = 0;
  int binary_version = 0;
};
Result<SchemaState> ReadSchemaState(Database& db);
/// The same against an explicit list (binary_version = the list's last version, 0 if empty).
Result<SchemaState> ReadSchemaState(Database& db, const std::vector<Migration>& migrations);

}  // namespace emporium::db
