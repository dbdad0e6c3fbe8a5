// Constants fixed by the Noise Protocol Framework, revision 34, for the one
// suite Waypost speaks: 25519 / ChaChaPoly / BLAKE2b.
//
// These are the spec's numbers, kept apart from Waypost's own limits (which
// live beside the code that chooses them) so neither can drift into the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace waypost::noise {

// §4.1: DHLEN for Curve25519.
inline constexpr size_t kDhLen = 32;
// §4.3: HASHLEN and BLOCKLEN for BLAKE2b.
inline constexpr size_t kHashLen = 64;
inline constexpr size_t kBlockLen = 128;
// §4.2: cipher keys are 32 bytes; ChaChaPoly tags are 16 bytes.
inline constexpr size_t kKeyLen = 32;
inline constexpr size_t kTagLen = 16;
// §9: pre-shared keys are 32 bytes.
inline constexpr size_t kPskLen = 32;
// §3: every Noise message, handshake or transport, is at most 65535 bytes.
inline constexpr size_t kMaxMessageLen = 65535;
// §5.1: nonce 2^64-1 is reserved (Rekey uses it); reaching it is an error.
inline constexpr uint64_t kMaxNonce = std::numeric_limits<uint64_t>::max();

}  // namespace waypost::noise
