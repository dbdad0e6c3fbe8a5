#include "core/store/passwd.h"

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

// Step 4: the rekey really took effect. SQLCipher's rekey can report success
// after one of its writes failed (database.h); the reopen then fails as a
// key mismatch. That is a failed rekey, which is rolled back, not a damaged
// store, so it must not read like one.
Status VerifyRekey(const std::string& db_path, const Secret& new_key) {
  Status opened = Database::Open(db_path, new_key, Database::OpenMode::kMustExist).status();
  if (opened.code() != Status::Code::kCorrupt) return opened;
  return Status::IoError("cannot re-key the database " + db_path +
                         ": it does not open with the new key (a write may have failed)");
}

Status Step(const RotateFault& fault, RotateStep step) {
  return fault ? fault(step) : Status::Ok();
}

// Undoes a rotation that failed before its temp key file was installed:
// brings the database back to `old_key` (verified), then removes the temp
// file. Returns `cause`, or a worse error if the undo failed, in which case
// the temp file stays: it is then the only file that opens the database.
Status RollBack(const std::string& home, const std::string& db_path, const Secret& old_key,
                const Secret& new_key, Status cause, Env& env) {
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
  // If even this fails, the temp file is stale (its key opens nothing) and
  // the next RecoverRotation removes it (docs/storage.md §2.1).
  (void)env.RemoveFile(tmp);
  return cause;
}

// The slot in which the key files at `a` and `b` differ, or -1 if they do
// not differ in exactly one slot (then the caller falls back to trying keys).
Result<int> RotatingSlot(const std::string& a, const std::string& b, Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes x, env.ReadSmallFile(a, KeyFile::kFileSize));
  WAYPOST_ASSIGN_OR_RETURN(Bytes y, env.ReadSmallFile(b, KeyFile::kFileSize));
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

Status CheckNewPassphrase(const std::string& key_path, const Secret& current, const Secret& next,
                          Env& env) {
  if (SamePassphrase(current, next)) {
    return Status::InvalidArgument("the new passphrase is the same as the current one");
  }
  Result<KeyFile::Unlocked> clash = KeyFile::Unlock(key_path, next, env);
  if (clash.ok()) {
    return Status::InvalidArgument("the new passphrase already opens this store; choose another");
  }
  if (clash.status().code() != Status::Code::kWrongPassphrase) return clash.status();
  return Status::Ok();
}

std::string RotationTempPath(const std::string& home) { return KeyFilePath(home) + ".rotating"; }

Status ChangePassphrase(const std::string& home, const Secret& current, const Secret& next,
                        Random& random, Env& env) {
  if (!StoreExists(home, env)) {
    return Status::NotFound("no store at " + home + "; run `waypost init` first");
  }
  const std::string key_path = KeyFilePath(home);
  WAYPOST_ASSIGN_OR_RETURN(KeyFile::Unlocked unlocked, KeyFile::Unlock(key_path, current, env));
  WAYPOST_RETURN_IF_ERROR(OpenDatabaseWithKey(home, unlocked.db_key).status());
  WAYPOST_RETURN_IF_ERROR(CheckNewPassphrase(key_path, current, next, env));
  return KeyFile::SetSlot(key_path, unlocked.slot, next, unlocked.db_key, random, "", env);
}

Status RotateKey(const std::string& home, const Secret& current, const Secret& next, Random& random,
                 const RotateFault& fault, Env& env) {
  if (!StoreExists(home, env)) {
    return Status::NotFound("no store at " + home + "; run `waypost init` first");
  }
  const std::string key_path = KeyFilePath(home);
  const std::string tmp = RotationTempPath(home);
  if (env.FileExists(tmp)) {
    return Status::AlreadyExists("an interrupted key rotation left " + tmp);
  }
  // Step 1.
  WAYPOST_ASSIGN_OR_RETURN(KeyFile::Unlocked unlocked, KeyFile::Unlock(key_path, current, env));
  WAYPOST_ASSIGN_OR_RETURN(const std::string db_path, DatabasePathForKey(home, unlocked.db_key));
  std::optional<Database> db;
  {
    WAYPOST_ASSIGN_OR_RETURN(
        Database opened, Database::Open(db_path, unlocked.db_key, Database::OpenMode::kMustExist));
    db.emplace(std::move(opened));
  }
  WAYPOST_RETURN_IF_ERROR(CheckNewPassphrase(key_path, current, next, env));
  const Secret& old_key = unlocked.db_key;
  Secret new_key(KeyFile::kDbKeySize);
  random.Fill(new_key.span());

  // Step 2. Nothing to undo if it fails: SetSlot leaves no file at `tmp`.
  WAYPOST_RETURN_IF_ERROR(Step(fault, RotateStep::kWriteNewKeyFile));
  WAYPOST_RETURN_IF_ERROR(
      KeyFile::SetSlot(key_path, unlocked.slot, next, new_key, random, tmp, env));

  // Step 3.
  Status status = Step(fault, RotateStep::kRekey);
  if (status.ok()) status = db->Rekey(new_key);
  db.reset();
  if (!status.ok()) return RollBack(home, db_path, old_key, new_key, std::move(status), env);

  // Step 4.
  status = Step(fault, RotateStep::kVerify);
  if (status.ok()) status = VerifyRekey(db_path, new_key);
  if (!status.ok()) return RollBack(home, db_path, old_key, new_key, std::move(status), env);

  // Step 5. Once the rename took effect the new state is complete; a failed
  // directory fsync is reported ("... was replaced, but") and must not roll
  // the database back.
  status = Step(fault, RotateStep::kInstall);
  bool renamed = false;
  if (status.ok()) status = internal::MoveIntoPlace(env, tmp, key_path, &renamed);
  if (!status.ok() && !renamed) {
    return RollBack(home, db_path, old_key, new_key, std::move(status), env);
  }
  return status;
}

Result<Recovery> RecoverRotation(const std::string& home, const Secret& passphrase, Env& env) {
  const std::string key_path = KeyFilePath(home);
  const std::string tmp = RotationTempPath(home);
  if (!env.FileExists(tmp)) return Recovery::kNothingToDo;

  Result<KeyFile::Unlocked> old_file = KeyFile::Unlock(key_path, passphrase, env);
  // The temp file differs from the key file in the rotating slot only. A
  // passphrase that opens another slot (a duress one, opening the other
  // database) says nothing about the rotation: leave the temp file alone,
  // since it may hold the only key to the main store.
  if (old_file.ok()) {
    WAYPOST_ASSIGN_OR_RETURN(int rotating, RotatingSlot(key_path, tmp, env));
    if (rotating >= 0 && rotating != old_file->slot) return Recovery::kNothingToDo;
  }
  if (old_file.ok() && OpensEither(home, old_file->db_key)) {
    WAYPOST_RETURN_IF_ERROR(env.RemoveFile(tmp));
    return Recovery::kDiscardedStale;
  }
  Result<KeyFile::Unlocked> new_file = KeyFile::Unlock(tmp, passphrase, env);
  if (new_file.ok() && OpensEither(home, new_file->db_key)) {
    bool renamed = false;
    WAYPOST_RETURN_IF_ERROR(internal::MoveIntoPlace(env, tmp, key_path, &renamed));
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
