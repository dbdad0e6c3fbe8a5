#include "core/node/approvals.h"

#include <algorithm>
#include <optional>

#include "core/envelope/keys.h"
#include "core/node/internal/scrub.h"
#include "core/team/team_state.h"
#include "core/text.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

using internal::Scrubbed;

namespace {

Bytes Copy(ByteView b) { return Bytes(b.begin(), b.end()); }

}  // namespace

// One row of coordinator_approvals (docs/storage.md §5).
struct Approvals::Row {
  Bytes signing_key;
  std::string name;
  Bytes static_key;
  Bytes binding;
  Bytes ring_key;
  std::optional<ContactId> contact;   // inviter: the pending candidate
  std::optional<ContactId> proposer;  // approver: who asked
  Bytes roster;
  bool approved = false;
  UnixTime created_at = 0;
};

Result<std::vector<Approvals::Row>> Approvals::Rows(std::string_view where, ByteView key) {
  const std::string sql =
      "SELECT signing_key, name, static_key, binding, ring_key, contact_id, proposer_id, roster, "
      "approved, created_at FROM coordinator_approvals " +
      std::string(where) + " ORDER BY created_at, signing_key";
  Result<store::Statement> st_or = key.empty() ? p_.db.Query(sql) : p_.db.Query(sql, key);
  WAYPOST_RETURN_IF_ERROR(st_or.status());
  std::vector<Row> out;
  WAYPOST_RETURN_IF_ERROR(st_or->ForEach([&](const store::Statement& r) {
    Row row;
    row.signing_key = r.ColumnBlob(0);
    row.name = r.ColumnText(1);
    row.static_key = r.ColumnBlob(2);
    row.binding = r.ColumnBlob(3);
    row.ring_key = r.ColumnBlob(4);
    if (!r.ColumnIsNull(5)) row.contact = ContactId{r.ColumnInt64(5)};
    if (!r.ColumnIsNull(6)) row.proposer = ContactId{r.ColumnInt64(6)};
    row.roster = r.ColumnBlob(7);
    row.approved = r.ColumnInt64(8) != 0;
    row.created_at = r.ColumnInt64(9);
    out.push_back(std::move(row));
  }));
  return out;
}

Status Approvals::Keep(const Row& row) {
  const auto id = [](const std::optional<ContactId>& c) {
    return c ? std::optional<int64_t>(c->value) : std::nullopt;
  };
  return p_.db.Run(
      "INSERT OR REPLACE INTO coordinator_approvals(signing_key, name, static_key, binding, "
      "ring_key, contact_id, proposer_id, roster, approved, created_at) "
      "VALUES(?, ?, ?, ?, NULLIF(?, X''), ?, ?, ?, ?, ?)",
      row.signing_key, row.name, row.static_key, row.binding, row.ring_key, id(row.contact),
      id(row.proposer), row.roster, int64_t{row.approved ? 1 : 0}, row.created_at);
}

Status Approvals::Propose(const Contact& candidate, const team::RingPoint& point) {
  const std::optional<team::SigningPublicKey> key =
      ArrayFrom<team::kSigningKeySize>(candidate.signing_key);
  if (!key) return Status::InvalidArgument("a coordinator candidate has no signing key");
  Row row{.signing_key = candidate.signing_key,
          .name = candidate.name,
          .static_key = Copy(candidate.public_key.view()),
          .binding = candidate.binding,
          .ring_key = Copy(point),
          .contact = candidate.id,
          .proposer = std::nullopt,
          .roster = {},
          .approved = true,
          .created_at = p_.clock.Now()};
  WAYPOST_ASSIGN_OR_RETURN(row.roster, p_.teams.ProposeCoordinator(*key, point, p_.clock.Now()));
  WAYPOST_RETURN_IF_ERROR(Keep(row));
  return SendProposal(row, row.roster);
}

Status Approvals::SendProposal(const Row& row, ByteView roster) {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> peers,
                           p_.contacts.WithRole(Role::kCoordinator));
  for (const Contact& peer : peers) {
    if (peer.state != ContactState::kActive || peer.signing_key.empty()) continue;
    Scrubbed<pb::Body> body;
    pb::TeamNote* note = body->mutable_team_note();
    note->set_kind(pb::TeamNote::PROPOSED);
    note->set_member(AsString(row.static_key));
    note->set_name(row.name);
    note->set_signing_key(AsString(row.signing_key));
    note->set_binding(AsString(row.binding));
    note->set_roster(AsString(roster));
    body->set_sent_at(p_.clock.Now());
    WAYPOST_RETURN_IF_ERROR(p_.courier.Send(peer, *body).status());
  }
  return Status::Ok();
}

Status Approvals::TakeProposal(const Contact& from, const pb::TeamNote& note) {
  if (p_.identity.self().role != Role::kCoordinator || from.role != Role::kCoordinator ||
      from.state != ContactState::kActive || from.signing_key.empty()) {
    return Status::AuthFailed();
  }
  const std::optional<team::SigningPublicKey> key =
      ArrayFrom<team::kSigningKeySize>(AsBytes(note.signing_key()));
  Result<PublicKey> candidate = PublicKey::From(AsBytes(note.member()));
  Result<team::SignedTeamState> roster = team::SignedTeamState::Parse(AsBytes(note.roster()));
  if (!key || !candidate.ok() || !roster.ok() || !CheckName(note.name()).ok() ||
      roster->roster().CoordinatorIndex(*key) < 0) {
    return Status::AuthFailed();
  }
  // The candidate's signing key must vouch for its static key (§12.1),
  // so that what this node approves is the person whose fingerprint it
  // shows.
  const team::TeamId& team = roster->roster().team_id;
  if (!team::VerifyDetached(*key, team::CoordinatorBinding(team, candidate->view()),
                            AsBytes(note.binding()))
           .ok()) {
    return Status::AuthFailed();
  }
  // Already a coordinator here: nothing to approve.
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<team::SigningPublicKey> held,
                           p_.teams.HeldCoordinators());
  if (std::find(held.begin(), held.end(), *key) != held.end()) return Status::Ok();
  // A revoked key never comes back (§11.6).
  WAYPOST_ASSIGN_OR_RETURN(const std::optional<Contact> known, p_.contacts.WithKey(*candidate));
  if (known && known->state == ContactState::kRevoked) return Status::Ok();

  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Row> before, Rows("WHERE signing_key = ?", *key));
  if (!before.empty() && before.front().contact) return Status::Ok();  // our own candidate
  const Row row{.signing_key = Copy(*key),
                .name = note.name(),
                .static_key = Copy(candidate->view()),
                .binding = Copy(AsBytes(note.binding())),
                .ring_key = {},
                .contact = std::nullopt,
                .proposer = from.id,
                .roster = Copy(AsBytes(note.roster())),
                .approved = !before.empty() && before.front().approved,
                .created_at = before.empty() ? p_.clock.Now() : before.front().created_at};
  WAYPOST_RETURN_IF_ERROR(Keep(row));
  if (row.approved) return Answer(row);
  if (!before.empty()) return Status::Ok();  // asked again: the alert is open already
  const std::string fingerprint = envelope::Fingerprint(candidate->view());
  return p_.alerts.RaiseOrExtend(
      from.id, AlertKind::kApproval, p_.clock.Now(),
      "asks you to approve " + note.name() + " (" + fingerprint +
          ") as a coordinator of the team; compare that fingerprint with " + note.name() +
          " in person or by a channel you trust, then run `waypost approve " + note.name() + "`");
}

Result<PendingApproval> Approvals::Approve(std::string_view name) {
  if (p_.identity.self().role != Role::kCoordinator) {
    return Status::InvalidArgument("only a coordinator approves a coordinator");
  }
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Row> rows, Rows("WHERE proposer_id IS NOT NULL"));
  const Row* chosen = nullptr;
  for (const Row& row : rows) {
    if (row.name != TrimSpace(name)) continue;
    if (chosen != nullptr) {
      return Status::InvalidArgument("two coordinators proposed candidates named " + row.name +
                                     " (" + envelope::Fingerprint(chosen->static_key) + " and " +
                                     envelope::Fingerprint(row.static_key) +
                                     "); ask them which is whom before approving either");
    }
    chosen = &row;
  }
  if (chosen == nullptr) {
    WAYPOST_ASSIGN_OR_RETURN(const std::vector<Row> own, Rows("WHERE contact_id IS NOT NULL"));
    for (const Row& row : own) {
      if (row.name == TrimSpace(name)) {
        return Status::InvalidArgument(
            "you invited " + row.name +
            ": another coordinator of the team must approve it, not you");
      }
    }
    return Status::NotFound("no coordinator named " + std::string(name) +
                            " waits for your approval (`waypost alerts` lists what "
                            "other coordinators asked)");
  }
  WAYPOST_RETURN_IF_ERROR(p_.db.Run(
      "UPDATE coordinator_approvals SET approved = 1 WHERE signing_key = ?", chosen->signing_key));
  WAYPOST_RETURN_IF_ERROR(Answer(*chosen));
  WAYPOST_ASSIGN_OR_RETURN(const Contact proposer, p_.contacts.Get(*chosen->proposer));
  WAYPOST_RETURN_IF_ERROR(Acknowledge(*chosen, "approved " + chosen->name));
  return PendingApproval{.name = chosen->name,
                         .fingerprint = envelope::Fingerprint(chosen->static_key),
                         .proposer = proposer.name,
                         .received_at = chosen->created_at,
                         .approved = true};
}

Status Approvals::Answer(const Row& row) {
  if (!row.proposer) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(const Contact proposer, p_.contacts.Get(*row.proposer));
  if (proposer.state != ContactState::kActive) return Status::Ok();
  const std::optional<team::SigningPublicKey> key =
      ArrayFrom<team::kSigningKeySize>(row.signing_key);
  if (!key) return Status::Corrupt("a candidate's signing key in the store has the wrong size");
  // Our signature, kept if the result follows our roster; if it does not
  // (our roster moved on, or the proposal was built on another), our own
  // roster goes back instead, for the proposer to build on.
  WAYPOST_RETURN_IF_ERROR(p_.teams.Cosign(row.roster, *key).status());
  WAYPOST_ASSIGN_OR_RETURN(const Bytes held, p_.teams.OwnRoster());
  Scrubbed<pb::Body> body;
  pb::TeamNote* note = body->mutable_team_note();
  note->set_kind(pb::TeamNote::APPROVED);
  note->set_member(AsString(row.static_key));
  note->set_signing_key(AsString(row.signing_key));
  note->set_roster(AsString(held));
  body->set_sent_at(p_.clock.Now());
  return p_.courier.Send(proposer, *body).status();
}

Status Approvals::TakeApproval(const Contact& from, const pb::TeamNote& note) {
  if (p_.identity.self().role != Role::kCoordinator || from.role != Role::kCoordinator ||
      from.state != ContactState::kActive || note.signing_key().size() != team::kSigningKeySize) {
    return Status::AuthFailed();
  }
  WAYPOST_ASSIGN_OR_RETURN(
      const std::vector<Row> rows,
      Rows("WHERE contact_id IS NOT NULL AND signing_key = ?", AsBytes(note.signing_key())));
  if (rows.empty()) return Status::Ok();  // not ours, or done already
  // The roster decides, never the note: taken only if it follows ours.
  static_cast<void>(p_.teams.TakeNewerRoster(AsBytes(note.roster())));
  return Status::Ok();
}

Result<std::vector<PendingApproval>> Approvals::Pending() {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Row> rows, Rows("WHERE proposer_id IS NOT NULL"));
  std::vector<PendingApproval> out;
  for (const Row& row : rows) {
    WAYPOST_ASSIGN_OR_RETURN(const Contact proposer, p_.contacts.Get(*row.proposer));
    out.push_back({.name = row.name,
                   .fingerprint = envelope::Fingerprint(row.static_key),
                   .proposer = proposer.name,
                   .received_at = row.created_at,
                   .approved = row.approved});
  }
  return out;
}

Status Approvals::Drop(ByteView static_key) {
  return p_.db.Run("DELETE FROM coordinator_approvals WHERE static_key = ?", static_key);
}

Status Approvals::Forget(ByteView static_key) {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Row> rows, Rows("WHERE static_key = ?", static_key));
  WAYPOST_RETURN_IF_ERROR(Drop(static_key));
  for (const Row& row : rows) {
    if (!row.approved) WAYPOST_RETURN_IF_ERROR(Acknowledge(row, row.name + " was withdrawn"));
  }
  return Status::Ok();
}

// The proposer's approval alert is acknowledged once nothing it asked for
// waits any more besides `done`.
Status Approvals::Acknowledge(const Row& done, std::string_view note) {
  if (!done.proposer) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Row> left,
                           Rows("WHERE proposer_id IS NOT NULL AND approved = 0"));
  const bool more = std::any_of(left.begin(), left.end(), [&](const Row& r) {
    return r.proposer == done.proposer && r.signing_key != done.signing_key;
  });
  if (more) return Status::Ok();
  return p_.alerts.AcknowledgedBy(*done.proposer, AlertKind::kApproval, p_.clock.Now(), note, "")
      .status();
}

Result<std::vector<std::pair<ContactId, team::RingPoint>>> Approvals::Settle() {
  std::vector<std::pair<ContactId, team::RingPoint>> done;
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Row> rows, Rows(""));
  if (rows.empty()) return done;
  Result<Bytes> held_bytes = p_.teams.OwnRoster();
  if (held_bytes.status().code() == Status::Code::kNotFound) return done;
  WAYPOST_RETURN_IF_ERROR(held_bytes.status());
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState held,
                           team::SignedTeamState::Parse(*held_bytes));
  for (const Row& row : rows) {
    const std::optional<team::SigningPublicKey> key =
        ArrayFrom<team::kSigningKeySize>(row.signing_key);
    if (!key) return Status::Corrupt("a candidate's signing key in the store has the wrong size");
    const bool listed = held.roster().CoordinatorIndex(*key) >= 0;
    if (row.proposer) {
      // Someone's signature completed it: nothing left to ask. The row
      // stays until the candidate is introduced here (or revoked): a
      // roster that lists it may still give way to one that does not, and
      // the proposal made again must find this node's approval.
      WAYPOST_ASSIGN_OR_RETURN(const PublicKey candidate, PublicKey::From(row.static_key));
      WAYPOST_ASSIGN_OR_RETURN(const std::optional<Contact> known, p_.contacts.WithKey(candidate));
      if (listed || known) WAYPOST_RETURN_IF_ERROR(Acknowledge(row, row.name + " was added"));
      if (known && known->state != ContactState::kPending) {
        WAYPOST_RETURN_IF_ERROR(Drop(row.static_key));
      }
      continue;
    }
    WAYPOST_ASSIGN_OR_RETURN(const Contact candidate, p_.contacts.Get(*row.contact));
    const std::optional<team::RingPoint> point = ArrayFrom<team::kRingPointSize>(row.ring_key);
    if (candidate.state == ContactState::kRevoked || !point) {
      WAYPOST_RETURN_IF_ERROR(Drop(row.static_key));
      continue;
    }
    if (listed) {
      WAYPOST_RETURN_IF_ERROR(Drop(row.static_key));
      done.emplace_back(candidate.id, *point);
      continue;
    }
    // Not yet: if the roster we hold moved on since the last proposal, the
    // last one can no longer follow it; propose again on what we hold.
    Result<team::SignedTeamState> last = team::SignedTeamState::Parse(row.roster);
    if (last.ok() && last->roster().version > held.roster().version) continue;
    WAYPOST_ASSIGN_OR_RETURN(const Bytes roster,
                             p_.teams.ProposeCoordinator(*key, *point, p_.clock.Now()));
    WAYPOST_RETURN_IF_ERROR(p_.db.Run(
        "UPDATE coordinator_approvals SET roster = ? WHERE signing_key = ?", roster, *key));
    WAYPOST_RETURN_IF_ERROR(SendProposal(row, roster));
  }
  return done;
}

}  // namespace waypost::node
