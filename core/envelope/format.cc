#include "core/envelope/format.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace waypost::envelope {

Result<Header> ParseHeader(ByteView envelope) {
  if (std::find(kBucketSizes.begin(), kBucketSizes.end(), envelope.size()) == kBucketSizes.end()) {
    return Status::Corrupt("envelope has an invalid size");
  }
  if (envelope[0] != kVersion) return Status::Corrupt("unknown envelope version");
  Header h;
  std::memcpy(h.tag.data(), envelope.data() + 1, kTagSize);
  std::memcpy(h.hint.data(), envelope.data() + 1 + kTagSize, kHintSize);
  h.expires_at = GetU32(envelope.data() + 1 + kTagSize + kHintSize);
  return h;
}

ContentId ComputeContentId(ByteView envelope) {
  ContentId id;
  crypto_generichash(id.data(), id.size(), envelope.data(), envelope.size(), nullptr, 0);
  return id;
}

std::optional<size_t> BucketFor(size_t body_size, size_t noise_overhead) {
  // +1 for the 0x80 padding marker (ISO/IEC 7816-4 style).
  const size_t needed = kHeaderSize + noise_overhead + body_size + 1;
  for (size_t b : kBucketSizes) {
    if (needed <= b) return b;
  }
  return std::nullopt;
}

}  // namespace waypost::envelope
