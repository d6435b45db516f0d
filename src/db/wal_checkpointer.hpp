#pragma once
// Checkpoints an SQLite database's write-ahead log on a thread of its own.
//
// By default SQLite checkpoints inside the COMMIT that takes the log past 1,000 pages: that commit
// copies the log back into the database file and syncs both, while it still holds the write lock
// (and, in this process, Database's writer mutex). Under checkout load that was half of all the time
// spent committing. SQLite's documentation suggests the alternative used here: the connections of a
// pool report the log's size after each commit (sqlite3_wal_hook, which also turns their automatic
// checkpoint off) and, past the threshold, wake this thread, which runs a PASSIVE checkpoint on a
// connection of its own: it never blocks writers or readers and does the copying and syncing. A
// RESTART checkpoint follows once the log holds 8x the threshold, under the writer mutex, to let
// the next writer start the log over (see Checkpoint() for why a passive one alone lets the log grow
// without bound).

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.hpp"

namespace emporium::db {

class WalCheckpointer {
 public:
  /// Opens the checkpointer's own connection to `path` and starts its thread. `writer_mutex` is the
  /// one this process's writers hold around their transactions.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path, std::mutex& writer_mutex,
                                                        int threshold_pages = 1000);
  /// Stops the thread (after a checkpoint in progress) and closes the connection. Connections still
  /// attached must be closed first.
  ~WalCheckpointer();

  /// Makes `connection` (a sqlite3*) report its commits here instead of checkpointing by itself.
  void Attach(void* connection);

 private:
  WalCheckpointer(void* connection, std::mutex& writer_mutex, int threshold_pages);
  static int OnCommit(void* self, void* connection, const char* database, int frames);
  void Run();
  /// false: a reader kept it from copying the whole log or from starting the log over.
  bool Checkpoint();

  void* connection_;  // sqlite3*
  std::mutex* writer_mutex_;
  const int threshold_pages_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool restart_due_ = false;  ///< the log reached the restart size: no pause before the next checkpoint
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace emporium::db
