#pragma once
// Counts SQL statements executed by the current thread. The HTTP layer resets it before a handler
// runs and reads it afterwards (debug log, X-Sql-Statements header when enabled, tests), so that an
// endpoint can be held to a query budget. Handlers run synchronously on one worker thread, which is
// what makes a thread-local counter per request exact.

#include <cstdint>

namespace emporium::db {

class StatementCounter {
 public:
  static void Reset() { count_ = 0; }
  static std::uint64_t Count() { return count_; }
  static void Increment() { ++count_; }
  /// Credits statements counted on another thread (a write run in a group commit, db::Database).
  static void Add(std::uint64_t n) { count_ += n; }
  static void Set(std::uint64_t n) { count_ = n; }

 private:
  static inline thread_local std::uint64_t count_ = 0;
};

}  // namespace emporium::db
