#include "core/store/home.h"

#include <optional>
#include <span>
#include <utility>
#include <vector>

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
    Result<Database> db =
        Database::Open(DatabasePath(home, i), key, Database::OpenMode::kMustExist);
    if (db.ok()) {
      if (!found) found.emplace(i, std::move(db).value());
    } else if (db.status().code() == Status::Code::kIoError) {
      error = db.status();  // "locked" and the like matter more than a mismatch
    }
  }
  if (found) return std::move(*found);
  if (!error.ok()) return error;
  return Status::Corrupt("no database in " + home +
                         " matches its key file (a database file is missing or damaged)");
}

// AlreadyExists if a key file or either database is in `home`.
Status CheckNoStoreFiles(const std::string& home, Env& env) {
  if (StoreExists(home, env)) return Status::AlreadyExists("a store already exists at " + home);
  // A database without its key file is unreadable, but it may be the only
  // copy of something; the user decides, not us.
  for (int i = 0; i < int(kDatabaseFileNames.size()); ++i) {
    if (env.FileExists(DatabasePath(home, i))) {
      return Status::AlreadyExists(DatabasePath(home, i) +
                                   " exists without a key file; move it away first");
    }
  }
  return Status::Ok();
}

// Removes both databases and any rollback journal beside them: the undo of
// a CreateStore that failed. Best effort: there is a better error to report.
void RemoveDatabases(const std::string& home, Env& env) {
  for (int i = 0; i < int(kDatabaseFileNames.size()); ++i) {
    for (const char* suffix : {"", "-journal"}) {
      (void)env.RemoveFile(DatabasePath(home, i) + suffix);
    }
  }
}

struct Databases {
  Database main;
  Database decoy;
};

// Creates the main database at index `main_index` and the decoy at the other
// name; on failure removes whatever it made.
Result<Databases> CreateDatabases(const std::string& home, int main_index, const Secret& main_key,
                                  const Secret& decoy_key, Env& env) {
  Status failed;
  {
    Result<Database> main = Database::Open(DatabasePath(home, main_index), main_key,
                                           Database::OpenMode::kCreateIfMissing);
    if (main.ok()) {
      Result<Database> decoy = Database::Open(DatabasePath(home, 1 - main_index), decoy_key,
                                              Database::OpenMode::kCreateIfMissing);
      if (decoy.ok()) return Databases{std::move(main).value(), std::move(decoy).value()};
      failed = decoy.status();
    } else {
      failed = main.status();
    }
  }  // the connections are closed here, before their files are removed
  RemoveDatabases(home, env);
  return failed;
}

}  // namespace

std::string KeyFilePath(const std::string& home) { return home + "/" + kKeyFileName; }

std::string DatabasePath(const std::string& home, int index) {
  return home + "/" + kDatabaseFileNames.at(size_t(index));
}

bool StoreExists(const std::string& home, Env& env) { return env.FileExists(KeyFilePath(home)); }

Status CreateHome(const std::string& home, Env& env) { return env.CreateDirs(home, 0700); }

Status CreateStore(const std::string& home, const Secret& passphrase, KdfProfile profile,
                   Random& random, const FillStore& fill, Env& env) {
  WAYPOST_RETURN_IF_ERROR(CheckNoStoreFiles(home, env));
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase must not be empty");
  WAYPOST_RETURN_IF_ERROR(CreateHome(home, env));

  Secret main_key(KeyFile::kDbKeySize);
  Secret decoy_key(KeyFile::kDbKeySize);
  random.Fill(main_key.span());
  random.Fill(decoy_key.span());
  // One random byte: bit 0 says which file is the main store, bits 1-2
  // which key-file slot its passphrase goes to.
  uint8_t coin = 0;
  random.Fill(std::span<uint8_t>(&coin, 1));
  const int main_index = coin & 1;
  const int main_slot = (coin >> 1) & (KeyFile::kSlots - 1);
  static_assert(KeyFile::kSlots == 4);

  Result<Databases> databases = CreateDatabases(home, main_index, main_key, decoy_key, env);
  if (!databases.ok()) return databases.status();
  Result<Bytes> image = KeyFile::NewImage(passphrase, profile, main_key, random, main_slot);
  Status status = image.status();
  if (status.ok()) {
    CreatedStore created{std::move(databases->main), std::move(databases->decoy),
                         std::move(decoy_key), main_slot};
    databases = Status::Internal("moved");
    status = fill(created);
  }
  // The commit point (home.h). Its directory sync also makes the databases'
  // names durable, which SQLite does not do for a new database file.
  if (status.ok()) status = KeyFile::Install(KeyFilePath(home), *image, env);
  if (!status.ok()) {
    databases = status;  // closes both, if still here, before their files go
    RemoveDatabases(home, env);
  }
  return status;
}

Result<CreatedStore> CreateStore(const std::string& home, const Secret& passphrase,
                                 KdfProfile profile, Random& random, Env& env) {
  std::optional<CreatedStore> out;
  WAYPOST_RETURN_IF_ERROR(CreateStore(
      home, passphrase, profile, random,
      [&](CreatedStore& created) {
        out.emplace(std::move(created));
        return Status::Ok();
      },
      env));
  return std::move(*out);
}

Result<OpenedStore> OpenStore(const std::string& home, const Secret& passphrase, Env& env) {
  if (!StoreExists(home, env)) {
    return Status::NotFound("no store at " + home + "; run `waypost init` first");
  }
  const std::string key_path = KeyFilePath(home);
  WAYPOST_ASSIGN_OR_RETURN(std::vector<KeyFile::Unlocked> keys,
                           KeyFile::UnlockAll(key_path, passphrase, env));
  Status first_error = Status::Ok();
  bool interrupted = false;
  for (KeyFile::Unlocked& key : keys) {
    interrupted = interrupted || key.settle;
    Result<std::pair<int, Database>> opened = OpenEither(home, key.db_key);
    if (!opened.ok()) {
      if (opened.status().code() != Status::Code::kCorrupt) return opened.status();
      if (first_error.ok()) first_error = opened.status();
      continue;
    }
    // A leftover journal first: after a rotation interrupted past its rekey
    // it holds the database under the old key (passwd.h). Then the file
    // settles.
    std::string path = DatabasePath(home, opened->first);
    WAYPOST_RETURN_IF_ERROR(WipeLeftoverJournal(opened->second, path, env));
    if (key.settle) WAYPOST_RETURN_IF_ERROR(KeyFile::Settle(key_path, key.copy, env));
    return OpenedStore{std::move(opened->second), std::move(key.db_key), key.slot, std::move(path)};
  }
  if (interrupted) {
    return Status::Corrupt(
        "a crash interrupted a change of this passphrase before it was finished, and the key "
        "this passphrase opens does not match the database; open the store with the other "
        "passphrase of that change (the old one or the new one)");
  }
  return first_error;
}

Status WipeLeftoverJournal(Database& db, const std::string& db_path, Env& env) {
  const std::string journal = db_path + "-journal";
  if (!env.FileExists(journal)) return Status::Ok();
  WAYPOST_RETURN_IF_ERROR(db.Exec("BEGIN EXCLUSIVE"));
  // Under the exclusive lock no other connection is inside a transaction,
  // and this one has written nothing: the journal is nobody's.
  Status status = internal::OverwriteInPlace(env, journal, nullptr);
  if (status.ok()) status = env.RemoveFile(journal);
  if (status.code() == Status::Code::kNotFound) status = Status::Ok();
  if (status.ok()) status = env.SyncDir(internal::DirOf(db_path));
  Status ended = db.Exec("COMMIT");
  return status.ok() ? ended : status;
}

Result<Database> OpenDatabaseWithKey(const std::string& home, const Secret& key) {
  WAYPOST_ASSIGN_OR_RETURN(auto opened, OpenEither(home, key));
  return std::move(opened.second);
}

Result<Database> RecreateOtherDatabase(const std::string& home, const Secret& main_key,
                                       const Secret& key, Env& env) {
  int main_index = -1;
  {
    WAYPOST_ASSIGN_OR_RETURN(auto opened, OpenEither(home, main_key));
    main_index = opened.first;
  }
  const std::string other = DatabasePath(home, 1 - main_index);
  // A missing file is fine; any other failure shows in the Open below.
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) (void)env.RemoveFile(other + suffix);
  return Database::Open(other, key, Database::OpenMode::kCreateIfMissing);
}

Result<std::string> DatabasePathForKey(const std::string& home, const Secret& key) {
  WAYPOST_ASSIGN_OR_RETURN(auto opened, OpenEither(home, key));
  return DatabasePath(home, opened.first);
}

}  // namespace waypost::store
