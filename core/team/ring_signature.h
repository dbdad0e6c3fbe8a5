// Ring signatures for relay admission (docs/protocol.md §11.2).
//
// A member proves to a relay that it holds the secret of *one* of the
// public keys in the team's ring, without showing which. The scheme is the
// Abe-Ohkubo-Suzuki 1-out-of-n Schnorr ring signature over the ristretto255
// group (libsodium's crypto_core_ristretto255_* and
// crypto_scalarmult_ristretto255*):
//
//   keys     x: a scalar mod L;  P = x·G (32-byte ristretto255 encoding)
//   H(R)     := scalar_reduce(BLAKE2b-512("waypost ring v1" || u32be n ||
//               P_0 .. P_{n-1} || u32be |m| || m || R))
//   sign     signer π: α random; c_{π+1} = H(α·G); for each other i, in ring
//            order from π+1: s_i random, c_{i+1} = H(s_i·G + c_i·P_i);
//            s_π = α − c_π·x
//   sig      := c_0 || s_0 || .. || s_{n-1}     (32·(n+1) bytes)
//   verify   for i in 0..n-1: c_{i+1} = H(s_i·G + c_i·P_i); accept iff
//            c_n == c_0 (constant time)
//
// Every scalar in a signature is fresh random or masked by a fresh random
// α, so two signatures by one member share no value: the relay learns only
// "someone in this ring", never who, and cannot link two of one member's
// admissions (tests/core/team/ring_signature_test.cc tries).
//
// Hostile input: a ring with a point that is not a valid ristretto255
// encoding, duplicate points, or more than kMaxRing members is
// InvalidArgument; a signature of the wrong length, with a non-canonical
// scalar, or that does not verify is the one opaque AuthFailed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::team {

inline constexpr size_t kRingPointSize = 32;
inline constexpr size_t kRingScalarSize = 32;
// A team's members, coordinators included. The roster travels whole in a
// welcome envelope (at most 16 KiB), and a relay spends two scalar
// multiplications and a point addition per member on every admission
// before it knows the proof is genuine: about 0.14 ms each with libsodium
// 1.0.18 on a server core, some 40 ms for a full ring (docs/protocol.md
// §11.2).
inline constexpr size_t kMaxRing = 256;

using RingPoint = std::array<uint8_t, kRingPointSize>;

inline constexpr size_t RingSignatureSize(size_t ring_size) {
  return kRingScalarSize * (ring_size + 1);
}

// True if `key` is 32 bytes encoding a ristretto255 point other than the
// identity: something a member's admission key can be.
bool IsRingMemberKey(ByteView key);

// A member's admission key. Move-only: the scalar lives in guarded memory.
struct RingKeyPair {
  RingPoint public_key{};
  Secret secret;  // kRingScalarSize bytes, a canonical nonzero scalar

  // A fresh key from `random` (64 random bytes reduced mod L).
  static RingKeyPair Generate(Random& random);
  // InvalidArgument unless `secret` is a 32-byte canonical nonzero scalar.
  [[nodiscard]] static Result<RingKeyPair> FromSecret(ByteView secret);

  RingKeyPair Clone() const { return RingKeyPair{public_key, secret.Clone()}; }
};

// Signs `message` as one of `ring`. InvalidArgument if the ring is empty,
// over kMaxRing, holds an invalid or duplicate point, or does not hold
// `key.public_key`.
[[nodiscard]] Result<Bytes> RingSign(const std::vector<RingPoint>& ring, const RingKeyPair& key,
                                     ByteView message, Random& random);

// Ok if `signature` was made over `message` by the holder of a secret for
// one of `ring`'s points; AuthFailed otherwise (see the file comment for
// InvalidArgument).
[[nodiscard]] Status RingVerify(const std::vector<RingPoint>& ring, ByteView message,
                                ByteView signature);

}  // namespace waypost::team
