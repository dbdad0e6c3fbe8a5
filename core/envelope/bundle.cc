#include "core/envelope/bundle.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#include "core/envelope/format.h"

namespace waypost::envelope {
namespace {

// Layout, as the top of bundle.h gives it.
constexpr size_t kCountOffset = 12;        // in the header
constexpr size_t kHeaderCheckOffset = 16;  // the header check covers bytes 0..15
constexpr size_t kHeaderCheckSize = 16;
constexpr size_t kMarkerSize = 4;
constexpr size_t kRecordOverhead = kMarkerSize + 1 + kBundleRecordCheckSize;
constexpr size_t kEndCheckSize = 8;
constexpr size_t kEndSize = kMarkerSize + 1 + 4 + kEndCheckSize;
constexpr size_t kMaxRecordSize = kRecordOverhead + kMaxEnvelopeSize;
static_assert(kHeaderCheckOffset + kHeaderCheckSize == kBundleHeaderSize);
static_assert(kMaxRecordSize >= kBundleHeaderSize && kMaxRecordSize >= kEndSize,
              "the reader decides anything from one largest record of bytes");

// BLAKE2b with an `out.size()`-byte digest. libsodium takes 1..64 bytes here,
// below its recommended 16 too, and fails only on a length outside that.
void Blake2b(ByteView in, std::span<uint8_t> out) {
  if (crypto_generichash(out.data(), out.size(), in.data(), in.size(), nullptr, 0) != 0) {
    std::abort();  // a digest length outside 1..64: a bug here
  }
}

std::optional<uint8_t> BucketIndex(size_t envelope_size) {
  const auto it = std::find(kBucketSizes.begin(), kBucketSizes.end(), envelope_size);
  if (it == kBucketSizes.end()) return std::nullopt;
  return static_cast<uint8_t>(it - kBucketSizes.begin());
}

// Whether `bytes` could still begin with `prefix` once more bytes arrive.
bool MayStartWith(ByteView bytes, std::string_view prefix) {
  const size_t n = std::min(bytes.size(), prefix.size());
  return std::memcmp(bytes.data(), prefix.data(), n) == 0;
}

void AppendHeader(Bytes& out, uint32_t count) {
  const size_t start = out.size();
  Append(out, AsBytes(kBundleMagic));
  const uint8_t version_and_zeros[4] = {kBundleVersion, 0, 0, 0};
  Append(out, ByteView(version_and_zeros, sizeof version_and_zeros));
  PutU32(out, count);
  uint8_t check[kHeaderCheckSize];
  Blake2b(ByteView(out).subspan(start, kHeaderCheckOffset), check);
  Append(out, check);
}

void AppendRecord(Bytes& out, ByteView envelope, uint8_t index) {
  Append(out, AsBytes(kBundleRecordMarker));
  out.push_back(index);
  Append(out, envelope);
  const ContentId id = ComputeContentId(envelope);
  Append(out, ByteView(id).first(kBundleRecordCheckSize));
}

void AppendEnd(Bytes& out, uint32_t count) {
  Append(out, AsBytes(kBundleRecordMarker));
  const size_t start = out.size();
  out.push_back(kBundleEndIndex);
  PutU32(out, count);
  uint8_t check[kEndCheckSize];
  Blake2b(ByteView(out).subspan(start), check);
  Append(out, check);
}

}  // namespace

size_t PaddedBundleSize(size_t length) {
  if (length <= kBundleMinSize) return kBundleMinSize;
  // Keep the top floor(log2(e)) + 1 bits of the length, e = floor(log2 L).
  const auto e = static_cast<size_t>(std::bit_width(length)) - 1;
  const auto s = static_cast<size_t>(std::bit_width(e));
  const size_t mask = (size_t{1} << (e - s)) - 1;
  if (length > SIZE_MAX - mask) return SIZE_MAX;  // no larger size to round to
  return (length + mask) & ~mask;
}

Result<Bytes> WriteBundle(const std::vector<Bytes>& envelopes, Random& random) {
  if (envelopes.size() > kMaxBundleEnvelopes) {
    return Status::InvalidArgument("a bundle holds at most 100000 envelopes");
  }
  size_t length = kBundleHeaderSize + kEndSize;
  for (size_t i = 0; i < envelopes.size(); ++i) {
    const Status valid = ParseHeader(envelopes[i]).status();
    if (!valid.ok()) {
      return Status::InvalidArgument("item " + std::to_string(i) + " is not an envelope (" +
                                     valid.message() + ")");
    }
    length += kRecordOverhead + envelopes[i].size();
  }
  const auto count = static_cast<uint32_t>(envelopes.size());
  Bytes out;
  out.reserve(PaddedBundleSize(length));
  AppendHeader(out, count);
  for (const Bytes& e : envelopes) AppendRecord(out, e, *BucketIndex(e.size()));
  AppendEnd(out, count);
  Bytes padding(PaddedBundleSize(out.size()) - out.size());
  random.Fill(padding);
  Append(out, padding);
  return out;
}

// ---------------------------------------------------------------- reading

namespace {

// What the unread bytes start with.
struct Match {
  enum class Kind { kNeedMore, kNone, kHeader, kRecord, kEnd };
  Kind kind = Kind::kNone;
  size_t size = 0;      // bytes it takes
  uint32_t count = 0;   // kHeader, kEnd
  ByteView envelope{};  // kRecord
};
using Kind = Match::Kind;

constexpr Match kNoMatch{Kind::kNone, 0, 0, {}};
constexpr Match kNeedMore{Kind::kNeedMore, 0, 0, {}};

// The reserved zero bytes are covered by the check and otherwise ignored.
Match MatchHeader(ByteView h) {
  uint8_t check[kHeaderCheckSize];
  Blake2b(h.first(kHeaderCheckOffset), check);
  const uint32_t count = GetU32(h.data() + kCountOffset);
  if (h[kBundleMagic.size()] != kBundleVersion || count > kMaxBundleEnvelopes ||
      std::memcmp(check, h.data() + kHeaderCheckOffset, sizeof check) != 0) {
    return kNoMatch;
  }
  return Match{Kind::kHeader, kBundleHeaderSize, count, {}};
}

Match MatchEnd(ByteView r) {
  uint8_t check[kEndCheckSize];
  Blake2b(r.subspan(kMarkerSize, 1 + 4), check);
  const uint32_t count = GetU32(r.data() + kMarkerSize + 1);
  if (count > kMaxBundleEnvelopes ||
      std::memcmp(check, r.data() + kEndSize - kEndCheckSize, sizeof check) != 0) {
    return kNoMatch;
  }
  return Match{Kind::kEnd, kEndSize, count, {}};
}

// A record whose check matches but whose envelope ParseHeader refuses is
// damaged all the same: a reader keeps only what it could pass on.
// `budget` bytes may still be hashed (BundleReader::HashBudget); `*hashed`
// grows by what was.
Match MatchRecord(ByteView r, size_t envelope_size, size_t budget, uint64_t* hashed) {
  const ByteView envelope = r.subspan(kMarkerSize + 1, envelope_size);
  // Refused either way; looking first spares a hash on most garbage.
  if (envelope[0] != kVersion || envelope_size > budget) return kNoMatch;
  *hashed += envelope_size;
  const ContentId id = ComputeContentId(envelope);
  if (std::memcmp(id.data(), envelope.data() + envelope.size(), kBundleRecordCheckSize) != 0 ||
      !ParseHeader(envelope).ok()) {
    return kNoMatch;
  }
  return Match{Kind::kRecord, kRecordOverhead + envelope_size, 0, envelope};
}

// `bytes` starts with 'w'. Waits (kNeedMore) only while more bytes could
// still make a match, and decides from the same bytes however they came, so
// every chunking decides alike.
Match MatchAt(ByteView bytes, bool final, size_t budget, uint64_t* hashed) {
  if (MayStartWith(bytes, kBundleMagic)) {
    if (bytes.size() >= kBundleHeaderSize) {
      const Match header = MatchHeader(bytes);
      if (header.kind == Kind::kHeader) return header;
    } else if (!final) {
      return kNeedMore;
    }
  }
  if (!MayStartWith(bytes, kBundleRecordMarker)) return kNoMatch;
  if (bytes.size() <= kMarkerSize) return final ? kNoMatch : kNeedMore;
  const uint8_t index = bytes[kMarkerSize];
  const size_t need = index == kBundleEndIndex      ? kEndSize
                      : index < kBucketSizes.size() ? kRecordOverhead + kBucketSizes[index]
                                                    : 0;
  if (need == 0) return kNoMatch;
  if (bytes.size() < need) return final ? kNoMatch : kNeedMore;
  return index == kBundleEndIndex ? MatchEnd(bytes)
                                  : MatchRecord(bytes, kBucketSizes[index], budget, hashed);
}

}  // namespace

void BundleReader::Feed(ByteView bytes) {
  while (!bytes.empty() && !finished_ && !summary_.end_seen) {
    // Drop read bytes once they dominate, so a long file stays O(n).
    if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
      pos_ = 0;
    }
    // Scan() leaves fewer unread bytes than one largest record, so n >= 1.
    const size_t n = std::min(bytes.size(), kMaxRecordSize - unread());
    Append(buffer_, bytes.first(n));
    bytes = bytes.subspan(n);
    Scan(false);
  }
}

void BundleReader::Finish() {
  if (finished_) return;
  finished_ = true;
  Scan(true);
  buffer_ = Bytes();
  pos_ = 0;
}

void BundleReader::Scan(bool final) {
  static_assert(kBundleMagic[0] == 'w' && kBundleRecordMarker[0] == 'w');
  while (!summary_.end_seen && unread() > 0) {
    // Everything worth a look starts with 'w': skip to the next one at once.
    const ByteView rest = ByteView(buffer_).subspan(pos_);
    const void* w = std::memchr(rest.data(), 'w', rest.size());
    const size_t before = w == nullptr
                              ? rest.size()
                              : static_cast<size_t>(static_cast<const uint8_t*>(w) - rest.data());
    if (before > 0) {
      Skip(before);
      continue;
    }
    const Match match = MatchAt(rest, final, HashBudget(), &summary_.hashed_bytes);
    switch (match.kind) {
      case Kind::kNeedMore:
        return;
      case Kind::kNone:
        Skip(1);
        continue;
      case Kind::kHeader:
        TakeHeader(match.count);
        break;
      case Kind::kRecord:
        TakeRecord(match.envelope);
        break;
      case Kind::kEnd:
        TakeEnd(match.count);
        break;
    }
    pos_ += match.size;
    offset_ += match.size;
  }
}

size_t BundleReader::HashBudget() const {
  const uint64_t allowed = 2 * offset_ + kHashAllowance;
  const uint64_t hashed = summary_.hashed_bytes;
  return allowed > hashed ? size_t(std::min<uint64_t>(allowed - hashed, SIZE_MAX)) : 0;
}

void BundleReader::Skip(size_t n) {
  pos_ += n;
  offset_ += n;
  run_ += n;
  summary_.skipped_bytes += n;
}

void BundleReader::TakeHeader(uint32_t count) {
  // A later header (a second bundle after a lost end) leaves the first count.
  if (!summary_.header_ok) summary_.declared = count;
  summary_.header_ok = true;
  run_ = 0;  // what came before was not part of this bundle
}

void BundleReader::TakeRecord(ByteView envelope) {
  // See Bad(): which runs of skipped bytes count as damaged stretches.
  if (run_ > 0 && (record_seen_ || run_ > kBundleHeaderSize)) ++stretches_;
  run_ = 0;
  record_seen_ = true;
  if (summary_.intact < kMaxBundleEnvelopes) {
    envelopes_.emplace_back(envelope.begin(), envelope.end());
    ++summary_.intact;
  } else {
    ++over_limit_;
  }
}

void BundleReader::TakeEnd(uint32_t count) {
  if (!summary_.declared) summary_.declared = count;
  summary_.end_seen = true;
}

std::vector<Bytes> BundleReader::TakeEnvelopes() { return std::exchange(envelopes_, {}); }

size_t BundleReader::Bad() const {
  if (!summary_.declared) return stretches_ + over_limit_;
  const size_t declared = *summary_.declared;
  return (declared > summary_.intact ? declared - summary_.intact : 0) + over_limit_;
}

bool BundleReader::LooksLikeBundle() const {
  return summary_.header_ok || summary_.end_seen || summary_.intact > 0;
}

}  // namespace waypost::envelope
