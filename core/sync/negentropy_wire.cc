#include "core/sync/negentropy_wire.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace waypost::sync {

NegBound NegBound::Between(const NegItem& prev, const NegItem& next) {
  if (prev.timestamp != next.timestamp) return NegBound{next.timestamp, {}, 0};
  // Same timestamp: keep next's id up to and including the first byte that
  // differs from prev's, which is enough to separate the two.
  const auto mismatch = std::mismatch(prev.id.begin(), prev.id.end(), next.id.begin());
  const size_t shared = static_cast<size_t>(mismatch.first - prev.id.begin());
  NegBound bound{next.timestamp, {}, static_cast<uint8_t>(std::min(shared + 1, kNegIdSize))};
  std::copy_n(next.id.begin(), bound.prefix_size, bound.id.begin());
  return bound;
}

bool IsBelow(const NegItem& item, const NegBound& bound) {
  if (item.timestamp != bound.timestamp) return item.timestamp < bound.timestamp;
  return std::memcmp(item.id.data(), bound.id.data(), kNegIdSize) < 0;
}

void AppendVarint(Bytes& out, uint64_t value) {
  uint8_t groups[kNegMaxVarintSize];
  size_t n = 0;
  do {
    groups[n++] = static_cast<uint8_t>(value & 0x7f);
    value >>= 7;
  } while (value != 0);
  // groups[] is least significant first; the wire wants the reverse.
  while (n > 1) out.push_back(static_cast<uint8_t>(groups[--n] | 0x80));
  out.push_back(groups[0]);
}

Result<uint8_t> NegReader::Byte() {
  if (empty()) return Status::Protocol("negentropy message ends early");
  return bytes_[pos_++];
}

Result<uint64_t> NegReader::Varint() {
  uint64_t value = 0;
  for (size_t i = pos_; i < bytes_.size(); ++i) {
    if ((value >> 57) != 0) return Status::Protocol("negentropy varint exceeds 64 bits");
    value = (value << 7) | (bytes_[i] & 0x7f);
    if ((bytes_[i] & 0x80) == 0) {
      pos_ = i + 1;
      return value;
    }
  }
  return Status::Protocol("negentropy varint is cut short");
}

Result<ByteView> NegReader::Take(size_t n) {
  if (n > remaining()) return Status::Protocol("negentropy message ends early");
  ByteView view = bytes_.subspan(pos_, n);
  pos_ += n;
  return view;
}

void NegBoundWriter::Append(Bytes& out, const NegBound& bound) {
  if (bound.timestamp == kNegInfinity) {
    last_timestamp_ = kNegInfinity;
    AppendVarint(out, 0);
  } else {
    AppendVarint(out, 1 + (bound.timestamp - last_timestamp_));
    last_timestamp_ = bound.timestamp;
  }
  AppendVarint(out, bound.prefix_size);
  out.insert(out.end(), bound.id.begin(), bound.id.begin() + bound.prefix_size);
}

Result<NegBound> NegBoundReader::Read(NegReader& reader) {
  NegBound bound;
  WAYPOST_ASSIGN_OR_RETURN(const uint64_t encoded, reader.Varint());
  const uint64_t delta = encoded - 1;
  if (encoded == 0 || last_timestamp_ == kNegInfinity || delta >= kNegInfinity - last_timestamp_) {
    bound.timestamp = kNegInfinity;
  } else {
    bound.timestamp = last_timestamp_ + delta;
  }
  last_timestamp_ = bound.timestamp;
  WAYPOST_ASSIGN_OR_RETURN(const uint64_t prefix_size, reader.Varint());
  if (prefix_size > kNegIdSize) return Status::Protocol("negentropy bound prefix exceeds 32 bytes");
  WAYPOST_ASSIGN_OR_RETURN(const ByteView prefix, reader.Take(prefix_size));
  std::copy(prefix.begin(), prefix.end(), bound.id.begin());
  bound.prefix_size = static_cast<uint8_t>(prefix_size);
  return bound;
}

void NegFingerprintBuilder::Add(const NegId& id) {
  unsigned carry = 0;
  for (size_t i = 0; i < kNegIdSize; ++i) {
    carry += static_cast<unsigned>(sum_[i]) + id[i];
    sum_[i] = static_cast<uint8_t>(carry);
    carry >>= 8;
  }
  ++count_;
}

NegFingerprint NegFingerprintBuilder::Finish() const {
  Bytes input(sum_.begin(), sum_.end());
  AppendVarint(input, count_);
  std::array<uint8_t, crypto_hash_sha256_BYTES> hash;
  crypto_hash_sha256(hash.data(), input.data(), input.size());
  NegFingerprint fingerprint;
  std::copy_n(hash.begin(), kNegFingerprintSize, fingerprint.begin());
  return fingerprint;
}

NegFingerprint ComputeFingerprint(std::span<const NegItem> items) {
  NegFingerprintBuilder builder;
  for (const NegItem& item : items) builder.Add(item.id);
  return builder.Finish();
}

}  // namespace waypost::sync
