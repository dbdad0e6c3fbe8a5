// Fault injection for the file system (docs/storage.md §8): a FaultInjector
// counts the operations that change files, remembers them in order, and
// fails the Nth one (of one kind, or of any kind). A FaultEnv puts it in
// front of an Env (core/env.h); a ScopedFaultVfs (fault_vfs.h) puts the same
// injector in front of SQLite, so one plan can cover both.
//
//   FaultInjector faults;
//   FaultEnv env(faults);
//   faults.Crash(FaultOp::kAny, 3);  // the 3rd change and all later ones fail
//   Status s = KeyFile::ClearSlot(path, 1, random, env);
//   EXPECT_TRUE(faults.hit());
//   // ... then check the files with the real Env.
//
// Two modes:
//  - Fail: exactly the Nth operation returns IoError and does nothing; the
//    ones before and after it work (a transient error: a full disk, EIO).
//  - Crash: the Nth operation and every later one return IoError and do
//    nothing, as if the process had died there. Reads still work (they
//    change nothing). What was written before the crash stays, synced or
//    not: this models the process dying, not the power going out.
//
// Thread-safety: none; one thread at a time (SQLite calls the VFS from the
// thread that uses the connection).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/status.h"

namespace waypost::testing {

// The operations that change files. SQLite's xWrite, xSync, xTruncate and
// xDelete count as kWrite, kSync, kTruncate and kRemove.
enum class FaultOp { kAny, kCreate, kWrite, kSync, kSyncDir, kLink, kRemove, kMkdir, kTruncate };

inline const char* FaultOpName(FaultOp op) {
  constexpr const char* kNames[] = {"any",  "create", "write", "sync",    "syncdir",
                                    "link", "remove", "mkdir", "truncate"};
  return kNames[static_cast<int>(op)];
}

class FaultInjector {
 public:
  struct Event {
    FaultOp op;
    std::string path;  // for link and rename, the target
    bool failed;       // the injected fault (or the crash) refused it
  };

  // Fails only the `n`th (1-based) operation of kind `op` (kAny: of any kind).
  void Fail(FaultOp op, int n) { Plan(op, n, false); }
  // Fails the `n`th operation of kind `op` and every later operation.
  void Crash(FaultOp op, int n) { Plan(op, n, true); }
  // Forgets the plan, the counts and the log; nothing is failed.
  void Reset() { *this = FaultInjector(); }

  // For the wrappers: counts `op` on `path` and says whether it may go ahead.
  bool Allow(FaultOp op, const std::string& path) {
    ++counts_[Index(op)];
    ++counts_[Index(FaultOp::kAny)];
    bool refuse = crashed_;
    if (!refuse && armed_ && (plan_op_ == FaultOp::kAny || plan_op_ == op) &&
        counts_[Index(plan_op_)] == plan_n_) {
      refuse = true;
      hit_ = true;
      armed_ = false;
      crashed_ = crash_;
    }
    log_.push_back({op, path, refuse});
    return !refuse;
  }

  // Allow() as a Status: the IoError a refused operation returns, or OK.
  Status Check(FaultOp op, const std::string& path) {
    if (Allow(op, path)) return Status::Ok();
    return Status::IoError(std::string("injected fault: cannot ") + FaultOpName(op) + " " + path);
  }

  // Operations of kind `op` seen so far, refused ones included.
  int count(FaultOp op) const { return counts_[Index(op)]; }
  // True once the planned fault has happened.
  bool hit() const { return hit_; }
  bool crashed() const { return crashed_; }
  const std::vector<Event>& log() const { return log_; }

  // The log as text, one "op path" per line, "!" before a refused one.
  std::string LogText() const {
    std::string out;
    for (const Event& e : log_) {
      out += std::string(e.failed ? "!" : "") + FaultOpName(e.op) + " " + e.path + "\n";
    }
    return out;
  }

 private:
  static int Index(FaultOp op) { return static_cast<int>(op); }
  void Plan(FaultOp op, int n, bool crash) {
    plan_op_ = op;
    plan_n_ = n;
    crash_ = crash;
    armed_ = true;
  }

  FaultOp plan_op_ = FaultOp::kAny;
  int plan_n_ = 0;
  bool crash_ = false;
  bool armed_ = false;
  bool hit_ = false;
  bool crashed_ = false;
  int counts_[static_cast<int>(FaultOp::kTruncate) + 1] = {};
  std::vector<Event> log_;
};

// A WritableFile whose writes and syncs ask the injector first.
class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(std::unique_ptr<WritableFile> base, FaultInjector& faults)
      : base_(std::move(base)), faults_(faults) {}

  const std::string& path() const override { return base_->path(); }
  Status WriteAt(uint64_t offset, ByteView data) override {
    WAYPOST_RETURN_IF_ERROR(faults_.Check(FaultOp::kWrite, path()));
    return base_->WriteAt(offset, data);
  }
  Status Sync() override {
    WAYPOST_RETURN_IF_ERROR(faults_.Check(FaultOp::kSync, path()));
    return base_->Sync();
  }
  // Not counted: closing changes no file. After a crash the descriptor is
  // still released (the kernel would do it), but the call reports failure.
  Status Close() override {
    Status closed = base_->Close();
    if (faults_.crashed()) return Status::IoError("injected fault: crashed before close");
    return closed;
  }

 private:
  std::unique_ptr<WritableFile> base_;
  FaultInjector& faults_;
};

// An Env that passes every call to `base`, after asking `faults` about each
// operation that changes a file. Reads, existence checks and listings pass
// straight through.
class FaultEnv final : public Env {
 public:
  explicit FaultEnv(FaultInjector& faults, Env& base = Env::Default())
      : faults_(faults), base_(base) {}

  FaultInjector& faults() { return faults_; }

  bool FileExists(const std::string& path) override { return base_.FileExists(path); }
  Result<Bytes> ReadSmallFile(const std::string& path, size_t max_size) override {
    return base_.ReadSmallFile(path, max_size);
  }
  Result<Secret> ReadSecretFile(const std::string& path, size_t max_size) override {
    return base_.ReadSecretFile(path, max_size);
  }
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    return base_.GetChildren(dir);
  }

  Result<std::unique_ptr<WritableFile>> NewTempFile(const std::string& path) override {
    WAYPOST_RETURN_IF_ERROR(faults_.Check(FaultOp::kCreate, path));
    return Wrap(base_.NewTempFile(path));
  }
  Result<std::unique_ptr<WritableFile>> OpenForOverwrite(const std::string& path,
                                                         uint64_t* size) override {
    return Wrap(base_.OpenForOverwrite(path, size));  // opening changes nothing
  }
  Status LinkFile(const std::string& from, const std::string& to) override {
    WAYPOST_RETURN_IF_ERROR(faults_.Check(FaultOp::kLink, to));
    return base_.LinkFile(from, to);
  }
  Status RemoveFile(const std::string& path) override {
    WAYPOST_RETURN_IF_ERROR(faults_.Check(FaultOp::kRemove, path));
    return base_.RemoveFile(path);
  }
  Status SyncDir(const std::string& dir) override {
    WAYPOST_RETURN_IF_ERROR(faults_.Check(FaultOp::kSyncDir, dir));
    return base_.SyncDir(dir);
  }
  Status CreateDirs(const std::string& path, unsigned mode) override {
    WAYPOST_RETURN_IF_ERROR(faults_.Check(FaultOp::kMkdir, path));
    return base_.CreateDirs(path, mode);
  }

 private:
  Result<std::unique_ptr<WritableFile>> Wrap(Result<std::unique_ptr<WritableFile>> file) {
    if (!file.ok() || *file == nullptr) return file;
    return std::unique_ptr<WritableFile>(new FaultWritableFile(std::move(file).value(), faults_));
  }

  FaultInjector& faults_;
  Env& base_;
};

}  // namespace waypost::testing
