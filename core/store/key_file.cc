#include "core/store/key_file.h"

#include <sodium.h>

#include <cstring>
#include <span>

#include "core/bytes.h"
#include "core/store/internal/file_util.h"

namespace waypost::store {
namespace {

constexpr char kMagic[8] = {'W', 'A', 'Y', 'P', 'O', 'S', 'T', 'K'};
constexpr size_t kSaltOffset = 12;
constexpr size_t kOpsOffset = kSaltOffset + kSaltSize;  // 28
constexpr size_t kMemOffset = kOpsOffset + 8;           // 36

static_assert(KeyFile::kNonceSize == crypto_secretbox_NONCEBYTES);
static_assert(KeyFile::kMacSize == crypto_secretbox_MACBYTES);
static_assert(kMemOffset + 8 == KeyFile::kHeaderSize);
static_assert(KeyFile::kFileSize == 332);

uint8_t* SlotAt(Bytes& image, int slot) {
  return image.data() + KeyFile::kHeaderSize + KeyFile::kSlotSize * static_cast<size_t>(slot);
}

ByteView SaltOf(const Bytes& image) { return ByteView(image.data() + kSaltOffset, kSaltSize); }

KdfParams ParamsOf(const Bytes& image) {
  return {GetU64(image.data() + kOpsOffset), GetU64(image.data() + kMemOffset)};
}

// Reads the file and checks everything that can be checked without a key.
Result<Bytes> ReadKeyFile(const std::string& path, Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes image, env.ReadSmallFile(path, KeyFile::kFileSize));
  if (image.size() != KeyFile::kFileSize || std::memcmp(image.data(), kMagic, sizeof kMagic) != 0) {
    return Status::Corrupt("the key file " + path + " is damaged or is not a Waypost key file");
  }
  uint16_t version = GetU16(image.data() + 8);
  if (version != KeyFile::kVersion) {
    return Status::Corrupt("the key file " + path + " has unsupported version " +
                           std::to_string(version));
  }
  if (GetU16(image.data() + 10) != KeyFile::kSlots || !PlausibleParams(ParamsOf(image))) {
    return Status::Corrupt("the key file " + path + " has a damaged header");
  }
  return image;
}

// Fills `slot` with a fresh nonce and secretbox(db_key) under `wrap_key`.
void SealSlot(uint8_t* slot, const Secret& wrap_key, const Secret& db_key, Random& random) {
  random.Fill(std::span<uint8_t>(slot, KeyFile::kNonceSize));
  crypto_secretbox_easy(slot + KeyFile::kNonceSize, db_key.data(), db_key.size(), slot,
                        wrap_key.data());
}

Status CheckSlotArgs(int slot, const Secret& passphrase, const Secret& db_key) {
  if (slot < 0 || slot >= KeyFile::kSlots) return Status::InvalidArgument("no such key slot");
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase must not be empty");
  if (db_key.size() != KeyFile::kDbKeySize) {
    return Status::InvalidArgument("the database key must be 32 bytes");
  }
  return Status::Ok();
}

}  // namespace

Status KeyFile::Create(const std::string& path, const Secret& passphrase, KdfProfile profile,
                       const Secret& db_key, Random& random, Env& env) {
  WAYPOST_RETURN_IF_ERROR(CheckSlotArgs(0, passphrase, db_key));
  // Fail before the expensive derivation; WriteFileAtomically re-checks.
  if (env.FileExists(path)) return Status::AlreadyExists(path + " already exists");
  WAYPOST_ASSIGN_OR_RETURN(Bytes image, NewImage(passphrase, profile, db_key, random));
  return Install(path, image, env);
}

Result<Bytes> KeyFile::NewImage(const Secret& passphrase, KdfProfile profile, const Secret& db_key,
                                Random& random) {
  constexpr int kSlot = 0;
  WAYPOST_RETURN_IF_ERROR(CheckSlotArgs(kSlot, passphrase, db_key));
  const KdfParams params = ParamsFor(profile);
  Bytes image(kFileSize);
  random.Fill(image);  // salt and every slot start out random
  std::memcpy(image.data(), kMagic, sizeof kMagic);
  Bytes fields;
  PutU16(fields, kVersion);
  PutU16(fields, kSlots);
  std::memcpy(image.data() + 8, fields.data(), fields.size());
  fields.clear();
  PutU64(fields, params.opslimit);
  PutU64(fields, params.memlimit);
  std::memcpy(image.data() + kOpsOffset, fields.data(), fields.size());

  WAYPOST_ASSIGN_OR_RETURN(Secret wrap_key, DeriveWrapKey(passphrase, SaltOf(image), params));
  SealSlot(SlotAt(image, kSlot), wrap_key, db_key, random);
  return image;
}

Status KeyFile::Install(const std::string& path, ByteView image, Env& env) {
  if (image.size() != kFileSize) return Status::InvalidArgument("a key file is 332 bytes");
  return internal::WriteFileAtomically(env, path, image, internal::WriteMode::kCreateNew);
}

Result<KdfParams> KeyFile::ReadParams(const std::string& path, Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes image, ReadKeyFile(path, env));
  return ParamsOf(image);
}

Result<KeyFile::Unlocked> KeyFile::Unlock(const std::string& path, const Secret& passphrase,
                                          Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes image, ReadKeyFile(path, env));
  WAYPOST_ASSIGN_OR_RETURN(Secret wrap_key,
                           DeriveWrapKey(passphrase, SaltOf(image), ParamsOf(image)));
  Unlocked result;
  for (int i = 0; i < kSlots; ++i) {  // no early exit: see the header
    const uint8_t* slot = SlotAt(image, i);
    Secret candidate(kDbKeySize);
    int rc = crypto_secretbox_open_easy(candidate.data(), slot + kNonceSize, kMacSize + kDbKeySize,
                                        slot, wrap_key.data());
    if (rc == 0 && result.slot < 0) {
      result.db_key = std::move(candidate);
      result.slot = i;
    }
  }
  if (result.slot < 0) return Status::WrongPassphrase();
  return result;
}

Status KeyFile::SetSlot(const std::string& path, int slot, const Secret& passphrase,
                        const Secret& db_key, Random& random, const std::string& write_to,
                        Env& env) {
  WAYPOST_RETURN_IF_ERROR(CheckSlotArgs(slot, passphrase, db_key));
  if (!write_to.empty() && env.FileExists(write_to)) {
    return Status::AlreadyExists(write_to + " already exists");
  }
  WAYPOST_ASSIGN_OR_RETURN(Bytes image, ReadKeyFile(path, env));
  WAYPOST_ASSIGN_OR_RETURN(Secret wrap_key,
                           DeriveWrapKey(passphrase, SaltOf(image), ParamsOf(image)));
  SealSlot(SlotAt(image, slot), wrap_key, db_key, random);
  if (!write_to.empty()) {
    return internal::WriteFileAtomically(env, write_to, image, internal::WriteMode::kCreateNew);
  }
  return internal::WriteFileAtomically(env, path, image, internal::WriteMode::kReplaceExisting);
}

Status KeyFile::ClearSlot(const std::string& path, int slot, Random& random, Env& env) {
  if (slot < 0 || slot >= kSlots) return Status::InvalidArgument("no such key slot");
  WAYPOST_ASSIGN_OR_RETURN(Bytes image, ReadKeyFile(path, env));
  random.Fill(std::span<uint8_t>(SlotAt(image, slot), kSlotSize));
  return internal::WriteFileAtomically(env, path, image, internal::WriteMode::kReplaceExisting);
}

}  // namespace waypost::store
