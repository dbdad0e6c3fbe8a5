// Sync planning and taking in envelopes from any path (docs/protocol.md §6).
#include <utility>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "core/node/internal/contact.h"
#include "core/node/internal/meta.h"
#include "core/node/node.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

constexpr size_t kHavePrefixSize = 8;

Status RecordSeen(store::Database& db, ByteView id, int64_t expires_at) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db.Prepare("INSERT OR IGNORE INTO seen(id, expires_at) VALUES(?, ?)"));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(1, id));
  WAYPOST_RETURN_IF_ERROR(st.Bind(2, expires_at));
  return st.Step().status();
}

Result<bool> AlreadySeen(store::Database& db, ByteView id) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db.Prepare("SELECT 1 FROM seen WHERE id = ?"));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(1, id));
  return st.Step();
}

}  // namespace

Result<SyncPlan> Node::PlanSync() {
  const UnixTime now = clock_.Now();
  SyncPlan plan;
  WAYPOST_RETURN_IF_ERROR(
      db_.Exec("DELETE FROM outbox WHERE expires_at <= " + std::to_string(now)));
  WAYPOST_RETURN_IF_ERROR(db_.Exec("DELETE FROM seen WHERE expires_at <= " + std::to_string(now)));
  WAYPOST_RETURN_IF_ERROR(
      db_.Exec("DELETE FROM invites WHERE expires_at <= " + std::to_string(now)));
  {
    WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_.Prepare("SELECT envelope FROM outbox WHERE relayed = 0"));
    while (true) {
      WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      plan.upload.push_back(st.ColumnBlob(0));
    }
  }
  // Our own tag for every epoch a sender's clock may plausibly be in: a
  // fixed count, however many contacts we have.
  const envelope::Epoch now_epoch = envelope::EpochOf(now);
  for (envelope::Epoch e = now_epoch - settings_.delivery_window_epochs;
       e <= now_epoch + envelope::kFutureSkewEpochs; ++e) {
    plan.tags.push_back(envelope::TagFor(tag_key_, e));
  }
  {
    WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                             db_.Prepare("SELECT secret FROM invites WHERE expires_at > ?"));
    WAYPOST_RETURN_IF_ERROR(st.Bind(1, now));
    while (true) {
      WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      Bytes raw = st.ColumnBlob(0);
      plan.tags.push_back(envelope::JoinTagFor(Secret::From(raw)));
      Wipe(raw);
    }
  }
  {
    WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_.Prepare("SELECT id FROM seen"));
    while (true) {
      WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      Bytes id = st.ColumnBlob(0);
      id.resize(kHavePrefixSize);
      plan.have.push_back(std::move(id));
    }
  }
  return plan;
}

Status Node::MarkRelayed(const std::vector<Bytes>& envelopes) {
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  for (const Bytes& env : envelopes) {
    const envelope::ContentId id = envelope::ComputeContentId(env);
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement st,
        db_.Prepare("UPDATE messages SET state = 'relayed' WHERE id = ? AND state = 'queued'"));
    WAYPOST_RETURN_IF_ERROR(st.BindBlob(1, id));
    WAYPOST_RETURN_IF_ERROR(st.Step().status());
    WAYPOST_ASSIGN_OR_RETURN(store::Statement ob,
                             db_.Prepare("UPDATE outbox SET relayed = 1 WHERE id = ?"));
    WAYPOST_RETURN_IF_ERROR(ob.BindBlob(1, id));
    WAYPOST_RETURN_IF_ERROR(ob.Step().status());
  }
  // Receipts, welcomes and join requests need no receipt of their own.
  WAYPOST_RETURN_IF_ERROR(db_.Exec("DELETE FROM outbox WHERE relayed = 1 AND keep = 0"));
  return tx.Commit();
}

Result<IngestOutcome> Node::Ingest(ByteView env) {
  WAYPOST_ASSIGN_OR_RETURN(envelope::Header header, envelope::ParseHeader(env));
  const UnixTime now = clock_.Now();
  if (int64_t(header.expires_at) <= now) return Status::Expired("the envelope has expired");
  const envelope::ContentId id = envelope::ComputeContentId(env);
  WAYPOST_ASSIGN_OR_RETURN(bool seen, AlreadySeen(db_, id));
  if (seen) return IngestOutcome::kDuplicate;

  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  Result<IngestOutcome> outcome = IngestOutcome::kNotOurs;
  const envelope::Epoch now_epoch = envelope::EpochOf(now);
  for (envelope::Epoch e = now_epoch - settings_.delivery_window_epochs;
       e <= now_epoch + envelope::kFutureSkewEpochs; ++e) {
    if (envelope::TagFor(tag_key_, e) == header.tag) {
      outcome = IngestFromContact(env, header, id, e);
      break;
    }
  }
  if (outcome.ok() && *outcome == IngestOutcome::kNotOurs) {
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement st, db_.Prepare("SELECT id, secret FROM invites WHERE expires_at > ?"));
    WAYPOST_RETURN_IF_ERROR(st.Bind(1, now));
    std::vector<std::pair<Bytes, Secret>> invites;
    while (true) {
      WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      Bytes raw = st.ColumnBlob(1);
      invites.emplace_back(st.ColumnBlob(0), Secret::From(raw));
      Wipe(raw);
    }
    for (const auto& [invite_id, secret] : invites) {
      if (envelope::JoinTagFor(secret) == header.tag) {
        outcome = IngestJoin(env, invite_id, secret);
        break;
      }
    }
  }
  if (!outcome.ok()) return outcome.status();  // the transaction rolls back
  if (*outcome == IngestOutcome::kAccepted) {
    WAYPOST_RETURN_IF_ERROR(RecordSeen(db_, id, header.expires_at));
    WAYPOST_RETURN_IF_ERROR(tx.Commit());
  }
  return outcome;
}

Node::IngestCounts Node::IngestAll(const std::vector<Bytes>& envelopes) {
  IngestCounts counts;
  std::vector<const Bytes*> pending;
  for (const Bytes& e : envelopes) pending.push_back(&e);
  bool progress = true;
  while (!pending.empty() && progress) {
    progress = false;
    std::vector<const Bytes*> failed;
    for (const Bytes* e : pending) {
      Result<IngestOutcome> outcome = Ingest(*e);
      if (!outcome.ok()) {
        failed.push_back(e);
        continue;
      }
      switch (*outcome) {
        case IngestOutcome::kAccepted: ++counts.accepted; progress = true; break;
        case IngestOutcome::kDuplicate: ++counts.duplicate; break;
        case IngestOutcome::kNotOurs: ++counts.not_ours; break;
      }
    }
    pending = std::move(failed);
  }
  counts.rejected = pending.size();
  // A welcome or a join request may have changed the contacts. A failure
  // here loses nothing: every open of the main store refreshes the decoy.
  if (counts.accepted > 0) (void)RefreshDecoy();
  return counts;
}

// An envelope with our tag for `epoch`: the hint names candidate senders,
// and the one whose pairwise key opens it is the sender.
Result<IngestOutcome> Node::IngestFromContact(ByteView env, const envelope::Header& header,
                                              const envelope::ContentId& id,
                                              envelope::Epoch epoch) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> contacts, LoadContacts());
  for (Contact& c : contacts) {
    if (epoch < c.chain_epoch) continue;  // before enrollment, or ratcheted away
    Secret chain = envelope::ChainAt(c.chain_key, c.chain_epoch, epoch);
    if (envelope::HintFor(chain, envelope::EphemeralOf(env)) != header.hint) continue;
    Secret psk = envelope::PskFrom(chain);
    envelope::OpenRequest req;
    req.pattern = envelope::Pattern::kContact;
    req.recipient = &identity_;
    req.sender_public = c.public_key;
    req.psk = &psk;
    Result<envelope::Opened> opened = envelope::Open(req, env);
    if (!opened.ok()) continue;  // a hint collision; try the next candidate
    // Replies, the receipt queued below included, use at least this epoch.
    if (epoch > c.peer_epoch) {
      c.peer_epoch = epoch;
      WAYPOST_RETURN_IF_ERROR(db_.Exec("UPDATE contacts SET peer_epoch = " + std::to_string(epoch) +
                                       " WHERE id = " + std::to_string(c.id)));
    }
    Status applied = ApplyBody(c, id, opened->body);
    Wipe(opened->body);
    if (!applied.ok()) return applied;
    return IngestOutcome::kAccepted;
  }
  // A decoy holds only some contacts, with keys from after it was last
  // written (docs/storage.md §3): what it cannot open is quietly someone
  // else's, as it would be for a store that never knew the sender.
  if (decoy_) return IngestOutcome::kNotOurs;
  return Status::AuthFailed();
}

Status Node::ApplyBody(const Contact& from, const envelope::ContentId& id, ByteView body_bytes) {
  pb::Body body;
  if (!body.ParseFromArray(body_bytes.data(), int(body_bytes.size()))) return Status::AuthFailed();
  const UnixTime now = clock_.Now();

  WAYPOST_ASSIGN_OR_RETURN(store::Statement seen_at,
                           db_.Prepare("UPDATE contacts SET last_seen = ? WHERE id = ?"));
  WAYPOST_RETURN_IF_ERROR(seen_at.Bind(1, now));
  WAYPOST_RETURN_IF_ERROR(seen_at.Bind(2, from.id));
  WAYPOST_RETURN_IF_ERROR(seen_at.Step().status());

  const bool duress = body.has_flags() && (body.flags() & kFlagDuress) != 0;
  if (body.has_ack()) {
    // Only a coordinator ends a duress state, and a decoy has none to end:
    // there it is taken in and shows nowhere.
    if (decoy_ || from.role != "coordinator" || body.ack().kind() != pb::Ack::DURESS) {
      return Status::Ok();
    }
    duress_since_.reset();
    return internal::DeleteMeta(db_, "duress_since");
  }
  if (body.has_welcome()) {
    return db_.Exec("UPDATE contacts SET state = 'active' WHERE id = " + std::to_string(from.id));
  }
  if (body.has_receipt()) {
    // Only the contact a message went to can move its state forward.
    const char* state = body.receipt().kind() == pb::Receipt::CONFIRMED ? "confirmed" : "delivered";
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement st,
        db_.Prepare("UPDATE messages SET state = ? WHERE direction = 'out' AND contact_id = ? "
                    "AND substr(id, 1, 16) = ? AND state != 'confirmed'"));
    WAYPOST_RETURN_IF_ERROR(st.BindText(1, state));
    WAYPOST_RETURN_IF_ERROR(st.Bind(2, from.id));
    WAYPOST_RETURN_IF_ERROR(st.BindBlob(3, AsBytes(body.receipt().of())));
    WAYPOST_RETURN_IF_ERROR(st.Step().status());
    // Delivered: no relay needs the envelope from us any more. Only for
    // envelopes that went to this contact.
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement ob,
        db_.Prepare("DELETE FROM outbox WHERE id IN (SELECT id FROM messages WHERE "
                    "direction = 'out' AND contact_id = ? AND substr(id, 1, 16) = ?)"));
    WAYPOST_RETURN_IF_ERROR(ob.Bind(1, from.id));
    WAYPOST_RETURN_IF_ERROR(ob.BindBlob(2, AsBytes(body.receipt().of())));
    return ob.Step().status();
  }
  std::string kind, code, text;
  if (body.has_checkin()) {
    kind = "checkin";
    code = body.checkin().code();
    text = body.checkin().note();
  } else if (body.has_text()) {
    kind = "text";
    text = body.text().text();
  } else {
    return Status::AuthFailed();  // a join body under a contact key, or empty
  }
  Status inserted = InsertMessage(id, "in", kind, from.id, code, text, body.sent_at(), now, duress);
  Wipe(text);
  WAYPOST_RETURN_IF_ERROR(inserted);
  if (duress) WAYPOST_RETURN_IF_ERROR(RaiseAlert(from, "duress", id));

  pb::Body receipt;
  receipt.mutable_receipt()->set_of(AsString(ByteView(id).first(16)));
  receipt.mutable_receipt()->set_kind(pb::Receipt::DELIVERED);
  receipt.set_sent_at(now);
  return QueueBody(from, Serialize(receipt), "receipt", "", "", false).status();
}

}  // namespace waypost::node
