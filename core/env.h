// Env: every file-system call that core/ makes, behind one narrow interface.
//
// Production code takes an `Env&` (defaulting to Env::Default(), the POSIX
// one) so that tests can pass a wrapper that counts operations and fails or
// "crashes" at the Nth one (tests/kit/fault_env.h). SQLite does its own I/O
// and does not go through here; tests reach it with a fault VFS instead
// (tests/kit/fault_vfs.h).
//
// Errors. Every errno becomes a Status in exactly one place (env_posix.cc).
// Unless a method says otherwise, a failure is IoError with the text
// "<what> <path>: <reason>", naming the file and nothing of its contents.
//
// Thread-safety: Env::Default() is safe to use from any thread; its methods
// keep no state. A WritableFile belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost {

// One open file, written at explicit offsets. The destructor closes it if
// Close() was not called, ignoring any error.
class WritableFile {
 public:
  WritableFile() = default;
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;
  virtual ~WritableFile() = default;

  // The path the file was created or opened at.
  virtual const std::string& path() const = 0;

  // Writes all of `data` at byte `offset`. After a failure, an unknown
  // prefix of `data` may have reached the file.
  virtual Status WriteAt(uint64_t offset, ByteView data) = 0;

  // fsync(2). Only after OK does what was written survive a power loss.
  virtual Status Sync() = 0;

  // close(2), at most once. The descriptor is released even on failure.
  virtual Status Close() = 0;
};

class Env {
 public:
  Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  virtual ~Env() = default;

  // The process-wide POSIX Env. Never destroyed.
  static Env& Default();

  // True if anything is at `path`, a dangling symbolic link included
  // (lstat(2)). Any failure to look counts as "nothing there".
  virtual bool FileExists(const std::string& path) = 0;

  // The whole of the file at `path`, if it has at most `max_size` bytes.
  // Errors: NotFound "no file at <path>"; Corrupt "<path> is larger than
  // expected"; IoError. Reads only; changes nothing.
  virtual Result<Bytes> ReadSmallFile(const std::string& path, size_t max_size) = 0;

  // ReadSmallFile() for a secret (a passphrase file): read straight into
  // guarded memory, with no copy in ordinary memory on the way. Errors as
  // ReadSmallFile().
  virtual Result<Secret> ReadSecretFile(const std::string& path, size_t max_size) = 0;

  // Creates a new, empty file "<path>.tmp-XXXXXX" (six random characters,
  // mkostemp(3)) with mode 0600, open for writing; its name is path().
  // On failure nothing is created.
  virtual Result<std::unique_ptr<WritableFile>> NewTempFile(const std::string& path) = 0;

  // Opens the existing file at `path` to overwrite it in place, without
  // following a symbolic link and without waiting on a FIFO; sets `*size`
  // to its size. Anything but a regular file (a symbolic link, a FIFO, a
  // socket, a device) gives OK and a null file: the caller skips it.
  // Errors: IoError, also when nothing is there. Changes nothing itself.
  virtual Result<std::unique_ptr<WritableFile>> OpenForOverwrite(const std::string& path,
                                                                 uint64_t* size) = 0;

  // link(2): gives the file at `from` a second name, `to`, which must be
  // free. Errors: AlreadyExists "<to> already exists"; IoError. On failure
  // `to` is as it was.
  virtual Status LinkFile(const std::string& from, const std::string& to) = 0;

  // unlink(2). A symbolic link is removed, never followed.
  // Errors: NotFound if nothing is there; IoError.
  virtual Status RemoveFile(const std::string& path) = 0;

  // fsync(2) of the directory `dir`, which makes the names created, renamed
  // or removed in it survive a power loss. The one way core/ syncs a
  // directory.
  virtual Status SyncDir(const std::string& dir) = 0;

  // mkdir -p: creates `path` and any missing parents, each with `mode` (less
  // the umask). An existing directory is accepted as it is. Errors:
  // InvalidArgument (empty path); IoError, also "<path> exists and is not a
  // directory". On failure, directories made so far stay.
  virtual Status CreateDirs(const std::string& path, unsigned mode) = 0;

  // The names in the directory `dir`, without "." and "..", in no
  // particular order. Opens none of them.
  // Errors: NotFound if `dir` or a parent is missing or not a directory;
  // IoError.
  virtual Result<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
};

}  // namespace waypost
