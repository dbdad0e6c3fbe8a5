// The team this node belongs to (docs/protocol.md §11): what a sync proves
// membership with, rosters, `team export`, and `revoke` (§11.6).
#include <string>
#include <vector>

#include "core/node/internal/scrub.h"
#include "core/node/node.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

Result<std::optional<TeamBook::Material>> Node::TeamMaterial() {
  return teams_.ForSync(identity_.self().role == Role::kCoordinator);
}

Result<Bytes> Node::RosterOf(const team::TeamId& team) { return teams_.RosterOf(team); }

Status Node::TakeNewerRoster(ByteView roster, const std::vector<ByteView>& steps) {
  return Mutate([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(teams_.TakeNewerRoster(roster, steps));
    WAYPOST_RETURN_IF_ERROR(news_.SweepCoordinators().status());
    return enrollment_.FinishCoordinators();
  });
}

Result<std::vector<Bytes>> Node::RosterSteps(const team::TeamId& team, uint64_t version) {
  return teams_.StepsAbove(team, version);
}

Result<Bytes> Node::RosterToPublish(const team::TeamId& team) {
  if (identity_.self().role != Role::kCoordinator) return teams_.RosterOf(team);
  // The roster held may be another coordinator's, signed without what we
  // added meanwhile (docs/protocol.md §12.3): put that back, and keep the
  // revoked out. At a sync's end, so that a revocation that came in the
  // same sync counts.
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> all, contacts_.All());
    std::vector<ContactId> revoked;
    std::vector<Bytes> revoked_signers;
    for (const Contact& c : all) {
      if (c.state != ContactState::kRevoked) continue;
      revoked.push_back(c.id);
      if (!c.signing_key.empty()) revoked_signers.push_back(c.signing_key);
    }
    WAYPOST_RETURN_IF_ERROR(teams_.Reconcile(revoked, revoked_signers, clock_.Now()).status());
    return enrollment_.FinishCoordinators();
  }));
  return teams_.RosterOf(team);
}

Result<Bytes> Node::ExportTeam() {
  if (identity_.self().role != Role::kCoordinator) {
    return Status::InvalidArgument("only a coordinator leads a team; this node is a " +
                                   std::string(NameOf(identity_.self().role)));
  }
  Bytes roster;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(teams_.EnsureOwnTeam(random_, clock_.Now()).status());
    WAYPOST_ASSIGN_OR_RETURN(roster, teams_.OwnRoster());
    return Status::Ok();
  }));
  return roster;
}

Result<Node::Revocation> Node::Revoke(std::string_view name, bool quiet) {
  if (identity_.self().role != Role::kCoordinator) {
    return Status::InvalidArgument("only a coordinator revokes a member");
  }
  WAYPOST_ASSIGN_OR_RETURN(Contact contact, contacts_.Named(name));
  const bool coordinator = contact.role == Role::kCoordinator;
  if (coordinator && quiet) {
    return Status::InvalidArgument(
        contact.name +
        " is a coordinator: helpers send to every coordinator the roster lists, so "
        "a coordinator is never revoked quietly; revoke it with --yes alone");
  }
  Revocation r{contact.name, contact.state == ContactState::kRevoked, false, 0};
  const UnixTime now = clock_.Now();
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    // Nothing more goes to it: what waits in the outbox leaves, and what it
    // was never sent fails.
    WAYPOST_ASSIGN_OR_RETURN(r.withdrawn, news_.CutOff(contact));
    WAYPOST_RETURN_IF_ERROR(approvals_.Forget(contact.public_key.view()));
    // Quiet: the roster stays as it is, so relays go on serving the device
    // and whoever holds it sees no change.
    if (!quiet) {
      WAYPOST_ASSIGN_OR_RETURN(r.cut_off,
                               teams_.RemoveMember(contact.id, now, contact.signing_key));
    }
    pb::TeamNote told;
    told.set_kind(pb::TeamNote::REVOKED);
    told.set_member(AsString(contact.public_key.view()));
    told.set_quiet(quiet);
    WAYPOST_RETURN_IF_ERROR(news_.Tell(told));
    if (!coordinator || !r.cut_off) return Status::Ok();
    // Each helper is sent the roster without it, by every path a helper
    // takes envelopes in (a bundle too, not only a relay): the roster, not
    // this note, is what makes a helper drop it (§12.5).
    WAYPOST_ASSIGN_OR_RETURN(const Bytes roster, teams_.OwnRoster());
    told.set_roster(AsString(roster));
    WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> helpers, contacts_.WithRole(Role::kHelper));
    for (const Contact& h : helpers) {
      if (h.state != ContactState::kActive) continue;
      internal::Scrubbed<pb::Body> body;
      *body->mutable_team_note() = told;
      body->set_sent_at(now);
      WAYPOST_RETURN_IF_ERROR(courier_.Send(h, *body).status());
    }
    return Status::Ok();
  }));
  return r;
}

Result<PendingApproval> Node::Approve(std::string_view name) {
  PendingApproval approved;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(approved, approvals_.Approve(name));
    return enrollment_.FinishCoordinators();
  }));
  return approved;
}

Result<std::vector<PendingApproval>> Node::PendingApprovals() { return approvals_.Pending(); }

}  // namespace waypost::node
