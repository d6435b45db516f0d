#include "db/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <chrono>

#include "core/log.hpp"

namespace emporium::db {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto logger = core::Logger("db");
  return logger;
}

}  // namespace

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path, int threshold_pages) {
  sqlite3* connection = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &connection, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = connection != nullptr ? sqlite3_errmsg(connection) : sqlite3_errstr(rc);
    sqlite3_close(connection);
    return Error::Unavailable("Cannot open the database for checkpoints: " + why);
  }
  sqlite3_busy_timeout(connection, 5000);
  // A connection learns that the file is in WAL mode when it first reads it; until then a
  // checkpoint is a no-op that reports "not in WAL mode".
  if (sqlite3_exec(connection, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(connection);
    sqlite3_close(connection);
    return Error::Unavailable("Cannot open the database for checkpoints: " + why);
  }
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(connection, threshold_pages));
}

WalCheckpointer::WalCheckpointer(void* connection, int threshold_pages)
    : connection_(connection), threshold_pages_(threshold_pages), thread_([this] { Run(); }) {}

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

long long WalCheckpointer::checkpoints() const {
  std::lock_guard lock(mutex_);
  return checkpoints_;
}

int WalCheckpointer::OnCommit(void* self, void* /*connection*/, const char* /*database*/, int frames) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (frames < checkpointer->threshold_pages_) return SQLITE_OK;
  {
    std::lock_guard lock(checkpointer->mutex_);
    if (checkpointer->due_) return SQLITE_OK;
    checkpointer->due_ = true;
  }
  checkpointer->wake_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return due_ || stop_; });
    if (stop_) return;
    // Commits made while copying may pass the threshold again and set it once more.
    due_ = false;
    lock.unlock();
    int log_frames = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(static_cast<sqlite3*>(connection_), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &log_frames, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      Log()->warn(R"({{"event":"wal_checkpoint_failed","code":{},"error":"{}"}})", rc,
                  core::JsonEscape(sqlite3_errmsg(static_cast<sqlite3*>(connection_))));
    }
    lock.lock();
    ++checkpoints_;
    // While a long read keeps part of the log from being copied, every commit reports a log past
    // the threshold: checkpoint at most every 20 ms meanwhile, not after every commit.
    wake_.wait_for(lock, std::chrono::milliseconds(20), [this] { return stop_; });
  }
}

}  // namespace emporium::db
