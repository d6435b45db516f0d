#pragma once
// One write system call per SQLite commit instead of two per page.
//
// SQLite appends a transaction to the write-ahead log one frame at a time, and each frame is two
// writes: its 24-byte header, then the page. A checkout transaction dirties a dozen pages, so its
// COMMIT was two dozen pwrite calls, and under this hypervisor a system call is expensive: perf had
// pwrite at 11 % of the server's samples during the checkout benchmark, all of it under SQLite's
// writer lock.
//
// This VFS wraps the platform's default one and changes only how log files are written: contiguous
// writes are gathered in memory and written with one call when the commit frame's page arrives (a
// frame header whose "database size after commit" field is not zero marks the commit frame), when a
// write is not contiguous, past 64 KiB, and before anything else touches the file (read, size,
// truncate, sync, file control, close). Every other file, and every other call, goes straight to
// the default VFS.
//
// Why this is safe:
//   - A transaction becomes visible to other connections when the writer updates the log's index
//     header in shared memory, which SQLite does only after the commit frame's write returned: by
//     then the whole transaction is in the file, as before.
//   - A failed write is reported by the xWrite call of the commit frame's page (or by the call that
//     flushed), inside the commit, so SQLite rolls the transaction back exactly as it would have.
//   - A crash before that write leaves the transaction uncommitted, as a crash in the middle of
//     SQLite's own sequence of writes would; recovery ignores frames without a valid commit frame.
//   - With synchronous=NORMAL SQLite does not sync the log at commit, and nothing here changes when
//     or whether it syncs: a sync flushes first.

#include <cstdint>

#include "core/error.hpp"

namespace emporium::db {

struct WalWriteStats {
  std::uint64_t requested = 0;  ///< writes SQLite asked for on log files
  std::uint64_t issued = 0;     ///< writes made to the file system for them
};

/// Registers the VFS as the process's default, once; later calls do nothing. Must run after the
/// SQLITE_CONFIG_* calls (it initialises SQLite) and before the first connection opens.
Status InstallWalWriteCoalescing();

/// Process-wide counters, for tests.
WalWriteStats GetWalWriteStats();

}  // namespace emporium::db
