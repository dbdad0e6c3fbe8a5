#include "core/node/courier.h"

#include <algorithm>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "proto/waypost.pb.h"

namespace waypost::node {

std::string Courier::Serialize(pb::Body& body) const {
  // The caller may have marked a drill; the duress bit is ours alone.
  const uint32_t test = body.has_flags() ? body.flags() & kFlagTest : 0;
  body.set_flags((duress_.flagged() ? kFlagDuress : 0) | test);
  return body.SerializeAsString();
}

Result<std::string> Courier::Send(const Contact& to, pb::Body& body, std::optional<Shown> shown,
                                  Chain which) {
  // Nothing goes to a revoked contact, whatever asks (docs/protocol.md §11.6).
  if (to.state == ContactState::kRevoked) {
    return Status::InvalidArgument(to.name + " is revoked: nothing is sent to it any more");
  }
  const UnixTime now = clock_.Now();
  const bool duress_chain = which == Chain::kDuress && !to.duress_key.empty();
  WAYPOST_ASSIGN_OR_RETURN(const uint32_t seq, sequencer_.Next(to.id, duress_chain));
  body.set_seq(seq);
  std::string body_bytes = Serialize(body);
  const Secret& base = duress_chain ? to.duress_key : to.chain_key;
  const envelope::Epoch base_epoch = duress_chain ? to.duress_epoch : to.chain_epoch;
  const envelope::Epoch epoch = std::max({envelope::EpochOf(now), base_epoch, to.peer_epoch});
  const Secret chain = envelope::ChainAt(base, base_epoch, epoch);
  const Secret psk = envelope::PskFrom(chain);

  envelope::SealRequest req;
  req.pattern = envelope::Pattern::kContact;
  req.sender = &identity_.key_pair();
  req.recipient_public = to.public_key.view();
  req.psk = &psk;
  req.tag = envelope::TagFor(to.tag_key, epoch);
  req.hint_chain = &chain;
  req.expires_at = uint32_t(
      envelope::RoundUpToEpoch(now + settings_.delivery_window_epochs * envelope::kEpochSeconds));
  req.body = AsBytes(body_bytes);
  Result<Bytes> sealed_or = envelope::Seal(req, random_);
  Wipe(body_bytes);
  WAYPOST_ASSIGN_OR_RETURN(Bytes sealed, std::move(sealed_or));
  const envelope::ContentId id = envelope::ComputeContentId(sealed);

  // A receipt remembers what it answers, so `armor ID` of a received
  // check-in finds the reply to send back by text.
  const ByteView reply_to = body.has_receipt() ? AsBytes(body.receipt().of()) : ByteView();
  WAYPOST_RETURN_IF_ERROR(
      outbox_.Add({.id = id,
                   .envelope = sealed,
                   .expires_at = req.expires_at,
                   .keep = shown ? Outbox::Keep::kUntilReceipt : Outbox::Keep::kUntilRelayed,
                   .contact = to.id.value,
                   .created_at = now,
                   .reply_to = reply_to}));
  if (shown) {
    WAYPOST_RETURN_IF_ERROR(messages_.Insert({.id = id,
                                              .direction = Direction::kOut,
                                              .kind = shown->kind,
                                              .contact = to.id,
                                              .code = shown->code,
                                              .text = shown->text,
                                              .sent_at = now,
                                              .received_at = std::nullopt,
                                              .duress = false,
                                              .via_duress = duress_chain,
                                              .meaning = shown->meaning,
                                              .test = shown->test,
                                              .seq = seq}));
  }
  return DisplayId(id);
}

}  // namespace waypost::node
