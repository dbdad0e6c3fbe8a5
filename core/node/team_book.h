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
// A team may have several coordinators (docs/protocol.md §12), each with
// its own signing key listed in the roster. A coordinator who joined by a
// coordinator invite holds the team's row with its own signing key, and
// leads the team from its welcome on. Each signs the versions
// team::NextVersion gives it, so two never sign the same one; whenever a
// coordinator takes a roster another signed, Reconcile puts back what it
// knows that roster lacks.
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
#include "core/sync/roster_steps.h"
#include "core/team/admission.h"
#include "core/team/ring_signature.h"
#include "core/team/team_state.h"

namespace waypost::node {

class TeamBook {
 public:
  explicit TeamBook(store::Database& db) : db_(&db), steps_(db) {}

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
  // that leads none, or a coordinator joiner whose welcome has not come.
  Result<Bytes> OwnRoster();

  // A ticket for an invite whose secret is `invite_secret`, valid until
  // kTicketGraceSeconds after the invite expires, signed by this
  // coordinator (EnsureOwnTeam first).
  Result<team::Ticket> TicketFor(const Secret& invite_secret, int64_t expires_at);

  // Joining `team` with `ticket` (key derived from `invite_secret`): kept
  // until the welcome. Returns this node's admission key for that team
  // (made now, or the one it already has there).
  // A coordinator invite's joiner (`coordinator`) also makes its own
  // roster-signing key now (SigningKey).
  Result<team::RingPoint> Joining(const team::TeamId& team, const team::Ticket& ticket,
                                  const Secret& invite_secret, Random& random, UnixTime now,
                                  bool coordinator = false);

  // This node's roster-signing key: of the team it leads, or is joining as
  // a coordinator. NotFound for a node that has none.
  Result<team::SigningKeyPair> SigningKey();

  // Coordinator: `point`, brought by `contact`, joins the ring; the roster
  // is signed again. InvalidArgument for a point that is not valid.
  Status AddMember(ContactId contact, const team::RingPoint& point, UnixTime now);

  // Coordinator: `contact` becomes a coordinator of the team, with signing
  // key `key` and admission key `point` (docs/protocol.md §12.1), in a new
  // roster this node signs alone. InvalidArgument if the team already needs
  // two approvals to add a coordinator (ProposeCoordinator).
  Status AddCoordinator(ContactId contact, const team::SigningPublicKey& key,
                        const team::RingPoint& point, UnixTime now);
  // Whether a new coordinator needs another coordinator's approval (the
  // team has had two); LimitExceeded if the roster holds no more.
  Result<bool> NeedsApproval();
  // Coordinator of a team that needs approvals (docs/protocol.md §12.6):
  // the roster held, with `key` among the coordinators and `point` in the
  // ring, signed by this node alone and not kept: a proposal that another
  // coordinator's signature completes.
  Result<Bytes> ProposeCoordinator(const team::SigningPublicKey& key, const team::RingPoint& point,
                                   UnixTime now);
  // Coordinator: adds this node's signature to `proposal`, which adds the
  // coordinator `candidate`, and keeps the result if it follows the roster
  // held (team::VerifySuccessor). False, changing nothing, if it does not,
  // or if its coordinators are not exactly those held and `candidate`
  // (which the roster held may list already: a proposal made again on a
  // newer one).
  Result<bool> Cosign(ByteView proposal, const team::SigningPublicKey& candidate);

  // Coordinator: another coordinator introduced `contact`, whose admission
  // key is `point` (docs/protocol.md §12.2); remembered, so that revoking
  // it here takes it out of the ring too. The roster is not changed.
  Status KnowMember(ContactId contact, const team::RingPoint& point);
  // This coordinator's own admission key in the team it leads.
  Result<team::RingPoint> OwnPoint();
  // KnowMember for a key another coordinator says is `contact`'s, taken
  // only if the roster held lists it in the ring (§12.5).
  Status KnowListedMember(ContactId contact, ByteView point);
  // The admission key `contact` brought to the team this node leads, if
  // this node knows it.
  Result<std::optional<team::RingPoint>> PointOf(ContactId contact);
  // Coordinator: the admission keys `contact` brought leave the ring,
  // `coordinator_key` (a revoked coordinator's signing key, if given) the
  // coordinators, and the invite tickets it spent are withdrawn, in a new
  // roster signed now (docs/protocol.md §11.6, §12.5); relays take it from
  // the next sync and refuse those keys and tickets from then on. False,
  // changing nothing, if there was nothing to remove or this node leads no
  // team.
  Result<bool> RemoveMember(ContactId contact, UnixTime now, ByteView coordinator_key = {});

  // Another coordinator revoked `contact` (not quietly): its admission keys
  // are marked cut here too, so that Reconcile keeps them out, and the
  // invite tickets it spent here are withdrawn, so that Reconcile lists
  // them (docs/protocol.md §11.6). The roster is not changed here.
  Status MarkCut(ContactId contact);

  // Coordinator: `contact` spent an invite of this node's, whose admission
  // ticket is `ticket` (its key and expiry). Remembered until it expires,
  // so that revoking the contact withdraws it: whoever holds the invite
  // could otherwise go on using the relays until then.
  Status RecordTicket(ContactId contact, const team::WithdrawnTicket& ticket);

  // Coordinator, at the end of a sync (docs/protocol.md §12.3): the roster
  // held may come from another coordinator, who did not know what this one
  // added meanwhile. The admission keys of the members this node knows (its
  // own, and those of contacts not in `revoked`, the quietly revoked left
  // as they are) go back in if missing; keys cut by a revocation and the
  // signing keys in `revoked_signers` come out if present; in a new roster
  // signed now; so do the tickets withdrawn here that have not expired.
  // False, changing nothing, if nothing differs or this node is no longer
  // among the roster's coordinators.
  Result<bool> Reconcile(const std::vector<ContactId>& revoked,
                         const std::vector<Bytes>& revoked_signers, UnixTime now);

  // Every coordinator signing key that a roster this node holds lists.
  Result<std::vector<team::SigningPublicKey>> HeldCoordinators();

  // A roster from the coordinator's welcome (authenticated by the envelope
  // it came in): kept when it is for a team this node is joining and holds
  // this node's key; the ticket is then dropped. Protocol otherwise.
  Status TakeWelcomeRoster(ByteView roster);

  // The roster held of `team` (exact bytes); empty if none or while joining.
  Result<Bytes> RosterOf(const team::TeamId& team);

  // A roster a relay holds, newer than ours: kept if it follows ours,
  // directly or through `steps` (team::VerifyChain; the steps walked are
  // kept too, docs/protocol.md §11.7).
  Status TakeNewerRoster(ByteView roster, const std::vector<ByteView>& steps = {});
  // The steps kept of `team`'s chain above `version`, oldest first.
  Result<std::vector<Bytes>> StepsAbove(const team::TeamId& team, uint64_t version);

  // What a sync proves membership with: for a coordinator (`leader`), the
  // team it leads; else the team it joined last; nullopt for a node in no
  // team.
  Result<std::optional<Material>> ForSync(bool leader);

  // Makes `decoy` hold the same team rows, without signing keys.
  Status MirrorTo(TeamBook& decoy);

 private:
  // `next`, changed from `held`, gets the version, time and approvals the
  // rules give it (team_state.h), is signed by this node and kept.
  Result<Bytes> SignNext(const team::SignedTeamState& held, team::TeamRoster next, UnixTime now);
  Status SignAndKeep(const team::SignedTeamState& held, team::TeamRoster next, UnixTime now);
  Result<team::SignedTeamState> HeldOwn();
  Status MirrorStepsTo(TeamBook& decoy);
  Result<size_t> AddWithdrawals(team::TeamRoster& next, UnixTime now);
  // `next` replaces `held` (of the same team), recorded as a step if it is
  // one (team::IsStep).
  Status KeepRoster(const team::SignedTeamState& held, const team::SignedTeamState& next);
  Status WriteRoster(const team::SignedTeamState& roster);

  store::Database* db_;
  sync::RosterSteps steps_;
};

}  // namespace waypost::node
