// Bundles (docs/protocol.md §8): a file of envelopes for sneakernet, a USB
// stick or a memory card. A bundle reveals the number of its envelopes and
// each one's size bucket, and the envelopes' own headers (tag, hint, rounded
// expiry); nothing else. The file is padded to a size of its own (Padmé), so
// its length alone says even less.
//
//   header   "wpbundle" (8) || version 0x01 (1) || zero (3) || count u32 BE (4)
//            || check (16) = BLAKE2b-128 of the 16 bytes before it
//   record   marker "wpE1" (4) || bucket index (1) || envelope (that bucket's
//            size) || check (8) = the first 8 bytes of the envelope's content
//            id (BLAKE2b-256 of the envelope)
//   ...      `count` records
//   end      marker "wpE1" (4) || 0xFF (1) || count u32 BE (4) || check (8) =
//            BLAKE2b-64 of the 5 bytes before it (0xFF || count)
//   padding  random bytes up to PaddedBundleSize(length so far)
//
// Reading never trusts a length it has not checked: a record counts only if
// its check matches, and after anything that does not, the reader looks for
// the next marker, byte by byte. So a cut or altered file still yields every
// record that is intact, and random padding (or random garbage) costs one
// 4-byte compare per byte.
//
// BLAKE2b-n is BLAKE2b with an n-bit digest (its own parameter, not a cut of
// a longer one). A header or end that declares more than kMaxBundleEnvelopes
// is not one a writer makes, so a reader does not take it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/random.h"
#include "core/status.h"

namespace waypost::envelope {

inline constexpr std::string_view kBundleMagic = "wpbundle";
inline constexpr uint8_t kBundleVersion = 0x01;
inline constexpr size_t kBundleHeaderSize = 32;
inline constexpr std::string_view kBundleRecordMarker = "wpE1";
inline constexpr size_t kBundleRecordCheckSize = 8;
inline constexpr uint8_t kBundleEndIndex = 0xFF;
inline constexpr size_t kBundleMinSize = 1024;
// The most envelopes one bundle may declare or a reader keeps, and the
// largest file `bundle import` reads (cli/): a bound on memory.
inline constexpr uint32_t kMaxBundleEnvelopes = 100'000;
inline constexpr size_t kMaxBundleBytes = size_t{256} << 20;

// Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
// Communication with PURBs", 2019): rounds `length` up so that only its top
// ~log2(log2(length)) bits are significant; at most 12% more. Never below
// kBundleMinSize.
size_t PaddedBundleSize(size_t length);

// A whole bundle of `envelopes`, in the order given (the caller shuffles, so
// that the order says nothing), padded with bytes from `random`.
// InvalidArgument if one is not an envelope (ParseHeader) or there are more
// than kMaxBundleEnvelopes.
Result<Bytes> WriteBundle(const std::vector<Bytes>& envelopes, Random& random);

// Reads a bundle fed in chunks of any size; the result does not depend on
// how it was cut. Holds at most one largest record of unread input beyond
// what it hands out. Not thread-safe.
//
// At each position the reader takes a header, a record or the end if one is
// there and its check matches; otherwise it skips one byte and looks again.
// After an intact end the rest is padding: it is neither read nor counted.
// So only the first of two bundles written back to back is read.
//
// Cost: bytes other than 'w' are passed over by memchr. Only a marker, a
// bucket index and an envelope version byte in a row make it hash, one
// envelope's worth. A file crafted full of them is the slow case: a 16 KiB
// hash per 6 bytes, some 3000 times a clean bundle's cost per byte.
class BundleReader {
 public:
  // The next bytes of the file. Ignored after Finish() or an intact end.
  void Feed(ByteView bytes);
  // The file ended: whatever is left is looked through for records too.
  void Finish();
  // The intact envelopes read so far, in file order, handed over once each.
  // At most kMaxBundleEnvelopes in all; any beyond count as damaged.
  std::vector<Bytes> TakeEnvelopes();

  struct Summary {
    bool header_ok = false;            // the header's check matched
    std::optional<uint32_t> declared;  // the count, from the header or the end
    bool end_seen = false;             // the end record's check matched
    size_t intact = 0;                 // records whose check matched, kept
    size_t skipped_bytes = 0;          // bytes in no header, record or end, before the end
    uint64_t hashed_bytes = 0;         // envelope bytes hashed to check records
  };
  const Summary& summary() const { return summary_; }
  // Records declared but not read intact; when no count survived, the
  // number of damaged stretches between intact records instead. A stretch
  // before the first record counts only if it is longer than a header (the
  // lost header alone explains a shorter one), and one after the last
  // record never does (the lost end and its padding explain it). Records
  // beyond kMaxBundleEnvelopes are added either way.
  size_t Bad() const;
  // Neither a header, an end nor a record: not a bundle at all.
  bool LooksLikeBundle() const;

 private:
  // Reads what can be decided from the unread bytes; with `final`, bytes
  // too few to hold what they start are skipped rather than waited on.
  void Scan(bool final);
  void Skip(size_t n);
  void TakeHeader(uint32_t count);
  void TakeRecord(ByteView envelope);
  void TakeEnd(uint32_t count);
  size_t unread() const { return buffer_.size() - pos_; }
  // Candidate records overlap: a crafted file ("wpE1", index 4, 0x01, over
  // and over) would make every sixth byte cost a 16 KiB hash, half an hour
  // for the largest file. So the bytes hashed may not run ahead of twice
  // the bytes read, plus kHashAllowance; a candidate past that is damaged.
  // An honest or merely damaged file hashes each byte about once and never
  // comes near it; after a crafted stretch, at most one intact record is
  // lost while the allowance recovers. Both counts depend on the file
  // alone, so the result still does not depend on the chunking.
  static constexpr uint64_t kHashAllowance = uint64_t{1} << 20;
  size_t HashBudget() const;

  Summary summary_;
  Bytes buffer_;
  size_t pos_ = 0;                // start of the unread bytes in buffer_
  uint64_t offset_ = 0;           // bytes of the file read past so far
  bool finished_ = false;         // Finish() was called
  std::vector<Bytes> envelopes_;  // read, not yet taken
  size_t over_limit_ = 0;         // intact records beyond kMaxBundleEnvelopes
  size_t run_ = 0;                // bytes skipped since the last header or record
  bool record_seen_ = false;      // an intact record (kept or not) was read
  size_t stretches_ = 0;          // damaged stretches, as Bad() counts them
};

}  // namespace waypost::envelope
