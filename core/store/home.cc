#include "core/store/home.h"

#include <unistd.h>

#include <optional>
#include <span>
#include <utility>

#include "core/store/internal/file_util.h"
#include "core/store/key_file.h"

namespace waypost::store {
namespace {

// Tries `key` against both databases, always both, so the work done does not
// depend on which one opens. Returns the index that opened, or the error.
Result<std::pair<int, Database>> OpenEither(const std::string& home, const Secret& key) {
  std::optional<std::pair<int, Database>> found;
  Status error = Status::Ok();
  for (int i = 0; i < int(kDatabaseFileNames.size()); ++i) {
    Result<Database> db = Database::Open(DatabasePath(home, i), key, Database::OpenMode::kMustExist);
    if (db.ok()) {
      if (!found) found.emplace(i, std::move(db).value());
    } else if (db.status().code() == Status::Code::kIoError) {
      error = db.status();  // "locked" and the like matter more than a mismatch
    }
  }
  if (found) return std::move(*found);
  if (!error.ok()) return error;
  return Status::Corrupt("no database in " + home + " matches its key file (a database file is "
                         "missing or damaged)");
}

}  // namespace

std::string KeyFilePath(const std::string& home) { return home + "/" + kKeyFileName; }

std::string DatabasePath(const std::string& home, int index) {
  return home + "/" + kDatabaseFileNames.at(size_t(index));
}

bool StoreExists(const std::string& home) { return internal::PathExists(KeyFilePath(home)); }

Status CreateHome(const std::string& home) { return internal::MakeDirs(home, 0700); }

Result<CreatedStore> CreateStore(const std::string& home, const Secret& passphrase,
                                 KdfProfile profile, Random& random) {
  const std::string key_path = KeyFilePath(home);
  if (StoreExists(home)) return Status::AlreadyExists("a store already exists at " + home);
  // A database without its key file is unreadable, but it may be the only
  // copy of something; the user decides, not us.
  for (int i = 0; i < int(kDatabaseFileNames.size()); ++i) {
    if (internal::PathExists(DatabasePath(home, i))) {
      return Status::AlreadyExists(DatabasePath(home, i) +
                                   " exists without a key file; move it away first");
    }
  }
  WAYPOST_RETURN_IF_ERROR(CreateHome(home));

  Secret main_key(KeyFile::kDbKeySize);
  Secret decoy_key(KeyFile::kDbKeySize);
  random.Fill(main_key.span());
  random.Fill(decoy_key.span());
  uint8_t coin = 0;
  random.Fill(std::span<uint8_t>(&coin, 1));
  const int main_index = coin & 1;

  WAYPOST_RETURN_IF_ERROR(KeyFile::Create(key_path, passphrase, profile, main_key, random));
  auto undo = [&] {  // leave no store that cannot be opened
    ::unlink(key_path.c_str());
    for (int i = 0; i < int(kDatabaseFileNames.size()); ++i) ::unlink(DatabasePath(home, i).c_str());
  };
  Result<Database> main =
      Database::Open(DatabasePath(home, main_index), main_key, Database::OpenMode::kCreateIfMissing);
  if (!main.ok()) {
    undo();
    return main.status();
  }
  Result<Database> decoy = Database::Open(DatabasePath(home, 1 - main_index), decoy_key,
                                          Database::OpenMode::kCreateIfMissing);
  if (!decoy.ok()) {
    undo();
    return decoy.status();
  }
  return CreatedStore{std::move(main).value(), std::move(decoy).value(), std::move(decoy_key)};
}

Result<OpenedStore> OpenStore(const std::string& home, const Secret& passphrase) {
  if (!StoreExists(home)) {
    return Status::NotFound("no store at " + home + "; run `waypost init` first");
  }
  WAYPOST_ASSIGN_OR_RETURN(KeyFile::Unlocked unlocked,
                           KeyFile::Unlock(KeyFilePath(home), passphrase));
  WAYPOST_ASSIGN_OR_RETURN(auto opened, OpenEither(home, unlocked.db_key));
  return OpenedStore{std::move(opened.second), std::move(unlocked.db_key), unlocked.slot};
}

Result<Database> OpenDatabaseWithKey(const std::string& home, const Secret& key) {
  WAYPOST_ASSIGN_OR_RETURN(auto opened, OpenEither(home, key));
  return std::move(opened.second);
}

Result<Database> RecreateOtherDatabase(const std::string& home, const Secret& main_key,
                                       const Secret& key) {
  int main_index = -1;
  {
    WAYPOST_ASSIGN_OR_RETURN(auto opened, OpenEither(home, main_key));
    main_index = opened.first;
  }
  const std::string other = DatabasePath(home, 1 - main_index);
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((other + suffix).c_str());
  return Database::Open(other, key, Database::OpenMode::kCreateIfMissing);
}

Result<std::string> DatabasePathForKey(const std::string& home, const Secret& key) {
  WAYPOST_ASSIGN_OR_RETURN(auto opened, OpenEither(home, key));
  return DatabasePath(home, opened.first);
}

}  // namespace waypost::store
