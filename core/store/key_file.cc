#include "core/store/key_file.h"

#include <sodium.h>

#include <cstring>
#include <memory>
#include <span>
#include <utility>

#include "core/bytes.h"
#include "core/store/internal/file_util.h"

namespace waypost::store {
namespace {

constexpr char kMagic[8] = {'W', 'A', 'Y', 'P', 'O', 'S', 'T', 'K'};
constexpr size_t kSaltOffset = 12;
constexpr size_t kOpsOffset = kSaltOffset + kSaltSize;                             // 28
constexpr size_t kMemOffset = kOpsOffset + 8;                                      // 36
constexpr size_t kChecksumOffset = KeyFile::kRecordSize - KeyFile::kChecksumSize;  // 332

static_assert(KeyFile::kNonceSize == crypto_secretbox_NONCEBYTES);
static_assert(KeyFile::kMacSize == crypto_secretbox_MACBYTES);
static_assert(kMemOffset + 8 == KeyFile::kHeaderSize);
static_assert(KeyFile::kRecordSize == 364);
static_assert(KeyFile::kRecordSize <= KeyFile::kSecondCopy);

size_t OffsetOf(int copy) { return copy == 0 ? 0 : KeyFile::kSecondCopy; }

uint8_t* SlotAt(Bytes& record, int slot) {
  return record.data() + KeyFile::kHeaderSize + KeyFile::kSlotSize * static_cast<size_t>(slot);
}
ByteView SlotOf(const Bytes& record, int slot) {
  return ByteView(record).subspan(KeyFile::kHeaderSize + KeyFile::kSlotSize * size_t(slot),
                                  KeyFile::kSlotSize);
}

ByteView SaltOf(const Bytes& record) { return ByteView(record.data() + kSaltOffset, kSaltSize); }

KdfParams ParamsOf(const Bytes& record) {
  return {GetU64(record.data() + kOpsOffset), GetU64(record.data() + kMemOffset)};
}

void ComputeChecksum(const Bytes& record, uint8_t* out) {
  crypto_generichash(out, KeyFile::kChecksumSize, record.data(), kChecksumOffset, nullptr, 0);
}

void SealRecord(Bytes& record) { ComputeChecksum(record, record.data() + kChecksumOffset); }

// Whole (the checksum holds) and of this version.
bool Intact(const Bytes& record) {
  uint8_t sum[KeyFile::kChecksumSize];
  ComputeChecksum(record, sum);
  return sodium_memcmp(sum, record.data() + kChecksumOffset, sizeof sum) == 0 &&
         std::memcmp(record.data(), kMagic, sizeof kMagic) == 0 &&
         GetU16(record.data() + 8) == KeyFile::kVersion &&
         GetU16(record.data() + 10) == KeyFile::kSlots;
}

Status Damaged(const std::string& path) {
  return Status::Corrupt("the key file " + path + " is damaged or is not a Waypost key file");
}

// The file's two copies of its record, as read.
struct Copies {
  Bytes record[2];
  bool intact[2] = {false, false};
  int in_force = 1;  // the second copy whenever it is intact

  bool Differ() const { return intact[0] && intact[1] && record[0] != record[1]; }
  bool Settled() const { return intact[0] && intact[1] && record[0] == record[1]; }
};

// Reads the file and checks everything that can be checked without a key.
Result<Copies> ReadCopies(const std::string& path, Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes file, env.ReadSmallFile(path, KeyFile::kFileSize));
  if (file.size() != KeyFile::kFileSize) return Damaged(path);
  Copies c;
  for (int i = 0; i < 2; ++i) {
    const auto begin = file.begin() + static_cast<long>(OffsetOf(i));
    c.record[i].assign(begin, begin + static_cast<long>(KeyFile::kRecordSize));
    c.intact[i] = Intact(c.record[i]);
  }
  if (!c.intact[0] && !c.intact[1]) {
    const uint16_t version = GetU16(file.data() + 8);
    if (std::memcmp(file.data(), kMagic, sizeof kMagic) == 0 && version != KeyFile::kVersion) {
      return Status::Corrupt("the key file " + path + " has unsupported version " +
                             std::to_string(version));
    }
    return Damaged(path);
  }
  c.in_force = c.intact[1] ? 1 : 0;
  if (!PlausibleParams(ParamsOf(c.record[c.in_force]))) {
    return Status::Corrupt("the key file " + path + " has a damaged header");
  }
  return c;
}

// Fills `slot` with a fresh nonce and secretbox(db_key) under `wrap_key`.
void SealSlot(uint8_t* slot, const Secret& wrap_key, const Secret& db_key, Random& random) {
  random.Fill(std::span<uint8_t>(slot, KeyFile::kNonceSize));
  crypto_secretbox_easy(slot + KeyFile::kNonceSize, db_key.data(), db_key.size(), slot,
                        wrap_key.data());
}

struct Opened {
  Secret key;
  int slot = -1;
};

// Tries every slot of `record` under `wrap_key`, with no early exit (see the
// header); the lowest that opens wins.
Opened OpenSlots(const Bytes& record, const Secret& wrap_key) {
  Opened result;
  for (int i = 0; i < KeyFile::kSlots; ++i) {
    const ByteView slot = SlotOf(record, i);
    Secret candidate(KeyFile::kDbKeySize);
    const int rc = crypto_secretbox_open_easy(candidate.data(), slot.data() + KeyFile::kNonceSize,
                                              KeyFile::kMacSize + KeyFile::kDbKeySize, slot.data(),
                                              wrap_key.data());
    if (rc == 0 && result.slot < 0) {
      result.key = std::move(candidate);
      result.slot = i;
    }
  }
  return result;
}

Status CheckSlotArgs(int slot, const Secret& passphrase, const Secret& db_key) {
  if (slot < 0 || slot >= KeyFile::kSlots) return Status::InvalidArgument("no such key slot");
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase must not be empty");
  if (db_key.size() != KeyFile::kDbKeySize) {
    return Status::InvalidArgument("the database key must be 32 bytes");
  }
  return Status::Ok();
}

// Opens the existing key file for writing in place.
Result<std::unique_ptr<WritableFile>> OpenInPlace(const std::string& path, Env& env) {
  uint64_t size = 0;
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env.OpenForOverwrite(path, &size));
  if (file == nullptr || size != KeyFile::kFileSize) return Damaged(path);
  return file;
}

Status WriteCopy(WritableFile& file, int copy, const Bytes& record) {
  WAYPOST_RETURN_IF_ERROR(file.WriteAt(OffsetOf(copy), record));
  return file.Sync();
}

Status CloseAfter(WritableFile& file, Status status) {
  Status closed = file.Close();
  return status.ok() ? closed : status;
}

// Puts `next` in the second copy and, unless `stage_only`, then in the first
// (the order of the header). A torn first copy is repaired first, so that
// the second is never rewritten while it is the only intact one.
// A failed write (a transient error, not a crash) is undone: the first copy,
// which still holds the old record, is copied back over the second, so the
// file is left settled and as it was.
Status Rewrite(const std::string& path, const Copies& c, Bytes next, bool stage_only, Env& env) {
  SealRecord(next);
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, OpenInPlace(path, env));
  const Bytes& old = c.record[c.in_force];
  Status status = Status::Ok();
  if (!c.intact[0]) status = WriteCopy(*file, 0, old);
  bool wrote_second = false;
  if (status.ok()) {
    status = WriteCopy(*file, 1, next);
    wrote_second = true;  // perhaps in part, even if it failed
  }
  if (status.ok() && !stage_only) status = WriteCopy(*file, 0, next);
  if (!status.ok() && wrote_second) {
    // Only if the first copy is whole and old: the undo must never make
    // the second copy worse than the first.
    Status undo = WriteCopy(*file, 0, old);
    if (undo.ok()) (void)WriteCopy(*file, 1, old);
  }
  return CloseAfter(*file, std::move(status));
}

// Reads the file for a write, refusing one whose copies differ: which of
// them is right is only known once a key has opened a database (home.h).
Result<Copies> ReadForWrite(const std::string& path, Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(Copies c, ReadCopies(path, env));
  if (c.Differ()) {
    return Status::Corrupt("the key file " + path +
                           " holds a change that a crash interrupted; open the store once with "
                           "the passphrase that was being changed, then try again");
  }
  return c;
}

Status WriteSlot(const std::string& path, int slot, const Secret& passphrase, const Secret& db_key,
                 Random& random, bool stage_only, Env& env) {
  WAYPOST_RETURN_IF_ERROR(CheckSlotArgs(slot, passphrase, db_key));
  WAYPOST_ASSIGN_OR_RETURN(Copies c, ReadForWrite(path, env));
  Bytes next = c.record[c.in_force];
  WAYPOST_ASSIGN_OR_RETURN(Secret wrap_key,
                           DeriveWrapKey(passphrase, SaltOf(next), ParamsOf(next)));
  SealSlot(SlotAt(next, slot), wrap_key, db_key, random);
  return Rewrite(path, c, std::move(next), stage_only, env);
}

}  // namespace

Status KeyFile::Create(const std::string& path, const Secret& passphrase, KdfProfile profile,
                       const Secret& db_key, Random& random, Env& env) {
  WAYPOST_RETURN_IF_ERROR(CheckSlotArgs(0, passphrase, db_key));
  // Fail before the expensive derivation; WriteFileAtomically re-checks.
  if (env.FileExists(path)) return Status::AlreadyExists(path + " already exists");
  WAYPOST_ASSIGN_OR_RETURN(Bytes image, NewImage(passphrase, profile, db_key, random, 0));
  return Install(path, image, env);
}

Result<Bytes> KeyFile::NewImage(const Secret& passphrase, KdfProfile profile, const Secret& db_key,
                                Random& random, int slot) {
  WAYPOST_RETURN_IF_ERROR(CheckSlotArgs(slot, passphrase, db_key));
  const KdfParams params = ParamsFor(profile);
  Bytes record(kRecordSize);
  // The salt and every slot start out random; the checksum is computed.
  random.Fill(std::span<uint8_t>(record.data(), kChecksumOffset));
  std::memcpy(record.data(), kMagic, sizeof kMagic);
  Bytes fields;
  PutU16(fields, kVersion);
  PutU16(fields, kSlots);
  PutU64(fields, params.opslimit);
  PutU64(fields, params.memlimit);
  std::memcpy(record.data() + 8, fields.data(), 4);
  std::memcpy(record.data() + kOpsOffset, fields.data() + 4, 16);

  WAYPOST_ASSIGN_OR_RETURN(Secret wrap_key, DeriveWrapKey(passphrase, SaltOf(record), params));
  SealSlot(SlotAt(record, slot), wrap_key, db_key, random);
  SealRecord(record);
  Bytes image(kFileSize, 0);
  for (int copy = 0; copy < 2; ++copy) {
    std::memcpy(image.data() + OffsetOf(copy), record.data(), record.size());
  }
  return image;
}

Status KeyFile::Install(const std::string& path, ByteView image, Env& env) {
  if (image.size() != kFileSize) return Status::InvalidArgument("a key file is 8192 bytes");
  return internal::WriteFileAtomically(env, path, image);
}

Result<KdfParams> KeyFile::ReadParams(const std::string& path, Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(Copies c, ReadCopies(path, env));
  return ParamsOf(c.record[c.in_force]);
}

Result<std::vector<KeyFile::Unlocked>> KeyFile::UnlockAll(const std::string& path,
                                                          const Secret& passphrase, Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(Copies c, ReadCopies(path, env));
  const int f = c.in_force;
  const int o = 1 - f;
  const Bytes& in_force = c.record[f];
  WAYPOST_ASSIGN_OR_RETURN(Secret wrap_key,
                           DeriveWrapKey(passphrase, SaltOf(in_force), ParamsOf(in_force)));
  Opened first = OpenSlots(in_force, wrap_key);

  std::vector<Unlocked> out;
  if (!c.Differ()) {
    if (first.slot >= 0) out.push_back({std::move(first.key), first.slot, f, !c.intact[o]});
  } else {
    const Bytes& other = c.record[o];
    const bool same_header = std::memcmp(in_force.data(), other.data(), kHeaderSize) == 0;
    Opened second;
    if (same_header) {
      second = OpenSlots(other, wrap_key);
    } else if (PlausibleParams(ParamsOf(other))) {
      WAYPOST_ASSIGN_OR_RETURN(Secret other_key,
                               DeriveWrapKey(passphrase, SaltOf(other), ParamsOf(other)));
      second = OpenSlots(other, other_key);
    }
    // The copies differ only elsewhere: this passphrase's slot is settled.
    const bool same = same_header && first.slot >= 0 && second.slot == first.slot &&
                      std::memcmp(SlotOf(in_force, first.slot).data(),
                                  SlotOf(other, first.slot).data(), kSlotSize) == 0;
    if (first.slot >= 0) out.push_back({std::move(first.key), first.slot, f, !same});
    if (second.slot >= 0 && !same) out.push_back({std::move(second.key), second.slot, o, true});
  }
  if (out.empty()) return Status::WrongPassphrase();
  return out;
}

Result<KeyFile::Unlocked> KeyFile::Unlock(const std::string& path, const Secret& passphrase,
                                          Env& env) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Unlocked> all, UnlockAll(path, passphrase, env));
  return std::move(all.front());
}

Status KeyFile::SetSlot(const std::string& path, int slot, const Secret& passphrase,
                        const Secret& db_key, Random& random, Env& env) {
  return WriteSlot(path, slot, passphrase, db_key, random, /*stage_only=*/false, env);
}

Status KeyFile::StageSlot(const std::string& path, int slot, const Secret& passphrase,
                          const Secret& db_key, Random& random, Env& env) {
  return WriteSlot(path, slot, passphrase, db_key, random, /*stage_only=*/true, env);
}

Status KeyFile::Settle(const std::string& path, int copy, Env& env) {
  if (copy != 0 && copy != 1) return Status::InvalidArgument("a key file has copies 0 and 1");
  WAYPOST_ASSIGN_OR_RETURN(Copies c, ReadCopies(path, env));
  if (!c.intact[copy]) return Damaged(path);
  if (c.Settled()) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, OpenInPlace(path, env));
  return CloseAfter(*file, WriteCopy(*file, 1 - copy, c.record[copy]));
}

Status KeyFile::ClearSlot(const std::string& path, int slot, Random& random, Env& env) {
  if (slot < 0 || slot >= kSlots) return Status::InvalidArgument("no such key slot");
  WAYPOST_ASSIGN_OR_RETURN(Copies c, ReadForWrite(path, env));
  Bytes next = c.record[c.in_force];
  random.Fill(std::span<uint8_t>(SlotAt(next, slot), kSlotSize));
  return Rewrite(path, c, std::move(next), /*stage_only=*/false, env);
}

}  // namespace waypost::store
