#include "core/store/kdf.h"

#include <sodium.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>

namespace waypost::store {

static_assert(kSaltSize == crypto_pwhash_argon2id_SALTBYTES);
static_assert(kWrapKeySize == crypto_secretbox_KEYBYTES);

namespace {

// The upper bounds only guard against a hostile key file asking for absurd
// resources; they sit well above kSensitive.
constexpr uint64_t kMaxOpslimit = 64;
constexpr uint64_t kMaxMemlimit = uint64_t{4} << 30;  // 4 GiB

// What the process holds besides the derivation's own memory, locked along
// with it: code, heap, stacks.
constexpr uint64_t kLockHeadroom = uint64_t{64} << 20;

bool g_locking_enabled = true;
bool g_last_locked = false;
UnlockedKdfHook g_unlocked_hook = nullptr;

// True if the limits let this process lock `bytes` more than it holds now.
// Root (CAP_IPC_LOCK) is not bound by RLIMIT_MEMLOCK.
bool MayLock(uint64_t bytes) {
  if (geteuid() == 0) return true;
  struct rlimit limit {};
  if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return false;
  return limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= bytes + kLockHeadroom;
}

// Locks every current and future mapping; false if that was refused.
bool LockEverything() { return mlockall(MCL_CURRENT | MCL_FUTURE) == 0; }

// Ends MCL_FUTURE: new mappings are no longer locked; current ones stay.
// (On Linux a second mlockall without MCL_FUTURE clears the flag.)
void StopLockingNewMemory() { (void)mlockall(MCL_CURRENT); }

int Argon2id(Secret& key, const Secret& passphrase, ByteView salt, const KdfParams& params) {
  const char* pw = passphrase.empty() ? "" : reinterpret_cast<const char*>(passphrase.data());
  return crypto_pwhash(key.data(), key.size(), pw, passphrase.size(), salt.data(), params.opslimit,
                       static_cast<size_t>(params.memlimit), crypto_pwhash_ALG_ARGON2ID13);
}

}  // namespace

bool LastDerivationWasLocked() { return g_last_locked; }
void SetUnlockedKdfHook(UnlockedKdfHook hook) { g_unlocked_hook = hook; }
void SetKdfMemoryLocking(bool enabled) { g_locking_enabled = enabled; }

std::optional<KdfProfile> ParseKdfProfile(std::string_view name) {
  if (name == "interactive") return KdfProfile::kInteractive;
  if (name == "moderate") return KdfProfile::kModerate;
  if (name == "sensitive") return KdfProfile::kSensitive;
  return std::nullopt;
}

std::string_view KdfProfileName(KdfProfile profile) {
  switch (profile) {
    case KdfProfile::kInteractive:
      return "interactive";
    case KdfProfile::kModerate:
      return "moderate";
    case KdfProfile::kSensitive:
      return "sensitive";
  }
  return "moderate";
}

KdfParams ParamsFor(KdfProfile profile) {
  switch (profile) {
    case KdfProfile::kInteractive:
      return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
              crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
    case KdfProfile::kModerate:
      return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
    case KdfProfile::kSensitive:
      return {crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE, crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE};
  }
  return ParamsFor(kDefaultKdfProfile);
}

bool PlausibleParams(const KdfParams& params) {
  return params.opslimit >= crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE &&
         params.opslimit <= kMaxOpslimit &&
         params.memlimit >= crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE &&
         params.memlimit <= kMaxMemlimit && params.memlimit <= SIZE_MAX;
}

Result<Secret> DeriveWrapKey(const Secret& passphrase, ByteView salt, const KdfParams& params) {
  if (salt.size() != kSaltSize) return Status::InvalidArgument("KDF salt must be 16 bytes");
  if (!PlausibleParams(params)) return Status::InvalidArgument("implausible KDF parameters");
  Secret key(kWrapKeySize);
  bool locked = g_locking_enabled && MayLock(params.memlimit) && LockEverything();
  int rc = Argon2id(key, passphrase, salt, params);
  if (locked) {
    StopLockingNewMemory();
    if (rc != 0) {  // the locked allocation was refused: try once unlocked
      locked = false;
      rc = Argon2id(key, passphrase, salt, params);
    }
  }
  g_last_locked = locked;
  if (!locked && g_unlocked_hook != nullptr) g_unlocked_hook();
  if (rc != 0) {
    return Status::IoError("not enough memory to derive the key from the passphrase (needs " +
                           std::to_string(params.memlimit >> 20) + " MiB)");
  }
  return key;
}

}  // namespace waypost::store
