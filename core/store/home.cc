#include "core/store/home.h"

#include <unistd.h>

#include "core/store/internal/file_util.h"
#include "core/store/key_file.h"

namespace waypost::store {

std::string KeyFilePath(const std::string& home) { return home + "/" + kKeyFileName; }

std::string DatabasePath(const std::string& home) { return home + "/" + kDatabaseFileName; }

bool StoreExists(const std::string& home) { return internal::PathExists(KeyFilePath(home)); }

Status CreateHome(const std::string& home) { return internal::MakeDirs(home, 0700); }

Result<Database> CreateStore(const std::string& home, const Secret& passphrase, KdfProfile profile,
                             Random& random) {
  const std::string key_path = KeyFilePath(home);
  const std::string db_path = DatabasePath(home);
  if (StoreExists(home)) return Status::AlreadyExists("a store already exists at " + home);
  // A database without its key file is unreadable, but it may be the only
  // copy of something; the user decides, not us.
  if (internal::PathExists(db_path)) {
    return Status::AlreadyExists(db_path + " exists without a key file; move it away first");
  }
  WAYPOST_RETURN_IF_ERROR(CreateHome(home));

  Secret db_key(KeyFile::kDbKeySize);
  random.Fill(db_key.span());
  WAYPOST_RETURN_IF_ERROR(KeyFile::Create(key_path, passphrase, profile, db_key, random));
  Result<Database> db = Database::Open(db_path, db_key, Database::OpenMode::kCreateIfMissing);
  if (!db.ok()) {
    ::unlink(key_path.c_str());  // leave no store that cannot be opened
    ::unlink(db_path.c_str());
  }
  return db;
}

Result<Database> OpenStore(const std::string& home, const Secret& passphrase, int* slot) {
  if (!StoreExists(home)) {
    return Status::NotFound("no store at " + home + "; run `waypost init` first");
  }
  WAYPOST_ASSIGN_OR_RETURN(KeyFile::Unlocked unlocked,
                           KeyFile::Unlock(KeyFilePath(home), passphrase));
  Result<Database> db =
      Database::Open(DatabasePath(home), unlocked.db_key, Database::OpenMode::kMustExist);
  if (!db.ok() && db.status().code() == Status::Code::kNotFound) {
    return Status::Corrupt("the key file in " + home + " has no database beside it (" +
                           DatabasePath(home) + " is missing)");
  }
  if (db.ok() && slot != nullptr) *slot = unlocked.slot;
  return db;
}

}  // namespace waypost::store
