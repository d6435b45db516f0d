// The log-writing layer below SQLite (src/db/sqlite_wal_vfs.*): one write per commit, large
// transactions whole, and a failed write that rolls its transaction back.
#include <gtest/gtest.h>
#include <soci/soci.h>
#include <sys/resource.h>

#include <csignal>
#include <string>

#include "db/database.hpp"
#include "db/sqlite_wal_vfs.hpp"
#include "support/test_database.hpp"

namespace emporium::db {
namespace {

bool OnMariaDb() { return test::TestDialect() == Dialect::kMariaDb; }

test::TestDatabase OpenWithTable() {
  test::TestDatabase db = test::OpenTestDatabase(false, 2);
  const Status created = db->Write([](Tx& tx) -> Status {
    tx.sql << "CREATE TABLE walvfs_rows (id BIGINT PRIMARY KEY, body TEXT NOT NULL)";
    tx.sql << "CREATE INDEX walvfs_rows_body ON walvfs_rows (body)";
    return OkStatus();
  });
  EXPECT_TRUE(created) << created.error().message;
  return db;
}

Status InsertRows(Database& db, long long first, int count, std::size_t bytes) {
  return db.Write([&](Tx& tx) -> Status {
    for (long long id = first; id < first + count; ++id) {
      const std::string body = std::to_string(id) + std::string(bytes, 'w');
      tx.sql << "INSERT INTO walvfs_rows (id, body) VALUES (:id, :body)", soci::use(id), soci::use(body);
    }
    return OkStatus();
  });
}

long long CountRows(Database& db) {
  auto n = db.Read([](Tx& tx) -> Result<long long> {
    long long count = 0;
    tx.sql << "SELECT COUNT(*) FROM walvfs_rows", soci::into(count);
    return count;
  });
  EXPECT_TRUE(n) << n.error().message;
  return n ? *n : -1;
}

std::string IntegrityCheck(Database& db) {
  auto r = db.Read([](Tx& tx) -> Result<std::string> {
    std::string result;
    tx.sql << "PRAGMA integrity_check", soci::into(result);
    return result;
  });
  return r ? *r : r.error().message;
}

TEST(SqliteWalVfs, ACommitOfSeveralPagesIsOneWriteToTheLog) {
  if (OnMariaDb()) GTEST_SKIP() << "SQLite only";
  auto db = OpenWithTable();
  const WalWriteStats before = GetWalWriteStats();
  // Eight rows of 1.5 KB: a few table pages and index pages, each a frame of two writes.
  ASSERT_TRUE(InsertRows(*db, 1, 8, 1500));
  const WalWriteStats after = GetWalWriteStats();
  EXPECT_GE(after.requested - before.requested, 8u) << "SQLite asked for two writes per frame";
  EXPECT_EQ(after.issued - before.issued, 1u) << "the frames reached the log in one write";
  // Another connection (the pool's reader) sees the transaction: it is in the file.
  EXPECT_EQ(CountRows(*db), 8);
}

TEST(SqliteWalVfs, ATransactionLargerThanTheBufferReachesTheLogWhole) {
  if (OnMariaDb()) GTEST_SKIP() << "SQLite only";
  auto db = OpenWithTable();
  const WalWriteStats before = GetWalWriteStats();
  // About 1.2 MB of rows and as much again of index: far past the 64 KiB buffer and the unix VFS's
  // 128 KiB limit per write.
  ASSERT_TRUE(InsertRows(*db, 1, 400, 3000));
  const WalWriteStats after = GetWalWriteStats();
  EXPECT_GE(after.issued - before.issued, 20u);
  EXPECT_LT(after.issued - before.issued, (after.requested - before.requested) / 10);
  auto again = Database::Open(db.url(), 1);  // a connection that never saw the transaction
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(CountRows(**again), 400);
  EXPECT_EQ(IntegrityCheck(**again), "ok");
}

/// Caps the size of any file this process writes, as a full disk would; SIGXFSZ ignored so that
/// the write fails with EFBIG instead of ending the process.
class FileSizeCap {
 public:
  explicit FileSizeCap(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit capped = old_;
    capped.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &capped);
  }
  ~FileSizeCap() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeCap(const FileSizeCap&) = delete;
  FileSizeCap& operator=(const FileSizeCap&) = delete;

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

TEST(SqliteWalVfs, AFailedLogWriteRollsItsTransactionBackAndTheDatabaseStaysUsable) {
  if (OnMariaDb()) GTEST_SKIP() << "SQLite only";
  auto db = OpenWithTable();
  ASSERT_TRUE(InsertRows(*db, 1, 1, 100));
  {
    // The 600 KB transaction cannot fit under a 256 KiB cap: one of the gathered writes fails.
    FileSizeCap cap(256 << 10);
    const Status failed = InsertRows(*db, 100, 200, 3000);
    EXPECT_FALSE(failed) << "the transaction reported its failed write";
  }
  EXPECT_EQ(CountRows(*db), 1) << "nothing of the failed transaction is visible";
  ASSERT_TRUE(InsertRows(*db, 2, 3, 100)) << "the next transaction commits";
  EXPECT_EQ(CountRows(*db), 4);
  EXPECT_EQ(IntegrityCheck(*db), "ok");
  auto again = Database::Open(db.url(), 1);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(CountRows(**again), 4);
}

}  // namespace
}  // namespace emporium::db
