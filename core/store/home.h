// The on-disk home of a store:
//
//   <home>/              mode 0700
//   <home>/waypost.key   the key file (key_file.h), 8192 bytes, mode 0600
//   <home>/waypost-a.db  two SQLCipher databases, each under its own random
//   <home>/waypost-b.db  256-bit key
//
// Every store has both databases from the moment it is created. One is the
// main store; the other is the decoy that a duress passphrase opens (the
// node layer fills it, core/node/duress.cc). Which file is which is drawn at
// random when the store is created, and nothing outside the encryption says
// it: a key from the key file is simply tried against both files, every time,
// and opens exactly one. So the files, their names and the work an unlock
// does are the same whether or not a duress passphrase was ever set.
//
// The key file decides whether a store exists. File-system calls go through
// `env` (core/env.h); SQLite does its own. Thread-safety: none; one process
// initialises a home at a time.
#pragma once

#include <array>
#include <functional>
#include <string>

#include "core/env.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/store/kdf.h"

namespace waypost::store {

inline constexpr char kKeyFileName[] = "waypost.key";
inline constexpr std::array<const char*, 2> kDatabaseFileNames = {"waypost-a.db", "waypost-b.db"};

std::string KeyFilePath(const std::string& home);
// `index` is 0 or 1 (kDatabaseFileNames).
std::string DatabasePath(const std::string& home, int index);

// True if `home` holds a key file.
bool StoreExists(const std::string& home, Env& env = Env::Default());

// mkdir -p `home`; directories it creates get mode 0700. An existing
// directory is accepted as it is.
Status CreateHome(const std::string& home, Env& env = Env::Default());

struct CreatedStore {
  Database main;      // keyed by the key that `main_slot` wraps under the passphrase
  Database decoy;     // keyed by `decoy_key`, which no slot wraps yet
  Secret decoy_key;   // KeyFile::kDbKeySize bytes
  int main_slot = 0;  // drawn at random: any of the four
};

// Creates the home if needed, draws two random database keys, creates both
// databases, assigning them to the two file names at random, and last
// writes the key file (a slot drawn at random wraps the main key under
// `passphrase`, so that slot 0 says nothing). The
// key file decides whether a store exists, so its link is the commit point:
// a crash before it leaves databases without a key file, which `init`
// refuses and `panic` removes (docs/storage.md §1, §2.2), never a key file
// without its databases.
// Errors: AlreadyExists if a key file or a database is already there (never
// overwrites); InvalidArgument (empty passphrase); IoError. On failure every
// file this call made is removed again (the home directory stays).
Result<CreatedStore> CreateStore(const std::string& home, const Secret& passphrase,
                                 KdfProfile profile, Random& random, Env& env = Env::Default());

// CreateStore for a caller that fills the databases before the store exists:
// `fill` gets both new databases (it may move them out) once the key file is
// drawn, and only if it succeeds is the key file written. So a store is
// whole or absent: a crash or a failure inside `fill` leaves no key file,
// and a failure removes the databases again. Random bytes are drawn in the
// same order as by the overload above, the key file's before `fill`'s.
using FillStore = std::function<Status(CreatedStore& created)>;
Status CreateStore(const std::string& home, const Secret& passphrase, KdfProfile profile,
                   Random& random, const FillStore& fill, Env& env = Env::Default());

struct OpenedStore {
  Database db;
  Secret key;        // the database key that opened it
  int slot = -1;     // the key-file slot that opened
  std::string path;  // the database file it opened
};

// Unlocks the key file, then opens whichever database the key opens. Both
// files are always tried (see above). Nothing is opened for writing before
// the key file unlocks, so a wrong passphrase leaves every file untouched.
// After a crash in the middle of a passphrase change the key file's two
// copies may differ (key_file.h): each key the passphrase opens is tried,
// and the file is settled on the side of the one that opened a database.
// Before that, a rollback journal that no transaction owns any more (which
// may hold every page under the key being replaced) is overwritten and
// removed (WipeLeftoverJournal).
// Errors: NotFound "no store at <home>; run `waypost init` first";
// WrongPassphrase; Corrupt (damaged key file, or no database matches the
// key, with a hint when an interrupted change is why); IoError (including
// "store is locked by another process").
Result<OpenedStore> OpenStore(const std::string& home, const Secret& passphrase,
                              Env& env = Env::Default());

// Opens whichever of the two databases `key` opens, trying both.
// Errors: Corrupt if neither does; IoError.
Result<Database> OpenDatabaseWithKey(const std::string& home, const Secret& key);

// For a main store whose decoy is gone or damaged: removes whatever is at the
// file name that `main_key` does not open (and its side files) and creates
// an empty database there under `key`. Errors: Corrupt if `main_key` opens
// neither; IoError.
Result<Database> RecreateOtherDatabase(const std::string& home, const Secret& main_key,
                                       const Secret& key, Env& env = Env::Default());

// The path of the database that `key` opens (both are tried), or Corrupt.
Result<std::string> DatabasePathForKey(const std::string& home, const Secret& key);

// If a rollback journal is beside the database `db` (open at `db_path`),
// takes the exclusive lock, so that no transaction owns it, and overwrites
// it with zeros in place, then removes it. A hot journal was already played
// back when `db` was opened. This is how a re-key's journal, which holds
// every page under the old key, leaves no such page in free blocks
// (passwd.h); and a crash's leftover goes the same way.
// Errors: IoError (also "locked" after the busy timeout).
Status WipeLeftoverJournal(Database& db, const std::string& db_path, Env& env = Env::Default());

}  // namespace waypost::store
