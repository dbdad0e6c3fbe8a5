// The key file: the store's random database keys, wrapped under passphrases.
//
// Destroying this one small file makes the databases unreadable at once, even
// on flash storage where overwriting the much larger databases is unreliable
// (SECURITY.md, "A seized device"). It holds only random bytes and ciphertext.
//
// It is written in place, in its one inode, and never replaced by a rename:
// a replaced file's old blocks keep the old slots, each still opening with
// an earlier passphrase, until something happens to reuse them.
//
// Byte layout, version 2 (all integers big-endian; kFileSize = 8192 bytes):
// two copies of one 364-byte record, the first at offset 0 and the second at
// kSecondCopy = 4096, zeros in between and after (docs/storage.md §2).
//
//   offset  size  field of a record
//   0       8     magic "WAYPOSTK"
//   8       2     version = 2
//   10      2     slot count = 4
//   12      16    salt: random, one per store, shared by all slots
//   28      8     Argon2id opslimit
//   36      8     Argon2id memlimit, bytes
//   44      4*72  slots; slot i starts at 44 + 72*i:
//                   24  nonce (random, fresh on every write of the slot)
//                   16  Poly1305 MAC  } crypto_secretbox_easy (XSalsa20-Poly1305)
//                   32  ciphertext    } of the 32-byte database key
//   332     32    checksum: BLAKE2b-256 of bytes 0..331, to tell a torn write
//
// A slot is opened with wrap_key = Argon2id(passphrase, salt, opslimit,
// memlimit). Unused slots are 72 random bytes, which nobody without the right
// passphrase can tell from a used one; so the file does not reveal how many
// passphrases (normal, duress) it carries. The file size never changes.
//
// Two copies make the in-place write crash-safe. Normally they are equal. A
// write puts the new record in the second copy, syncs, then in the first, and
// syncs. The record in force is the second copy whenever its checksum holds,
// else the first. A crash during the first write leaves a torn second copy,
// so the old record (the first copy) is in force; a crash after it leaves the
// new one in force. Either way the file opens. Rotation (passwd.h) stops
// after the second copy on purpose ("staged") until the database is re-keyed.
// While the copies differ, Unlock() also reports what the other copy opens,
// and OpenStore (home.h) settles the file once a key has opened a database.
//
// The header is not authenticated beyond the checksum: altering it only makes
// every slot fail to open (wrong key), and implausible KDF costs are rejected
// as Corrupt before any derivation.
//
// Every file access goes through `env` (core/env.h), so tests can fail any
// step of a write (tests/core/store/key_file_fault_test.cc).
//
// Thread-safety: stateless functions; concurrent writers to one file race,
// so callers serialise writes to a store.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/kdf.h"

namespace waypost::store {

class KeyFile {
 public:
  static constexpr int kSlots = 4;
  static constexpr size_t kDbKeySize = 32;
  static constexpr size_t kNonceSize = 24;
  static constexpr size_t kMacSize = 16;
  static constexpr size_t kSlotSize = kNonceSize + kMacSize + kDbKeySize;  // 72
  static constexpr size_t kHeaderSize = 8 + 2 + 2 + kSaltSize + 8 + 8;     // 44
  static constexpr size_t kChecksumSize = 32;                              // BLAKE2b
  static constexpr size_t kRecordSize = kHeaderSize + kSlots * kSlotSize + kChecksumSize;  // 364
  static constexpr size_t kSecondCopy = 4096;           // its own file-system block
  static constexpr size_t kFileSize = 2 * kSecondCopy;  // 8192
  static constexpr uint16_t kVersion = 2;

  struct Unlocked {
    Secret db_key;  // kDbKeySize bytes
    int slot = -1;  // which slot opened, 0..kSlots-1
    int copy = 1;   // which copy of the record it came from (0: first, 1: second)
    // A write to the file was interrupted and the copies differ in what this
    // passphrase opens, or one copy is torn. Once `db_key` has opened a
    // database, Settle(path, copy) finishes the file on this copy's side.
    bool settle = false;
  };

  // Writes a new key file whose slot 0 wraps `db_key` (kDbKeySize bytes) under
  // `passphrase` (non-empty) with `profile`'s cost; slots 1..3 are random.
  // Atomic (temp file, fsync, link, fsync dir), mode 0600: the link is the
  // only moment the file appears, whole.
  // Errors: AlreadyExists if anything is at `path`; InvalidArgument; IoError.
  // On failure nothing is left at `path`, nor a temporary file beside it
  // (after a crash one may be: docs/storage.md §2).
  static Status Create(const std::string& path, const Secret& passphrase, KdfProfile profile,
                       const Secret& db_key, Random& random, Env& env = Env::Default());

  // Create() in two steps, for a caller that has more to do between drawing
  // the file and putting it in place (CreateStore fills both databases
  // first): NewImage draws every random byte of the file and derives the
  // wrap key, and wraps `db_key` in slot `slot` (Create: 0; a store's main
  // slot is drawn at random, home.h); Install writes the image as Create()
  // does.
  static Result<Bytes> NewImage(const Secret& passphrase, KdfProfile profile, const Secret& db_key,
                                Random& random, int slot);
  static Status Install(const std::string& path, ByteView image, Env& env = Env::Default());

  // The Argon2id costs recorded in the file. Errors: NotFound, Corrupt, IoError.
  static Result<KdfParams> ReadParams(const std::string& path, Env& env = Env::Default());

  // What `passphrase` opens: the record in force first; then, if an
  // interrupted write left the copies different, what the other copy opens
  // where that differs. One Argon2id derivation per distinct header; every
  // slot is tried without stopping at the first that opens, so timing does
  // not reveal which slot matched. If several open, the lowest index wins.
  // Opens the file read-only.
  // Errors: NotFound (no file), Corrupt (wrong size, both copies torn, wrong
  // magic or version, implausible costs), WrongPassphrase (nothing opens),
  // IoError.
  static Result<std::vector<Unlocked>> UnlockAll(const std::string& path, const Secret& passphrase,
                                                 Env& env = Env::Default());
  // The first of UnlockAll().
  static Result<Unlocked> Unlock(const std::string& path, const Secret& passphrase,
                                 Env& env = Env::Default());

  // Rewrites slot `slot` to wrap `db_key` under `passphrase`, keeping the
  // salt, the costs and the other slots; for change-passphrase and duress.
  // It overwrites whatever the slot held: the caller chooses which slot.
  // In place: the second copy, fsync, the first copy, fsync. Errors:
  // NotFound, Corrupt (also "unfinished change" while the copies differ: an
  // open with the passphrase being changed settles that first),
  // InvalidArgument, IoError. On failure the file opens as before or as
  // after (never neither); a crash leaves the same choice.
  static Status SetSlot(const std::string& path, int slot, const Secret& passphrase,
                        const Secret& db_key, Random& random, Env& env = Env::Default());

  // SetSlot's first half: the second copy only. The new slot is in force,
  // and the first copy still holds the old one, which Unlock() reports as
  // well, until Settle(). Key rotation (passwd.h) re-keys in between.
  static Status StageSlot(const std::string& path, int slot, const Secret& passphrase,
                          const Secret& db_key, Random& random, Env& env = Env::Default());

  // Copies copy `copy` (0 or 1) over the other, then fsync: the change that
  // copy holds is kept (1 after StageSlot) or undone (0). Nothing is written
  // when the copies are already equal. Errors: Corrupt if `copy` is torn;
  // NotFound; IoError.
  static Status Settle(const std::string& path, int copy, Env& env = Env::Default());

  // Refills slot `slot` with random bytes, revoking its passphrase. In
  // place, with SetSlot's contract.
  static Status ClearSlot(const std::string& path, int slot, Random& random,
                          Env& env = Env::Default());
};

}  // namespace waypost::store
