// An X25519 key pair for Noise static and ephemeral keys.
#pragma once

#include "core/bytes.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::noise {

// Move-only because the private half is a Secret. Use Clone() when a second
// owner (e.g. a second handshake with the same identity) genuinely needs it.
struct KeyPair {
  Bytes public_key;    // kDhLen bytes
  Secret private_key;  // kDhLen bytes, guarded memory

  // A fresh key pair from `random` (GENERATE_KEYPAIR, §4.1).
  static KeyPair Generate(Random& random);
  // Derives the public key. InvalidArgument unless `private_key` is 32 bytes.
  [[nodiscard]] static Result<KeyPair> FromPrivate(ByteView private_key);

  KeyPair Clone() const { return KeyPair{public_key, private_key.Clone()}; }
};

}  // namespace waypost::noise
