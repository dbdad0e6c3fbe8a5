// Changing the store's passphrase (`waypost passwd`) and rotating its
// database key (`waypost passwd --rotate`). See key_file.h for the slots.
//
// ChangePassphrase re-wraps the same database key: cheap, and every other slot
// (a duress passphrase, say) stays byte-identical. It does not help against
// someone who already copied the key file and learned the old passphrase:
// their copy still opens the database. RotateKey is for that case: it draws a
// new database key, re-encrypts the database under it, and re-wraps the slot
// with the new key, so an old key file no longer opens the database.
//
// Both work on whichever of the home's two databases (home.h) the current
// passphrase's key opens, and touch no other slot: the duress passphrase
// wraps the other database's key, which a rotation of this one leaves alone.
//
// Crash safety of RotateKey. The invariant: at every instant, the file at
// KeyFilePath(home) or the one at RotationTempPath(home) opens the database.
//   1. Unlock the key file (old key K0, slot s); open the database with K0.
//   2. Write the new key file to RotationTempPath: a copy of the old one
//      whose slot s wraps K1 under the new passphrase (same salt and costs,
//      every other slot byte-identical): fsync, fsync dir.
//   3. PRAGMA rekey to K1 (SQLCipher rewrites every page in one transaction).
//   4. Close, reopen with K1 and read it: the rekey really happened.
//   5. rename() the temp file over the key file, fsync the directory.
// A failure in 2-5 undoes step 3 (rekey back to K0, verified) and removes
// the temp file; if even that fails, the temp file is kept because it then
// holds the only key. A crash between 3 and 5 leaves the database under K1
// with the old key file beside it: the remaining window. Only the temp file
// opens the store then, and RecoverRotation() finishes the job.
//
// Keeping the salt is safe: whoever copied the old key file and knows the
// old passphrase derives the old wrapping key, which opens only the old
// slot, which holds K0, which no longer opens the database.
//
// File-system calls go through `env` (core/env.h); the rekey is SQLite's own.
//
// Thread-safety: none; the caller holds the store alone (other processes
// using the store make the rekey fail with "locked", which is rolled back).
#pragma once

#include <functional>
#include <string>

#include "core/env.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::store {

// <home>/waypost.key.rotating: the new key file while a rotation runs.
std::string RotationTempPath(const std::string& home);

// InvalidArgument if `next` equals `current` or already opens a slot of the
// key file at `key_path` (two slots under one passphrase would make the lower
// always win); other errors from reading the key file.
Status CheckNewPassphrase(const std::string& key_path, const Secret& current, const Secret& next,
                          Env& env = Env::Default());

// Re-wraps the slot that `current` opens so that `next` opens it instead.
// Only that slot changes (fresh nonce, same salt and costs); the file keeps
// its size and is replaced atomically. Checks first that the database opens.
// Errors: NotFound (no store), WrongPassphrase, InvalidArgument (`next`
// equals `current`, or already opens a slot of this store), Corrupt, IoError.
// On failure the key file is unchanged, except after a failed directory sync
// once the new file is in place ("<key file> was replaced, but ...").
Status ChangePassphrase(const std::string& home, const Secret& current, const Secret& next,
                        Random& random, Env& env = Env::Default());

// The steps of RotateKey, for fault injection.
enum class RotateStep { kWriteNewKeyFile, kRekey, kVerify, kInstall };

// Tests only: called before each step; a non-OK Status makes that step fail.
using RotateFault = std::function<Status(RotateStep)>;

// Draws a new random database key, re-keys the database that `current`
// opens to it, and installs a key file whose slot at the index that `current`
// opened wraps it under `next`; every other slot stays as it was.
// Errors: as ChangePassphrase, plus AlreadyExists when an interrupted
// rotation's temp file is present (run RecoverRotation first). On failure
// the key file and the database are as before, with two exceptions that the
// message names: the undo of the rekey failed (see the header), or only the
// directory sync after the final rename failed ("<key file> was replaced,
// but ...": the rotation is complete). `fault` comes before `env` so that
// existing callers that pass a fault keep compiling.
Status RotateKey(const std::string& home, const Secret& current, const Secret& next, Random& random,
                 const RotateFault& fault = nullptr, Env& env = Env::Default());

enum class Recovery {
  kNothingToDo,     // no temp file
  kDiscardedStale,  // the key file opens the database; the temp file was removed
  kCompleted,       // only the temp file opened it; it is now the key file
};

// Resolves a rotation interrupted by a crash, using `passphrase` (the old one
// opens the old key file, the new one the temp file). Never removes a file
// that is the only one opening the database.
// Errors: WrongPassphrase (neither file opens with it); Corrupt with a hint
// when the old key file opens but no longer matches the database (then the
// new passphrase is needed); IoError.
// A passphrase that opens a slot other than the rotating one (the one slot in
// which the two files differ) changes nothing: kNothingToDo.
Result<Recovery> RecoverRotation(const std::string& home, const Secret& passphrase,
                                 Env& env = Env::Default());

}  // namespace waypost::store
