#include "core/store/kdf.h"

#include <sodium.h>

#include <string>

namespace waypost::store {

static_assert(kSaltSize == crypto_pwhash_argon2id_SALTBYTES);
static_assert(kWrapKeySize == crypto_secretbox_KEYBYTES);

namespace {

// The upper bounds only guard against a hostile key file asking for absurd
// resources; they sit well above kSensitive.
constexpr uint64_t kMaxOpslimit = 64;
constexpr uint64_t kMaxMemlimit = uint64_t{4} << 30;  // 4 GiB

}  // namespace

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
  const char* pw = passphrase.empty() ? "" : reinterpret_cast<const char*>(passphrase.data());
  if (crypto_pwhash(key.data(), key.size(), pw, passphrase.size(), salt.data(), params.opslimit,
                    static_cast<size_t>(params.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::IoError("not enough memory to derive the key from the passphrase (needs " +
                           std::to_string(params.memlimit >> 20) + " MiB)");
  }
  return key;
}

}  // namespace waypost::store
