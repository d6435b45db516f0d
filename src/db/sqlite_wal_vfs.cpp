#include "db/sqlite_wal_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <new>
#include <string>

namespace emporium::db {
namespace {

constexpr std::size_t kFrameHeaderBytes = 24;
// The unix VFS writes at most 128 KiB - 1 per call (it masks the length with 0x1ffff and reports a
// longer write as a full disk), so the buffer is written before it can reach that.
constexpr std::size_t kMaxBufferedBytes = std::size_t{64} << 10;

std::atomic<std::uint64_t> g_requested{0};
std::atomic<std::uint64_t> g_issued{0};

sqlite3_vfs* g_base = nullptr;  // the default VFS this one wraps; set once, before any use
sqlite3_vfs g_vfs;

/// What SQLite allocates szOsFile bytes for: this header, then the base VFS's file.
struct File {
  sqlite3_file base{};  // must stay first: SQLite only knows this part
  sqlite3_file* real = nullptr;
  bool log = false;  // a write-ahead log: the only kind whose writes are gathered
  bool commit_page_next = false;
  sqlite3_int64 buffer_offset = 0;
  std::string buffer;
};

constexpr std::size_t kRealOffset = (sizeof(File) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
                                    alignof(std::max_align_t);

File& Of(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Of(f).real; }

int Flush(File& f) {
  if (f.buffer.empty()) return SQLITE_OK;
  g_issued.fetch_add(1, std::memory_order_relaxed);
  const int rc = f.real->pMethods->xWrite(f.real, f.buffer.data(), static_cast<int>(f.buffer.size()), f.buffer_offset);
  f.buffer.clear();
  f.commit_page_next = false;
  return rc;
}

/// Bytes 4-7 of a frame header: the database size in pages after the commit, 0 for other frames.
bool IsCommitFrameHeader(const void* data, int amount) {
  if (static_cast<std::size_t>(amount) != kFrameHeaderBytes) return false;
  const auto* bytes = static_cast<const unsigned char*>(data);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

// ---- file methods: the log's writes are gathered, everything else is forwarded -----------------

int Close(sqlite3_file* file) {
  File& f = Of(file);
  const int flushed = Flush(f);
  const int rc = f.real->pMethods->xClose(f.real);
  f.~File();
  return flushed != SQLITE_OK ? flushed : rc;
}

int Read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xRead(Real(file), data, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File& f = Of(file);
  if (!f.log) return f.real->pMethods->xWrite(f.real, data, amount, offset);
  g_requested.fetch_add(1, std::memory_order_relaxed);
  if (!f.buffer.empty() && offset != f.buffer_offset + static_cast<sqlite3_int64>(f.buffer.size())) {
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (f.buffer.empty()) f.buffer_offset = offset;
  const bool commit_page = f.commit_page_next;
  f.buffer.append(static_cast<const char*>(data), static_cast<std::size_t>(amount));
  f.commit_page_next = IsCommitFrameHeader(data, amount);
  if (commit_page || f.buffer.size() >= kMaxBufferedBytes) return Flush(f);
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xTruncate(Real(file), size);
}

int Sync(sqlite3_file* file, int flags) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xSync(Real(file), flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xFileSize(Real(file), size);
}

int Lock(sqlite3_file* file, int level) { return Real(file)->pMethods->xLock(Real(file), level); }
int Unlock(sqlite3_file* file, int level) { return Real(file)->pMethods->xUnlock(Real(file), level); }
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(file)->pMethods->xCheckReservedLock(Real(file), out);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  const int rc = Real(file)->pMethods->xFileControl(Real(file), op, arg);
  // The base VFS names itself; say that this one sits on top of it.
  if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK && arg != nullptr) {
    auto** name = static_cast<char**>(arg);
    char* wrapped = sqlite3_mprintf("%s/%z", g_vfs.zName, *name);
    *name = wrapped;
  }
  return rc;
}

int SectorSize(sqlite3_file* file) { return Real(file)->pMethods->xSectorSize(Real(file)); }
int DeviceCharacteristics(sqlite3_file* file) { return Real(file)->pMethods->xDeviceCharacteristics(Real(file)); }

int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return Real(file)->pMethods->xShmMap(Real(file), region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Real(file)->pMethods->xShmLock(Real(file), offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Real(file)->pMethods->xShmBarrier(Real(file)); }
int ShmUnmap(sqlite3_file* file, int delete_flag) { return Real(file)->pMethods->xShmUnmap(Real(file), delete_flag); }

int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  if (const int rc = Flush(Of(file)); rc != SQLITE_OK) return rc;
  return Real(file)->pMethods->xFetch(Real(file), offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Real(file)->pMethods->xUnfetch(Real(file), offset, page);
}

/// The same methods at each version a base file may implement: a file reports no method its base
/// file lacks.
constexpr sqlite3_io_methods MethodsOfVersion(int version) {
  return {version,  Close,      Read,        Write,       Truncate,    Sync,         FileSize,
          Lock,     Unlock,     CheckReservedLock,        FileControl, SectorSize,   DeviceCharacteristics,
          ShmMap,   ShmLock,    ShmBarrier,  ShmUnmap,    Fetch,       Unfetch};
}
const sqlite3_io_methods kMethods[] = {MethodsOfVersion(1), MethodsOfVersion(2), MethodsOfVersion(3)};

// ---- VFS methods: xOpen wraps the file, the rest is the base VFS's ------------------------------

int Open(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = new (file) File();
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  f->log = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = g_base->xOpen(g_base, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || f->real->pMethods == nullptr) {
    // SQLite closes a file whose pMethods is set even when the open failed: only the base's.
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    f->~File();
    file->pMethods = nullptr;
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  const int version = std::min(std::max(f->real->pMethods->iVersion, 1), 3);
  file->pMethods = &kMethods[version - 1];
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_base->xDelete(g_base, name, sync_dir); }
int Access(sqlite3_vfs*, const char* name, int flags, int* out) { return g_base->xAccess(g_base, name, flags, out); }
int FullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return g_base->xFullPathname(g_base, name, size, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void DlError(sqlite3_vfs*, int size, char* out) { g_base->xDlError(g_base, size, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) { return g_base->xDlSym(g_base, handle, symbol); }
void DlClose(sqlite3_vfs*, void* handle) { g_base->xDlClose(g_base, handle); }
int Randomness(sqlite3_vfs*, int size, char* out) { return g_base->xRandomness(g_base, size, out); }
int Sleep(sqlite3_vfs*, int microseconds) { return g_base->xSleep(g_base, microseconds); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int GetLastError(sqlite3_vfs*, int size, char* out) { return g_base->xGetLastError(g_base, size, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) { return g_base->xCurrentTimeInt64(g_base, out); }
int SetSystemCall(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr call) {
  return g_base->xSetSystemCall(g_base, name, call);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs*, const char* name) { return g_base->xGetSystemCall(g_base, name); }
const char* NextSystemCall(sqlite3_vfs*, const char* name) { return g_base->xNextSystemCall(g_base, name); }

}  // namespace

Status InstallWalWriteCoalescing() {
  static std::once_flag once;
  static int result = SQLITE_OK;
  std::call_once(once, [] {
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    if (base == nullptr) {
      result = SQLITE_ERROR;
      return;
    }
    g_base = base;
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = std::min(base->iVersion, 3);
    g_vfs.szOsFile = static_cast<int>(kRealOffset) + base->szOsFile;
    g_vfs.mxPathname = base->mxPathname;
    g_vfs.zName = "emporium-wal";
    g_vfs.xOpen = Open;
    g_vfs.xDelete = Delete;
    g_vfs.xAccess = Access;
    g_vfs.xFullPathname = FullPathname;
    g_vfs.xDlOpen = base->xDlOpen != nullptr ? DlOpen : nullptr;
    g_vfs.xDlError = base->xDlError != nullptr ? DlError : nullptr;
    g_vfs.xDlSym = base->xDlSym != nullptr ? DlSym : nullptr;
    g_vfs.xDlClose = base->xDlClose != nullptr ? DlClose : nullptr;
    g_vfs.xRandomness = Randomness;
    g_vfs.xSleep = Sleep;
    g_vfs.xCurrentTime = CurrentTime;
    g_vfs.xGetLastError = GetLastError;
    if (g_vfs.iVersion >= 2) g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    if (g_vfs.iVersion >= 3) {
      g_vfs.xSetSystemCall = SetSystemCall;
      g_vfs.xGetSystemCall = GetSystemCall;
      g_vfs.xNextSystemCall = NextSystemCall;
    }
    result = sqlite3_vfs_register(&g_vfs, 1);
  });
  if (result != SQLITE_OK) {
    return Error::Unavailable(std::string("Cannot install SQLite's log-writing layer: ") + sqlite3_errstr(result));
  }
  return OkStatus();
}

WalWriteStats GetWalWriteStats() {
  return {g_requested.load(std::memory_order_relaxed), g_issued.load(std::memory_order_relaxed)};
}

}  // namespace emporium::db
