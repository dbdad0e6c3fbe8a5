#include "core/node/team_book.h"

#include <algorithm>
#include <set>
#include <utility>

namespace waypost::node {

Result<team::SigningKeyPair> TeamBook::SigningKey() {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT signing_secret FROM teams WHERE signing_secret IS NOT NULL"));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return Status::NotFound("this node leads no team");
  return team::SigningKeyPair::FromSecret(st.ColumnSecret(0).view());
}

Result<team::TeamId> TeamBook::EnsureOwnTeam(Random& random, UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT team_id FROM teams WHERE signing_secret IS NOT NULL"));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (row) {
    std::optional<team::TeamId> id = ArrayFrom<team::kTeamIdSize>(st.ColumnBlob(0));
    if (!id) return Status::Corrupt("a team id in the store has the wrong size");
    return *id;
  }
  team::TeamRoster roster;
  random.Fill(roster.team_id);
  const team::SigningKeyPair signer = team::SigningKeyPair::Generate(random);
  const team::RingKeyPair own = team::RingKeyPair::Generate(random);
  roster.version = 1;
  roster.issued_at = now;
  roster.coordinators = {signer.public_key};
  roster.ring = {own.public_key};
  WAYPOST_ASSIGN_OR_RETURN(const Bytes signed_roster, team::SignTeamState(roster, {{0, &signer}}));
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO teams(team_id, roster, ring_secret, signing_secret, joined_at) "
               "VALUES(?, ?, ?, ?, ?)",
               roster.team_id, signed_roster, own.secret, signer.secret, now));
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO ring_members(team_id, point, contact_id) VALUES(?, ?, NULL)",
               roster.team_id, own.public_key));
  return roster.team_id;
}

Result<Bytes> TeamBook::OwnRoster() {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT roster FROM teams WHERE signing_secret IS NOT NULL"));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return Status::NotFound("this node leads no team");
  Bytes roster = st.ColumnBlob(0);
  if (roster.empty()) {
    return Status::NotFound(
        "this coordinator's welcome into its team has not arrived yet; sync first");
  }
  return roster;
}

Result<team::Ticket> TeamBook::TicketFor(const Secret& invite_secret, int64_t expires_at) {
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState roster, HeldOwn());
  WAYPOST_ASSIGN_OR_RETURN(const team::SigningKeyPair signer, SigningKey());
  const team::WithdrawnTicket terms = team::TicketTermsOfInvite(invite_secret.view(), expires_at);
  return team::IssueTicket(roster.roster().team_id, terms.key, terms.expires_at, signer);
}

Result<team::RingPoint> TeamBook::Joining(const team::TeamId& team, const team::Ticket& ticket,
                                          const Secret& invite_secret, Random& random, UnixTime now,
                                          bool coordinator) {
  const team::SigningKeyPair ticket_key = team::TicketKeyFromInviteSecret(invite_secret.view());
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT ring_secret FROM teams WHERE team_id = ?", team));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (row) {
    // Joining again (a new invite from the same team): the same key, a new
    // ticket until the welcome.
    WAYPOST_ASSIGN_OR_RETURN(const team::RingKeyPair held,
                             team::RingKeyPair::FromSecret(st.ColumnSecret(0).view()));
    WAYPOST_RETURN_IF_ERROR(
        db_->Run("UPDATE teams SET ticket = ?, ticket_secret = ? WHERE team_id = ?",
                 ticket.Encode(), ticket_key.secret, team));
    return held.public_key;
  }
  const team::RingKeyPair own = team::RingKeyPair::Generate(random);
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO teams(team_id, roster, ring_secret, ticket, ticket_secret, joined_at) "
               "VALUES(?, NULL, ?, ?, ?, ?)",
               team, own.secret, ticket.Encode(), ticket_key.secret, now));
  if (coordinator) {
    const team::SigningKeyPair signer = team::SigningKeyPair::Generate(random);
    WAYPOST_RETURN_IF_ERROR(
        db_->Run("UPDATE teams SET signing_secret = ? WHERE team_id = ?", signer.secret, team));
  }
  return own.public_key;
}

Result<team::SignedTeamState> TeamBook::HeldOwn() {
  WAYPOST_ASSIGN_OR_RETURN(const Bytes held, OwnRoster());
  return team::SignedTeamState::Parse(held);
}

Result<bool> TeamBook::NeedsApproval() {
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState held, HeldOwn());
  if (held.roster().coordinators.size() >= team::kMaxCoordinators) {
    return Status::LimitExceeded("the team has as many coordinators as a roster holds");
  }
  return held.roster().approvals > 1;
}

Result<Bytes> TeamBook::SignNext(const team::SignedTeamState& held, team::TeamRoster next,
                                 UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(const team::SigningKeyPair signer, SigningKey());
  const int index = held.roster().CoordinatorIndex(signer.public_key);
  if (index < 0) return Status::InvalidArgument("this node is no longer a coordinator of its team");
  // Never the same version twice, even for a proposal that was never kept
  // (§12.6): two rosters of one version would split the relays.
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT signed_version FROM teams WHERE team_id = ?", held.roster().team_id));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  const uint64_t floor = row ? uint64_t(st.ColumnInt64(0)) : 0;
  const uint64_t step = std::max<uint64_t>(1, held.roster().coordinators.size());
  next.version = team::NextVersion(held.roster(), index);
  while (next.version <= floor) next.version += step;
  next.issued_at = now;
  // A withdrawn ticket that has expired needs no listing any more.
  std::erase_if(next.withdrawn,
                [&](const team::WithdrawnTicket& t) { return t.expires_at <= now; });
  next.approvals = std::max<uint8_t>(held.roster().approvals,
                                     uint8_t(std::min<size_t>(2, next.coordinators.size())));
  WAYPOST_RETURN_IF_ERROR(db_->Run("UPDATE teams SET signed_version = ? WHERE team_id = ?",
                                   int64_t(next.version), held.roster().team_id));
  return team::SignTeamState(next, {{uint8_t(index), &signer}});
}

Status TeamBook::SignAndKeep(const team::SignedTeamState& held, team::TeamRoster next,
                             UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(const Bytes signed_roster, SignNext(held, next, now));
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState kept,
                           team::SignedTeamState::Parse(signed_roster));
  return KeepRoster(held, kept);
}

namespace {

// `next` is `held` with `key` among the coordinators and `point` in the
// ring (added if missing).
Status WithCoordinator(team::TeamRoster& next, const team::SigningPublicKey& key,
                       const team::RingPoint& point) {
  if (next.CoordinatorIndex(key) < 0) {
    if (next.coordinators.size() >= team::kMaxCoordinators) {
      return Status::LimitExceeded("the team has as many coordinators as a roster holds");
    }
    next.coordinators.push_back(key);
  }
  if (!next.HasRingMember(point)) {
    if (next.ring.size() >= team::kMaxRing) {
      return Status::LimitExceeded("the team has as many members as a roster holds");
    }
    next.ring.push_back(point);
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> TeamBook::ProposeCoordinator(const team::SigningPublicKey& key,
                                           const team::RingPoint& point, UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState held, HeldOwn());
  team::TeamRoster next = held.roster();
  WAYPOST_RETURN_IF_ERROR(WithCoordinator(next, key, point));
  return SignNext(held, next, now);
}

Result<bool> TeamBook::Cosign(ByteView proposal, const team::SigningPublicKey& candidate) {
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState held, HeldOwn());
  Result<team::SignedTeamState> offered = team::SignedTeamState::Parse(proposal);
  if (!offered.ok()) return false;
  WAYPOST_ASSIGN_OR_RETURN(const team::SigningKeyPair signer, SigningKey());
  const team::TeamRoster& next = offered->roster();
  // Only what the approval is for: the coordinators held and the candidate,
  // this node among them. Anything else is left for its proposer to redo.
  std::vector<team::SigningPublicKey> expected = held.roster().coordinators;
  if (held.roster().CoordinatorIndex(candidate) < 0) expected.push_back(candidate);
  const int index = held.roster().CoordinatorIndex(signer.public_key);
  if (index < 0 || next.team_id != held.roster().team_id || next.coordinators != expected) {
    return false;
  }
  Result<Bytes> cosigned = team::AddTeamSignature(proposal, uint8_t(index), signer);
  if (!cosigned.ok()) return false;
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState both,
                           team::SignedTeamState::Parse(*cosigned));
  if (!team::VerifySuccessor(held, both).ok()) return false;
  WAYPOST_RETURN_IF_ERROR(KeepRoster(held, both));
  return true;
}

Status TeamBook::KeepRoster(const team::SignedTeamState& held, const team::SignedTeamState& next) {
  WAYPOST_RETURN_IF_ERROR(steps_.Record(held, next));
  return WriteRoster(next);
}

Status TeamBook::WriteRoster(const team::SignedTeamState& roster) {
  return db_->Run("UPDATE teams SET roster = ? WHERE team_id = ?", roster.bytes(),
                  roster.roster().team_id);
}

Status TeamBook::AddMember(ContactId contact, const team::RingPoint& point, UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState held, HeldOwn());
  team::TeamRoster next = held.roster();
  if (next.HasRingMember(point)) return Status::Ok();  // the same member joining again
  if (next.ring.size() >= team::kMaxRing) {
    return Status::LimitExceeded("the team has as many members as a roster holds");
  }
  next.ring.push_back(point);
  WAYPOST_RETURN_IF_ERROR(SignAndKeep(held, next, now));
  return KnowMember(contact, point);
}

Status TeamBook::AddCoordinator(ContactId contact, const team::SigningPublicKey& key,
                                const team::RingPoint& point, UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState held, HeldOwn());
  if (held.roster().approvals > 1 && held.roster().CoordinatorIndex(key) < 0) {
    return Status::InvalidArgument(
        "the team has two coordinators or more: a new one needs another's approval");
  }
  team::TeamRoster next = held.roster();
  WAYPOST_RETURN_IF_ERROR(WithCoordinator(next, key, point));
  WAYPOST_RETURN_IF_ERROR(SignAndKeep(held, next, now));
  return KnowMember(contact, point);
}

Status TeamBook::KnowMember(ContactId contact, const team::RingPoint& point) {
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState held, HeldOwn());
  return db_->Run("INSERT OR IGNORE INTO ring_members(team_id, point, contact_id) VALUES(?, ?, ?)",
                  held.roster().team_id, point, contact.value);
}

Result<team::RingPoint> TeamBook::OwnPoint() {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT ring_secret FROM teams WHERE signing_secret IS NOT NULL"));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return Status::NotFound("this node leads no team");
  WAYPOST_ASSIGN_OR_RETURN(const team::RingKeyPair own,
                           team::RingKeyPair::FromSecret(st.ColumnSecret(0).view()));
  return own.public_key;
}

Status TeamBook::KnowListedMember(ContactId contact, ByteView point_bytes) {
  const std::optional<team::RingPoint> point = ArrayFrom<team::kRingPointSize>(point_bytes);
  if (!point) return Status::Ok();
  Result<team::SignedTeamState> held = HeldOwn();
  if (held.status().code() == Status::Code::kNotFound) return Status::Ok();
  WAYPOST_RETURN_IF_ERROR(held.status());
  if (!held->roster().HasRingMember(*point)) return Status::Ok();
  return KnowMember(contact, *point);
}

Result<std::optional<team::RingPoint>> TeamBook::PointOf(ContactId contact) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT r.point FROM ring_members r JOIN teams t ON t.team_id = r.team_id "
                 "WHERE t.signing_secret IS NOT NULL AND r.contact_id = ?",
                 contact.value));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return std::optional<team::RingPoint>();
  return ArrayFrom<team::kRingPointSize>(st.ColumnBlob(0));
}

Result<bool> TeamBook::RemoveMember(ContactId contact, UnixTime now, ByteView coordinator_key) {
  Result<team::SignedTeamState> held_or = HeldOwn();
  if (held_or.status().code() == Status::Code::kNotFound) return false;
  WAYPOST_RETURN_IF_ERROR(held_or.status());
  const team::SignedTeamState& held = *held_or;
  team::TeamRoster next = held.roster();
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT point FROM ring_members WHERE team_id = ? AND contact_id = ?",
                 next.team_id, contact.value));
  size_t removed = 0;
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) {
    const Bytes point = row.ColumnBlob(0);
    removed += std::erase_if(next.ring, [&](const team::RingPoint& p) {
      return std::equal(p.begin(), p.end(), point.begin(), point.end());
    });
  }));
  WAYPOST_RETURN_IF_ERROR(MarkCut(contact));
  removed += std::erase_if(next.coordinators, [&](const team::SigningPublicKey& k) {
    return std::equal(k.begin(), k.end(), coordinator_key.begin(), coordinator_key.end());
  });
  WAYPOST_ASSIGN_OR_RETURN(const size_t withdrawn, AddWithdrawals(next, now));
  if (removed + withdrawn == 0) return false;
  WAYPOST_RETURN_IF_ERROR(SignAndKeep(held, next, now));
  return true;
}

Status TeamBook::MarkCut(ContactId contact) {
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("UPDATE ring_members SET cut = 1 WHERE contact_id = ?", contact.value));
  return db_->Run("UPDATE issued_tickets SET withdrawn = 1 WHERE contact_id = ?", contact.value);
}

Status TeamBook::RecordTicket(ContactId contact, const team::WithdrawnTicket& ticket) {
  // A ticket spent by a contact already cut off (a revoked key joining
  // again) is withdrawn from the start.
  return db_->Run(
      "INSERT OR IGNORE INTO issued_tickets(contact_id, key, expires_at, withdrawn) "
      "VALUES(?1, ?2, ?3, EXISTS(SELECT 1 FROM ring_members WHERE contact_id = ?1 AND cut = 1) "
      "OR EXISTS(SELECT 1 FROM issued_tickets WHERE contact_id = ?1 AND withdrawn = 1))",
      contact.value, ticket.key, ticket.expires_at);
}

// The tickets of the contacts revoked here (not quietly) that have not
// expired go into `next`'s withdrawn list if missing (docs/protocol.md
// §11.6): how many went in. Expired ones are forgotten.
Result<size_t> TeamBook::AddWithdrawals(team::TeamRoster& next, UnixTime now) {
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM issued_tickets WHERE expires_at <= ?", now));
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT key, expires_at FROM issued_tickets WHERE withdrawn = 1 ORDER BY key"));
  size_t added = 0;
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    const std::optional<team::SigningPublicKey> key =
        ArrayFrom<team::kSigningKeySize>(row.ColumnBlob(0));
    if (!key) return Status::Corrupt("a ticket key in the store has the wrong size");
    if (next.HasWithdrawn(*key) || next.withdrawn.size() >= team::kMaxWithdrawn) {
      return Status::Ok();
    }
    next.withdrawn.push_back({*key, row.ColumnInt64(1)});
    ++added;
    return Status::Ok();
  }));
  return added;
}

Result<bool> TeamBook::Reconcile(const std::vector<ContactId>& revoked,
                                 const std::vector<Bytes>& revoked_signers, UnixTime now) {
  Result<team::SignedTeamState> held_or = HeldOwn();
  if (held_or.status().code() == Status::Code::kNotFound) return false;
  WAYPOST_RETURN_IF_ERROR(held_or.status());
  const team::SignedTeamState& held = *held_or;
  WAYPOST_ASSIGN_OR_RETURN(const team::SigningKeyPair signer, SigningKey());
  if (held.roster().CoordinatorIndex(signer.public_key) < 0) return false;
  team::TeamRoster next = held.roster();
  std::set<int64_t> quiet;
  for (const ContactId& c : revoked) quiet.insert(c.value);
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT point, contact_id, cut FROM ring_members WHERE team_id = ?",
                 next.team_id));
  bool changed = false;
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    const std::optional<team::RingPoint> point = ArrayFrom<team::kRingPointSize>(row.ColumnBlob(0));
    if (!point) return Status::Corrupt("an admission key in the store has the wrong size");
    if (row.ColumnInt64(2) != 0) {
      changed |= std::erase(next.ring, *point) > 0;  // cut by a revocation: stays out
    } else if (!row.ColumnIsNull(1) && quiet.count(row.ColumnInt64(1)) > 0) {
      // Revoked quietly: the roster keeps it as it is (§11.6).
    } else if (!next.HasRingMember(*point) && next.ring.size() < team::kMaxRing) {
      next.ring.push_back(*point);
      changed = true;
    }
    return Status::Ok();
  }));
  for (const Bytes& key : revoked_signers) {
    changed |= std::erase_if(next.coordinators, [&](const team::SigningPublicKey& k) {
                 return std::equal(k.begin(), k.end(), key.begin(), key.end());
               }) > 0;
  }
  WAYPOST_ASSIGN_OR_RETURN(const size_t withdrawn, AddWithdrawals(next, now));
  changed |= withdrawn > 0;
  if (!changed) return false;
  WAYPOST_RETURN_IF_ERROR(SignAndKeep(held, next, now));
  return true;
}

Result<std::vector<team::SigningPublicKey>> TeamBook::HeldCoordinators() {
  std::vector<team::SigningPublicKey> out;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT roster FROM teams WHERE roster IS NOT NULL"));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState roster,
                             team::SignedTeamState::Parse(row.ColumnBlob(0)));
    for (const auto& k : roster.roster().coordinators) out.push_back(k);
    return Status::Ok();
  }));
  return out;
}

Status TeamBook::TakeWelcomeRoster(ByteView roster_bytes) {
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState roster,
                           team::SignedTeamState::Parse(roster_bytes));
  const team::TeamId& id = roster.roster().team_id;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT ring_secret, roster FROM teams WHERE team_id = ?", id));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row)
    return Status::Protocol("a welcome brought the roster of a team this node never joined");
  WAYPOST_ASSIGN_OR_RETURN(const team::RingKeyPair own,
                           team::RingKeyPair::FromSecret(st.ColumnSecret(0).view()));
  if (!roster.roster().HasRingMember(own.public_key)) {
    return Status::Protocol("a welcome brought a roster without this node in it");
  }
  const Bytes held = st.ColumnBlob(1);
  if (!held.empty()) {
    // A welcome that comes late never sets a newer roster back.
    WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState current,
                             team::SignedTeamState::Parse(held));
    if (current.roster().version >= roster.roster().version) return Status::Ok();
  }
  // The first roster held of a team with several coordinators may be the
  // step that added this node as one: kept as a step, so that a relay
  // behind it can check what this node signs next (§11.7).
  if (roster.roster().coordinators.size() > 1) WAYPOST_RETURN_IF_ERROR(steps_.Keep({roster}));
  return db_->Run(
      "UPDATE teams SET roster = ?, ticket = NULL, ticket_secret = NULL WHERE team_id = ?",
      roster.bytes(), id);
}

Result<Bytes> TeamBook::RosterOf(const team::TeamId& team) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT roster FROM teams WHERE team_id = ?", team));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  return row ? st.ColumnBlob(0) : Bytes();
}

Result<std::vector<Bytes>> TeamBook::StepsAbove(const team::TeamId& team, uint64_t version) {
  return steps_.Above(team, version);
}

Status TeamBook::TakeNewerRoster(ByteView roster_bytes, const std::vector<ByteView>& steps) {
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState next,
                           team::SignedTeamState::Parse(roster_bytes));
  WAYPOST_ASSIGN_OR_RETURN(const Bytes held_bytes, RosterOf(next.roster().team_id));
  // A joiner has no roster to check a relay's against: it waits for the
  // welcome, which its coordinator authenticated.
  if (held_bytes.empty()) return Status::AuthFailed();
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState held,
                           team::SignedTeamState::Parse(held_bytes));
  // The walk keeps the steps it took, `next` among them if it is one.
  WAYPOST_RETURN_IF_ERROR(steps_.Walk(held, steps, next));
  return WriteRoster(next);
}

Result<std::optional<TeamBook::Material>> TeamBook::ForSync(bool leader) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query(
          "SELECT team_id, roster, ring_secret, ticket, ticket_secret FROM teams "
          "ORDER BY CASE WHEN ? THEN signing_secret IS NULL ELSE 0 END, joined_at DESC LIMIT 1",
          int64_t{leader ? 1 : 0}));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return std::optional<Material>();
  Material m;
  std::optional<team::TeamId> id = ArrayFrom<team::kTeamIdSize>(st.ColumnBlob(0));
  if (!id) return Status::Corrupt("a team id in the store has the wrong size");
  m.team = *id;
  m.roster = st.ColumnBlob(1);
  WAYPOST_ASSIGN_OR_RETURN(team::RingKeyPair key,
                           team::RingKeyPair::FromSecret(st.ColumnSecret(2).view()));
  m.key.emplace(std::move(key));
  m.ticket = st.ColumnBlob(3);
  const Secret ticket_secret = st.ColumnSecret(4);
  if (!ticket_secret.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(team::SigningKeyPair ticket_key,
                             team::SigningKeyPair::FromSecret(ticket_secret.view()));
    m.ticket_key.emplace(std::move(ticket_key));
  }
  return std::optional<Material>(std::move(m));
}

Status TeamBook::MirrorTo(TeamBook& decoy) {
  // Rewritten only when they differ, so an unchanged team writes nothing to
  // the decoy. A NULL column reads as empty, as every reader here takes it.
  using Row = std::vector<Bytes>;
  auto rows = [](store::Database& db) -> Result<std::vector<Row>> {
    std::vector<Row> out;
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement st,
        db.Query("SELECT team_id, roster, ring_secret, ticket, ticket_secret, joined_at "
                 "FROM teams ORDER BY team_id"));
    WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) {
      Row r;
      for (int i = 0; i < 5; ++i) r.push_back(row.ColumnBlob(i));
      Bytes joined;
      PutU64(joined, static_cast<uint64_t>(row.ColumnInt64(5)));
      r.push_back(std::move(joined));
      out.push_back(std::move(r));
    }));
    return out;
  };
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Row> have, rows(*decoy.db_));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Row> want, rows(*db_));
  const bool same = have == want;
  for (Row& r : have) std::for_each(r.begin(), r.end(), [](Bytes& b) { Wipe(b); });
  Status status = Status::Ok();
  if (!same) {
    status = decoy.db_->Run("DELETE FROM teams WHERE 1");
    for (const Row& r : want) {
      if (!status.ok()) break;
      status = decoy.db_->Run(
          "INSERT INTO teams(team_id, roster, ring_secret, ticket, ticket_secret, joined_at) "
          "VALUES(?, ?, ?, ?, ?, ?)",
          r[0], r[1], r[2], r[3], r[4], static_cast<int64_t>(GetU64(r[5].data())));
    }
  }
  for (Row& r : want) std::for_each(r.begin(), r.end(), [](Bytes& b) { Wipe(b); });
  WAYPOST_RETURN_IF_ERROR(status);
  return MirrorStepsTo(decoy);
}

// The decoy hands on the same steps as the owner would (§11.7). They are
// rosters, no secret: copied as they are, and only when they differ.
Status TeamBook::MirrorStepsTo(TeamBook& decoy) {
  auto steps = [](store::Database& db) -> Result<std::vector<Bytes>> {
    std::vector<Bytes> out;
    WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                             db.Query("SELECT state FROM team_steps ORDER BY team_id, version"));
    WAYPOST_RETURN_IF_ERROR(
        st.ForEach([&](const store::Statement& row) { out.push_back(row.ColumnBlob(0)); }));
    return out;
  };
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Bytes> have, steps(*decoy.db_));
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Bytes> want, steps(*db_));
  if (have == want) return Status::Ok();
  WAYPOST_RETURN_IF_ERROR(decoy.db_->Run("DELETE FROM team_steps WHERE 1"));
  std::vector<team::SignedTeamState> parsed;
  for (const Bytes& state : want) {
    WAYPOST_ASSIGN_OR_RETURN(team::SignedTeamState step, team::SignedTeamState::Parse(state));
    parsed.push_back(std::move(step));
  }
  return decoy.steps_.Keep(parsed);
}

}  // namespace waypost::node
