#include "core/node/team_news.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "core/envelope/keys.h"
#include "core/node/internal/scrub.h"
#include "core/text.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

using internal::Scrubbed;

// `today`: our epoch. The pair's chain starts near it: an epoch far off
// would make every seal and open ratchet without end, or never.
bool WellFormed(const pb::Introduction& in, envelope::Epoch today) {
  return CheckName(in.name()).ok() && in.static_key().size() == envelope::kKeySize &&
         in.tag_key().size() == envelope::kKeySize &&
         in.chain_seed().size() == envelope::kKeySize &&
         in.chain_epoch() >= today - NodeSettings::kMaxDeliveryWindowEpochs &&
         in.chain_epoch() <= today + envelope::kFutureSkewEpochs &&
         (!in.coordinator() || in.signing_key().size() == team::kSigningKeySize);
}

}  // namespace

Result<std::vector<Contact>> TeamNews::Active(Role role) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> all, p_.contacts.WithRole(role));
  std::erase_if(all, [](const Contact& c) { return c.state != ContactState::kActive; });
  return all;
}

Status TeamNews::IntroduceCoordinator(const Contact& coordinator) {
  WAYPOST_ASSIGN_OR_RETURN(const Bytes roster, p_.teams.OwnRoster());
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> helpers, Active(Role::kHelper));
  for (const Contact& helper : helpers) {
    WAYPOST_RETURN_IF_ERROR(IntroducePair(coordinator, helper, roster));
  }
  return Status::Ok();
}

Status TeamNews::IntroduceHelper(const Contact& helper) {
  if (p_.identity.self().role != Role::kCoordinator) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> peers, Active(Role::kCoordinator));
  if (peers.empty()) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(const Bytes roster, p_.teams.OwnRoster());
  for (const Contact& peer : peers) {
    if (peer.signing_key.empty()) continue;  // not of this team: nothing to vouch for it
    WAYPOST_RETURN_IF_ERROR(IntroducePair(peer, helper, roster));
  }
  return Status::Ok();
}

Status TeamNews::IntroduceToCoordinators(const Contact& coordinator) {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> peers, Active(Role::kCoordinator));
  WAYPOST_ASSIGN_OR_RETURN(const Bytes roster, p_.teams.OwnRoster());
  for (const Contact& peer : peers) {
    if (peer.id == coordinator.id || peer.signing_key.empty()) continue;
    WAYPOST_RETURN_IF_ERROR(IntroducePair(peer, coordinator, roster));
  }
  return Status::Ok();
}

// One fresh chain per new pair, known to both sides and to us: we can
// neither read nor forge what they seal, which also takes both static keys
// (docs/protocol.md §12.2).
TeamNews::Intro TeamNews::NewIntro() {
  Intro intro{Secret(envelope::kKeySize), envelope::EpochOf(p_.clock.Now())};
  p_.random.Fill(intro.seed.span());
  return intro;
}

// The introduction of `who` to someone: a coordinator's carries its signing
// key, binding and `roster`.
void TeamNews::FillIntroduction(const Contact& who, const Intro& intro, ByteView roster,
                                pb::Body& body) {
  pb::Introduction* in = body.mutable_introduction();
  in->set_name(who.name);
  in->set_static_key(AsString(who.public_key.view()));
  in->set_tag_key(AsString(who.tag_key.view()));
  in->set_chain_seed(AsString(intro.seed.view()));
  in->set_chain_epoch(intro.epoch);
  if (who.role == Role::kCoordinator) {
    in->set_coordinator(true);
    in->set_signing_key(AsString(who.signing_key));
    in->set_binding(AsString(who.binding));
    in->set_roster(AsString(roster));
  }
  body.set_sent_at(p_.clock.Now());
}

Status TeamNews::IntroducePair(const Contact& coordinator, const Contact& helper, ByteView roster) {
  const Intro intro = NewIntro();
  Scrubbed<pb::Body> to_helper;
  FillIntroduction(coordinator, intro, roster, *to_helper);
  // Two coordinators learn each other's admission key, so that either can
  // cut the other out of the ring (§12.5); a helper never learns whose key
  // is whose.
  const bool colleagues = helper.role == Role::kCoordinator;
  if (colleagues) {
    WAYPOST_ASSIGN_OR_RETURN(const std::optional<team::RingPoint> coordinator_point,
                             p_.teams.PointOf(coordinator.id));
    if (coordinator_point) {
      to_helper->mutable_introduction()->set_ring_key(coordinator_point->data(),
                                                      coordinator_point->size());
    }
  }
  WAYPOST_RETURN_IF_ERROR(p_.courier.Send(helper, *to_helper).status());

  Scrubbed<pb::Body> to_coordinator;
  FillIntroduction(helper, intro, roster, *to_coordinator);
  pb::Introduction* h = to_coordinator->mutable_introduction();
  WAYPOST_ASSIGN_OR_RETURN(const std::optional<team::RingPoint> point, p_.teams.PointOf(helper.id));
  if (point) h->set_ring_key(point->data(), point->size());
  if (colleagues) return p_.courier.Send(coordinator, *to_coordinator).status();
  WAYPOST_ASSIGN_OR_RETURN(const std::optional<Schedule> schedule,
                           p_.schedules.Get(helper.public_key.view()));
  if (schedule && schedule->active()) ScheduleToWire(*schedule, *h->mutable_schedule());
  WAYPOST_RETURN_IF_ERROR(p_.courier.Send(coordinator, *to_coordinator).status());
  return Status::Ok();
}

// docs/protocol.md §12.2: the introducer's word is not enough. The roster
// must list the signing key, which only a roster this node can check puts
// there, and the signing key must vouch for the static key.
Status TeamNews::CheckCoordinator(const pb::Introduction& in, const PublicKey& key) {
  Result<team::SignedTeamState> offered = team::SignedTeamState::Parse(AsBytes(in.roster()));
  if (!offered.ok()) return Status::AuthFailed();
  const team::TeamId& team = offered->roster().team_id;
  WAYPOST_ASSIGN_OR_RETURN(const Bytes held_bytes, p_.teams.RosterOf(team));
  if (held_bytes.empty()) return Status::AuthFailed();
  // A newer roster than ours is taken if it follows ours. One that does
  // not (older: we took a later one at a relay; or not following) changes
  // nothing, and the one we hold decides.
  static_cast<void>(p_.teams.TakeNewerRoster(offered->bytes()));
  WAYPOST_ASSIGN_OR_RETURN(const Bytes now_held, p_.teams.RosterOf(team));
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState held,
                           team::SignedTeamState::Parse(now_held));
  const std::optional<team::SigningPublicKey> signer =
      ArrayFrom<team::kSigningKeySize>(AsBytes(in.signing_key()));
  if (!signer || held.roster().CoordinatorIndex(*signer) < 0) return Status::AuthFailed();
  return team::VerifyDetached(*signer, team::CoordinatorBinding(team, key.view()),
                              AsBytes(in.binding()));
}

Status TeamNews::TakeIntroduction(const Contact& from, const pb::Introduction& in) {
  if (from.role != Role::kCoordinator || from.state != ContactState::kActive ||
      !WellFormed(in, envelope::EpochOf(p_.clock.Now()))) {
    return Status::AuthFailed();
  }
  const bool leader = p_.identity.self().role == Role::kCoordinator;
  if (!in.coordinator() && !leader) return Status::AuthFailed();  // never a helper to a helper
  WAYPOST_ASSIGN_OR_RETURN(const PublicKey key, PublicKey::From(AsBytes(in.static_key())));
  if (in.coordinator()) WAYPOST_RETURN_IF_ERROR(CheckCoordinator(in, key));
  if (key == p_.identity.self().public_key) return Status::Ok();
  // Someone known stays as they are: an introduction never re-keys a pair,
  // nor brings back a revoked contact.
  WAYPOST_ASSIGN_OR_RETURN(const std::optional<Contact> known, p_.contacts.WithKey(key));
  if (known) return Status::Ok();

  const Secret chain = Secret::FromString(in.chain_seed());
  const UnixTime now = p_.clock.Now();
  const NewContact contact{.name = in.name(),
                           .public_key = key,
                           .role = in.coordinator() ? Role::kCoordinator : Role::kHelper,
                           .state = ContactState::kActive,
                           .tag_key = AsBytes(in.tag_key()),
                           .chain_epoch = in.chain_epoch(),
                           .chain_key = &chain,
                           .invite_expires_at = std::nullopt,
                           .joined_at = now,
                           .introduced_by = from.name};
  WAYPOST_ASSIGN_OR_RETURN(const ContactId id, p_.contacts.Add(contact, now));
  if (in.coordinator()) {
    WAYPOST_RETURN_IF_ERROR(
        p_.contacts.SetSigningKey(id, AsBytes(in.signing_key()), AsBytes(in.binding())));
    if (leader) WAYPOST_RETURN_IF_ERROR(p_.teams.KnowListedMember(id, AsBytes(in.ring_key())));
    // The team's codebook stands for the new coordinator's until its own
    // comes (the same, which it took from the introducer): check-ins with
    // the team's codes reach it from the start.
    WAYPOST_ASSIGN_OR_RETURN(const int64_t version, p_.codebook.Version(from.public_key.view()));
    if (leader || version == Codebook::kDefaultVersion) return Status::Ok();
    WAYPOST_ASSIGN_OR_RETURN(const std::vector<CodeEntry> codes,
                             p_.codebook.Codes(from.public_key.view()));
    return p_.codebook.Receive(key.view(), version, codes).status();
  }

  // A helper, to this coordinator: its admission key, its schedule (sent
  // on as ours, so that its `status` shows us too), and our codebook.
  if (team::IsRingMemberKey(AsBytes(in.ring_key()))) {
    const std::optional<team::RingPoint> point =
        ArrayFrom<team::kRingPointSize>(AsBytes(in.ring_key()));
    if (point) WAYPOST_RETURN_IF_ERROR(p_.teams.KnowMember(id, *point));
  }
  WAYPOST_ASSIGN_OR_RETURN(const Contact helper, p_.contacts.Get(id));
  const std::optional<Schedule> schedule =
      in.has_schedule() ? ScheduleFromWire(in.schedule()) : std::nullopt;
  if (schedule && schedule->active()) WAYPOST_RETURN_IF_ERROR(ExpectAsTold(helper, *schedule));
  return SendOwnCodebook(helper);
}

// What another coordinator expects of `helper`, taken as ours: set here
// (our clock runs the alarm) and sent on to the helper as ours, so that
// its `status` agrees with every coordinator.
Status TeamNews::ExpectAsTold(const Contact& helper, const Schedule& told) {
  WAYPOST_ASSIGN_OR_RETURN(const Schedule set,
                           p_.schedules.Set(helper.public_key.view(), told.every, told.due_by,
                                            told.grace, p_.clock.Now()));
  Scrubbed<pb::Body> body;
  ScheduleToWire(set, *body->mutable_schedule());
  body->set_sent_at(p_.clock.Now());
  return p_.courier.Send(helper, *body).status();
}

Status TeamNews::SendOwnCodebook(const Contact& helper) {
  WAYPOST_ASSIGN_OR_RETURN(const int64_t version, p_.codebook.Version({}));
  if (version == Codebook::kDefaultVersion) return Status::Ok();
  Scrubbed<pb::Body> body;
  WAYPOST_RETURN_IF_ERROR(p_.codebook.FillBody(*body));
  body->set_sent_at(p_.clock.Now());
  return p_.courier.Send(helper, *body).status();
}

Status TeamNews::TakeCodebook(const Contact& from, int64_t version,
                              const std::vector<CodeEntry>& codes) {
  if (p_.identity.self().role != Role::kCoordinator) {
    return p_.codebook.Receive(from.public_key.view(), version, codes).status();
  }
  // From the coordinator whose invite we joined, the codebook may come
  // before its welcome is taken in.
  if (from.state == ContactState::kRevoked) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(const bool taken, p_.codebook.Receive({}, version, codes));
  if (!taken) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> helpers, Active(Role::kHelper));
  for (const Contact& h : helpers) WAYPOST_RETURN_IF_ERROR(SendOwnCodebook(h));
  return Status::Ok();
}

Status TeamNews::Tell(const pb::TeamNote& note) {
  if (p_.identity.self().role != Role::kCoordinator) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> peers, Active(Role::kCoordinator));
  for (const Contact& peer : peers) {
    if (note.member() == AsString(peer.public_key.view())) continue;
    Scrubbed<pb::Body> body;
    *body->mutable_team_note() = note;
    body->set_sent_at(p_.clock.Now());
    WAYPOST_RETURN_IF_ERROR(p_.courier.Send(peer, *body).status());
  }
  return Status::Ok();
}

Status TeamNews::TakeNote(const Contact& from, const pb::TeamNote& note) {
  if (from.role != Role::kCoordinator || from.state != ContactState::kActive) {
    return Status::AuthFailed();
  }
  if (p_.identity.self().role != Role::kCoordinator) {
    // A helper told that a coordinator left: the roster decides, never the
    // note (§12.5).
    if (note.kind() != pb::TeamNote::REVOKED || note.roster().empty()) return Status::AuthFailed();
    static_cast<void>(p_.teams.TakeNewerRoster(AsBytes(note.roster())));
    return SweepCoordinators().status();
  }
  Result<PublicKey> key = PublicKey::From(AsBytes(note.member()));
  if (!key.ok()) return Status::AuthFailed();
  WAYPOST_ASSIGN_OR_RETURN(const std::optional<Contact> member, p_.contacts.WithKey(*key));
  if (!member || member->id == from.id) return Status::Ok();
  const UnixTime now = p_.clock.Now();
  switch (note.kind()) {
    case pb::TeamNote::CONFIRMED:
      return p_.messages.ConfirmedBy(member->id, note.sent_at(), now, note.note(), from.name)
          .status();
    case pb::TeamNote::ACKED: {
      const std::optional<AlertKind> kind = Parse<AlertKind>(note.alert());
      if (!kind) return Status::AuthFailed();
      return p_.alerts.AcknowledgedBy(member->id, *kind, now, note.note(), from.name).status();
    }
    case pb::TeamNote::SCHEDULED: {
      const std::optional<Schedule> schedule = ScheduleFromWire(note.schedule());
      if (!schedule) return Status::AuthFailed();
      if (member->role != Role::kHelper || member->state != ContactState::kActive) {
        return Status::Ok();
      }
      return ExpectAsTold(*member, *schedule);
    }
    case pb::TeamNote::REVOKED:
      if (!note.quiet()) WAYPOST_RETURN_IF_ERROR(p_.teams.MarkCut(member->id));
      if (member->state == ContactState::kRevoked) return Status::Ok();
      return CutOff(*member).status();
    default:
      return Status::AuthFailed();
  }
}

Result<size_t> TeamNews::CutOff(const Contact& contact) {
  WAYPOST_RETURN_IF_ERROR(p_.contacts.SetState(contact.id, ContactState::kRevoked));
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Bytes> failed,
                           p_.messages.FailUnanswered(contact.id, p_.clock.Now(),
                                                      /*queued_only=*/true));
  WAYPOST_RETURN_IF_ERROR(p_.outbox.RemoveFor(contact.id.value));
  return failed.size();
}

Result<size_t> TeamNews::SweepCoordinators() {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> coordinators,
                           p_.contacts.WithRole(Role::kCoordinator));
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<team::SigningPublicKey> listed,
                           p_.teams.HeldCoordinators());
  size_t revoked = 0;
  for (const Contact& c : coordinators) {
    // A pending one is a candidate not in the roster yet (§12.6).
    if (c.state != ContactState::kActive || c.signing_key.size() != team::kSigningKeySize) {
      continue;
    }
    const bool still = std::any_of(listed.begin(), listed.end(), [&](const auto& k) {
      return std::equal(k.begin(), k.end(), c.signing_key.begin(), c.signing_key.end());
    });
    if (still) continue;
    WAYPOST_RETURN_IF_ERROR(CutOff(c).status());
    ++revoked;
  }
  return revoked;
}

}  // namespace waypost::node
