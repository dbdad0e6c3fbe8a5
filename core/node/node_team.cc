// The team this node belongs to (docs/protocol.md §11): what a sync proves
// membership with, rosters, `team export`, and `revoke` (§11.6).
#include <string>

#include "core/node/node.h"

namespace waypost::node {

Result<std::optional<TeamBook::Material>> Node::TeamMaterial() {
  return teams_.ForSync(identity_.self().role == Role::kCoordinator);
}

Result<Bytes> Node::RosterOf(const team::TeamId& team) { return teams_.RosterOf(team); }

Status Node::TakeNewerRoster(ByteView roster) {
  return Mutate([&] { return teams_.TakeNewerRoster(roster); });
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
  if (contact.role != Role::kHelper) {
    return Status::InvalidArgument(contact.name + " is a " + std::string(NameOf(contact.role)) +
                                   "; only a helper can be revoked so far");
  }
  Revocation r{contact.name, contact.state == ContactState::kRevoked, false, 0};
  const UnixTime now = clock_.Now();
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(contacts_.SetState(contact.id, ContactState::kRevoked));
    // Nothing more goes to it: what waits in the outbox leaves, and what it
    // was never sent fails.
    WAYPOST_ASSIGN_OR_RETURN(const std::vector<Bytes> failed,
                             messages_.FailUnanswered(contact.id, now, /*queued_only=*/true));
    r.withdrawn = failed.size();
    WAYPOST_RETURN_IF_ERROR(outbox_.RemoveFor(contact.id.value));
    // Quiet: the roster stays as it is, so relays go on serving the device
    // and whoever holds it sees no change.
    if (!quiet) {
      WAYPOST_ASSIGN_OR_RETURN(r.cut_off, teams_.RemoveMember(contact.id, now));
    }
    return Status::Ok();
  }));
  return r;
}

}  // namespace waypost::node
