// The three Noise function families (§4) for 25519 / ChaChaPoly / BLAKE2b,
// on libsodium. This is the only file in core/noise that calls libsodium's
// crypto API, so a libsodium -1 is translated into a Status exactly here.
//
// Everything is stateless and thread-safe. Secret outputs are returned in
// Secret buffers; public outputs in Bytes.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "core/bytes.h"
#include "core/noise/noise_constants.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::noise {

using Digest = std::array<uint8_t, kHashLen>;

// HASH(a || b || ...) with unkeyed BLAKE2b-512. Not the 32-byte default.
Digest Hash(std::initializer_list<ByteView> parts);

// RFC 2104 HMAC over BLAKE2b-512 with a 128-byte block. Deliberately not
// BLAKE2b's keyed mode, which yields different bytes (§4.3).
void HmacHash(ByteView key, std::initializer_list<ByteView> parts, uint8_t out[kHashLen]);

// HKDF(chaining_key, ikm, num_outputs) from §4.3. Each output is kHashLen
// bytes; out3 is empty when num_outputs == 2. Callers that need a cipher key
// take the first kKeyLen bytes.
struct HkdfOutputs {
  Secret out1;
  Secret out2;
  Secret out3;
};
HkdfOutputs Hkdf(ByteView chaining_key, ByteView ikm, int num_outputs);

// X25519 public key for a (not necessarily clamped) private key.
Bytes DhPublicKey(ByteView private_key);

// DH(private, public). A low-order peer key gives an all-zero result, which
// libsodium refuses; that is a failed handshake, hence AuthFailed.
[[nodiscard]] Result<Secret> Dh(ByteView private_key, ByteView public_key);

// ChaCha20-Poly1305 (RFC 8439) with the Noise nonce: 4 zero bytes, then n as a
// 64-bit little-endian integer (§12.3). Key must be kKeyLen bytes.
Bytes AeadEncrypt(ByteView key, uint64_t n, ByteView ad, ByteView plaintext);
// AuthFailed on a bad tag or a ciphertext shorter than the tag.
[[nodiscard]] Result<Bytes> AeadDecrypt(ByteView key, uint64_t n, ByteView ad, ByteView ciphertext);

}  // namespace waypost::noise
