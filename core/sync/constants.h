// Constants of the relay transport (docs/protocol.md, "Transport").
//
// Spec constants come from the Noise specification and must not change.
// Waypost constants are ours; changing one is a protocol version bump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace waypost::sync {

// ---- Noise specification (revision 34) ----
inline constexpr std::string_view kTransportProtocol = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
inline constexpr size_t kNoiseMaxMessage = 65535;  // §3: every Noise message
inline constexpr size_t kNoiseTagSize = 16;        // ChaChaPoly AEAD tag
inline constexpr size_t kDhPublicSize = 32;        // X25519

// ---- Waypost transport v1 ----
inline constexpr std::string_view kTransportPrologue = "waypost transport v1";
// A frame on the stream: u16 big-endian length, then that many bytes of one
// Noise message. Zero-length frames are a protocol error.
inline constexpr size_t kFrameHeaderSize = 2;
// Application plaintext carried by one transport message.
inline constexpr size_t kMaxChunkPlaintext = kNoiseMaxMessage - kNoiseTagSize;
// An application message is u32 BE length || bytes || zero padding up to the
// next power of two >= kMinPaddedSize, so the wire shows few distinct sizes.
inline constexpr size_t kAppLengthSize = 4;
inline constexpr size_t kMinPaddedSize = 512;
inline constexpr size_t kMaxAppMessage = size_t{8} << 20;  // 8 MiB of protobuf bytes
// Both sides rekey a direction's cipher after this many messages in it.
inline constexpr uint64_t kRekeyInterval = 1024;

// ---- One sync exchange (SyncRequest / SyncResponse) ----
inline constexpr size_t kMaxUploads = 4096;
inline constexpr size_t kMaxTags = 4096;
inline constexpr size_t kMaxHave = 65536;
inline constexpr size_t kMinHavePrefix = 4;
inline constexpr size_t kMaxHavePrefix = 32;
// Envelope bytes a relay puts in one response; the rest waits for the next sync.
inline constexpr size_t kMaxResponseEnvelopeBytes = size_t{4} << 20;
inline constexpr int64_t kHandshakeDeadlineMs = 10'000;
inline constexpr int64_t kRequestDeadlineMs = 30'000;
inline constexpr int64_t kClientDeadlineMs = 30'000;
// Relays refuse envelopes that claim to live longer than this.
inline constexpr int64_t kMaxEnvelopeLifetimeSeconds = int64_t{60} * 24 * 3600;

}  // namespace waypost::sync
