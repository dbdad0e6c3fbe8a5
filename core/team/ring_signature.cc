// The AOS ring signature of ring_signature.h, on libsodium's ristretto255.
//
// Layout of a signature over a ring of n members (32·(n+1) bytes):
//
//   offset 0        c_0   the challenge that closes the ring at index 0
//   offset 32·(i+1) s_i   member i's response, for i in 0..n-1
//
// Every scalar is a canonical little-endian value below the group order L,
// as libsodium's crypto_core_ristretto255_scalar_* functions produce them.
#include "core/team/ring_signature.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

namespace waypost::team {
namespace {

using Scalar = std::array<uint8_t, kRingScalarSize>;

constexpr char kDomain[] = "waypost ring v1";  // hashed without its NUL
constexpr size_t kWideScalarSize = crypto_core_ristretto255_NONREDUCEDSCALARBYTES;
constexpr int kKeyDraws = 4;

// A uniform scalar: 64 random bytes reduced mod L leave a bias far below
// 2^-128, which a 32-byte draw would not.
void RandomScalar(Random& random, uint8_t* out) {
  Secret wide(kWideScalarSize);
  random.Fill(wide.span());
  crypto_core_ristretto255_scalar_reduce(out, wide.data());
}

// A scalar is canonical iff reduction leaves it unchanged. Callers hand it
// secrets too, so the scratch copies are wiped.
bool IsCanonicalScalar(const uint8_t* s) {
  uint8_t wide[kWideScalarSize] = {};
  uint8_t reduced[kRingScalarSize];
  std::memcpy(wide, s, kRingScalarSize);
  crypto_core_ristretto255_scalar_reduce(reduced, wide);
  const bool canonical = sodium_memcmp(reduced, s, kRingScalarSize) == 0;
  Wipe(wide, sizeof wide);
  Wipe(reduced, sizeof reduced);
  return canonical;
}

// The hash H of the file comment. Everything before R is the same for every
// link of the ring, so it is absorbed once and the state copied per call.
class Challenger {
 public:
  Challenger(const std::vector<RingPoint>& ring, ByteView message) {
    crypto_generichash_init(&prefix_, nullptr, 0, crypto_generichash_BYTES_MAX);
    Bytes head(kDomain, kDomain + sizeof kDomain - 1);
    PutU32(head, static_cast<uint32_t>(ring.size()));
    crypto_generichash_update(&prefix_, head.data(), head.size());
    for (const RingPoint& p : ring) crypto_generichash_update(&prefix_, p.data(), p.size());
    Bytes length;
    PutU32(length, static_cast<uint32_t>(message.size()));
    crypto_generichash_update(&prefix_, length.data(), length.size());
    crypto_generichash_update(&prefix_, message.data(), message.size());
  }

  Scalar Challenge(const RingPoint& r) const {
    crypto_generichash_state state = prefix_;
    uint8_t digest[crypto_generichash_BYTES_MAX];
    crypto_generichash_update(&state, r.data(), r.size());
    crypto_generichash_final(&state, digest, sizeof digest);
    Scalar c;
    crypto_core_ristretto255_scalar_reduce(c.data(), digest);
    return c;
  }

 private:
  crypto_generichash_state prefix_;
};

// R = s·G + c·P. False if either product is the identity, which happens only
// for a zero scalar: never in an honest signature, so verification may
// reject it and signing may call it a bug.
bool Commitment(const uint8_t* s, const Scalar& c, const RingPoint& p, RingPoint& r) {
  uint8_t sg[crypto_core_ristretto255_BYTES];
  uint8_t cp[crypto_core_ristretto255_BYTES];
  if (crypto_scalarmult_ristretto255_base(sg, s) != 0) return false;
  if (crypto_scalarmult_ristretto255(cp, c.data(), p.data()) != 0) return false;
  return crypto_core_ristretto255_add(r.data(), sg, cp) == 0;
}

// The identity is refused although libsodium 1.0.18 accepts its all-zero
// encoding as valid: it is no one's key, and its multiples all encode to zero,
// which libsodium's scalar multiplication reports as failure.
}  // namespace

bool IsRingMemberKey(ByteView key) {
  return key.size() == kRingPointSize && !sodium_is_zero(key.data(), key.size()) &&
         crypto_core_ristretto255_is_valid_point(key.data()) == 1;
}

namespace {

Status CheckInputs(const std::vector<RingPoint>& ring, ByteView message) {
  if (ring.empty()) return Status::InvalidArgument("a ring needs at least one member");
  if (ring.size() > kMaxRing)
    return Status::InvalidArgument("a ring holds at most " + std::to_string(kMaxRing) + " members");
  if (message.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("a ring-signed message is at most 4 GiB");
  }
  for (const RingPoint& p : ring) {
    if (!IsRingMemberKey(p)) {
      return Status::InvalidArgument("a ring member's key is not a ristretto255 point");
    }
  }
  std::vector<RingPoint> sorted = ring;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return Status::InvalidArgument("a ring lists a member twice");
  }
  return Status::Ok();
}

uint8_t* ResponseAt(Bytes& signature, size_t i) {
  return signature.data() + kRingScalarSize * (i + 1);
}

// s_π = α − c_π·x: the one response that needs the secret.
void CloseRing(const Secret& alpha, const Scalar& c, const Secret& x, uint8_t* s) {
  Secret cx(kRingScalarSize);
  crypto_core_ristretto255_scalar_mul(cx.data(), c.data(), x.data());
  crypto_core_ristretto255_scalar_sub(s, alpha.data(), cx.data());
}

}  // namespace

RingKeyPair RingKeyPair::Generate(Random& random) {
  RingKeyPair key{RingPoint{}, Secret(kRingScalarSize)};
  // The base multiplication fails only for a zero scalar (odds 2^-252), so
  // a draw again is all but free; a source that keeps yielding zero is
  // broken, and aborting beats looping or handing out a key anyone holds.
  for (int attempt = 0; attempt < kKeyDraws; ++attempt) {
    RandomScalar(random, key.secret.data());
    if (crypto_scalarmult_ristretto255_base(key.public_key.data(), key.secret.data()) == 0) {
      return key;
    }
  }
  std::abort();
}

Result<RingKeyPair> RingKeyPair::FromSecret(ByteView secret) {
  if (secret.size() != kRingScalarSize || !IsCanonicalScalar(secret.data())) {
    return Status::InvalidArgument("a ring secret is a 32-byte scalar below the group order");
  }
  RingKeyPair key{RingPoint{}, Secret::From(secret)};
  if (crypto_scalarmult_ristretto255_base(key.public_key.data(), key.secret.data()) != 0) {
    return Status::InvalidArgument("a ring secret must not be zero");
  }
  return key;
}

Result<Bytes> RingSign(const std::vector<RingPoint>& ring, const RingKeyPair& key, ByteView message,
                       Random& random) {
  WAYPOST_RETURN_IF_ERROR(CheckInputs(ring, message));
  const auto signer = std::find(ring.begin(), ring.end(), key.public_key);
  if (signer == ring.end() || key.secret.size() != kRingScalarSize) {
    return Status::InvalidArgument("the signing key is not a member of the ring");
  }
  const size_t n = ring.size();
  const size_t pi = static_cast<size_t>(signer - ring.begin());
  const Challenger challenger(ring, message);
  Bytes signature(RingSignatureSize(n));
  Secret alpha(kRingScalarSize);
  RandomScalar(random, alpha.data());
  RingPoint r;
  if (crypto_scalarmult_ristretto255_base(r.data(), alpha.data()) != 0) {
    return Status::Internal("ring signing drew a zero nonce");
  }
  Scalar c = challenger.Challenge(r);  // c_{π+1}
  // Walk the ring from π+1 round to π; on entry to index i, c holds c_i.
  for (size_t i = (pi + 1) % n; i != pi; i = (i + 1) % n) {
    if (i == 0) std::copy(c.begin(), c.end(), signature.begin());
    RandomScalar(random, ResponseAt(signature, i));
    if (!Commitment(ResponseAt(signature, i), c, ring[i], r)) {
      return Status::Internal("ring signing drew a zero response");
    }
    c = challenger.Challenge(r);
  }
  if (pi == 0) std::copy(c.begin(), c.end(), signature.begin());
  CloseRing(alpha, c, key.secret, ResponseAt(signature, pi));
  return signature;
}

Status RingVerify(const std::vector<RingPoint>& ring, ByteView message, ByteView signature) {
  WAYPOST_RETURN_IF_ERROR(CheckInputs(ring, message));
  if (signature.size() != RingSignatureSize(ring.size())) return Status::AuthFailed();
  for (size_t off = 0; off < signature.size(); off += kRingScalarSize) {
    if (!IsCanonicalScalar(signature.data() + off)) return Status::AuthFailed();
  }
  const Challenger challenger(ring, message);
  Scalar c;
  std::copy_n(signature.begin(), kRingScalarSize, c.begin());
  for (size_t i = 0; i < ring.size(); ++i) {
    RingPoint r;
    if (!Commitment(signature.data() + kRingScalarSize * (i + 1), c, ring[i], r)) {
      return Status::AuthFailed();
    }
    c = challenger.Challenge(r);
  }
  const bool closes = ConstantTimeEqual(c, signature.first(kRingScalarSize));
  return closes ? Status::Ok() : Status::AuthFailed();
}

}  // namespace waypost::team
