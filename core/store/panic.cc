// Crypto-shredding (panic.h). File-system calls only, through Env: no
// SQLite, no locks, nothing that could wait on another process.
#include "core/store/panic.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string_view>
#include <vector>

#include "core/store/home.h"
#include "core/store/internal/file_util.h"

namespace waypost::store {
namespace {

// Suffixes SQLite may put beside the database: write-ahead log, its shared
// memory index, the rollback journal, and super-journals ("-mj" + random).
constexpr std::array<std::string_view, 4> kDatabaseSideFiles = {"-wal", "-shm", "-journal", "-mj"};

// Remembers the first failure; later steps still run.
class FirstError {
 public:
  void Note(const Status& status) {
    if (status_.ok() && !status.ok()) status_ = status;
  }
  const Status& status() const { return status_; }

 private:
  Status status_ = Status::Ok();
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// waypost.key itself, or a copy beside it: "waypost.key.tmp-XXXXXX" from an
// `init` interrupted before its link (file_util.cc). Any "waypost.key.*"
// counts, so a copy named by a later feature is not missed.
bool IsKeyFileCopy(std::string_view name) {
  return name == kKeyFileName || StartsWith(name, std::string(kKeyFileName) + ".");
}

// Either database (home.h: the main store and the decoy) or a side file.
bool IsDatabaseFile(std::string_view name) {
  return std::any_of(
      kDatabaseFileNames.begin(), kDatabaseFileNames.end(), [&](std::string_view db) {
        if (name == db) return true;
        return std::any_of(kDatabaseSideFiles.begin(), kDatabaseSideFiles.end(), [&](auto suffix) {
          return StartsWith(name, std::string(db) + std::string(suffix));
        });
      });
}

struct Victims {
  std::vector<std::string> key_files;  // waypost.key first
  std::vector<std::string> db_files;
};

// Lists the store's files by name only (listing opens none of them).
Result<Victims> ListVictims(const std::string& home, Env& env) {
  Result<std::vector<std::string>> names = env.GetChildren(home);
  if (names.status().code() == Status::Code::kNotFound) {
    return Status::NotFound("no store at " + home);
  }
  if (!names.ok()) return names.status();
  Victims v;
  for (const std::string& name : *names) {
    if (IsKeyFileCopy(name)) v.key_files.push_back(home + "/" + name);
    if (IsDatabaseFile(name)) v.db_files.push_back(home + "/" + name);
  }
  // The live key file matters most: it goes first.
  std::stable_partition(v.key_files.begin(), v.key_files.end(),
                        [&](const std::string& p) { return p == KeyFilePath(home); });
  return v;
}

// A file already gone is fine: an earlier, interrupted run removed it.
void Remove(const std::string& path, Env& env, FirstError& errors) {
  Status removed = env.RemoveFile(path);
  if (removed.code() != Status::Code::kNotFound) errors.Note(removed);
}

}  // namespace

Status Panic(const std::string& home, Random& random, Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(Victims victims, ListVictims(home, env));
  if (victims.key_files.empty() && victims.db_files.empty()) {
    return Status::NotFound("no store at " + home);
  }
  FirstError errors;
  // 1. The key. Even if the overwrite fails, the unlink still goes ahead:
  //    without its name the file cannot be unlocked by any later `waypost`.
  for (const std::string& path : victims.key_files) {
    // Random bytes, then zeros, each synced, in the file's own blocks. On
    // flash or copy-on-write file systems the old blocks may survive this;
    // SECURITY.md says why the key file's small size is what really counts.
    // A symbolic link or a FIFO planted under this name is not followed or
    // waited on, only unlinked below.
    errors.Note(internal::OverwriteInPlace(env, path, &random));
    Remove(path, env, errors);
  }
  errors.Note(env.SyncDir(home));
  // 2. The database. It is ciphertext under a key that no longer exists, so
  //    it is only unlinked; overwriting megabytes would cost time a helper at
  //    a checkpoint may not have, and on flash it would not reliably reach
  //    the old blocks anyway. Unlinking works even while another process has
  //    the file open or locked.
  for (const std::string& path : victims.db_files) Remove(path, env, errors);
  errors.Note(env.SyncDir(home));
  return errors.status();
}

}  // namespace waypost::store
