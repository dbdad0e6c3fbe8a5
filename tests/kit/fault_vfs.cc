// The fault VFS (fault_vfs.h): a shim, whose sqlite3_file holds the real
// VFS's file in the same allocation, right after its own header.
#include "tests/kit/fault_vfs.h"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace waypost::testing {
namespace {

constexpr char kVfsName[] = "waypost-fault";

// What SQLite allocates for each file: this header, then the real file.
struct FaultFile {
  sqlite3_file base;  // first, so SQLite's pointer is ours
  ScopedFaultVfs* owner;
  const char* path;  // SQLite keeps the name alive until xClose
};

// The real file starts here, aligned for whatever the real VFS keeps in it.
constexpr size_t kRealOffset = (sizeof(FaultFile) + alignof(std::max_align_t) - 1) /
                               alignof(std::max_align_t) * alignof(std::max_align_t);

FaultFile& Wrapper(sqlite3_file* file) { return *reinterpret_cast<FaultFile*>(file); }
sqlite3_file* Real(sqlite3_file* file) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
}
const sqlite3_io_methods& RealMethods(sqlite3_file* file) { return *Real(file)->pMethods; }

}  // namespace

// Static callbacks with access to the VFS object's private state.
struct ScopedFaultVfs::Callbacks {
  static ScopedFaultVfs& Of(sqlite3_vfs* vfs) {
    return *static_cast<ScopedFaultVfs*>(vfs->pAppData);
  }
  static sqlite3_vfs* RealVfs(sqlite3_vfs* vfs) { return Of(vfs).real_; }
  static bool Allow(sqlite3_file* file, FaultOp op) {
    return Wrapper(file).owner->faults_.Allow(op, Wrapper(file).path);
  }

  // --- The four operations that change files.
  static int Write(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
    if (!Allow(f, FaultOp::kWrite)) return SQLITE_IOERR_WRITE;
    return RealMethods(f).xWrite(Real(f), data, n, offset);
  }
  static int Sync(sqlite3_file* f, int flags) {
    if (!Allow(f, FaultOp::kSync)) return SQLITE_IOERR_FSYNC;
    return RealMethods(f).xSync(Real(f), flags);
  }
  static int Truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (!Allow(f, FaultOp::kTruncate)) return SQLITE_IOERR_TRUNCATE;
    return RealMethods(f).xTruncate(Real(f), size);
  }
  static int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    if (!Of(vfs).faults_.Allow(FaultOp::kRemove, name)) return SQLITE_IOERR_DELETE;
    return RealVfs(vfs)->xDelete(RealVfs(vfs), name, sync_dir);
  }

  // --- Opening and closing.
  static int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
    FaultFile& wrapper = Wrapper(f);
    wrapper.base.pMethods = nullptr;
    wrapper.owner = &Of(vfs);
    wrapper.path = name != nullptr ? name : "(temporary file)";
    const int rc = RealVfs(vfs)->xOpen(RealVfs(vfs), name, Real(f), flags, out_flags);
    // SQLite calls xClose whenever pMethods is set, even after a failed open.
    if (Real(f)->pMethods != nullptr) {
      wrapper.base.pMethods = &kMethods;
      ++wrapper.owner->open_files_;
    }
    return rc;
  }
  static int Close(sqlite3_file* f) {
    const int rc = RealMethods(f).xClose(Real(f));
    --Wrapper(f).owner->open_files_;
    return rc;
  }

  // --- Everything else passes through.
  static int Read(sqlite3_file* f, void* out, int n, sqlite3_int64 offset) {
    return RealMethods(f).xRead(Real(f), out, n, offset);
  }
  static int FileSize(sqlite3_file* f, sqlite3_int64* size) {
    return RealMethods(f).xFileSize(Real(f), size);
  }
  static int Lock(sqlite3_file* f, int level) { return RealMethods(f).xLock(Real(f), level); }
  static int Unlock(sqlite3_file* f, int level) { return RealMethods(f).xUnlock(Real(f), level); }
  static int CheckReservedLock(sqlite3_file* f, int* out) {
    return RealMethods(f).xCheckReservedLock(Real(f), out);
  }
  static int FileControl(sqlite3_file* f, int op, void* arg) {
    return RealMethods(f).xFileControl(Real(f), op, arg);
  }
  static int SectorSize(sqlite3_file* f) { return RealMethods(f).xSectorSize(Real(f)); }
  static int DeviceCharacteristics(sqlite3_file* f) {
    return RealMethods(f).xDeviceCharacteristics(Real(f));
  }
  // Version 2 and 3 methods exist only if the real file has them.
  static int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    if (RealMethods(f).iVersion < 2) return SQLITE_IOERR;
    return RealMethods(f).xShmMap(Real(f), page, size, extend, out);
  }
  static int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
    if (RealMethods(f).iVersion < 2) return SQLITE_IOERR;
    return RealMethods(f).xShmLock(Real(f), offset, n, flags);
  }
  static void ShmBarrier(sqlite3_file* f) {
    if (RealMethods(f).iVersion >= 2) RealMethods(f).xShmBarrier(Real(f));
  }
  static int ShmUnmap(sqlite3_file* f, int remove) {
    if (RealMethods(f).iVersion < 2) return SQLITE_OK;
    return RealMethods(f).xShmUnmap(Real(f), remove);
  }
  static int Fetch(sqlite3_file* f, sqlite3_int64 offset, int n, void** out) {
    *out = nullptr;  // "no mapping": SQLite then reads with xRead
    if (RealMethods(f).iVersion < 3) return SQLITE_OK;
    return RealMethods(f).xFetch(Real(f), offset, n, out);
  }
  static int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
    if (RealMethods(f).iVersion < 3) return SQLITE_OK;
    return RealMethods(f).xUnfetch(Real(f), offset, p);
  }

  // VFS methods that take the VFS itself get the real one.
  static int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
    return RealVfs(vfs)->xAccess(RealVfs(vfs), name, flags, out);
  }
  static int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
    return RealVfs(vfs)->xFullPathname(RealVfs(vfs), name, n, out);
  }
  static void* DlOpen(sqlite3_vfs* vfs, const char* name) {
    return RealVfs(vfs)->xDlOpen(RealVfs(vfs), name);
  }
  static void DlError(sqlite3_vfs* vfs, int n, char* out) {
    RealVfs(vfs)->xDlError(RealVfs(vfs), n, out);
  }
  static void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
    return RealVfs(vfs)->xDlSym(RealVfs(vfs), handle, symbol);
  }
  static void DlClose(sqlite3_vfs* vfs, void* handle) {
    RealVfs(vfs)->xDlClose(RealVfs(vfs), handle);
  }
  static int Randomness(sqlite3_vfs* vfs, int n, char* out) {
    return RealVfs(vfs)->xRandomness(RealVfs(vfs), n, out);
  }
  static int Sleep(sqlite3_vfs* vfs, int micros) {
    return RealVfs(vfs)->xSleep(RealVfs(vfs), micros);
  }
  static int CurrentTime(sqlite3_vfs* vfs, double* out) {
    return RealVfs(vfs)->xCurrentTime(RealVfs(vfs), out);
  }
  static int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
    return RealVfs(vfs)->xGetLastError(RealVfs(vfs), n, out);
  }
  static int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
    return RealVfs(vfs)->xCurrentTimeInt64(RealVfs(vfs), out);
  }

  static const sqlite3_io_methods kMethods;
};

const sqlite3_io_methods ScopedFaultVfs::Callbacks::kMethods = {
    3,
    &Close,
    &Read,
    &Write,
    &Truncate,
    &Sync,
    &FileSize,
    &Lock,
    &Unlock,
    &CheckReservedLock,
    &FileControl,
    &SectorSize,
    &DeviceCharacteristics,
    &ShmMap,
    &ShmLock,
    &ShmBarrier,
    &ShmUnmap,
    &Fetch,
    &Unfetch,
};

ScopedFaultVfs::ScopedFaultVfs(FaultInjector& faults) : faults_(faults) {
  real_ = sqlite3_vfs_find(nullptr);
  if (real_ == nullptr || std::strcmp(real_->zName, kVfsName) == 0) {
    std::fprintf(stderr, "ScopedFaultVfs: no default VFS, or one is already alive\n");
    std::abort();
  }
  vfs_ = *real_;  // keeps iVersion, mxPathname and the system-call hooks
  vfs_.szOsFile = static_cast<int>(kRealOffset) + real_->szOsFile;
  vfs_.pNext = nullptr;
  vfs_.zName = kVfsName;
  vfs_.pAppData = this;
  vfs_.xOpen = &Callbacks::Open;
  vfs_.xDelete = &Callbacks::Delete;
  vfs_.xAccess = &Callbacks::Access;
  vfs_.xFullPathname = &Callbacks::FullPathname;
  vfs_.xDlOpen = &Callbacks::DlOpen;
  vfs_.xDlError = &Callbacks::DlError;
  vfs_.xDlSym = &Callbacks::DlSym;
  vfs_.xDlClose = &Callbacks::DlClose;
  vfs_.xRandomness = &Callbacks::Randomness;
  vfs_.xSleep = &Callbacks::Sleep;
  vfs_.xCurrentTime = &Callbacks::CurrentTime;
  vfs_.xGetLastError = &Callbacks::GetLastError;
  if (real_->iVersion >= 2) vfs_.xCurrentTimeInt64 = &Callbacks::CurrentTimeInt64;
  sqlite3_vfs_register(&vfs_, /*makeDflt=*/1);
}

ScopedFaultVfs::~ScopedFaultVfs() {
  if (open_files_ != 0) {
    std::fprintf(stderr, "ScopedFaultVfs: %d file(s) still open through it\n", open_files_);
    std::abort();
  }
  sqlite3_vfs_unregister(&vfs_);
  sqlite3_vfs_register(real_, /*makeDflt=*/1);
}

}  // namespace waypost::testing
