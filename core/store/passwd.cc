#include "core/store/passwd.h"

#include <optional>
#include <utility>

#include "core/bytes.h"
#include "core/store/database.h"
#include "core/store/home.h"
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

// Step 4: the rekey really took effect. SQLCipher's rekey can report success
// after one of its writes failed (database.h); the reopen then fails as a
// key mismatch. That is a failed rekey, which is rolled back, not a damaged
// store, so it must not read like one.
Result<Database> VerifyRekey(const std::string& db_path, const Secret& new_key) {
  Result<Database> opened = Database::Open(db_path, new_key, Database::OpenMode::kMustExist);
  if (opened.ok() || opened.status().code() != Status::Code::kCorrupt) return opened;
  return Status::IoError("cannot re-key the database " + db_path +
                         ": it does not open with the new key (a write may have failed)");
}

Status Step(const RotateFault& fault, RotateStep step) {
  return fault ? fault(step) : Status::Ok();
}

// Undoes a rotation that failed in steps 2-4 (passwd.h): brings the database
// back to `old_key` (verified), settles the key file on its first copy (the
// old slot) and wipes the rekey's journal. Returns `cause`, or a worse error
// if the undo failed. If the database stays under the new key, the staged
// key file is left as it is: its second copy is then the only one that
// opens the database, and OpenStore settles on it.
Status RollBack(const std::string& key_path, const std::string& db_path, const Secret& old_key,
                const Secret& new_key, Status cause, Env& env) {
  if (!Opens(db_path, old_key)) {
    {
      Result<Database> db = Database::Open(db_path, new_key, Database::OpenMode::kMustExist);
      if (db.ok()) (void)db->Rekey(old_key);  // checked below, after closing
    }
    if (!Opens(db_path, old_key)) {
      return Status::IoError("re-keying the database failed (" + cause.message() +
                             ") and could not be undone; the new passphrase now opens the store: "
                             "run `waypost passwd --rotate` again with it as the current one");
    }
  }
  // If either of these fails, the next open with the old passphrase settles
  // the file and wipes the journal (home.h).
  (void)KeyFile::Settle(key_path, 0, env);
  Result<Database> db = Database::Open(db_path, old_key, Database::OpenMode::kMustExist);
  if (db.ok()) (void)WipeLeftoverJournal(*db, db_path, env);
  return cause;
}

Status FinishingFailed(const Status& status) {
  return Status::IoError("the database was re-encrypted, but " + status.message() +
                         "; the new passphrase opens the store, and opening it finishes the "
                         "change");
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

Status ChangePassphrase(const std::string& home, const Secret& current, const Secret& next,
                        Random& random, Env& env) {
  // OpenStore also settles a key file that an earlier crash left unfinished.
  WAYPOST_ASSIGN_OR_RETURN(OpenedStore opened, OpenStore(home, current, env));
  const std::string key_path = KeyFilePath(home);
  WAYPOST_RETURN_IF_ERROR(CheckNewPassphrase(key_path, current, next, env));
  return KeyFile::SetSlot(key_path, opened.slot, next, opened.key, random, env);
}

Status RotateKey(const std::string& home, const Secret& current, const Secret& next, Random& random,
                 const RotateFault& fault, Env& env) {
  // Step 1.
  WAYPOST_ASSIGN_OR_RETURN(OpenedStore opened, OpenStore(home, current, env));
  const std::string key_path = KeyFilePath(home);
  const std::string& db_path = opened.path;
  std::optional<Database> db(std::move(opened.db));
  WAYPOST_RETURN_IF_ERROR(CheckNewPassphrase(key_path, current, next, env));
  const Secret& old_key = opened.key;
  Secret new_key(KeyFile::kDbKeySize);
  random.Fill(new_key.span());

  // Step 2. On failure the first copy still holds the old slot.
  Status status = Step(fault, RotateStep::kStage);
  if (status.ok()) status = KeyFile::StageSlot(key_path, opened.slot, next, new_key, random, env);
  if (!status.ok()) {
    (void)KeyFile::Settle(key_path, 0, env);
    return status;
  }

  // Step 3. PERSIST keeps the journal file after the commit (its header
  // zeroed) instead of unlinking it, so that step 5 can overwrite its blocks.
  status = Step(fault, RotateStep::kRekey);
  if (status.ok()) status = db->Exec("PRAGMA journal_mode = PERSIST");
  if (status.ok()) status = db->Rekey(new_key);
  db.reset();
  if (!status.ok()) return RollBack(key_path, db_path, old_key, new_key, std::move(status), env);

  // Step 4.
  status = Step(fault, RotateStep::kVerify);
  if (status.ok()) {
    Result<Database> reopened = VerifyRekey(db_path, new_key);
    if (reopened.ok()) {
      db.emplace(std::move(*reopened));
    } else {
      status = reopened.status();
    }
  }
  if (!status.ok()) return RollBack(key_path, db_path, old_key, new_key, std::move(status), env);

  // Steps 5 and 6: the rotation stands; a failure here is reported, and the
  // next open with the new passphrase finishes both (home.h).
  status = Step(fault, RotateStep::kWipeJournal);
  if (status.ok()) status = WipeLeftoverJournal(*db, db_path, env);
  if (!status.ok()) return FinishingFailed(status);
  db.reset();
  status = Step(fault, RotateStep::kSettle);
  if (status.ok()) status = KeyFile::Settle(key_path, 1, env);
  if (!status.ok()) return FinishingFailed(status);
  return Status::Ok();
}

}  // namespace waypost::store
