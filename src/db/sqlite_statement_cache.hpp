#pragma once
// A prepared-statement cache for SQLite connections, below SOCI.
//
// SOCI prepares every statement on every call (`sql << "SELECT ...", use(x)` is sqlite3_prepare_v2,
// bind, step, sqlite3_finalize), and SQLite's parser and code generator were about a fifth of the
// server's CPU in checkout and a quarter in uncached reads. SOCI has no hook for reusing statements,
// and its SQLite backend is a shared library, so the cache sits at the boundary between the two: the
// executable defines (and exports) sqlite3_prepare_v2, sqlite3_finalize, sqlite3_close and
// sqlite3_close_v2, which the dynamic linker binds SOCI's calls to ahead of libsqlite3's (the same
// ELF interposition a malloc replacement uses; the real functions are found with dlsym(RTLD_NEXT)).
//
// Only connections passed to EnableStatementCache are affected; for them (and for PrepareCached):
//   - prepare: a statement of the same text that was finalized earlier on this connection is handed
//     back (already reset, bindings cleared) instead of compiling the text again;
//   - finalize: a statement prepared from exactly one SQL statement is reset (which ends its read of
//     the database and releases its locks, as finalize would), its bindings cleared (SOCI binds text
//     without copying it) and kept for reuse, up to kMaxIdleStatements per connection, least
//     recently used first out;
//   - close: the connection's kept statements are finalized before the connection is closed.
// A kept statement that outlives a schema change (another connection's migration) is recompiled by
// SQLite on its next step, as any sqlite3_prepare_v2 statement is; until that step, SOCI's describe
// of a `SELECT *` would report the columns it was compiled with, which is one reason the application
// names its columns. Every other connection, and every other call, goes straight to SQLite.

#include <cstdint>
#include <string_view>

namespace emporium::db {

struct StatementCacheStats {
  std::uint64_t hits = 0;    ///< prepares answered from the cache
  std::uint64_t misses = 0;  ///< prepares compiled by SQLite on a caching connection
  std::uint64_t kept = 0;    ///< statements idle in the cache right now, over all connections
};

/// Turns the cache on for `connection` (a sqlite3*; void* keeps sqlite3.h out of this header).
/// Must be called by the thread that owns the connection, before anything is prepared on it.
void EnableStatementCache(void* connection);

/// Prepares `sql` (one statement) on `connection` as SOCI's prepares are: a kept statement of the same
/// text if there is one. Ends with sqlite3_finalize, which keeps it again. For code that runs
/// statements through SQLite's API itself (db::Rows on SQLite). Returns SQLite's result code.
int PrepareCached(void* connection, std::string_view sql, void** statement);

/// Process-wide counters, for tests and /metrics.
StatementCacheStats GetStatementCacheStats();

}  // namespace emporium::db
