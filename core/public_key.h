// PublicKey: a static X25519 public key as a type of its own, so a key can
// never be passed where a tag, a content id or a secret was meant.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace waypost {

class PublicKey {
 public:
  static constexpr size_t kSize = 32;

  PublicKey() = default;  // all zero: no one's key
  // InvalidArgument unless `bytes` is exactly kSize long.
  static Result<PublicKey> From(ByteView bytes);

  ByteView view() const { return ByteView(bytes_); }
  // Constant time, like every comparison of key material.
  bool operator==(const PublicKey& other) const { return ConstantTimeEqual(view(), other.view()); }

 private:
  std::array<uint8_t, kSize> bytes_{};
};

}  // namespace waypost
