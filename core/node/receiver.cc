#include "core/node/receiver.h"

#include <vector>

#include "core/envelope/envelope.h"

namespace waypost::node {

envelope::Epoch Receiver::FirstEpoch(UnixTime now) const {
  return envelope::EpochOf(now) - p_.settings.delivery_window_epochs;
}

envelope::Epoch Receiver::LastEpoch(UnixTime now) const {
  return envelope::EpochOf(now) + envelope::kFutureSkewEpochs;
}

Result<IngestOutcome> Receiver::Take(ByteView env) {
  WAYPOST_ASSIGN_OR_RETURN(envelope::Header header, envelope::ParseHeader(env));
  const UnixTime now = p_.clock.Now();
  if (int64_t(header.expires_at) <= now) return Status::Expired("the envelope has expired");
  const envelope::ContentId id = envelope::ComputeContentId(env);
  WAYPOST_ASSIGN_OR_RETURN(bool seen, p_.seen.Contains(id));
  if (seen) return IngestOutcome::kDuplicate;

  Result<IngestOutcome> outcome = IngestOutcome::kNotOurs;
  for (envelope::Epoch e = FirstEpoch(now); e <= LastEpoch(now); ++e) {
    if (envelope::TagFor(p_.identity.tag_key(), e) == header.tag) {
      outcome = FromContact(env, header, id, e);
      break;
    }
  }
  if (outcome.ok() && *outcome == IngestOutcome::kNotOurs) {
    outcome = FromJoiner(env, header, now);
    // A new contact: what was rejected before may be from them.
    if (outcome.ok() && *outcome == IngestOutcome::kAccepted) {
      WAYPOST_RETURN_IF_ERROR(p_.seen.ForgetRejected());
    }
  }
  if (outcome.ok() && *outcome == IngestOutcome::kAccepted) {
    WAYPOST_RETURN_IF_ERROR(p_.seen.Record(id, header.expires_at, header.tag));
  }
  return outcome;
}

// Opens `env` from `c` under `base` (a chain key at `base_epoch`) if the
// hint matches and it authenticates; nullopt otherwise.
std::optional<envelope::Opened> Receiver::TryChain(ByteView env, const envelope::Header& header,
                                                   const Contact& c, const Secret& base,
                                                   envelope::Epoch base_epoch,
                                                   envelope::Epoch epoch) {
  if (base.empty() || epoch < base_epoch) return std::nullopt;  // ratcheted away, or none
  const Secret chain = envelope::ChainAt(base, base_epoch, epoch);
  if (envelope::HintFor(chain, envelope::EphemeralOf(env)) != header.hint) return std::nullopt;
  const Secret psk = envelope::PskFrom(chain);
  envelope::OpenRequest req;
  req.pattern = envelope::Pattern::kContact;
  req.recipient = &p_.identity.key_pair();
  req.sender_public = c.public_key.view();
  req.psk = &psk;
  Result<envelope::Opened> opened = envelope::Open(req, env);
  if (!opened.ok()) return std::nullopt;  // a hint collision; try the next candidate
  return std::move(*opened);
}

Result<IngestOutcome> Receiver::FromContact(ByteView env, const envelope::Header& header,
                                            const envelope::ContentId& id, envelope::Epoch epoch) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> contacts, p_.contacts.All());
  for (Contact& c : contacts) {
    // The pair's chain first, then its duress chain (a decoy holds no
    // second one: its chain is the duress chain).
    bool via_duress = false;
    std::optional<envelope::Opened> opened =
        TryChain(env, header, c, c.chain_key, c.chain_epoch, epoch);
    if (!opened) {
      opened = TryChain(env, header, c, c.duress_key, c.duress_epoch, epoch);
      via_duress = opened.has_value();
    }
    if (!opened) continue;
    // A coordinator's reply to what our decoy sent: the decoy's to read,
    // never this store's to act on (docs/protocol.md §4.3). Remembered, so
    // that it is not fetched again.
    if (via_duress && c.role == Role::kCoordinator) {
      Wipe(opened->body);
      WAYPOST_RETURN_IF_ERROR(p_.seen.Record(id, header.expires_at, header.tag));
      return IngestOutcome::kNotOurs;
    }
    // Replies, the receipt queued while applying included, use at least
    // this epoch.
    if (epoch > c.peer_epoch) {
      c.peer_epoch = epoch;
      WAYPOST_RETURN_IF_ERROR(p_.contacts.SetPeerEpoch(c.id, epoch));
    }
    const Status applied = p_.handlers.Apply(c, id, opened->body, via_duress);
    Wipe(opened->body);
    WAYPOST_RETURN_IF_ERROR(applied);
    // A welcome from a pending contact: what it sent before may now open.
    if (c.state == ContactState::kPending) WAYPOST_RETURN_IF_ERROR(p_.seen.ForgetRejected());
    return IngestOutcome::kAccepted;
  }
  // A decoy holds only some contacts, with keys from after it was last
  // written (docs/storage.md §3): what it cannot open is quietly someone
  // else's, as it would be for a store that never knew the sender.
  if (p_.duress.is_decoy()) return IngestOutcome::kNotOurs;
  return Status::AuthFailed();
}

Result<IngestOutcome> Receiver::FromJoiner(ByteView env, const envelope::Header& header,
                                           UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<LiveInvite> invites, p_.invites.Live(now));
  for (const LiveInvite& invite : invites) {
    if (envelope::JoinTagFor(invite.secret) == header.tag) {
      return p_.enrollment.TakeJoin(env, invite);
    }
  }
  return IngestOutcome::kNotOurs;
}

}  // namespace waypost::node
