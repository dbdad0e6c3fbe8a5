#include "core/store/passwd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "core/bytes.h"
#include "core/store/database.h"
#include "core/store/home.h"
#include "core/store/internal/file_util.h"
#include "core/store/key_file.h"

namespace waypost::store {
namespace {

bool SamePassphrase(const Secret& a, const Secret& b) {
  return a.size() == b.size() && ConstantTimeEqual(a.view(), b.view());
}

// True if the database at `db_path` opens and reads with `key`.
bool Opens(const std::string& db_path, const Secret& key) {
  return Database::Open(db_path, key, Database::OpenMode::kMustExist).ok();
}

// True if either of the home's databases opens with `key`.
bool OpensEither(const std::string& home, const Secret& key) {
  return OpenDatabaseWithKey(home, key).ok();
}

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

// rename(from, to), then fsync the directory. `renamed` tells the caller
// whether the rename itself took effect, even when the fsync then failed.
Status RenameDurably(const std::string& from, const std::string& to, const std::string& dir,
                     bool& renamed) {
  renamed = false;
  if (::rename(from.c_str(), to.c_str()) != 0) return Errno("cannot rename " + from);
  renamed = true;
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open directory " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot sync directory " + dir);
  return Status::Ok();
}

Status Step(const RotateFault& fault, RotateStep step) {
  return fault ? fault(step) : Status::Ok();
}

// Undoes a rotation that failed before its temp key file was installed:
// brings the database back to `old_key` (verified), then removes the temp
// file. Returns `cause`, or a worse error if the undo failed, in which case
// the temp file stays: it is then the only file that opens the database.
Status RollBack(const std::string& home, const std::string& db_path, const Secret& old_key,
                const Secret& new_key, Status cause) {
  const std::string tmp = RotationTempPath(home);
  if (!Opens(db_path, old_key)) {
    {
      Result<Database> db = Database::Open(db_path, new_key, Database::OpenMode::kMustExist);
      if (db.ok()) (void)db->Rekey(old_key);  // checked below, after closing
    }
    if (!Opens(db_path, old_key)) {
      return Status::IoError("re-keying the database failed (" + cause.message() +
                             ") and could not be undone; " + tmp +
                             " now holds its key: keep it and run `waypost passwd --rotate` "
                             "again with the new passphrase as the current one");
    }
  }
  ::unlink(tmp.c_str());
  return cause;
}

// The slot in which the key files at `a` and `b` differ, or -1 if they do
// not differ in exactly one slot (then the caller falls back to trying keys).
Result<int> RotatingSlot(const std::string& a, const std::string& b) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes x, internal::ReadSmallFile(a, KeyFile::kFileSize));
  WAYPOST_ASSIGN_OR_RETURN(Bytes y, internal::ReadSmallFile(b, KeyFile::kFileSize));
  if (x.size() != KeyFile::kFileSize || y.size() != KeyFile::kFileSize) return -1;
  if (std::memcmp(x.data(), y.data(), KeyFile::kHeaderSize) != 0) return -1;
  int found = -1;
  for (int i = 0; i < KeyFile::kSlots; ++i) {
    const size_t at = KeyFile::kHeaderSize + KeyFile::kSlotSize * size_t(i);
    if (std::memcmp(x.data() + at, y.data() + at, KeyFile::kSlotSize) == 0) continue;
    if (found >= 0) return -1;
    found = i;
  }
  return found;
}

}  // namespace

Status CheckNewPassphrase(const std::string& key_path, const Secret& current, const Secret& next) {
  if (SamePassphrase(current, next)) {
    return Status::InvalidArgument("the new passphrase is the same as the current one");
  }
  Result<KeyFile::Unlocked> clash = KeyFile::Unlock(key_path, next);
  if (clash.ok()) {
    return Status::InvalidArgument("the new passphrase already opens this store; choose another");
  }
  if (clash.status().code() != Status::Code::kWrongPassphrase) return clash.status();
  return Status::Ok();
}

std::string RotationTempPath(const std::string& home) { return KeyFilePath(home) + ".rotating"; }

Status ChangePassphrase(const std::string& home, const Secret& current, const Secret& next,
                        Random& random) {
  if (!StoreExists(home)) {
    return Status::NotFound("no store at " + home + "; run `waypost init` first");
  }
  const std::string key_path = KeyFilePath(home);
  WAYPOST_ASSIGN_OR_RETURN(KeyFile::Unlocked unlocked, KeyFile::Unlock(key_path, current));
  WAYPOST_RETURN_IF_ERROR(OpenDatabaseWithKey(home, unlocked.db_key).status());
  WAYPOST_RETURN_IF_ERROR(CheckNewPassphrase(key_path, current, next));
  return KeyFile::SetSlot(key_path, unlocked.slot, next, unlocked.db_key, random);
}

Status RotateKey(const std::string& home, const Secret& current, const Secret& next, Random& random,
                 const RotateFault& fault) {
  if (!StoreExists(home)) {
    return Status::NotFound("no store at " + home + "; run `waypost init` first");
  }
  const std::string key_path = KeyFilePath(home);
  const std::string tmp = RotationTempPath(home);
  if (internal::PathExists(tmp)) {
    return Status::AlreadyExists("an interrupted key rotation left " + tmp);
  }
  // Step 1.
  WAYPOST_ASSIGN_OR_RETURN(KeyFile::Unlocked unlocked, KeyFile::Unlock(key_path, current));
  WAYPOST_ASSIGN_OR_RETURN(const std::string db_path, DatabasePathForKey(home, unlocked.db_key));
  std::optional<Database> db;
  {
    WAYPOST_ASSIGN_OR_RETURN(
        Database opened, Database::Open(db_path, unlocked.db_key, Database::OpenMode::kMustExist));
    db.emplace(std::move(opened));
  }
  WAYPOST_RETURN_IF_ERROR(CheckNewPassphrase(key_path, current, next));
  const Secret& old_key = unlocked.db_key;
  Secret new_key(KeyFile::kDbKeySize);
  random.Fill(new_key.span());

  // Step 2. Nothing to undo if it fails: SetSlot leaves no file at `tmp`.
  WAYPOST_RETURN_IF_ERROR(Step(fault, RotateStep::kWriteNewKeyFile));
  WAYPOST_RETURN_IF_ERROR(KeyFile::SetSlot(key_path, unlocked.slot, next, new_key, random, tmp));

  // Step 3.
  Status status = Step(fault, RotateStep::kRekey);
  if (status.ok()) status = db->Rekey(new_key);
  db.reset();
  if (!status.ok()) return RollBack(home, db_path, old_key, new_key, std::move(status));

  // Step 4.
  status = Step(fault, RotateStep::kVerify);
  if (status.ok()) {
    status = Database::Open(db_path, new_key, Database::OpenMode::kMustExist).status();
  }
  if (!status.ok()) return RollBack(home, db_path, old_key, new_key, std::move(status));

  // Step 5. Once the rename took effect the new state is complete; a failed
  // directory fsync is reported but must not roll the database back.
  status = Step(fault, RotateStep::kInstall);
  bool renamed = false;
  if (status.ok()) status = RenameDurably(tmp, key_path, home, renamed);
  if (!status.ok() && !renamed) return RollBack(home, db_path, old_key, new_key, std::move(status));
  return status;
}

Result<Recovery> RecoverRotation(const std::string& home, const Secret& passphrase) {
  const std::string key_path = KeyFilePath(home);
  const std::string tmp = RotationTempPath(home);
  if (!internal::PathExists(tmp)) return Recovery::kNothingToDo;

  Result<KeyFile::Unlocked> old_file = KeyFile::Unlock(key_path, passphrase);
  // The temp file differs from the key file in the rotating slot only. A
  // passphrase that opens another slot (a duress one, opening the other
  // database) says nothing about the rotation: leave the temp file alone,
  // since it may hold the only key to the main store.
  if (old_file.ok()) {
    WAYPOST_ASSIGN_OR_RETURN(int rotating, RotatingSlot(key_path, tmp));
    if (rotating >= 0 && rotating != old_file->slot) return Recovery::kNothingToDo;
  }
  if (old_file.ok() && OpensEither(home, old_file->db_key)) {
    if (::unlink(tmp.c_str()) != 0) return Errno("cannot remove " + tmp);
    return Recovery::kDiscardedStale;
  }
  Result<KeyFile::Unlocked> new_file = KeyFile::Unlock(tmp, passphrase);
  if (new_file.ok() && OpensEither(home, new_file->db_key)) {
    bool renamed = false;
    WAYPOST_RETURN_IF_ERROR(RenameDurably(tmp, key_path, home, renamed));
    return Recovery::kCompleted;
  }
  if (old_file.ok()) {
    return Status::Corrupt("a key rotation was interrupted and " + tmp +
                           " holds the database key; give the new passphrase as the current one");
  }
  if (!new_file.ok() && new_file.status().code() != Status::Code::kWrongPassphrase) {
    return new_file.status();
  }
  return Status::WrongPassphrase();
}

}  // namespace waypost::store
