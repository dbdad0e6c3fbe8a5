// Negentropy V1 wire pieces: records, bounds, varints and fingerprints.
//
// The byte format is specified in docs/reconciliation.md ("Wire format").
// Everything here is pure: no I/O, no allocation beyond the output buffers.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>

#include "core/bytes.h"
#include "core/status.h"

namespace waypost::sync {

// ---- Negentropy V1 specification constants ----
inline constexpr uint8_t kNegProtocolV1 = 0x61;
// Bytes 0x60..0x6f announce some Negentropy version; anything else is not ours.
inline constexpr uint8_t kNegVersionFirst = 0x60;
inline constexpr uint8_t kNegVersionLast = 0x6f;
inline constexpr size_t kNegIdSize = 32;
inline constexpr size_t kNegFingerprintSize = 16;
// Timestamp 2^64-1 is reserved for "infinity"; no record may carry it.
inline constexpr uint64_t kNegInfinity = std::numeric_limits<uint64_t>::max();
// Range modes.
inline constexpr uint64_t kNegModeSkip = 0;
inline constexpr uint64_t kNegModeFingerprint = 1;
inline constexpr uint64_t kNegModeIdList = 2;
// splitRange: fewer than 2 x kNegBuckets records go out as one IdList.
inline constexpr size_t kNegBuckets = 16;
// A frame-size limit, when set, must be at least this; a writer keeps each
// message at most (limit - kNegFrameSlack) bytes before its closing range.
// The reference implementations insist on 4096; Waypost allows 2048 so that
// replies fit links that carry little (docs/reconciliation.md). A smaller
// limit changes how a reply is cut, never what a message means.
inline constexpr size_t kNegMinFrameSizeLimit = 2048;
inline constexpr size_t kNegFrameSlack = 200;
// A varint never needs more bytes than this for a 64-bit value.
inline constexpr size_t kNegMaxVarintSize = 10;

using NegId = std::array<uint8_t, kNegIdSize>;
using NegFingerprint = std::array<uint8_t, kNegFingerprintSize>;

// One record: ordered by timestamp, then by id bytes from the first.
struct NegItem {
  uint64_t timestamp = 0;
  NegId id{};

  auto operator<=>(const NegItem&) const = default;
};

// A record from a stored (timestamp, id) pair, or nullopt when the id is not
// kNegIdSize bytes or the timestamp is negative: rows a store never writes,
// skipped rather than trusted.
inline std::optional<NegItem> NegItemFrom(int64_t timestamp, ByteView id) {
  NegItem item;
  if (timestamp < 0 || id.size() != item.id.size()) return std::nullopt;
  item.timestamp = static_cast<uint64_t>(timestamp);
  std::copy(id.begin(), id.end(), item.id.begin());
  return item;
}

// A record on the wire outside Negentropy (a page bound of a sync session,
// docs/protocol.md §2.4): the timestamp as 8 bytes big-endian, then the id.
inline constexpr size_t kNegItemWireSize = 8 + kNegIdSize;
inline Bytes EncodeNegItem(const NegItem& item) {
  Bytes out;
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(uint8_t(item.timestamp >> shift));
  out.insert(out.end(), item.id.begin(), item.id.end());
  return out;
}
// nullopt unless `bytes` is exactly kNegItemWireSize long.
inline std::optional<NegItem> DecodeNegItem(ByteView bytes) {
  if (bytes.size() != kNegItemWireSize) return std::nullopt;
  NegItem item;
  for (size_t i = 0; i < 8; ++i) item.timestamp = (item.timestamp << 8) | bytes[i];
  std::copy(bytes.begin() + 8, bytes.end(), item.id.begin());
  return item;
}

// The exclusive upper end of a range. `id` holds the first `prefix_size`
// bytes of a record id; the rest are zero, which is how a bound compares.
struct NegBound {
  uint64_t timestamp = 0;
  NegId id{};
  uint8_t prefix_size = 0;  // 0..32

  static NegBound Infinity() { return NegBound{kNegInfinity, {}, 0}; }
  // A bound that sits exactly at `item`, carrying its full id.
  static NegBound At(const NegItem& item) { return NegBound{item.timestamp, item.id, kNegIdSize}; }
  // The shortest bound b with prev < b <= next. Requires prev < next.
  static NegBound Between(const NegItem& prev, const NegItem& next);
};

// True when `item` lies strictly below `bound`.
bool IsBelow(const NegItem& item, const NegBound& bound);

// ---- Varint: base 128, most significant group first ----

void AppendVarint(Bytes& out, uint64_t value);

// Reads untrusted bytes front to back. Every read either succeeds or returns
// Protocol and leaves the position where it was; it never reads past the end.
class NegReader {
 public:
  explicit NegReader(ByteView bytes) : bytes_(bytes) {}

  bool empty() const { return pos_ == bytes_.size(); }
  size_t remaining() const { return bytes_.size() - pos_; }

  Result<uint8_t> Byte();
  // Protocol when the varint is cut short or does not fit in 64 bits.
  Result<uint64_t> Varint();
  // The next `n` bytes, viewing the reader's buffer.
  Result<ByteView> Take(size_t n);

 private:
  ByteView bytes_;
  size_t pos_ = 0;
};

// Bound coding. Timestamps are delta-coded within one message, so each
// direction keeps its own state, reset at the start of every message.
class NegBoundWriter {
 public:
  // Appends `bound` to `out` and advances the delta state.
  void Append(Bytes& out, const NegBound& bound);

 private:
  uint64_t last_timestamp_ = 0;
};

class NegBoundReader {
 public:
  // Protocol on a truncated bound or a prefix longer than 32 bytes. A delta
  // that overflows saturates to infinity, and infinity sticks.
  Result<NegBound> Read(NegReader& reader);

 private:
  uint64_t last_timestamp_ = 0;
};

// ---- Fingerprint ----
// SHA-256(sum of ids as little-endian 256-bit integers mod 2^256 ||
// varint(count)), truncated to 16 bytes.
class NegFingerprintBuilder {
 public:
  void Add(const NegId& id);
  NegFingerprint Finish() const;

 private:
  std::array<uint8_t, kNegIdSize> sum_{};
  uint64_t count_ = 0;
};

NegFingerprint ComputeFingerprint(std::span<const NegItem> items);

}  // namespace waypost::sync
