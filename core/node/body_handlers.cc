#include "core/node/body_handlers.h"

#include <optional>
#include <string>
#include <vector>

#include "core/node/internal/scrub.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

Status BodyHandlers::Apply(const Contact& from, const envelope::ContentId& id, ByteView bytes,
                           bool via_duress) {
  internal::Scrubbed<pb::Body> body;
  if (!body->ParseFromArray(bytes.data(), int(bytes.size()))) return Status::AuthFailed();
  WAYPOST_RETURN_IF_ERROR(p_.contacts.Touch(from.id, p_.clock.Now()));
  if (from.state == ContactState::kRevoked) return OnRevoked(from, id, *body, via_duress);
  // A decoy raises no alerts, so it keeps no count of what it received.
  if (!p_.duress.is_decoy()) {
    WAYPOST_RETURN_IF_ERROR(
        p_.sequencer.Received(from.id, via_duress, body->seq(), p_.clock.Now()));
  }
  // Under the duress chain nothing acknowledges or welcomes: taken in, no
  // effect, as a decoy takes in an ack.
  if (body->has_ack()) return via_duress ? Status::Ok() : OnAck(from, body->ack());
  if (body->has_welcome()) return via_duress ? Status::Ok() : OnWelcome(from, body->welcome());
  if (body->has_receipt()) return OnReceipt(from, body->receipt());
  if (body->has_codebook()) return via_duress ? Status::Ok() : OnCodebook(from, body->codebook());
  if (body->has_schedule()) return via_duress ? Status::Ok() : OnSchedule(from, body->schedule());
  // A decoy holds no pair chain, so nothing under the duress chain comes
  // from a coordinator's hand: never an introduction or a note.
  if (body->has_introduction()) {
    return via_duress ? Status::Ok() : p_.news.TakeIntroduction(from, body->introduction());
  }
  if (body->has_team_note()) return via_duress ? Status::Ok() : OnTeamNote(from, body->team_note());
  if (body->has_checkin() || body->has_text()) return OnMessage(from, id, *body, via_duress);
  return Status::AuthFailed();  // a join body under a contact key, or empty
}

// What another coordinator did or asks (docs/protocol.md §12.4, §12.6).
// An approval may complete a candidate's roster, which Enrollment then
// welcomes; a candidate revoked is no longer proposed or approved.
Status BodyHandlers::OnTeamNote(const Contact& from, const pb::TeamNote& note) {
  switch (note.kind()) {
    case pb::TeamNote::PROPOSED:
      return p_.approvals.TakeProposal(from, note);
    case pb::TeamNote::APPROVED:
      WAYPOST_RETURN_IF_ERROR(p_.approvals.TakeApproval(from, note));
      return p_.enrollment.FinishCoordinators();
    case pb::TeamNote::REVOKED:
      WAYPOST_RETURN_IF_ERROR(p_.news.TakeNote(from, note));
      return p_.approvals.Forget(AsBytes(note.member()));
    default:
      return p_.news.TakeNote(from, note);
  }
}

// Only a coordinator ends a duress state, and a decoy has none to end: there
// the ack is taken in and shows nowhere.
Status BodyHandlers::OnAck(const Contact& from, const pb::Ack& ack) {
  if (p_.duress.is_decoy() || from.role != Role::kCoordinator || ack.kind() != pb::Ack::DURESS) {
    return Status::Ok();
  }
  return p_.duress.End(p_.db);
}

// The welcome answers our join request: no path needs it any more, and
// without a relay (enrollment by bundle) nothing else would take it out of
// the outbox.
// The roster it brings is the one this node proves membership with from
// now on (docs/protocol.md §11.4); a roster that is not for the team being
// joined, or lacks this node's key, is refused with the welcome.
Status BodyHandlers::OnWelcome(const Contact& from, const pb::Welcome& welcome) {
  if (from.role != Role::kCoordinator) return Status::AuthFailed();
  if (!welcome.roster().empty()) {
    Status taken = p_.teams.TakeWelcomeRoster(AsBytes(welcome.roster()));
    if (!taken.ok()) return Status::AuthFailed();
  }
  if (!from.join_id.empty()) WAYPOST_RETURN_IF_ERROR(p_.outbox.Remove(from.join_id));
  // Its roster-signing key: once no roster lists it, it has left the team
  // (docs/protocol.md §12.5).
  if (welcome.signing_key().size() == team::kSigningKeySize) {
    WAYPOST_RETURN_IF_ERROR(p_.contacts.SetSigningKey(from.id, AsBytes(welcome.signing_key()),
                                                      AsBytes(welcome.binding())));
    // A coordinator joiner learns the inviter's admission key, to cut it
    // out of the ring if it ever revokes the inviter.
    WAYPOST_RETURN_IF_ERROR(p_.teams.KnowListedMember(from.id, AsBytes(welcome.ring_key())));
  }
  return p_.contacts.SetState(from.id, ContactState::kActive);
}

// Only the contact a message went to can move its state forward. Delivered:
// no relay needs the envelope from us any more.
Status BodyHandlers::OnReceipt(const Contact& from, const pb::Receipt& receipt) {
  const MessageState state = receipt.kind() == pb::Receipt::CONFIRMED ? MessageState::kConfirmed
                                                                      : MessageState::kDelivered;
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Bytes> ids,
                           p_.messages.ApplyReceipt(from.id, AsBytes(receipt.of()), state,
                                                    p_.clock.Now(), receipt.note()));
  for (const Bytes& id : ids) WAYPOST_RETURN_IF_ERROR(p_.outbox.Remove(id));
  return Status::Ok();
}

// Only a coordinator's codebook counts, and only a newer one. A malformed
// one is refused whole: a helper keeps checking in with the codes it has.
// Another coordinator of the team takes it as its own (§12.2).
Status BodyHandlers::OnCodebook(const Contact& from, const pb::Codebook& codebook) {
  if (from.role != Role::kCoordinator) return Status::Ok();
  std::vector<CodeEntry> codes;
  for (const pb::Code& c : codebook.codes()) {
    codes.push_back({c.number(), c.code(), c.meaning(), c.distress(), false});
  }
  Status taken = p_.news.TakeCodebook(from, codebook.version(), codes);
  if (taken.code() == Status::Code::kInvalidArgument) return Status::AuthFailed();
  return taken;
}

// What a coordinator expects of us; only a coordinator's counts, only a
// newer one, and only one within the bounds a coordinator can set.
Status BodyHandlers::OnSchedule(const Contact& from, const pb::Schedule& schedule) {
  if (from.role != Role::kCoordinator) return Status::Ok();
  std::optional<Schedule> s = ScheduleFromWire(schedule);
  if (!s || s->version == 0) return Status::AuthFailed();
  s->set_at = p_.clock.Now();
  return p_.schedules.Receive(from.public_key.view(), *s).status();
}

// docs/protocol.md §11.6: whatever arrives from a revoked contact, whenever
// it was sealed, is shown as revoked and does nothing else: no receipt, no
// alert, no gap, no deadline met, no codebook or welcome taken.
Status BodyHandlers::OnRevoked(const Contact& from, const envelope::ContentId& id,
                               const pb::Body& body, bool via_duress) {
  if (!body.has_checkin() && !body.has_text()) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(const CodeEntry code, CodeOf(body));
  return Keep(from, id, body, code, via_duress, /*revoked=*/true);
}

// The message row for a received check-in or text. The duress chain says
// duress by itself; the flag says it for a main store in its duress state,
// which seals under the pair's chain.
Status BodyHandlers::Keep(const Contact& from, const envelope::ContentId& id, const pb::Body& body,
                          const CodeEntry& code, bool via_duress, bool revoked) {
  const bool checkin = body.has_checkin();
  const uint32_t flags = body.has_flags() ? body.flags() : 0;
  return p_.messages.Insert({.id = id,
                             .direction = Direction::kIn,
                             .kind = checkin ? MessageKind::kCheckIn : MessageKind::kText,
                             .contact = from.id,
                             .code = code.code,
                             .text = checkin ? body.checkin().note() : body.text().text(),
                             .sent_at = body.sent_at(),
                             .received_at = p_.clock.Now(),
                             .duress = via_duress || (flags & kFlagDuress) != 0,
                             .via_duress = via_duress,
                             .meaning = code.meaning,
                             .test = (flags & kFlagTest) != 0,
                             .seq = body.seq(),
                             .revoked = revoked});
}

// A check-in names its code by number in our codebook, removed codes
// included; a number we never gave shows as such, and one from before
// codebooks by its words. Empty for a text.
Result<CodeEntry> BodyHandlers::CodeOf(const pb::Body& body) {
  CodeEntry code;
  if (!body.has_checkin()) return code;
  const uint32_t number = body.checkin().number();
  if (number == 0) {
    code.code = body.checkin().code();
    return code;
  }
  WAYPOST_ASSIGN_OR_RETURN(std::optional<CodeEntry> known, p_.codebook.ByNumber({}, number));
  if (known) return std::move(*known);
  return CodeEntry{number, "#" + std::to_string(number), "not in the codebook"};
}

Status BodyHandlers::OnMessage(const Contact& from, const envelope::ContentId& id,
                               const pb::Body& body, bool via_duress) {
  const UnixTime now = p_.clock.Now();
  const uint32_t flags = body.has_flags() ? body.flags() : 0;
  const bool duress = via_duress || (flags & kFlagDuress) != 0;
  const bool test = (flags & kFlagTest) != 0;
  WAYPOST_ASSIGN_OR_RETURN(const CodeEntry code, CodeOf(body));
  WAYPOST_RETURN_IF_ERROR(Keep(from, id, body, code, via_duress, /*revoked=*/false));
  const std::string marked = test ? "TEST " : "";
  // Duress is real even in a drill: the device says so, not the helper.
  if (duress) WAYPOST_RETURN_IF_ERROR(p_.alerts.Raise(from.id, AlertKind::kDuress, id, now));
  if (code.distress) {
    WAYPOST_RETURN_IF_ERROR(p_.alerts.RaiseOrExtend(
        from.id, AlertKind::kDistress, now, marked + code.code + " (\"" + code.meaning + "\")"));
  }

  internal::Scrubbed<pb::Body> receipt;
  receipt->mutable_receipt()->set_of(AsString(ByteView(id).first(MessageLog::kReceiptIdSize)));
  receipt->mutable_receipt()->set_kind(pb::Receipt::DELIVERED);
  receipt->set_sent_at(now);
  return p_.courier
      .Send(from, *receipt, std::nullopt,
            via_duress ? Courier::Chain::kDuress : Courier::Chain::kPair)
      .status();
}

}  // namespace waypost::node
