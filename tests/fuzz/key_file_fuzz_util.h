// Shared by fuzz_key_file.cc and the seed-corpus generator (make_corpus.cc):
// the input's control byte; the passphrases and database keys that the
// seeds' key files wrap, so that the target knows which keys are genuine;
// and a model of the file's layout, written from core/store/key_file.h.
//
// No gtest here: the targets build with clang and libFuzzer as well as with
// g++ and tests/fuzz/replay_main.cc.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/bytes.h"
#include "core/secret.h"
#include "core/store/kdf.h"
#include "core/store/key_file.h"

namespace waypost::fuzz::key_file {

// The seeds' passphrases. kWrong and the empty one open no slot of any seed.
inline constexpr std::string_view kNormal = "correct horse battery";
inline constexpr std::string_view kDuress = "duress passphrase";
inline constexpr std::string_view kWrong = "not the passphrase";

// What an input does to the file after unlocking it (control bits 3-5;
// 5 to 7 do nothing).
enum class Op : uint8_t { kNone = 0, kClearSlot = 1, kSettle0 = 2, kSettle1 = 3, kSetSlot = 4 };

// The control byte, the input's first:
//   bits 0-1  the passphrase: kNormal, kDuress, kWrong, empty
//   bit  2    reseal: the target recomputes both copies' checksums before
//             writing the file, so that mutations reach what lies behind them
//   bits 3-5  Op
//   bits 6-7  the slot that Op::kClearSlot or Op::kSetSlot names
inline constexpr uint8_t kReseal = 0x04;

inline uint8_t Control(int passphrase, bool reseal, Op op = Op::kNone, int slot = 0) {
  return static_cast<uint8_t>((passphrase & 3) | (reseal ? kReseal : 0) |
                              (static_cast<int>(op) << 3) | ((slot & 3) << 6));
}
inline std::string_view PassphraseOf(uint8_t control) {
  switch (control & 3) {
    case 0:
      return kNormal;
    case 1:
      return kDuress;
    case 2:
      return kWrong;
    default:
      return {};
  }
}
inline Op OpOf(uint8_t control) {
  const int op = (control >> 3) & 7;
  return op <= static_cast<int>(Op::kSetSlot) ? static_cast<Op>(op) : Op::kNone;
}
inline int SlotOf(uint8_t control) { return (control >> 6) & 3; }

// The database keys in the seeds: kNormal wraps the main key (or, after a
// rotation, the rotated one), kDuress the decoy's. What Op::kSetSlot writes
// is kNewKey. Fixed patterns, not secrets.
inline Secret PatternKey(uint8_t byte) {
  Secret key(32);
  for (size_t i = 0; i < key.size(); ++i) key.data()[i] = static_cast<uint8_t>(byte + i);
  return key;
}
inline Secret MainKey() { return PatternKey(0x10); }
inline Secret RotatedKey() { return PatternKey(0x50); }
inline Secret DecoyKey() { return PatternKey(0x90); }
inline Secret NewKey() { return PatternKey(0xd0); }

// ---------------------------------------------------------------- the layout

// Where things are in a record (core/store/key_file.h).
using KeyFile = store::KeyFile;
inline constexpr char kMagic[8] = {'W', 'A', 'Y', 'P', 'O', 'S', 'T', 'K'};
inline constexpr size_t kSaltAt = 12;
inline constexpr size_t kOpsAt = 28;
inline constexpr size_t kMemAt = 36;
inline constexpr size_t kChecksumAt = KeyFile::kRecordSize - KeyFile::kChecksumSize;

inline size_t OffsetOf(int copy) { return copy == 0 ? 0 : KeyFile::kSecondCopy; }

// What key_file.h says of a file's bytes, before any key.
struct Layout {
  bool whole = false;  // ReadCopies accepts it
  bool intact[2] = {false, false};
  int in_force = 1;
  bool differ = false;  // both intact, and not equal
  Bytes record[2];
  store::KdfParams params[2];

  ByteView Salt(int copy) const {
    return ByteView(record[copy]).subspan(kSaltAt, store::kSaltSize);
  }
  ByteView Slot(int copy, int slot) const {
    return ByteView(record[copy])
        .subspan(KeyFile::kHeaderSize + KeyFile::kSlotSize * size_t(slot), KeyFile::kSlotSize);
  }
  bool SameHeader() const {
    return std::memcmp(record[0].data(), record[1].data(), KeyFile::kHeaderSize) == 0;
  }
};

inline bool ChecksumHolds(ByteView record) {
  uint8_t sum[KeyFile::kChecksumSize];
  crypto_generichash(sum, sizeof sum, record.data(), kChecksumAt, nullptr, 0);
  return std::memcmp(sum, record.data() + kChecksumAt, sizeof sum) == 0;
}

inline Layout Model(const Bytes& file) {
  Layout m;
  if (file.size() != KeyFile::kFileSize) return m;
  for (int copy = 0; copy < 2; ++copy) {
    const auto begin = file.begin() + static_cast<long>(OffsetOf(copy));
    m.record[copy].assign(begin, begin + static_cast<long>(KeyFile::kRecordSize));
    const Bytes& r = m.record[copy];
    m.intact[copy] = ChecksumHolds(r) && std::memcmp(r.data(), kMagic, sizeof kMagic) == 0 &&
                     GetU16(r.data() + 8) == KeyFile::kVersion &&
                     GetU16(r.data() + 10) == KeyFile::kSlots;
    m.params[copy] = {GetU64(r.data() + kOpsAt), GetU64(r.data() + kMemAt)};
  }
  if (!m.intact[0] && !m.intact[1]) return m;
  m.in_force = m.intact[1] ? 1 : 0;
  m.whole = store::PlausibleParams(m.params[m.in_force]);
  m.differ = m.intact[0] && m.intact[1] && m.record[0] != m.record[1];
  return m;
}

// Recomputes both copies' checksums of a file of the right size.
inline void Reseal(Bytes& file) {
  if (file.size() != KeyFile::kFileSize) return;
  for (int copy = 0; copy < 2; ++copy) {
    uint8_t* record = file.data() + OffsetOf(copy);
    crypto_generichash(record + kChecksumAt, KeyFile::kChecksumSize, record, kChecksumAt, nullptr,
                       0);
  }
}

}  // namespace waypost::fuzz::key_file
