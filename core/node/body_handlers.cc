#include "core/node/body_handlers.h"

#include <string>

#include "core/node/internal/scrub.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

Status BodyHandlers::Apply(const Contact& from, const envelope::ContentId& id, ByteView bytes,
                           bool via_duress) {
  internal::Scrubbed<pb::Body> body;
  if (!body->ParseFromArray(bytes.data(), int(bytes.size()))) return Status::AuthFailed();
  WAYPOST_RETURN_IF_ERROR(p_.contacts.Touch(from.id, p_.clock.Now()));
  // A decoy raises no alerts, so it keeps no count of what it received.
  if (!p_.duress.is_decoy()) {
    WAYPOST_RETURN_IF_ERROR(
        p_.sequencer.Received(from.id, via_duress, body->seq(), p_.clock.Now()));
  }
  // Under the duress chain nothing acknowledges or welcomes: taken in, no
  // effect, as a decoy takes in an ack.
  if (body->has_ack()) return via_duress ? Status::Ok() : OnAck(from, body->ack());
  if (body->has_welcome()) return via_duress ? Status::Ok() : OnWelcome(from);
  if (body->has_receipt()) return OnReceipt(from, body->receipt());
  if (body->has_checkin() || body->has_text()) return OnMessage(from, id, *body, via_duress);
  return Status::AuthFailed();  // a join body under a contact key, or empty
}

// Only a coordinator ends a duress state, and a decoy has none to end: there
// the ack is taken in and shows nowhere.
Status BodyHandlers::OnAck(const Contact& from, const pb::Ack& ack) {
  if (p_.duress.is_decoy() || from.role != Role::kCoordinator || ack.kind() != pb::Ack::DURESS) {
    return Status::Ok();
  }
  return p_.duress.End(p_.db);
}

Status BodyHandlers::OnWelcome(const Contact& from) {
  return p_.contacts.SetState(from.id, ContactState::kActive);
}

// Only the contact a message went to can move its state forward. Delivered:
// no relay needs the envelope from us any more.
Status BodyHandlers::OnReceipt(const Contact& from, const pb::Receipt& receipt) {
  const MessageState state = receipt.kind() == pb::Receipt::CONFIRMED ? MessageState::kConfirmed
                                                                      : MessageState::kDelivered;
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Bytes> ids,
                           p_.messages.ApplyReceipt(from.id, AsBytes(receipt.of()), state));
  for (const Bytes& id : ids) WAYPOST_RETURN_IF_ERROR(p_.outbox.Remove(id));
  return Status::Ok();
}

Status BodyHandlers::OnMessage(const Contact& from, const envelope::ContentId& id,
                               const pb::Body& body, bool via_duress) {
  const UnixTime now = p_.clock.Now();
  // The duress chain says duress by itself; the flag says it for a main
  // store in its duress state, which seals under the pair's chain.
  const bool duress = via_duress || (body.has_flags() && (body.flags() & kFlagDuress) != 0);
  const bool checkin = body.has_checkin();
  WAYPOST_RETURN_IF_ERROR(
      p_.messages.Insert({.id = id,
                          .direction = Direction::kIn,
                          .kind = checkin ? MessageKind::kCheckIn : MessageKind::kText,
                          .contact = from.id,
                          .code = checkin ? body.checkin().code() : std::string_view(),
                          .text = checkin ? body.checkin().note() : body.text().text(),
                          .sent_at = body.sent_at(),
                          .received_at = now,
                          .duress = duress,
                          .via_duress = via_duress}));
  if (duress) WAYPOST_RETURN_IF_ERROR(p_.alerts.Raise(from.id, AlertKind::kDuress, id, now));

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
