// Composing, queueing and listing messages (docs/protocol.md §4).
#include <algorithm>
#include <utility>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "core/node/internal/contact.h"
#include "core/node/node.h"
#include "core/text.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

constexpr size_t kMaxCodeSize = 32;
constexpr size_t kMaxTextSize = 8192;

}  // namespace

// Seals `body_bytes` to `to` under the pair's key for the sender's current
// epoch and queues it. When `record` is set it also becomes an outgoing
// message row in state "queued".
Result<std::string> Node::QueueBody(const Contact& to, const std::string& body_bytes,
                                    std::string_view kind, std::string_view code,
                                    std::string_view text, bool record) {
  const UnixTime now = clock_.Now();
  // Never below the epoch the contact last sealed under: a decoy's chain
  // keys start a day ahead (duress.cc), and it must read our replies.
  const envelope::Epoch epoch = std::max({envelope::EpochOf(now), to.chain_epoch, to.peer_epoch});
  Secret chain = envelope::ChainAt(to.chain_key, to.chain_epoch, epoch);
  Secret psk = envelope::PskFrom(chain);

  envelope::SealRequest req;
  req.pattern = envelope::Pattern::kContact;
  req.sender = &identity_;
  req.recipient_public = to.public_key;
  req.psk = &psk;
  req.tag = envelope::TagFor(to.tag_key, epoch);
  req.hint_chain = &chain;
  req.expires_at = uint32_t(now + settings_.delivery_window_epochs * envelope::kEpochSeconds);
  req.body = AsBytes(body_bytes);
  WAYPOST_ASSIGN_OR_RETURN(Bytes sealed, envelope::Seal(req, random_));
  const envelope::ContentId id = envelope::ComputeContentId(sealed);

  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare("INSERT INTO outbox(id, envelope, expires_at, keep) VALUES(?, ?, ?, ?)"));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(1, id));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(2, sealed));
  WAYPOST_RETURN_IF_ERROR(st.Bind(3, req.expires_at));
  WAYPOST_RETURN_IF_ERROR(st.Bind(4, record ? 1 : 0));
  WAYPOST_RETURN_IF_ERROR(st.Step().status());
  if (record) {
    WAYPOST_RETURN_IF_ERROR(InsertMessage(id, "out", kind, to.id, code, text, now, std::nullopt));
  }
  return DisplayId(id);
}

Status Node::InsertMessage(ByteView id, std::string_view direction, std::string_view kind,
                           int64_t contact_id, std::string_view code, std::string_view text,
                           UnixTime sent_at, std::optional<UnixTime> received_at,
                           bool duress) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare("INSERT INTO messages(id, direction, kind, contact_id, code, text, sent_at, "
                  "received_at, state, duress) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(1, id));
  WAYPOST_RETURN_IF_ERROR(st.BindText(2, direction));
  WAYPOST_RETURN_IF_ERROR(st.BindText(3, kind));
  WAYPOST_RETURN_IF_ERROR(st.Bind(4, contact_id));
  WAYPOST_RETURN_IF_ERROR(st.BindText(5, code));
  WAYPOST_RETURN_IF_ERROR(st.BindText(6, text));
  WAYPOST_RETURN_IF_ERROR(st.Bind(7, sent_at));
  WAYPOST_RETURN_IF_ERROR(received_at ? st.Bind(8, *received_at) : st.BindNull(8));
  WAYPOST_RETURN_IF_ERROR(st.BindText(9, direction == "out" ? "queued" : "received"));
  WAYPOST_RETURN_IF_ERROR(st.Bind(10, int64_t(duress ? 1 : 0)));
  return st.Step().status();
}

Result<std::vector<std::string>> Node::CheckIn(std::string_view code, std::string_view note,
                                               std::string_view to) {
  if (code.empty() || code.size() > kMaxCodeSize) {
    return Status::InvalidArgument("a check-in code must be 1 to 32 characters");
  }
  if (note.size() > kMaxTextSize) return Status::InvalidArgument("the note is too long");
  // Protobuf strings must be UTF-8: the recipient would drop anything else.
  if (!IsValidUtf8(code) || !IsValidUtf8(note)) {
    return Status::InvalidArgument("the code and note must be valid UTF-8 text");
  }
  std::vector<Contact> recipients;
  if (!to.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(Contact c, FindContact(to));
    recipients.push_back(std::move(c));
  } else {
    WAYPOST_ASSIGN_OR_RETURN(recipients, LoadContacts("WHERE role = 'coordinator'"));
    if (recipients.empty()) {
      return Status::NotFound("no coordinator to check in with; join an invite first");
    }
  }
  pb::Body body;
  body.mutable_checkin()->set_code(std::string(code));
  body.mutable_checkin()->set_note(std::string(note));
  body.set_sent_at(clock_.Now());
  std::string bytes = Serialize(body);
  std::vector<std::string> ids;
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  for (const Contact& c : recipients) {
    Result<std::string> id = QueueBody(c, bytes, "checkin", code, note, true);
    if (!id.ok()) {
      Wipe(bytes);
      return id.status();
    }
    ids.push_back(*id);
  }
  Wipe(bytes);
  WAYPOST_RETURN_IF_ERROR(tx.Commit());
  return ids;
}

Result<std::string> Node::SendText(std::string_view to, std::string_view text) {
  if (text.empty() || text.size() > kMaxTextSize) {
    return Status::InvalidArgument("a message must be 1 to 8192 bytes");
  }
  if (!IsValidUtf8(text)) return Status::InvalidArgument("a message must be valid UTF-8 text");
  WAYPOST_ASSIGN_OR_RETURN(Contact c, FindContact(to));
  pb::Body body;
  body.mutable_text()->set_text(std::string(text));
  body.set_sent_at(clock_.Now());
  std::string bytes = Serialize(body);
  Result<std::string> id = QueueBody(c, bytes, "text", "", text, true);
  Wipe(bytes);
  return id;
}

Status Node::Confirm(std::string_view id_prefix) {
  if (id_prefix.size() < 4 || !FromHex(id_prefix.size() % 2 ? std::string(id_prefix) + "0"
                                                            : std::string(id_prefix))) {
    return Status::InvalidArgument("an id is 4 or more hex digits, as `waypost inbox` shows");
  }
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare("SELECT id, contact_id FROM messages WHERE direction = 'in' AND "
                  "kind = 'checkin' AND substr(hex(id), 1, ?) = upper(?)"));
  WAYPOST_RETURN_IF_ERROR(st.Bind(1, int64_t(id_prefix.size())));
  WAYPOST_RETURN_IF_ERROR(st.BindText(2, id_prefix));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no received check-in with id " + std::string(id_prefix));
  const Bytes id = st.ColumnBlob(0);
  const int64_t contact_id = st.ColumnInt64(1);
  WAYPOST_ASSIGN_OR_RETURN(bool second, st.Step());
  if (second) return Status::InvalidArgument("id " + std::string(id_prefix) + " is ambiguous; give more digits");

  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> found,
                           LoadContacts("WHERE id = " + std::to_string(contact_id)));
  if (found.empty()) return Status::Corrupt("the check-in's sender is missing");
  pb::Body body;
  body.mutable_receipt()->set_of(AsString(ByteView(id).first(16)));
  body.mutable_receipt()->set_kind(pb::Receipt::CONFIRMED);
  body.set_sent_at(clock_.Now());

  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  WAYPOST_RETURN_IF_ERROR(
      QueueBody(found.front(), Serialize(body), "receipt", "", "", false).status());
  WAYPOST_ASSIGN_OR_RETURN(store::Statement up,
                           db_.Prepare("UPDATE messages SET state = 'confirmed' WHERE id = ?"));
  WAYPOST_RETURN_IF_ERROR(up.BindBlob(1, id));
  WAYPOST_RETURN_IF_ERROR(up.Step().status());
  return tx.Commit();
}

Result<std::vector<MessageInfo>> Node::Inbox() {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare("SELECT m.id, m.direction, m.kind, c.name, m.code, m.text, m.sent_at, "
                  "m.received_at, m.state, m.duress FROM messages m JOIN contacts c ON c.id = m.contact_id "
                  "ORDER BY coalesce(m.received_at, m.sent_at), m.rowid"));
  std::vector<MessageInfo> out;
  while (true) {
    WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    MessageInfo m;
    m.id = DisplayId(st.ColumnBlob(0));
    m.direction = st.ColumnText(1);
    m.kind = st.ColumnText(2);
    m.peer = st.ColumnText(3);
    m.code = st.ColumnText(4);
    m.text = st.ColumnText(5);
    m.sent_at = st.ColumnInt64(6);
    if (!st.ColumnIsNull(7)) m.received_at = st.ColumnInt64(7);
    m.state = st.ColumnText(8);
    m.duress = st.ColumnInt64(9) != 0;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace waypost::node
