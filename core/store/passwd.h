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
// Crash safety of RotateKey. The invariant: at every instant one copy of the
// key file (key_file.h) wraps a key that opens the database, and OpenStore
// (home.h) finds it.
//   1. Unlock the key file (old key K0, slot s); open the database with K0.
//   2. StageSlot: the key file's second copy, in force from now on, has slot
//      s wrap K1 under the new passphrase; the first copy keeps K0 under the
//      old one. One inode, written in place: no temporary key file.
//   3. PRAGMA journal_mode = PERSIST, then PRAGMA rekey to K1: SQLCipher
//      rewrites every page in one transaction, and its rollback journal
//      holds every page under K0.
//   4. Close, reopen with K1 and read it: the rekey really happened.
//   5. Overwrite that journal with zeros in place and remove it
//      (WipeLeftoverJournal). Removed unwiped, its blocks would keep the
//      whole database under K0, for anyone with an old copy of the key file.
//   6. Settle the key file on the second copy: the old slot is gone.
// A failure in 2-4 undoes the rekey (back to K0, verified), settles the key
// file on its first copy and wipes the journal. After 4 the rotation stands;
// a failure in 5 or 6 is reported, and the next open finishes both.
// A crash before the rekey commits leaves the database under K0 (a hot
// journal is played back): the old passphrase opens the first copy, and
// OpenStore settles on it, undoing the rotation; the new one is refused with
// a hint. A crash after it: the new passphrase opens, and OpenStore settles
// on the second copy and wipes the journal; the old one is refused.
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

// InvalidArgument if `next` equals `current` or already opens a slot of the
// key file at `key_path` (two slots under one passphrase would make the lower
// always win); other errors from reading the key file.
Status CheckNewPassphrase(const std::string& key_path, const Secret& current, const Secret& next,
                          Env& env = Env::Default());

// Re-wraps the slot that `current` opens so that `next` opens it instead.
// Only that slot changes (fresh nonce, same salt and costs), in place.
// Checks first that the database opens.
// Errors: NotFound (no store), WrongPassphrase, InvalidArgument (`next`
// equals `current`, or already opens a slot of this store), Corrupt, IoError.
// On failure the old passphrase opens the store, or (after a failure between
// the key file's two writes) the new one does: KeyFile::SetSlot.
Status ChangePassphrase(const std::string& home, const Secret& current, const Secret& next,
                        Random& random, Env& env = Env::Default());

// The steps of RotateKey, for fault injection.
enum class RotateStep { kStage, kRekey, kVerify, kWipeJournal, kSettle };

// Tests only: called before each step; a non-OK Status makes that step fail.
using RotateFault = std::function<Status(RotateStep)>;

// Draws a new random database key, re-keys the database that `current`
// opens to it, and rewrites the key file so that the slot `current` opened
// wraps it under `next`; every other slot stays as it was.
// Errors: as ChangePassphrase. On failure in steps 2-4 the key file and the
// database are as before, unless the undo of the rekey failed too: then the
// message says so, and the new passphrase opens the store. On failure in
// steps 5-6 the rotation is complete and the message begins "the database
// was re-encrypted, but".
Status RotateKey(const std::string& home, const Secret& current, const Secret& next, Random& random,
                 const RotateFault& fault = nullptr, Env& env = Env::Default());

}  // namespace waypost::store
