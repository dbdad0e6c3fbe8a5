// TeamBook: the teams this node belongs to and what it proves membership
// with (docs/protocol.md §11, docs/storage.md §5, tables `teams` and
// `ring_members`).
//
// A coordinator leads one team, made the first time it is needed (an
// invite, `team export`): a random team id, an Ed25519 key that signs the
// team's rosters and invite tickets, and the coordinator's own admission
// key, the first in the ring. Each enrolled member adds its admission key to
// the ring (a new roster version); ring_members remembers which contact
// brought which key, so that revoking a contact can take it out again.
//
// A joiner keeps the invite's ticket and ticket key until the welcome brings
// a roster with its own admission key in the ring; from then on it proves
// membership with that key, and takes a newer roster from a relay only when
// it follows the held one (team::VerifySuccessor).
//
// Secrets (admission, signing and ticket keys) live in the store and in
// guarded memory only. The decoy holds the same team rows without the
// signing key (MirrorTo): a captor holding the decoy syncs like the owner,
// and can sign nothing.
//
// Lifetime: borrows the Database. Not thread-safe; callers run each call
// inside one transaction (Node::Mutate).
#pragma once

#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/node/records.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/team/admission.h"
#include "core/team/ring_signature.h"
#include "core/team/team_state.h"

namespace waypost::node {

class TeamBook {
 public:
  explicit TeamBook(store::Database& db) : db_(&db) {}

  // What a sync proves membership with (sync::SyncParty::Admission).
  struct Material {
    team::TeamId team{};
    Bytes roster;  // empty while joining
    std::optional<team::RingKeyPair> key;
    Bytes ticket;  // while joining
    std::optional<team::SigningKeyPair> ticket_key;
  };

  // The team this coordinator leads, made now if it has none.
  Result<team::TeamId> EnsureOwnTeam(Random& random, UnixTime now);
  // The newest roster of the team this node leads; NotFound for a node
  // that leads none.
  Result<Bytes> OwnRoster();

  // A ticket for an invite whose secret is `invite_secret`, valid until
  // kTicketGraceSeconds after the invite expires, signed by this
  // coordinator (EnsureOwnTeam first).
  Result<team::Ticket> TicketFor(const Secret& invite_secret, int64_t expires_at);

  // Joining `team` with `ticket` (key derived from `invite_secret`): kept
  // until the welcome. Returns this node's admission key for that team
  // (made now, or the one it already has there).
  Result<team::RingPoint> Joining(const team::TeamId& team, const team::Ticket& ticket,
                                  const Secret& invite_secret, Random& random, UnixTime now);

  // Coordinator: `point`, brought by `contact`, joins the ring; the roster
  // is signed again. InvalidArgument for a point that is not valid.
  Status AddMember(ContactId contact, const team::RingPoint& point, UnixTime now);

  // Coordinator: the admission keys `contact` brought leave the ring, in a
  // new roster signed now (docs/protocol.md §11.6); relays take it from the
  // next sync and refuse those keys from then on. False, changing nothing,
  // if `contact` brought none (never enrolled, or already removed) or this
  // node leads no team.
  Result<bool> RemoveMember(ContactId contact, UnixTime now);

  // A roster from the coordinator's welcome (authenticated by the envelope
  // it came in): kept when it is for a team this node is joining and holds
  // this node's key; the ticket is then dropped. Protocol otherwise.
  Status TakeWelcomeRoster(ByteView roster);

  // The roster held of `team` (exact bytes); empty if none or while joining.
  Result<Bytes> RosterOf(const team::TeamId& team);

  // A roster a relay holds, newer than ours: kept if it follows ours.
  Status TakeNewerRoster(ByteView roster);

  // What a sync proves membership with: for a coordinator (`leader`), the
  // team it leads; else the team it joined last; nullopt for a node in no
  // team.
  Result<std::optional<Material>> ForSync(bool leader);

  // Makes `decoy` hold the same team rows, without signing keys.
  Status MirrorTo(TeamBook& decoy);

 private:
  Result<Bytes> Sign(const team::TeamRoster& roster);
  Status KeepRoster(const team::TeamId& team, ByteView roster);
  Result<team::SigningKeyPair> SigningKey();

  store::Database* db_;
};

}  // namespace waypost::node
