// Sealing and opening envelopes (docs/protocol.md §3).
//
// An envelope is one one-way Noise handshake message to one recipient,
// padded to a size bucket, behind a 17-byte cleartext header that is also the
// Noise prologue. Two patterns are used:
//   Noise_Kpsk0_25519_ChaChaPoly_BLAKE2b  between enrolled contacts: both
//       static keys are known, the PSK is the pair's epoch key. Deniable: the
//       recipient could have forged it, so it proves nothing to a third party.
//   Noise_Xpsk1_25519_ChaChaPoly_BLAKE2b  a join request: the joiner's static
//       key travels inside, the PSK is the invite secret.
// Opening is stateless; replay detection is the store's job (content ids).
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.h"
#include "core/envelope/format.h"
#include "core/noise/handshake_state.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::envelope {

enum class Pattern { kContact, kJoin };

struct SealRequest {
  Pattern pattern = Pattern::kContact;
  const noise::KeyPair* sender = nullptr;  // the sender's static key pair
  ByteView recipient_public;               // the recipient's static key
  const Secret* psk = nullptr;             // epoch PSK or invite secret
  RecipientTag tag{};
  // The hint is computed from the envelope's own ephemeral key with this
  // chain key; when null (join requests) the hint is random.
  const Secret* hint_chain = nullptr;
  uint32_t expires_at = 0;
  ByteView body;  // plaintext, padded here
};

// Seals `body`. Fails with LimitExceeded when it fits no bucket.
Result<Bytes> Seal(const SealRequest& request, Random& random);

struct OpenRequest {
  Pattern pattern = Pattern::kContact;
  const noise::KeyPair* recipient = nullptr;
  ByteView sender_public;  // kContact only: the expected sender
  const Secret* psk = nullptr;
};

struct Opened {
  Bytes body;            // unpadded plaintext
  Bytes sender_public;   // the sender's static key (learned, for kJoin)
};

// Opens an envelope. Every failure of authentication, padding or format is
// the same opaque AuthFailed: a forger learns nothing from the error.
Result<Opened> Open(const OpenRequest& request, ByteView envelope);

// The ephemeral public key inside an envelope, for computing hints.
ByteView EphemeralOf(ByteView envelope);

}  // namespace waypost::envelope
