// What a client proves to a relay to be served (docs/protocol.md §11.3,
// §11.4), sans-IO.
//
//   admission message := "waypost admission v1" || handshake hash (64)
//                        || team_id (16) || version (u64be)
//
// The handshake hash binds a proof to one Noise session: a relay (or anyone
// who recorded one) cannot replay it on another connection.
//
// A member proves with a ring signature over the roster at `version`. A
// node that is joining has no ring key yet; its invite carries a ticket:
//
//   ticket := team_id (16) || key (Ed25519, 32) || expires_at (i64be)
//             || coordinator (Ed25519 public key, 32) || signature (64)
//
// signed by that coordinator over "waypost admission ticket v1" || the
// first 56 bytes. The ticket's secret key is derived from the invite's
// secret (TicketSeed), so an invite carries only the ticket's signature and
// signer, not a second key. A relay admits a ticket until it expires if its
// coordinator is in the roster the relay holds and the roster does not
// list it as withdrawn; the proof is then an
// Ed25519 signature by the ticket key over the admission message. Whoever
// saw the invite can use it the same way until it expires (SECURITY.md).
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/team/ring_signature.h"
#include "core/team/team_state.h"

namespace waypost::team {

inline constexpr size_t kTicketSize = kTeamIdSize + 32 + 8 + kSigningKeySize + 64;
// A ticket outlives its invite by the longest delivery window: a join
// request taken in just before the invite expired is answered by a welcome
// the joiner must still be able to fetch, and a joiner whose sign-up failed
// must still be able to learn so from its sync.
inline constexpr int64_t kTicketGraceSeconds = 28 * 86400;

Bytes AdmissionMessage(ByteView handshake_hash, const TeamId& team, uint64_t version);

// A member's proof for one session: a ring signature by `key` over the
// admission message for `roster`'s team and version. InvalidArgument when
// `key` is not in the roster's ring (the member was removed).
[[nodiscard]] Result<Bytes> ProveMembership(const SignedTeamState& roster, const RingKeyPair& key,
                                            ByteView handshake_hash, Random& random);
// Ok when `proof` is such a signature by one of `roster`'s ring for a
// session with this handshake hash and `version` (the roster's own);
// AuthFailed otherwise.
[[nodiscard]] Status CheckMembership(const SignedTeamState& roster, ByteView handshake_hash,
                                     uint64_t version, ByteView proof);

struct Ticket {
  TeamId team_id{};
  SigningPublicKey key{};
  int64_t expires_at = 0;
  SigningPublicKey coordinator{};
  Bytes signature;  // 64 bytes

  Bytes Encode() const;
  // Protocol unless exactly kTicketSize bytes.
  [[nodiscard]] static Result<Ticket> Parse(ByteView bytes);
};

// The ticket key pair of an invite, derived from its 32-byte secret:
// Ed25519 from seed BLAKE2b-256(key = secret, "waypost ticket key v1").
SigningKeyPair TicketKeyFromInviteSecret(ByteView invite_secret);

// What an invite's ticket says besides its team and signer, from the
// invite's secret and expiry: its key (TicketKeyFromInviteSecret) and its
// expiry, kTicketGraceSeconds after the invite's. The coordinator signs
// these, the joiner rebuilds them, and a revocation withdraws them
// (docs/protocol.md §11.4, §11.6), in the shape a roster lists them.
WithdrawnTicket TicketTermsOfInvite(ByteView invite_secret, int64_t invite_expires_at);

// A ticket for `key` signed by `coordinator`.
Ticket IssueTicket(const TeamId& team, const SigningPublicKey& key, int64_t expires_at,
                   const SigningKeyPair& coordinator);

// Ok if `ticket` is for `roster`'s team, signed by one of its coordinators,
// not expired at `now`, and not withdrawn by the roster (its joiner was
// revoked, docs/protocol.md §11.6); AuthFailed otherwise.
[[nodiscard]] Status CheckTicket(const Ticket& ticket, const TeamRoster& roster, int64_t now);

}  // namespace waypost::team
