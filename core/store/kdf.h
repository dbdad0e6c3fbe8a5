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
Result<Secret> DeriveWrapKey(const Secret& passphrase, ByteView salt, const KdfParams& params);

}  // namespace waypost::store
