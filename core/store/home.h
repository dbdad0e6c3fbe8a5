// The on-disk home of a store:
//
//   <home>/            mode 0700
//   <home>/waypost.key the key file (key_file.h), 332 bytes, mode 0600
//   <home>/waypost.db  the SQLCipher database, keyed by the key file's key
//
// The key file decides whether a store exists. Thread-safety: none; one
// process initialises a home at a time.
#pragma once

#include <string>

#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/store/kdf.h"

namespace waypost::store {

inline constexpr char kKeyFileName[] = "waypost.key";
inline constexpr char kDatabaseFileName[] = "waypost.db";

std::string KeyFilePath(const std::string& home);
std::string DatabasePath(const std::string& home);

// True if `home` holds a key file.
bool StoreExists(const std::string& home);

// mkdir -p `home`; directories it creates get mode 0700. An existing
// directory is accepted as it is.
Status CreateHome(const std::string& home);

// Creates the home if needed, draws a random 32-byte database key, writes the
// key file (slot 0 under `passphrase`), then creates the empty database.
// Errors: AlreadyExists if a key file or database is already there (never
// overwrites); InvalidArgument (empty passphrase); IoError. If the database
// cannot be created, the new key file is removed again.
Result<Database> CreateStore(const std::string& home, const Secret& passphrase, KdfProfile profile,
                             Random& random);

// Unlocks the key file, then opens the database. Nothing is opened for
// writing before the key file unlocks, so a wrong passphrase leaves every
// file untouched. If `slot` is not null it receives the slot that opened
// (for the duress feature).
// Errors: NotFound "no store at <home>; run `waypost init` first";
// WrongPassphrase; Corrupt (damaged key file, database missing or not
// matching the key); IoError (including "store is locked by another process").
Result<Database> OpenStore(const std::string& home, const Secret& passphrase, int* slot = nullptr);

}  // namespace waypost::store
