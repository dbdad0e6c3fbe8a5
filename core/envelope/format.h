// The envelope wire format (docs/protocol.md §3). This is what relays store,
// what bundles carry and what armored text encodes.
//
//   offset size  field
//   0      1     version, 0x01
//   1      8     recipient tag: rotates per epoch, names no one (§3.2)
//   9      4     sender hint: picks the pairwise key without trial decryption
//   13     4     expiry, u32 big-endian Unix seconds; relays drop it after
//   17     n     one Noise_Kpsk0_25519_ChaChaPoly_BLAKE2b handshake message:
//                ephemeral key (32) || encrypted padded body || tag (16)
//
// The whole envelope is one of kBucketSizes long. Bytes 0..16 are the Noise
// prologue, so a relay cannot alter tag, hint or expiry undetected.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.h"
#include "core/status.h"

namespace waypost::envelope {

inline constexpr uint8_t kVersion = 0x01;
inline constexpr size_t kTagSize = 8;
inline constexpr size_t kHintSize = 4;
inline constexpr size_t kHeaderSize = 1 + kTagSize + kHintSize + 4;
// Noise bytes around the padded body: e.pub and the AEAD tag for Kpsk0; a
// join request (Xpsk1) also carries the sender's encrypted static key.
inline constexpr size_t kNoiseOverhead = 32 + 16;
inline constexpr size_t kJoinNoiseOverhead = 32 + 48 + 16;
inline constexpr size_t kContentIdSize = 32;

// Every envelope is exactly one of these sizes. The smallest holds a coded
// check-in and armors to 160 characters: "wp1:" + base64url(117 bytes).
inline constexpr std::array<size_t, 5> kBucketSizes = {117, 256, 1024, 4096, 16384};
inline constexpr size_t kMaxEnvelopeSize = kBucketSizes.back();

using RecipientTag = std::array<uint8_t, kTagSize>;
using ContentId = std::array<uint8_t, kContentIdSize>;

// The cleartext header every relay may read.
struct Header {
  RecipientTag tag{};
  std::array<uint8_t, kHintSize> hint{};
  uint32_t expires_at = 0;
};

// Checks version and size bucket and reads the header. Cheap; no crypto.
Result<Header> ParseHeader(ByteView envelope);

// BLAKE2b-256 of the exact envelope bytes: the identity used for dedup,
// receipts and replay detection.
ContentId ComputeContentId(ByteView envelope);

// The smallest bucket that holds `body_size` plaintext bytes plus padding
// under `noise_overhead`, or nullopt when the body fits no bucket.
std::optional<size_t> BucketFor(size_t body_size, size_t noise_overhead = kNoiseOverhead);

}  // namespace waypost::envelope
