// Crypto-shredding: `waypost panic --yes` (SECURITY.md, "A seized device"; docs/storage.md §2.2).
//
// The database is ciphertext under a random 256-bit key that exists only in
// the key file (key_file.h), wrapped under the passphrases. Destroying every
// copy of that small file makes the database unreadable at once, whatever
// the flash storage under it keeps of old blocks; deleting the database
// afterwards only tidies up.
#pragma once

#include <string>

#include "core/env.h"
#include "core/random.h"
#include "core/status.h"

namespace waypost::store {

// Destroys the store under `home`, in this order:
//   1. every copy of the key file: <home>/waypost.key first, then every
//      waypost.key.* beside it: the temporary file that an `init`
//      interrupted by a crash leaves (waypost.key.tmp-XXXXXX, file_util.h).
//      Every later change of the key file is made in place, in its one
//      inode (key_file.h), so no older copy exists to be found. Each is
//      overwritten with `random` bytes, fsynced, overwritten with zeros,
//      fsynced, unlinked; then the directory is fsynced;
//   2. both databases (home.h: waypost-a.db and waypost-b.db, the main
//      store and the decoy) and their side files (-wal, -shm, -journal,
//      -mj*), unlinked without overwriting; then the directory is fsynced.
//
// Needs no passphrase and takes no SQLite lock, so it neither waits nor
// fails when another process holds the database open or mid-transaction;
// that process keeps its (now nameless) file until it exits. Symbolic links
// are unlinked, never followed. Nothing is read from any file, and no key
// material passes through this process.
//
// Every step is attempted even after one fails, so a partial failure still
// destroys as much as it can. Running it again after an interruption
// finishes the job.
//
// Every file-system call goes through `env` (core/env.h).
//
// Errors: NotFound "no store at <home>" when the home holds neither a key
// file, a leftover copy of one, nor a database file; IoError (the first
// failure, naming the file but nothing of its content).
Status Panic(const std::string& home, Random& random, Env& env = Env::Default());

}  // namespace waypost::store
