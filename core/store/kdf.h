// Passphrase -> wrap key, with Argon2id (libsodium crypto_pwhash, ALG_ARGON2ID13).
//
// The cost comes from a named profile and is stored in the key file. It never
// depends on how fast this machine is: we never calibrate downward, because a
// slow phone-class device would otherwise hand an attacker with a GPU a cheap
// passphrase to guess (SECURITY.md, "The local store").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::store {

enum class KdfProfile {
  kInteractive,  // 64 MiB, 2 passes: crypto_pwhash_argon2id_*_INTERACTIVE. Tests.
  kModerate,     // 256 MiB, 3 passes: the default, and the floor for users.
  kSensitive,    // 1 GiB, 4 passes.
};

inline constexpr KdfProfile kDefaultKdfProfile = KdfProfile::kModerate;

// Argon2id cost, as stored in the key file.
struct KdfParams {
  uint64_t opslimit = 0;  // passes over memory
  uint64_t memlimit = 0;  // bytes
};

inline constexpr size_t kSaltSize = 16;     // crypto_pwhash_argon2id_SALTBYTES
inline constexpr size_t kWrapKeySize = 32;  // crypto_secretbox_KEYBYTES

// "interactive", "moderate", "sensitive"; nullopt for anything else.
std::optional<KdfProfile> ParseKdfProfile(std::string_view name);
std::string_view KdfProfileName(KdfProfile profile);
KdfParams ParamsFor(KdfProfile profile);

// True if `params` lie in the range any Waypost profile can produce. Key files
// whose parameters fall outside it are treated as corrupt: too low would be a
// downgrade, too high a memory bomb.
bool PlausibleParams(const KdfParams& params);

// Derives a kWrapKeySize-byte key. `salt` must be kSaltSize bytes.
// Errors: InvalidArgument (bad salt or implausible params), IoError (the OS
// refused the memory Argon2id needs).
//
// Argon2id's working memory (64 MiB to 1 GiB, allocated inside libsodium)
// must not reach swap: one recovered block would make every passphrase
// guess cheap. So, where RLIMIT_MEMLOCK allows that much (or the process may
// lock any amount), all of the process's memory is locked for the
// derivation (mlockall with MCL_FUTURE), and afterwards only new mappings
// stop being locked: pages locked before stay locked, so the guarded pages
// of sodium_malloc keep their own lock. If the limit is too low, or the
// locked derivation fails for lack of memory, it runs unlocked, and the
// hook set with SetUnlockedKdfHook is called (the CLI warns there when
// unencrypted swap is active; SECURITY.md, "The process").
Result<Secret> DeriveWrapKey(const Secret& passphrase, ByteView salt, const KdfParams& params);

// Whether the memory of the most recent derivation in this process was
// locked. False before any derivation.
bool LastDerivationWasLocked();

// Called after each derivation whose memory could not be locked; null for
// none. Not thread-safe: set it once at start-up.
using UnlockedKdfHook = void (*)();
void SetUnlockedKdfHook(UnlockedKdfHook hook);

// Tests only: when false, no derivation tries to lock its memory, as on a
// machine whose RLIMIT_MEMLOCK is too low.
void SetKdfMemoryLocking(bool enabled);

}  // namespace waypost::store
