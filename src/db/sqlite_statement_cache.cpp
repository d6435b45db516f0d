#include "db/sqlite_statement_cache.hpp"

#include <dlfcn.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace emporium::db {
namespace {

// Distinct statement texts kept per connection. The application has a few hundred; the ones that
// matter for throughput are a few dozen, and a text built per call (an IN list of N ids) must not
// grow the cache without bound.
constexpr std::size_t kMaxIdleStatements = 256;

using PrepareFn = int (*)(sqlite3*, const char*, int, sqlite3_stmt**, const char**);
using FinalizeFn = int (*)(sqlite3_stmt*);
using CloseFn = int (*)(sqlite3*);

struct RealSqlite {
  PrepareFn prepare_v2;
  FinalizeFn finalize;
  CloseFn close;
  CloseFn close_v2;
};

template <class Fn>
Fn Next(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (f == nullptr) {
    // Nothing can work without SQLite; this runs before any statement does.
    std::fprintf(stderr, "emporium: %s not found in the loaded SQLite library\n", name);
    std::abort();
  }
  return reinterpret_cast<Fn>(f);
}

const RealSqlite& Real() {
  static const RealSqlite real{Next<PrepareFn>("sqlite3_prepare_v2"), Next<FinalizeFn>("sqlite3_finalize"),
                               Next<CloseFn>("sqlite3_close"), Next<CloseFn>("sqlite3_close_v2")};
  return real;
}

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct Entry {
  std::vector<sqlite3_stmt*> idle;
  int leased = 0;              ///< statements of this text handed out and not yet finalized
  std::uint64_t last_use = 0;  ///< for least-recently-used eviction
};

/// One connection's statements. Only the thread that holds the connection touches it (SQLite
/// connections are used by one thread at a time; the pool's lease orders the hand-overs).
struct ConnectionCache {
  using ByText = std::unordered_map<std::string, Entry, TextHash, std::equal_to<>>;
  ByText by_text;
  /// Statements handed out, with their text's element of by_text (elements do not move on rehash).
  std::unordered_map<sqlite3_stmt*, ByText::value_type*> leased;
  std::size_t idle = 0;
  std::uint64_t clock = 0;
};

struct Registry {
  std::shared_mutex mutex;
  std::unordered_map<sqlite3*, std::unique_ptr<ConnectionCache>> caches;
};

// Never destroyed: a connection closed during static destruction (a Database owned by a static)
// must still find it.
Registry& TheRegistry() {
  static auto* registry = new Registry;
  return *registry;
}

std::atomic<std::uint64_t> hits{0}, misses{0}, kept{0};

ConnectionCache* Find(sqlite3* db) {
  Registry& r = TheRegistry();
  std::shared_lock lock(r.mutex);
  auto it = r.caches.find(db);
  return it == r.caches.end() ? nullptr : it->second.get();
}

/// Whether a prepare comes from SOCI's SQLite backend. Only those statements are cached: SOCI always
/// ends them with sqlite3_finalize through the dynamic linker, while SQLite's own callers of
/// sqlite3_prepare_v2 (sqlite3_exec, FTS, ...) may finalize theirs internally, which a cache would
/// never see. Decided once per call site (SOCI has one; SQLite's are remembered per thread).
bool CalledFromSoci(const void* return_address) {
  static std::atomic<const void*> soci_site{nullptr};
  if (return_address == soci_site.load(std::memory_order_relaxed)) return true;
  thread_local std::vector<const void*> other_sites;
  for (const void* site : other_sites) {
    if (site == return_address) return false;
  }
  Dl_info info{};
  const bool soci = dladdr(return_address, &info) != 0 && info.dli_fname != nullptr &&
                    std::strstr(info.dli_fname, "libsoci_sqlite3") != nullptr;
  if (soci) {
    soci_site.store(return_address, std::memory_order_relaxed);
  } else if (other_sites.size() < 32) {
    other_sites.push_back(return_address);
  }
  return soci;
}

bool OnlyWhitespace(const char* p, const char* end) {
  for (; p < end && *p != '\0'; ++p) {
    if (*p != ';' && *p != ' ' && *p != '\n' && *p != '\t' && *p != '\r') return false;
  }
  return true;
}

/// Makes room for one more idle statement by finalizing those of the least recently used text
/// that has no statement handed out.
void EvictOne(ConnectionCache& cache) {
  auto victim = cache.by_text.end();
  for (auto it = cache.by_text.begin(); it != cache.by_text.end(); ++it) {
    if (it->second.leased == 0 && !it->second.idle.empty() &&
        (victim == cache.by_text.end() || it->second.last_use < victim->second.last_use)) {
      victim = it;
    }
  }
  if (victim == cache.by_text.end()) return;
  for (sqlite3_stmt* stmt : victim->second.idle) Real().finalize(stmt);
  cache.idle -= victim->second.idle.size();
  kept.fetch_sub(victim->second.idle.size(), std::memory_order_relaxed);
  cache.by_text.erase(victim);
}

void FinalizeAll(ConnectionCache& cache) {
  for (auto& [text, entry] : cache.by_text) {
    for (sqlite3_stmt* stmt : entry.idle) Real().finalize(stmt);
    kept.fetch_sub(entry.idle.size(), std::memory_order_relaxed);
  }
  cache.by_text.clear();
  cache.idle = 0;
}

void Forget(sqlite3* db) {
  std::unique_ptr<ConnectionCache> cache;
  {
    Registry& r = TheRegistry();
    std::unique_lock lock(r.mutex);
    auto it = r.caches.find(db);
    if (it == r.caches.end()) return;
    cache = std::move(it->second);
    r.caches.erase(it);
  }
  FinalizeAll(*cache);
}

}  // namespace

void EnableStatementCache(void* connection) {
  Real();  // resolve the real functions now, not on the first statement
  Registry& r = TheRegistry();
  std::unique_lock lock(r.mutex);
  r.caches.try_emplace(static_cast<sqlite3*>(connection), std::make_unique<ConnectionCache>());
}

StatementCacheStats GetStatementCacheStats() {
  return {hits.load(std::memory_order_relaxed), misses.load(std::memory_order_relaxed),
          kept.load(std::memory_order_relaxed)};
}

namespace {

/// The cached prepare, for a connection with a cache.
int PrepareThrough(ConnectionCache& cache, sqlite3* db, const char* sql, int bytes, sqlite3_stmt** out,
                   const char** tail) {
  const std::size_t length = bytes < 0 ? std::strlen(sql) : strnlen(sql, static_cast<std::size_t>(bytes));
  const std::string_view text(sql, length);
  auto it = cache.by_text.find(text);
  if (it != cache.by_text.end() && !it->second.idle.empty()) {
    Entry& entry = it->second;
    *out = entry.idle.back();
    entry.idle.pop_back();
    --cache.idle;
    kept.fetch_sub(1, std::memory_order_relaxed);
    ++entry.leased;
    entry.last_use = ++cache.clock;
    cache.leased.emplace(*out, &*it);
    if (tail != nullptr) *tail = sql + length;
    hits.fetch_add(1, std::memory_order_relaxed);
    return SQLITE_OK;
  }

  const char* rest = nullptr;
  const int rc = Real().prepare_v2(db, sql, bytes, out, &rest);
  if (tail != nullptr) *tail = rest;
  if (rc != SQLITE_OK || *out == nullptr) return rc;
  misses.fetch_add(1, std::memory_order_relaxed);
  // Only a text that is one whole statement can be handed back for the same text later.
  if (rest == nullptr || !OnlyWhitespace(rest, sql + length)) return rc;
  if (it == cache.by_text.end()) it = cache.by_text.try_emplace(std::string(text)).first;
  Entry& entry = it->second;
  ++entry.leased;
  entry.last_use = ++cache.clock;
  cache.leased.emplace(*out, &*it);
  return rc;
}

}  // namespace

int PrepareCached(void* connection, std::string_view sql, void** statement) {
  auto* db = static_cast<sqlite3*>(connection);
  auto** out = reinterpret_cast<sqlite3_stmt**>(statement);
  const auto bytes = static_cast<int>(sql.size());
  ConnectionCache* cache = Find(db);
  if (cache == nullptr) return Real().prepare_v2(db, sql.data(), bytes, out, nullptr);
  return PrepareThrough(*cache, db, sql.data(), bytes, out, nullptr);
}

}  // namespace emporium::db

// ---- the interposed SQLite entry points ----------------------------------------------------------

using emporium::db::ConnectionCache;
using emporium::db::Entry;

extern "C" int sqlite3_prepare_v2(sqlite3* db, const char* sql, int bytes, sqlite3_stmt** out, const char** tail) {
  namespace d = emporium::db;
  ConnectionCache* cache = db != nullptr && sql != nullptr && out != nullptr ? d::Find(db) : nullptr;
  if (cache == nullptr || !d::CalledFromSoci(__builtin_return_address(0))) {
    return d::Real().prepare_v2(db, sql, bytes, out, tail);
  }
  return d::PrepareThrough(*cache, db, sql, bytes, out, tail);
}

extern "C" int sqlite3_finalize(sqlite3_stmt* stmt) {
  namespace d = emporium::db;
  if (stmt == nullptr) return SQLITE_OK;
  ConnectionCache* cache = d::Find(sqlite3_db_handle(stmt));
  if (cache == nullptr) return d::Real().finalize(stmt);
  auto leased = cache->leased.find(stmt);
  if (leased == cache->leased.end()) return d::Real().finalize(stmt);
  const std::string& text = leased->second->first;
  Entry& entry = leased->second->second;
  cache->leased.erase(leased);

  // What finalize reports (the error of the last step, if any), and what it does to the database:
  // reset ends the statement's read transaction and releases its locks.
  const int rc = sqlite3_reset(stmt);
  if (cache->idle >= d::kMaxIdleStatements) d::EvictOne(*cache);  // never `entry`: it is leased
  --entry.leased;
  if (cache->idle >= d::kMaxIdleStatements) {
    if (entry.leased == 0 && entry.idle.empty()) cache->by_text.erase(cache->by_text.find(text));
    d::Real().finalize(stmt);
    return rc;
  }
  sqlite3_clear_bindings(stmt);
  entry.idle.push_back(stmt);
  ++cache->idle;
  d::kept.fetch_add(1, std::memory_order_relaxed);
  return rc;
}

extern "C" int sqlite3_close(sqlite3* db) {
  emporium::db::Forget(db);
  return emporium::db::Real().close(db);
}

extern "C" int sqlite3_close_v2(sqlite3* db) {
  emporium::db::Forget(db);
  return emporium::db::Real().close_v2(db);
}
