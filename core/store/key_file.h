// The key file: the store's random database key, wrapped under passphrases.
//
// Destroying this one small file makes the database unreadable at once, even on
// flash storage where overwriting the much larger database is unreliable
// (SECURITY.md, "A seized device"). It holds only random bytes and ciphertext.
//
// Byte layout, version 1 (all integers big-endian; kFileSize = 332 bytes):
//
//   offset  size  field
//   0       8     magic "WAYPOSTK"
//   8       2     version = 1
//   10      2     slot count = 4
//   12      16    salt: random, one per store, shared by all slots
//   28      8     Argon2id opslimit
//   36      8     Argon2id memlimit, bytes
//   44      4*72  slots; slot i starts at 44 + 72*i:
//                   24  nonce (random, fresh on every write of the slot)
//                   16  Poly1305 MAC  } crypto_secretbox_easy (XSalsa20-Poly1305)
//                   32  ciphertext    } of the 32-byte database key
//
// A slot is opened with wrap_key = Argon2id(passphrase, salt, opslimit,
// memlimit). Unused slots are 72 random bytes, which nobody without the right
// passphrase can tell from a used one; so the file does not reveal how many
// passphrases (normal, duress) it carries. The file size never changes.
//
// The header is not authenticated: altering it only makes every slot fail to
// open (wrong key), and implausible KDF costs are rejected as Corrupt before
// any derivation.
//
// Every file access goes through `env` (core/env.h), so tests can fail any
// step of a write (tests/core/store/key_file_fault_test.cc).
//
// Thread-safety: stateless functions; concurrent writers to one path race
// (last rename wins), so callers serialise writes to a store.
#pragma once

#include <cstddef>
#include <string>

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
  static constexpr size_t kFileSize = kHeaderSize + kSlots * kSlotSize;    // 332
  static constexpr uint16_t kVersion = 1;

  struct Unlocked {
    Secret db_key;  // kDbKeySize bytes
    int slot = -1;  // which slot opened, 0..kSlots-1
  };

  // Writes a new key file whose slot 0 wraps `db_key` (kDbKeySize bytes) under
  // `passphrase` (non-empty) with `profile`'s cost; slots 1..3 are random.
  // Atomic (temp file, fsync, link, fsync dir), mode 0600.
  // Errors: AlreadyExists if anything is at `path`; InvalidArgument; IoError.
  // On failure nothing is left at `path`, nor a temporary file beside it
  // (after a crash one may be: docs/storage.md §2).
  static Status Create(const std::string& path, const Secret& passphrase, KdfProfile profile,
                       const Secret& db_key, Random& random, Env& env = Env::Default());

  // Create() in two steps, for a caller that has more to do between drawing
  // the file and putting it in place (CreateStore fills both databases
  // first): NewImage draws every random byte of the file and derives the
  // wrap key; Install writes the image as Create() does.
  static Result<Bytes> NewImage(const Secret& passphrase, KdfProfile profile, const Secret& db_key,
                                Random& random);
  static Status Install(const std::string& path, ByteView image, Env& env = Env::Default());

  // The Argon2id costs recorded in the file. Errors: NotFound, Corrupt, IoError.
  static Result<KdfParams> ReadParams(const std::string& path, Env& env = Env::Default());

  // One Argon2id derivation, then tries every slot, without stopping at the
  // first that opens, so timing does not reveal which slot matched. If
  // several open, the lowest index wins. Opens the file read-only.
  // Errors: NotFound (no file), Corrupt (wrong size, magic, version or
  // implausible costs), WrongPassphrase (no slot opens), IoError.
  static Result<Unlocked> Unlock(const std::string& path, const Secret& passphrase,
                                 Env& env = Env::Default());

  // Rewrites slot `slot` to wrap `db_key` under `passphrase`, keeping the
  // salt, the costs and the other slots; for change-passphrase and duress.
  // It overwrites whatever the slot held: the caller chooses which slot.
  // Atomic replace of the whole file. Errors: NotFound, Corrupt,
  // InvalidArgument, IoError; on failure the old file is intact, except
  // when only the final directory sync failed: then the new file is in
  // place and the message begins "<path> was replaced, but".
  // With `write_to` set, the changed image goes to that new file instead
  // (AlreadyExists if anything is there) and `path` stays as it was: key
  // rotation writes its new key file this way (passwd.h). On failure
  // nothing is left at `write_to`.
  static Status SetSlot(const std::string& path, int slot, const Secret& passphrase,
                        const Secret& db_key, Random& random, const std::string& write_to = "",
                        Env& env = Env::Default());

  // Refills slot `slot` with random bytes, revoking its passphrase. Atomic
  // replace, with SetSlot's contract.
  static Status ClearSlot(const std::string& path, int slot, Random& random,
                          Env& env = Env::Default());
};

}  // namespace waypost::store
