// Key schedule for envelopes (docs/protocol.md §3.2–3.4).
//
// Each node has a recipient-tag key it shares with its contacts. Each pair of
// contacts shares a chain key that ratchets one way, once per epoch; the PSK
// for an envelope and its sender hint come from the chain key of the epoch the
// sender's clock was in. Every derivation is keyed BLAKE2b with a distinct
// personal string, so no output of one can stand in for another.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/envelope/format.h"
#include "core/secret.h"

namespace waypost::envelope {

using Epoch = int64_t;

inline constexpr int64_t kEpochSeconds = 86'400;  // one day
// The default delivery window (the `delivery-window` setting, 1..28 days):
// envelopes, and the chain keys that open them, live this long. Past it, a
// chain key is ratcheted away and old envelopes can never be opened again.
inline constexpr int64_t kDeliveryWindowEpochs = 14;
// How far ahead of the recipient's clock a sender's clock may run.
inline constexpr int64_t kFutureSkewEpochs = 2;
inline constexpr size_t kKeySize = 32;

Epoch EpochOf(UnixTime t);

// `t` moved up to the next epoch boundary (unchanged if it is one). Every
// envelope's expiry is rounded so: a relay, which sees it in the clear,
// must not learn from it to the second when the envelope was sealed
// (docs/protocol.md §3.1).
UnixTime RoundUpToEpoch(UnixTime t);

// The 8-byte recipient tag for `epoch`. Anyone holding the tag key can
// compute it; no one else can link tags of different epochs.
RecipientTag TagFor(const Secret& tag_key, Epoch epoch);

// The tag a joiner uses for its join request: derived from the invite secret.
RecipientTag JoinTagFor(const Secret& invite_secret);

// chain(e+1) = Ratchet(chain(e)). One way: chain(e) cannot be recomputed
// from chain(e+1).
Secret Ratchet(const Secret& chain);

// chain(target) from chain(base); target must be >= base.
Secret ChainAt(const Secret& base_chain, Epoch base, Epoch target);

// The Noise PSK for envelopes in the chain key's epoch.
Secret PskFrom(const Secret& chain);

// The pair's duress chain key at the same epoch: a second chain, derived
// once at enrollment and ratcheted on its own from then on. A decoy store
// holds only this one (docs/protocol.md §4.3): what is sealed under it is
// duress by construction, and nothing under it ends a duress state. One
// way: it does not give `chain`.
Secret DuressChainFrom(const Secret& chain);

// The 4-byte sender hint: which contact sent an envelope, readable only by
// its recipient, bound to the envelope's own ephemeral key.
std::array<uint8_t, kHintSize> HintFor(const Secret& chain, ByteView ephemeral_pub);

// A short human-checkable fingerprint of a static public key:
// 40 hex digits in groups of four.
std::string Fingerprint(ByteView public_key);

// The safety number of a pair (docs/protocol.md §10): 60 decimal digits in
// twelve groups of five, the same on both sides whichever is `a`. Two people
// who read the same number know that each holds the other's real key.
inline constexpr int kSafetyNumberRounds = 5200;
std::string SafetyNumber(ByteView a, ByteView b);

}  // namespace waypost::envelope
