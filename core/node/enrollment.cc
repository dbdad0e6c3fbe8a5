#include "core/node/enrollment.h"

#include <algorithm>
#include <utility>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "core/node/internal/scrub.h"
#include "core/node/invite.h"
#include "core/text.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

using internal::Scrubbed;

std::string Str(const Secret& s) { return std::string(s.data(), s.data() + s.size()); }

bool WellFormedJoin(const pb::Body& body) {
  const std::string& ring_key = body.join().ring_key();
  return body.has_join() && body.join().tag_key().size() == envelope::kKeySize &&
         body.join().chain_seed().size() == envelope::kKeySize &&
         CheckName(body.join().name()).ok() &&
         (ring_key.empty() || team::IsRingMemberKey(AsBytes(ring_key))) &&
         (body.join().signing_key().empty() ||
          (body.join().signing_key().size() == team::kSigningKeySize && !ring_key.empty()));
}

// Names as ContactBook::Named matches them: space around ignored, and the
// case of A-Z.
bool SameName(std::string_view a, std::string_view b) {
  a = TrimSpace(a);
  b = TrimSpace(b);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

Result<std::string> Enrollment::CreateInvite(std::string_view for_name, int64_t ttl_seconds,
                                             bool coordinator) {
  if (ttl_seconds <= 0 || ttl_seconds > kMaxInviteSeconds) {
    return Status::InvalidArgument("an invite must expire within 30 days");
  }
  if (coordinator && p_.identity.self().role != Role::kCoordinator) {
    return Status::InvalidArgument("only a coordinator invites another coordinator");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<std::string> relays, p_.relays.Addresses());
  if (relays.empty()) {
    return Status::InvalidArgument(
        "add a relay first (`waypost relays add ADDRESS`): invites carry them");
  }
  Bytes id(InviteBook::kIdSize);
  p_.random.Fill(id);
  Secret secret(envelope::kKeySize);
  p_.random.Fill(secret.span());
  const UnixTime now = p_.clock.Now();
  const UnixTime expires_at = now + ttl_seconds;
  if (coordinator) {
    // Refused now rather than when the join request comes: a coordinator
    // whose welcome has not come, or a roster that holds no more.
    WAYPOST_RETURN_IF_ERROR(p_.teams.EnsureOwnTeam(p_.random, now).status());
    WAYPOST_RETURN_IF_ERROR(p_.teams.NeedsApproval().status());
  }
  WAYPOST_RETURN_IF_ERROR(p_.invites.Add(id, secret, for_name, now, expires_at, coordinator));

  Scrubbed<pb::Invite> invite;
  invite->set_inviter_key(AsString(p_.identity.self().public_key.view()));
  invite->set_secret(Str(secret));
  invite->set_expires_at(expires_at);
  for (const std::string& r : relays) invite->add_relays(r);
  invite->set_inviter_name(p_.identity.self().name);
  invite->set_tag_key(Str(p_.identity.tag_key()));
  invite->set_coordinator(coordinator);
  if (p_.identity.self().role == Role::kCoordinator) {
    // A ticket lets the joiner reach the team's relays until it is in the
    // ring (docs/protocol.md §11.4).
    WAYPOST_RETURN_IF_ERROR(p_.teams.EnsureOwnTeam(p_.random, now).status());
    WAYPOST_ASSIGN_OR_RETURN(const team::Ticket ticket, p_.teams.TicketFor(secret, expires_at));
    invite->set_team_id(ticket.team_id.data(), ticket.team_id.size());
    invite->set_ticket_signer(ticket.coordinator.data(), ticket.coordinator.size());
    invite->set_ticket_signature(AsString(ticket.signature));
  }
  // The invite names no id: the inviter finds its invite again by the join
  // tag, which only the secret derives.
  return EncodeInvite(*invite);
}

Result<Joined> Enrollment::Join(std::string_view code, bool another_coordinator) {
  WAYPOST_ASSIGN_OR_RETURN(pb::Invite decoded, DecodeInvite(code));
  Scrubbed<pb::Invite> invite(std::move(decoded));
  const UnixTime now = p_.clock.Now();
  if (invite->expires_at() <= now) {
    return Status::Expired("this invite has expired; ask for a new one");
  }
  WAYPOST_ASSIGN_OR_RETURN(PublicKey inviter_key, PublicKey::From(AsBytes(invite->inviter_key())));
  if (inviter_key == p_.identity.self().public_key) {
    return Status::InvalidArgument("this is your own invite");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Contact> known, p_.contacts.WithKey(inviter_key));
  // Only a coordinator's pending sign-up can be replaced: an active one is
  // done, and a helper of ours inviting us is not how enrollment goes.
  const bool again =
      known && known->state == ContactState::kPending && known->role == Role::kCoordinator;
  if (known && !again) return Status::AlreadyExists("you are already enrolled with " + known->name);
  if (!known) WAYPOST_RETURN_IF_ERROR(CheckNotAVerifiedName(invite->inviter_name(), inviter_key));
  const bool as_coordinator = invite->coordinator();
  if (as_coordinator) {
    WAYPOST_RETURN_IF_ERROR(CheckFreeToCoordinate(known));
  } else if (!known && !another_coordinator) {
    WAYPOST_RETURN_IF_ERROR(CheckNoOtherCoordinator(invite->inviter_name()));
  }

  Secret chain_seed(envelope::kKeySize);
  p_.random.Fill(chain_seed.span());
  const Secret invite_secret = Secret::FromString(invite->secret());
  const NewContact coordinator{.name = invite->inviter_name(),
                               .public_key = inviter_key,
                               .role = Role::kCoordinator,
                               .state = ContactState::kPending,
                               .tag_key = AsBytes(invite->tag_key()),
                               .chain_epoch = envelope::EpochOf(now),
                               .chain_key = &chain_seed,
                               .invite_expires_at = invite->expires_at(),
                               .joined_at = now};
  Joined joined;
  ContactId id;
  if (again) {
    WAYPOST_ASSIGN_OR_RETURN(joined.failed, WithdrawSignUp(*known));
    WAYPOST_RETURN_IF_ERROR(p_.contacts.Rekey(known->id, coordinator));
    id = known->id;
    joined.inviter = known->name;
    joined.replaced = true;
  } else {
    WAYPOST_ASSIGN_OR_RETURN(id, p_.contacts.Add(coordinator, now));
    WAYPOST_ASSIGN_OR_RETURN(const Contact added, p_.contacts.Get(id));
    joined.inviter = added.name;
  }
  for (const std::string& relay : invite->relays()) {
    WAYPOST_RETURN_IF_ERROR(p_.relays.Add(relay, now).status());
  }
  if (!as_coordinator) WAYPOST_RETURN_IF_ERROR(p_.identity.SetRole(p_.db, Role::kHelper));
  WAYPOST_ASSIGN_OR_RETURN(const std::optional<team::RingPoint> ring_key,
                           JoinTeam(*invite, invite_secret));
  std::optional<team::TeamId> team;
  if (as_coordinator) team = ArrayFrom<team::kTeamIdSize>(AsBytes(invite->team_id()));
  if (as_coordinator && (!team || !ring_key)) {
    return Status::InvalidArgument("this coordinator invite names no team");
  }
  WAYPOST_ASSIGN_OR_RETURN(
      const Bytes join_id,
      QueueJoinRequest(id, inviter_key.view(), invite_secret, invite->expires_at(), chain_seed,
                       ring_key, team ? &*team : nullptr));
  WAYPOST_RETURN_IF_ERROR(p_.contacts.SetJoinId(id, join_id));
  joined.invite_expires_at = invite->expires_at();
  joined.coordinator = as_coordinator;
  return joined;
}

// The invite's team, if it names one: its ticket is kept for the relays, and
// this node's admission key goes in the join request (docs/protocol.md
// §11.4). The ticket is checked against nothing here: only the relay, which
// holds the team's roster, can tell a forged one, and refuses it.
Result<std::optional<team::RingPoint>> Enrollment::JoinTeam(const pb::Invite& invite,
                                                            const Secret& invite_secret) {
  if (invite.team_id().empty()) return std::optional<team::RingPoint>();
  team::Ticket ticket;
  std::copy(invite.team_id().begin(), invite.team_id().end(), ticket.team_id.begin());
  const team::WithdrawnTicket terms =
      team::TicketTermsOfInvite(invite_secret.view(), invite.expires_at());
  ticket.key = terms.key;
  ticket.expires_at = terms.expires_at;
  std::copy(invite.ticket_signer().begin(), invite.ticket_signer().end(),
            ticket.coordinator.begin());
  ticket.signature.assign(invite.ticket_signature().begin(), invite.ticket_signature().end());
  WAYPOST_ASSIGN_OR_RETURN(const team::RingPoint point,
                           p_.teams.Joining(ticket.team_id, ticket, invite_secret, p_.random,
                                            p_.clock.Now(), invite.coordinator()));
  return std::optional<team::RingPoint>(point);
}

// A coordinator of two teams would mix them up; a coordinator with helpers
// of its own would bring them into a team whose roster never named them.
Status Enrollment::CheckFreeToCoordinate(const std::optional<Contact>& inviter) {
  if (p_.identity.self().role != Role::kCoordinator) {
    return Status::InvalidArgument(
        "this invite is for a coordinator, and this node is a helper; join it from a new home "
        "(`waypost init`)");
  }
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> all, p_.contacts.All());
  const bool others = std::any_of(
      all.begin(), all.end(), [&](const Contact& c) { return !inviter || c.id != inviter->id; });
  const Result<Bytes> own = p_.teams.OwnRoster();
  if (!own.ok() && own.status().code() != Status::Code::kNotFound) return own.status();
  if (others || own.ok()) {
    return Status::InvalidArgument(
        "a coordinator invite is joined from a new home (`waypost init`): this one already has "
        "contacts or a team of its own");
  }
  return Status::Ok();
}

// The old join request must not reach the coordinator after the new one
// has: it would set the pair's keys back to the ones this node just
// dropped. A copy a relay already took is older by its sealing time, and
// the coordinator keeps the newer keys (TakeJoin).
Result<size_t> Enrollment::WithdrawSignUp(const Contact& pending) {
  if (!pending.join_id.empty()) WAYPOST_RETURN_IF_ERROR(p_.outbox.Remove(pending.join_id));

  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Bytes> failed,
                           p_.messages.FailUnanswered(pending.id, p_.clock.Now()));
  for (const Bytes& id : failed) WAYPOST_RETURN_IF_ERROR(p_.outbox.Remove(id));
  return failed.size();
}

// An informant with an invite of their own must not quietly become a second
// coordinator, receiving every check-in from then on: it takes a flag, and
// the error says who receives them now.
Status Enrollment::CheckNoOtherCoordinator(const std::string& inviter_name) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> coordinators,
                           p_.contacts.WithRole(Role::kCoordinator));
  if (coordinators.empty()) return Status::Ok();
  std::string names;
  for (const Contact& c : coordinators) names += (names.empty() ? "" : ", ") + c.name;
  return Status::AlreadyExists("your check-ins go to " + names + " (" +
                               coordinators.front().Info().fingerprint +
                               (coordinators.size() > 1 ? ", ..." : "") + "); to send them to " +
                               inviter_name + " as well, join with --another-coordinator");
}

// docs/protocol.md §10: a verified contact's key never changes quietly. An
// invite in a verified contact's name with another key is someone else
// posing as them, or a new device that must be verified anew once the old
// contact is gone; either way it is refused, loudly.
Status Enrollment::CheckNotAVerifiedName(std::string_view name, const PublicKey& key) {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> all, p_.contacts.All());
  for (const Contact& c : all) {
    if (!c.verified_at || c.public_key == key || !SameName(c.name, name)) continue;
    return Status::Error(
        Status::Code::kAuthFailed,
        "this invite claims to come from " + c.name + ", whom you verified in person, but it " +
            "carries a different key (" + envelope::Fingerprint(key.view()) + ", not " +
            envelope::Fingerprint(c.public_key.view()) + "). Someone may be posing as " + c.name +
            ": do not join, and tell " + c.name + " by another way. Nothing was changed");
  }
  return Status::Ok();
}

Result<Bytes> Enrollment::QueueJoinRequest(ContactId inviter, ByteView inviter_key,
                                           const Secret& invite_secret, int64_t expires_at,
                                           const Secret& chain_seed,
                                           const std::optional<team::RingPoint>& ring_key,
                                           const team::TeamId* coordinator_of) {
  Scrubbed<pb::Body> body;
  pb::JoinRequest* join = body->mutable_join();
  join->set_name(p_.identity.self().name);
  join->set_tag_key(Str(p_.identity.tag_key()));
  join->set_chain_seed(Str(chain_seed));
  if (ring_key) join->set_ring_key(ring_key->data(), ring_key->size());
  if (coordinator_of) {
    WAYPOST_ASSIGN_OR_RETURN(const team::SigningKeyPair signer, p_.teams.SigningKey());
    join->set_signing_key(signer.public_key.data(), signer.public_key.size());
    join->set_binding(AsString(team::SignDetached(
        signer, team::CoordinatorBinding(*coordinator_of, p_.identity.self().public_key.view()))));
  }
  body->set_sent_at(p_.clock.Now());
  std::string body_bytes = p_.courier.Serialize(*body);

  envelope::SealRequest req;
  req.pattern = envelope::Pattern::kJoin;
  req.sender = &p_.identity.key_pair();
  req.recipient_public = inviter_key;
  req.psk = &invite_secret;
  req.tag = envelope::JoinTagFor(invite_secret);
  // The invite's own expiry would say to the second when it was made.
  req.expires_at = uint32_t(envelope::RoundUpToEpoch(expires_at));
  req.body = AsBytes(body_bytes);
  Result<Bytes> sealed = envelope::Seal(req, p_.random);
  Wipe(body_bytes);
  if (!sealed.ok()) return sealed.status();
  const envelope::ContentId id = envelope::ComputeContentId(*sealed);
  WAYPOST_RETURN_IF_ERROR(p_.outbox.Add({.id = id,
                                         .envelope = *sealed,
                                         .expires_at = expires_at,
                                         .keep = Outbox::Keep::kUntilRelayed,
                                         .contact = inviter.value,
                                         .created_at = p_.clock.Now(),
                                         .reply_to = {}}));
  return Bytes(id.begin(), id.end());
}

// A second join under a used invite: the invite reached someone else too,
// or the first joiner was not who the coordinator meant it for. Either way
// the coordinator is told, with both fingerprints, and nobody is enrolled.
Status Enrollment::AlertReuse(ContactId first, const PublicKey& second,
                              std::string_view second_name) {
  WAYPOST_ASSIGN_OR_RETURN(Contact first_joiner, p_.contacts.Get(first));
  if (first_joiner.public_key == second) return Status::Ok();  // the same joiner again
  const std::string detail = "invite used twice: first by " + first_joiner.name + " (" +
                             first_joiner.Info().fingerprint + "), then by \"" +
                             std::string(second_name) + "\" (" +
                             envelope::Fingerprint(second.view()) + "): someone else may hold it";
  return p_.alerts.Raise(first, AlertKind::kInviteReused, {}, p_.clock.Now(), detail);
}

// docs/protocol.md §10, the coordinator's side: a join request in the name
// of a helper the coordinator verified, from another key, enrolls nobody.
// The coordinator is told, with both fingerprints; the invite stays unused.
Result<bool> Enrollment::RefuseNewKeyForVerified(std::string_view name, const PublicKey& joiner) {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Contact> known, p_.contacts.WithKey(joiner));
  if (known) return false;  // a helper we know, joining again (§5.4)
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Contact> helpers, p_.contacts.WithRole(Role::kHelper));
  for (const Contact& c : helpers) {
    if (!c.verified_at || !SameName(c.name, name)) continue;
    const std::string detail =
        "a join request in the name of " + c.name + ", whom you verified, came with another key (" +
        envelope::Fingerprint(joiner.view()) + ", not " + c.Info().fingerprint +
        "); nobody was enrolled. If " + c.name + " has a new device, meet, rename the old " +
        "contact and send a new invite; otherwise someone is posing as " + c.name;
    WAYPOST_RETURN_IF_ERROR(
        p_.alerts.RaiseOrExtend(c.id, AlertKind::kKeyChanged, p_.clock.Now(), detail));
    return true;
  }
  return false;
}

namespace {

// A roster travels inside one envelope: in a welcome, an introduction, a
// note between coordinators. The largest one, with those bodies' other
// fields (names, keys, a binding: well under 2 KiB), must fit.
static_assert(team::kMaxTeamStateBytes + 2048 <= envelope::kMaxEnvelopeSize);

// The admission ticket an invite carries (docs/protocol.md §11.4), as
// TicketFor signed it.
team::WithdrawnTicket TicketOf(const LiveInvite& invite) {
  return team::TicketTermsOfInvite(invite.secret.view(), invite.expires_at);
}

}  // namespace

Result<IngestOutcome> Enrollment::TakeJoin(ByteView envelope_bytes, const LiveInvite& invite) {
  envelope::OpenRequest req;
  req.pattern = envelope::Pattern::kJoin;
  req.recipient = &p_.identity.key_pair();
  req.psk = &invite.secret;
  WAYPOST_ASSIGN_OR_RETURN(envelope::Opened opened, envelope::Open(req, envelope_bytes));
  Scrubbed<pb::Body> body;
  const bool parsed = body->ParseFromArray(opened.body.data(), int(opened.body.size()));
  Wipe(opened.body);
  if (!parsed || !WellFormedJoin(*body)) return Status::AuthFailed();
  // Only a coordinator invite makes a coordinator, and it makes nothing else.
  const bool as_coordinator = !body->join().signing_key().empty();
  if (as_coordinator != invite.coordinator) return Status::AuthFailed();
  WAYPOST_ASSIGN_OR_RETURN(PublicKey joiner, PublicKey::From(opened.sender_public));
  if (invite.used_by) {
    WAYPOST_RETURN_IF_ERROR(AlertReuse(*invite.used_by, joiner, body->join().name()));
    return IngestOutcome::kAccepted;
  }

  WAYPOST_ASSIGN_OR_RETURN(std::optional<std::string> for_name, p_.invites.ForName(invite.id));
  if (!for_name) return IngestOutcome::kNotOurs;
  const std::string name = for_name->empty() ? body->join().name() : *for_name;
  WAYPOST_ASSIGN_OR_RETURN(const bool refused, RefuseNewKeyForVerified(name, joiner));
  if (refused) return IngestOutcome::kAccepted;  // taken in: the alert is what it did

  // The seed is the chain key of the epoch the joiner's clock was in when it
  // joined, which may differ from ours: take it from the authenticated body.
  const Secret chain = Secret::FromString(body->join().chain_seed());
  const UnixTime sealed_at = std::max<int64_t>(0, body->sent_at());
  const Role role = as_coordinator ? Role::kCoordinator : Role::kHelper;
  const NewContact helper{.name = name,
                          .public_key = joiner,
                          .role = role,
                          .state = ContactState::kActive,
                          .tag_key = AsBytes(body->join().tag_key()),
                          .chain_epoch = envelope::EpochOf(sealed_at),
                          .chain_key = &chain,
                          .invite_expires_at = std::nullopt,
                          .joined_at = sealed_at};
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Contact> known, p_.contacts.WithKey(joiner));
  if (known && known->role != role) return Status::AuthFailed();
  if (known && known->state == ContactState::kRevoked) {
    // A revoked key never comes back (docs/protocol.md §11.6): the invite
    // is spent on it, so whoever it was meant for raises an invite-reused
    // alert that names the revoked contact.
    WAYPOST_RETURN_IF_ERROR(p_.invites.MarkUsed(invite.id, known->id));
    WAYPOST_RETURN_IF_ERROR(p_.teams.RecordTicket(known->id, TicketOf(invite)));
    return IngestOutcome::kAccepted;
  }
  ContactId id;
  if (known) {
    // A helper whose welcome had not reached it before its invite expired
    // joins again under a new one (docs/protocol.md §5.3); by the joiner's
    // own clock, an older join request never replaces a newer one.
    id = known->id;
    if (!known->joined_at || sealed_at >= *known->joined_at) {
      WAYPOST_RETURN_IF_ERROR(p_.contacts.Rekey(id, helper));
    }
  } else {
    WAYPOST_ASSIGN_OR_RETURN(id, p_.contacts.Add(helper, p_.clock.Now()));
  }
  WAYPOST_RETURN_IF_ERROR(p_.invites.MarkUsed(invite.id, id));
  WAYPOST_RETURN_IF_ERROR(p_.teams.RecordTicket(id, TicketOf(invite)));
  if (as_coordinator) return TakeCoordinator(id, joiner, body->join());
  const std::string& ring_key = body->join().ring_key();
  if (!ring_key.empty()) {
    const std::optional<team::RingPoint> point = ArrayFrom<team::kRingPointSize>(AsBytes(ring_key));
    if (!point) return Status::AuthFailed();
    WAYPOST_RETURN_IF_ERROR(p_.teams.AddMember(id, *point, p_.clock.Now()));
  }
  WAYPOST_RETURN_IF_ERROR(Welcome(id));
  // A new helper meets the team's other coordinators (§12.2); one joining
  // again has met them already, and its pairs with them stand.
  if (!known) {
    WAYPOST_ASSIGN_OR_RETURN(const Contact helper, p_.contacts.Get(id));
    WAYPOST_RETURN_IF_ERROR(p_.news.IntroduceHelper(helper));
  }
  return IngestOutcome::kAccepted;
}

// docs/protocol.md §12.1: the joiner's signing key must vouch for its
// static key; it then joins the roster (signed by this coordinator alone,
// which the rules allow while the team has one), the welcome carries that
// roster, and the new coordinator is introduced to every helper (§12.2).
// Once the team has had two coordinators, the joiner waits, pending, for
// another coordinator's approval (§12.6); FinishCoordinators welcomes it.
Status Enrollment::TakeCoordinator(ContactId id, const PublicKey& joiner,
                                   const pb::JoinRequest& join) {
  const std::optional<team::SigningPublicKey> key =
      ArrayFrom<team::kSigningKeySize>(AsBytes(join.signing_key()));
  const std::optional<team::RingPoint> point =
      ArrayFrom<team::kRingPointSize>(AsBytes(join.ring_key()));
  if (!key || !point) return Status::AuthFailed();
  WAYPOST_ASSIGN_OR_RETURN(const Bytes held, p_.teams.OwnRoster());
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState roster, team::SignedTeamState::Parse(held));
  const Bytes bound = team::CoordinatorBinding(roster.roster().team_id, joiner.view());
  if (!team::VerifyDetached(*key, bound, AsBytes(join.binding())).ok()) {
    return Status::AuthFailed();
  }
  WAYPOST_RETURN_IF_ERROR(p_.contacts.SetSigningKey(id, *key, AsBytes(join.binding())));
  WAYPOST_ASSIGN_OR_RETURN(const bool needs_approval, p_.teams.NeedsApproval());
  if (needs_approval && roster.roster().CoordinatorIndex(*key) < 0) {
    WAYPOST_RETURN_IF_ERROR(p_.contacts.SetState(id, ContactState::kPending));
    WAYPOST_ASSIGN_OR_RETURN(const Contact candidate, p_.contacts.Get(id));
    return p_.approvals.Propose(candidate, *point);
  }
  WAYPOST_RETURN_IF_ERROR(p_.teams.AddCoordinator(id, *key, *point, p_.clock.Now()));
  return WelcomeCoordinator(id);
}

// The new coordinator is in the roster: welcomed, then introduced to every
// helper (§12.2) and every other coordinator (§12.6).
Status Enrollment::WelcomeCoordinator(ContactId id) {
  WAYPOST_RETURN_IF_ERROR(Welcome(id));
  WAYPOST_ASSIGN_OR_RETURN(const Contact coordinator, p_.contacts.Get(id));
  WAYPOST_RETURN_IF_ERROR(p_.news.IntroduceCoordinator(coordinator));
  return p_.news.IntroduceToCoordinators(coordinator);
}

Status Enrollment::FinishCoordinators() {
  WAYPOST_ASSIGN_OR_RETURN(const auto done, p_.approvals.Settle());
  for (const auto& [id, point] : done) {
    WAYPOST_RETURN_IF_ERROR(p_.contacts.SetState(id, ContactState::kActive));
    WAYPOST_RETURN_IF_ERROR(p_.teams.KnowMember(id, point));
    WAYPOST_RETURN_IF_ERROR(WelcomeCoordinator(id));
  }
  return Status::Ok();
}

// The welcome completes the helper's enrollment; a changed codebook follows
// it (docs/protocol.md §4.7), since a helper starts with the default one.
Status Enrollment::Welcome(ContactId id) {
  const UnixTime now = p_.clock.Now();
  WAYPOST_ASSIGN_OR_RETURN(Contact joined, p_.contacts.Get(id));
  Scrubbed<pb::Body> welcome;
  welcome->mutable_welcome()->set_name(p_.identity.self().name);
  Result<Bytes> roster = p_.teams.OwnRoster();
  if (roster.ok()) {
    welcome->mutable_welcome()->set_roster(AsString(*roster));
    WAYPOST_ASSIGN_OR_RETURN(const team::SigningKeyPair signer, p_.teams.SigningKey());
    WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState parsed,
                             team::SignedTeamState::Parse(*roster));
    welcome->mutable_welcome()->set_signing_key(signer.public_key.data(), signer.public_key.size());
    welcome->mutable_welcome()->set_binding(AsString(team::SignDetached(
        signer,
        team::CoordinatorBinding(parsed.roster().team_id, p_.identity.self().public_key.view()))));
    if (joined.role == Role::kCoordinator) {
      WAYPOST_ASSIGN_OR_RETURN(const team::RingPoint own, p_.teams.OwnPoint());
      welcome->mutable_welcome()->set_ring_key(own.data(), own.size());
    }
  } else if (roster.status().code() != Status::Code::kNotFound) {
    return roster.status();
  }
  welcome->set_sent_at(now);
  Result<std::string> sent = p_.courier.Send(joined, *welcome);
  if (!sent.ok()) return sent.status();
  WAYPOST_ASSIGN_OR_RETURN(int64_t version, p_.codebook.Version({}));
  if (version != Codebook::kDefaultVersion) {
    Scrubbed<pb::Body> codebook;
    WAYPOST_RETURN_IF_ERROR(p_.codebook.FillBody(*codebook));
    codebook->set_sent_at(now);
    WAYPOST_RETURN_IF_ERROR(p_.courier.Send(joined, *codebook).status());
  }
  return Status::Ok();
}

}  // namespace waypost::node
