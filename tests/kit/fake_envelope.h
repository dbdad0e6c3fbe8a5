// Envelopes as a relay sees them, made up for tests and fuzz targets: a real
// header (version, tag, hint, expiry) and bytes nobody can read. No gtest,
// so that fuzz targets can use it too.
#pragma once

#include <cstdint>
#include <cstring>

#include "core/bytes.h"
#include "core/envelope/format.h"
#include "core/random.h"

namespace waypost::testing {

// `seed` makes each one distinct (it is also the sender hint).
inline Bytes FakeEnvelope(const envelope::RecipientTag& tag, uint32_t expires_at, uint32_t seed,
                          size_t size = envelope::kBucketSizes[0]) {
  Bytes e(size);
  SeededRandom(seed).Fill(e);
  e[0] = envelope::kVersion;
  std::memcpy(e.data() + 1, tag.data(), tag.size());
  Bytes numbers;
  PutU32(numbers, seed);
  PutU32(numbers, expires_at);
  std::memcpy(e.data() + 1 + tag.size(), numbers.data(), numbers.size());
  return e;
}

}  // namespace waypost::testing
