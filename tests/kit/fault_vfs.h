// Fault injection for SQLite: a VFS that wraps the default one ("unix") and
// asks a FaultInjector (fault_env.h) before every xWrite, xSync, xTruncate
// and xDelete. In rollback-journal mode the deletion of the journal is the
// commit point (docs/storage.md §4), so xDelete matters as much as xWrite.
//
// While a ScopedFaultVfs is alive it is SQLite's default VFS, so product
// code (store::Database::Open) uses it without any change:
//
//   FaultInjector faults;
//   {
//     ScopedFaultVfs vfs(faults);
//     faults.Crash(FaultOp::kAny, n);
//     ... open a Database, write, close it ...
//   }
//   ... reopen with the real VFS and check what survived ...
//
// A refused operation does nothing and returns SQLITE_IOERR_WRITE, _FSYNC,
// _TRUNCATE or _DELETE. Reads, locks and opens always pass through.
//
// Lifetime: only one may be alive at a time, and every connection opened
// through it must be closed before it is destroyed (the destructor aborts
// the test binary otherwise: those files would point into freed memory).
#pragma once

#include <sqlcipher/sqlite3.h>

#include "tests/kit/fault_env.h"

namespace waypost::testing {

class ScopedFaultVfs {
 public:
  // Registers the wrapper as the default VFS; `faults` must outlive it.
  explicit ScopedFaultVfs(FaultInjector& faults);
  // Unregisters it and makes the VFS it wrapped the default again.
  ~ScopedFaultVfs();
  ScopedFaultVfs(const ScopedFaultVfs&) = delete;
  ScopedFaultVfs& operator=(const ScopedFaultVfs&) = delete;

  // Files opened through it and not yet closed.
  int open_files() const { return open_files_; }

  // For the callbacks in fault_vfs.cc.
  struct Callbacks;

 private:
  friend struct Callbacks;

  FaultInjector& faults_;
  sqlite3_vfs* real_ = nullptr;
  sqlite3_vfs vfs_{};
  int open_files_ = 0;
};

}  // namespace waypost::testing
