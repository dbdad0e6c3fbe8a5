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

// ---- Waypost transport v2 ----
inline constexpr std::string_view kTransportPrologue = "waypost transport v2";
// A frame on the stream: u16 big-endian length, then that many bytes of one
// Noise message. Zero-length frames are a protocol error.
inline constexpr size_t kFrameHeaderSize = 2;
// Application plaintext carried by one transport message.
inline constexpr size_t kMaxChunkPlaintext = kNoiseMaxMessage - kNoiseTagSize;
// An application message is u32 BE length || bytes || zero padding, so that
// the wire shows few distinct sizes: at least kMinPaddedSize, and above it the
// next multiple of 2^(k - kPaddingSteps) where 2^k <= size < 2^(k+1), i.e.
// one of 8 steps per power of two, so padding adds less than an eighth.
inline constexpr size_t kAppLengthSize = 4;
// 256: every message of a session that moves one check-in (a reconcile
// round, a fetch, a one-envelope upload or reply) shows as the same size.
inline constexpr size_t kMinPaddedSize = 256;
inline constexpr unsigned kPaddingSteps = 3;
inline constexpr size_t kMaxAppMessage = size_t{8} << 20;  // 8 MiB of protobuf bytes
// Both sides rekey a direction's cipher after this many messages in it.
inline constexpr uint64_t kRekeyInterval = 1024;

// ---- A sync session (ClientMessage / RelayMessage, docs/protocol.md §2.4) ----
// Uploads per Upload message, and ids per Fetch message.
inline constexpr size_t kMaxBatchEnvelopes = 256;
// Admit messages one session may send: a first try, one against a newer
// roster the relay sent, one with the roster the relay lacked (§11.3).
inline constexpr int kMaxAdmitMessages = 3;
// Envelope bytes one connection may upload; past it, uploads are FULL.
inline constexpr size_t kMaxSessionUploadBytes = size_t{64} << 20;
// Tags that may scope one session's reconciliation.
inline constexpr size_t kMaxTags = 4096;
// Envelope bytes a relay puts in one FetchReply; the client asks for the rest.
inline constexpr size_t kMaxFetchReplyBytes = size_t{1} << 20;
// Records a relay puts in one session's reconciliation scope. Past this, the
// newest-expiring are left out and the next session finds them (quotas per
// tag keep honest scopes far below it).
inline constexpr size_t kMaxScopeRecords = 200'000;
// Pages of one session's scope (the first included); a client reaches
// records below the last page in its next session.
inline constexpr int kMaxScopePages = 16;
// Pages reach everything 20 full tags hold (16 MiB of 117-byte check-ins
// each, RelayStore's quota), more than one recipient names.
static_assert(uint64_t{kMaxScopePages} * kMaxScopeRecords >= 20 * ((uint64_t{16} << 20) / 117));
// The Negentropy frame limit a client may ask for: replies stay this small,
// so that a link which carries only a few kilobytes still gets answers.
inline constexpr size_t kMinReconcileFrame = 2048;
inline constexpr size_t kMaxReconcileFrame = 1 << 20;
// A client gives up reconciling after this many rounds in one session (a
// hostile or broken relay could otherwise keep it going).
inline constexpr int kMaxReconcileRounds = 512;
// A relay waits this long for a new connection's first handshake message,
// and this long for the whole handshake (docs/protocol.md §2.6).
inline constexpr int64_t kFirstMessageDeadlineMs = 5'000;
inline constexpr int64_t kHandshakeDeadlineMs = 10'000;
// The relay waits this long for each next client message, counted from when
// its last answer was written out.
inline constexpr int64_t kIdleDeadlineMs = 30'000;
// The client waits this long for each answer (`sync --timeout`).
inline constexpr int64_t kClientDeadlineMs = 30'000;
// Relays refuse envelopes that claim to live longer than this.
inline constexpr int64_t kMaxEnvelopeLifetimeSeconds = int64_t{60} * 24 * 3600;

}  // namespace waypost::sync
