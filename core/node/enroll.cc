// Enrollment (docs/protocol.md §5): invite, join, welcome.
#include <utility>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "core/node/internal/contact.h"
#include "core/node/invite.h"
#include "core/node/node.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

constexpr size_t kInviteIdSize = 16;

std::string Str(const Secret& s) { return std::string(s.data(), s.data() + s.size()); }

}  // namespace

Result<std::string> Node::CreateInvite(std::string_view for_name, int64_t ttl_seconds) {
  if (ttl_seconds <= 0 || ttl_seconds > 30 * 86400) {
    return Status::InvalidArgument("an invite must expire within 30 days");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<std::string> relays, Relays());
  if (relays.empty()) {
    return Status::InvalidArgument("add a relay first (`waypost relays add ADDRESS`): invites carry them");
  }
  Bytes id(kInviteIdSize);
  random_.Fill(id);
  Secret secret(envelope::kKeySize);
  random_.Fill(secret.span());
  const UnixTime expires_at = clock_.Now() + ttl_seconds;

  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare("INSERT INTO invites(id, secret, for_name, created_at, expires_at) "
                  "VALUES(?, ?, ?, ?, ?)"));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(1, id));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(2, secret.view()));
  WAYPOST_RETURN_IF_ERROR(st.BindText(3, for_name));
  WAYPOST_RETURN_IF_ERROR(st.Bind(4, clock_.Now()));
  WAYPOST_RETURN_IF_ERROR(st.Bind(5, expires_at));
  WAYPOST_RETURN_IF_ERROR(st.Step().status());

  pb::Invite invite;
  invite.set_inviter_key(AsString(identity_.public_key));
  invite.set_secret(Str(secret));
  invite.set_expires_at(expires_at);
  for (const std::string& r : relays) invite.add_relays(r);
  invite.set_inviter_name(self_.name);
  invite.set_tag_key(Str(tag_key_));
  // The invite names no id: the inviter finds its invite again by the join
  // tag, which only the secret derives.
  std::string code = EncodeInvite(invite);
  invite.mutable_secret()->assign(invite.secret().size(), '\0');
  invite.mutable_tag_key()->assign(invite.tag_key().size(), '\0');
  return code;
}

Result<std::string> Node::Join(std::string_view code) {
  WAYPOST_ASSIGN_OR_RETURN(pb::Invite invite, DecodeInvite(code));
  if (invite.expires_at() <= clock_.Now()) {
    return Status::Expired("this invite has expired; ask for a new one");
  }
  const ByteView inviter_key = AsBytes(invite.inviter_key());
  if (ConstantTimeEqual(inviter_key, identity_.public_key)) {
    return Status::InvalidArgument("this is your own invite");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> contacts, LoadContacts());
  for (const Contact& c : contacts) {
    if (c.public_key == Bytes(inviter_key.begin(), inviter_key.end())) {
      return Status::AlreadyExists("you are already enrolled with " + c.name);
    }
  }

  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  const envelope::Epoch epoch = envelope::EpochOf(clock_.Now());
  Secret chain_seed(envelope::kKeySize);
  random_.Fill(chain_seed.span());
  Secret invite_secret = Secret::FromString(invite.secret());

  WAYPOST_RETURN_IF_ERROR(AddUniqueContact(invite.inviter_name(), inviter_key, "coordinator",
                                           "pending", AsBytes(invite.tag_key()), epoch,
                                           chain_seed));
  for (const std::string& relay : invite.relays()) WAYPOST_RETURN_IF_ERROR(InsertRelay(relay));
  WAYPOST_RETURN_IF_ERROR(db_.Exec("UPDATE meta SET value = CAST('helper' AS BLOB) WHERE key = 'role'"));

  pb::Body body;
  pb::JoinRequest* join = body.mutable_join();
  join->set_name(self_.name);
  join->set_tag_key(Str(tag_key_));
  join->set_chain_seed(Str(chain_seed));
  body.set_sent_at(clock_.Now());
  std::string body_bytes = Serialize(body);

  envelope::SealRequest req;
  req.pattern = envelope::Pattern::kJoin;
  req.sender = &identity_;
  req.recipient_public = inviter_key;
  req.psk = &invite_secret;
  req.tag = envelope::JoinTagFor(invite_secret);
  req.expires_at = uint32_t(invite.expires_at());
  req.body = AsBytes(body_bytes);
  Result<Bytes> sealed = envelope::Seal(req, random_);
  Wipe(body_bytes);
  if (!sealed.ok()) return sealed.status();

  const envelope::ContentId id = envelope::ComputeContentId(*sealed);
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare("INSERT INTO outbox(id, envelope, expires_at, keep) VALUES(?, ?, ?, 0)"));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(1, id));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(2, *sealed));
  WAYPOST_RETURN_IF_ERROR(st.Bind(3, invite.expires_at()));
  WAYPOST_RETURN_IF_ERROR(st.Step().status());
  WAYPOST_RETURN_IF_ERROR(tx.Commit());
  self_.role = "helper";
  WAYPOST_RETURN_IF_ERROR(RefreshDecoy());
  return invite.inviter_name();
}

// A join request opened with an invite's secret: the joiner becomes a helper
// contact, the invite is spent, and a welcome is queued.
Result<IngestOutcome> Node::IngestJoin(ByteView envelope, ByteView invite_id,
                                       const Secret& secret) {
  envelope::OpenRequest req;
  req.pattern = envelope::Pattern::kJoin;
  req.recipient = &identity_;
  req.psk = &secret;
  WAYPOST_ASSIGN_OR_RETURN(envelope::Opened opened, envelope::Open(req, envelope));
  pb::Body body;
  const bool parsed = body.ParseFromArray(opened.body.data(), int(opened.body.size()));
  Wipe(opened.body);
  if (!parsed || !body.has_join() || body.join().tag_key().size() != envelope::kKeySize ||
      body.join().chain_seed().size() != envelope::kKeySize ||
      !CheckName(body.join().name()).ok()) {
    return Status::AuthFailed();
  }

  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_.Prepare("SELECT for_name FROM invites WHERE id = ?"));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(1, invite_id));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return IngestOutcome::kNotOurs;
  std::string name = st.ColumnText(0);
  if (name.empty()) name = body.join().name();

  // The seed is the chain key of the epoch the joiner's clock was in when it
  // joined, which may differ from ours: take it from the authenticated body.
  Secret chain = Secret::FromString(body.join().chain_seed());
  const envelope::Epoch join_epoch = envelope::EpochOf(std::max<int64_t>(0, body.sent_at()));
  WAYPOST_RETURN_IF_ERROR(AddUniqueContact(name, opened.sender_public, "helper", "active",
                                           AsBytes(body.join().tag_key()), join_epoch, chain));
  WAYPOST_ASSIGN_OR_RETURN(store::Statement del, db_.Prepare("DELETE FROM invites WHERE id = ?"));
  WAYPOST_RETURN_IF_ERROR(del.BindBlob(1, invite_id));
  WAYPOST_RETURN_IF_ERROR(del.Step().status());

  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> found,
                           LoadContacts("WHERE id = " + std::to_string(db_.LastInsertRowId())));
  if (found.empty()) return Status::Internal("new contact vanished");
  pb::Body welcome;
  welcome.mutable_welcome()->set_name(self_.name);
  welcome.set_sent_at(clock_.Now());
  WAYPOST_RETURN_IF_ERROR(
      QueueBody(found.front(), Serialize(welcome), "welcome", "", "", false).status());
  return IngestOutcome::kAccepted;
}

}  // namespace waypost::node
