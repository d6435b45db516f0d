#include "db/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <chrono>

#include "core/log.hpp"
#include "core/thread.hpp"

namespace emporium::db {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto logger = core::Logger("db");
  return logger;
}

constexpr int kBusyTimeoutMs = 5000;
constexpr std::chrono::milliseconds kRestartWait{20};
// The log is started over once it holds this many times the checkpoint threshold: a restart makes
// writers wait for the readers of the moment, so not on every checkpoint. Past the threshold, a
// checkpoint runs at most once per kPause. Each checkpoint copies the latest version of every page
// logged since the previous one, so the pause is what lets a page rewritten by many commits (a
// table's last page, the job queue's index) be copied once instead of once per commit. Under
// checkout load (about 24,000 log pages a second) 20 ms and 4x meant about 160 KB written per order,
// 250 ms and 8x (a log of up to 32 MB) 137 – 140 KB and less CPU per order (docs/benchmarks.md).
constexpr int kRestartFactor = 8;
constexpr std::chrono::milliseconds kPause{250};

}  // namespace

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path, std::mutex& writer_mutex,
                                                                int threshold_pages) {
  sqlite3* connection = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &connection, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = connection != nullptr ? sqlite3_errmsg(connection) : sqlite3_errstr(rc);
    sqlite3_close(connection);
    return Error::Unavailable("Cannot open the database for checkpoints: " + why);
  }
  sqlite3_busy_timeout(connection, kBusyTimeoutMs);
  // A connection learns that the file is in WAL mode when it first reads it; until then a
  // checkpoint is a no-op that reports "not in WAL mode".
  if (sqlite3_exec(connection, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(connection);
    sqlite3_close(connection);
    return Error::Unavailable("Cannot open the database for checkpoints: " + why);
  }
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(connection, writer_mutex, threshold_pages));
}

WalCheckpointer::WalCheckpointer(void* connection, std::mutex& writer_mutex, int threshold_pages)
    : connection_(connection),
      writer_mutex_(&writer_mutex),
      threshold_pages_(threshold_pages),
      thread_([this] { Run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close(static_cast<sqlite3*>(connection_));
}

void WalCheckpointer::Attach(void* connection) {
  sqlite3_wal_hook(
      static_cast<sqlite3*>(connection),
      [](void* self, sqlite3* db, const char* name, int frames) { return OnCommit(self, db, name, frames); }, this);
}

int WalCheckpointer::OnCommit(void* self, void* /*connection*/, const char* /*database*/, int frames) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (frames < checkpointer->threshold_pages_) return SQLITE_OK;
  const bool restart = frames >= kRestartFactor * checkpointer->threshold_pages_;
  {
    std::lock_guard lock(checkpointer->mutex_);
    if (checkpointer->due_ && (!restart || checkpointer->restart_due_)) return SQLITE_OK;
    checkpointer->due_ = true;
    checkpointer->restart_due_ = checkpointer->restart_due_ || restart;
  }
  checkpointer->wake_.notify_one();
  return SQLITE_OK;
}

bool WalCheckpointer::Checkpoint() {
  auto* db = static_cast<sqlite3*>(connection_);
  int log_frames = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
  if (rc == SQLITE_OK && log_frames >= kRestartFactor * threshold_pages_) {
    // The log is copied, but a writer starts it over only when no reader is using it, and with a
    // pool of connections reading all the time that moment may never come: the log then grows for
    // ever (1.4 GB in 16 s of checkout load), each new frame extends the file, and every lookup
    // in it gets slower. RESTART waits for the readers to move to the database file and leaves the
    // log to be started over by the next writer. It holds the write lock while it waits, so it
    // holds this process's writer mutex too (writers queue there instead of sleeping in SQLite's
    // busy handler), and it gives up after kRestartWait if a reader takes longer (next time, then).
    std::lock_guard writers(*writer_mutex_);
    sqlite3_busy_timeout(db, static_cast<int>(kRestartWait.count()));
    rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, &log_frames, &copied);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
  }
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    Log()->warn(R"({{"event":"wal_checkpoint_failed","code":{},"error":"{}"}})", rc,
                core::JsonEscape(sqlite3_errmsg(db)));
  }
  return rc != SQLITE_BUSY;
}

void WalCheckpointer::Run() {
  core::NameThisThread("wal-checkpoint");
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return due_ || stop_; });
    if (stop_) return;
    // Commits made while copying may pass the threshold again and set it once more.
    due_ = false;
    restart_due_ = false;
    lock.unlock();
    const bool done = Checkpoint();
    lock.lock();
    // Every commit reports a log past the threshold until the log is started over (and, while a long
    // read keeps part of it from being copied, after that): checkpoint at most every kPause
    // meanwhile, not after every commit. A log that reaches the size at which it is started over
    // ends the pause, unless a reader has just kept that from happening: trying again at once
    // would hold the writers back for kRestartWait over and over while the read lasts.
    wake_.wait_for(lock, kPause, [&] { return stop_ || (done && restart_due_); });
  }
}

}  // namespace emporium::db
