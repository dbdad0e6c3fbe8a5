#include "core/node/node.h"

#include <utility>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "core/node/internal/contact.h"
#include "core/node/internal/meta.h"
#include "core/node/invite.h"
#include "core/store/home.h"
#include "core/text.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
using internal::GetMeta;
using internal::PutMeta;

Status CheckName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameSize) {
    return Status::InvalidArgument("a name must be 1 to 64 bytes");
  }
  if (!IsValidUtf8(name)) return Status::InvalidArgument("a name must be valid UTF-8");
  // Names from invites and join requests end up on terminals.
  for (size_t i = 0; i < name.size(); ++i) {
    if (ControlCharAt(name, i) != 0) {
      return Status::InvalidArgument("a name cannot contain control characters");
    }
  }
  return Status::Ok();
}

Node::Node(store::Database db, std::string home, const Clock& clock, Random& random)
    : db_(std::move(db)), home_(std::move(home)), clock_(clock), random_(random) {}

Result<std::unique_ptr<Node>> Node::Create(const std::string& home, const Secret& passphrase,
                                           store::KdfProfile profile, std::string_view name,
                                           std::string_view role, const Clock& clock,
                                           Random& random) {
  WAYPOST_RETURN_IF_ERROR(CheckName(name));
  WAYPOST_ASSIGN_OR_RETURN(store::CreatedStore created,
                           store::CreateStore(home, passphrase, profile, random));
  std::unique_ptr<Node> node(new Node(std::move(created.main), home, clock, random));
  WAYPOST_RETURN_IF_ERROR(node->EnsureSchema());
  node->slot_ = 0;
  node->decoy_key_ = std::move(created.decoy_key);

  noise::KeyPair identity = noise::KeyPair::Generate(random);
  Secret tag_key(envelope::kKeySize);
  random.Fill(tag_key.span());
  WAYPOST_RETURN_IF_ERROR(PutMeta(node->db_, "name", AsBytes(name)));
  WAYPOST_RETURN_IF_ERROR(PutMeta(node->db_, "role", AsBytes(role)));
  WAYPOST_RETURN_IF_ERROR(PutMeta(node->db_, "static_private", identity.private_key.view()));
  WAYPOST_RETURN_IF_ERROR(PutMeta(node->db_, "tag_key", tag_key.view()));
  WAYPOST_RETURN_IF_ERROR(PutMeta(node->db_, "decoy_key", node->decoy_key_.view()));
  WAYPOST_RETURN_IF_ERROR(node->LoadIdentity());
  WAYPOST_RETURN_IF_ERROR(node->LoadSettings());
  // The decoy exists, filled alike, whether or not a duress passphrase is
  // ever set: its presence says nothing.
  WAYPOST_RETURN_IF_ERROR(node->WriteDecoy(created.decoy));
  return node;
}

Result<std::unique_ptr<Node>> Node::Open(const std::string& home, const Secret& passphrase,
                                         const Clock& clock, Random& random) {
  WAYPOST_ASSIGN_OR_RETURN(store::OpenedStore opened, store::OpenStore(home, passphrase));
  std::unique_ptr<Node> node(new Node(std::move(opened.db), home, clock, random));
  node->slot_ = opened.slot;
  node->own_key_ = std::move(opened.key);
  WAYPOST_RETURN_IF_ERROR(node->EnsureSchema());
  WAYPOST_RETURN_IF_ERROR(node->LoadIdentity());
  WAYPOST_RETURN_IF_ERROR(node->LoadSettings());
  WAYPOST_RETURN_IF_ERROR(node->LoadDuressState());
  WAYPOST_RETURN_IF_ERROR(node->decoy_ ? node->MarkDecoyUsed() : node->CheckDecoy());
  WAYPOST_RETURN_IF_ERROR(node->RatchetOldChains());
  WAYPOST_RETURN_IF_ERROR(node->DeleteOldMessages());
  return node;
}

Status Node::LoadIdentity() {
  WAYPOST_ASSIGN_OR_RETURN(Bytes name, GetMeta(db_, "name"));
  WAYPOST_ASSIGN_OR_RETURN(Bytes role, GetMeta(db_, "role"));
  WAYPOST_ASSIGN_OR_RETURN(Bytes priv, GetMeta(db_, "static_private"));
  WAYPOST_ASSIGN_OR_RETURN(Bytes tag_key, GetMeta(db_, "tag_key"));
  Result<noise::KeyPair> identity = noise::KeyPair::FromPrivate(priv);
  Wipe(priv);
  if (!identity.ok() || tag_key.size() != envelope::kKeySize) {
    Wipe(tag_key);
    return Status::Corrupt("the store's identity keys are damaged");
  }
  identity_ = std::move(identity).value();
  tag_key_ = Secret::From(tag_key);
  Wipe(tag_key);
  self_.name = AsString(name);
  self_.role = AsString(role);
  self_.public_key = identity_.public_key;
  self_.fingerprint = envelope::Fingerprint(identity_.public_key);
  return Status::Ok();
}

Status Node::AddRelay(std::string_view address) {
  WAYPOST_RETURN_IF_ERROR(InsertRelay(address));
  return RefreshDecoy();
}

Status Node::InsertRelay(std::string_view address) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare("INSERT OR IGNORE INTO relays(address, added_at) VALUES(?, ?)"));
  WAYPOST_RETURN_IF_ERROR(st.BindText(1, address));
  WAYPOST_RETURN_IF_ERROR(st.Bind(2, clock_.Now()));
  return st.Step().status();
}

Result<std::vector<std::string>> Node::Relays() {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_.Prepare("SELECT address FROM relays ORDER BY added_at, address"));
  std::vector<std::string> out;
  while (true) {
    WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.ColumnText(0));
  }
  return out;
}

Result<std::vector<Node::Contact>> Node::LoadContacts(std::string_view where_clause) {
  std::string sql =
      "SELECT id, name, public_key, role, state, tag_key, chain_epoch, chain_key, last_seen, "
      "peer_epoch FROM contacts ";
  sql += where_clause;
  sql += " ORDER BY name";
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_.Prepare(sql));
  std::vector<Contact> out;
  while (true) {
    WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    Contact c;
    c.id = st.ColumnInt64(0);
    c.name = st.ColumnText(1);
    c.public_key = st.ColumnBlob(2);
    c.role = st.ColumnText(3);
    c.state = st.ColumnText(4);
    Bytes tag_key = st.ColumnBlob(5);
    c.tag_key = Secret::From(tag_key);
    Wipe(tag_key);
    c.chain_epoch = st.ColumnInt64(6);
    Bytes chain = st.ColumnBlob(7);
    c.chain_key = Secret::From(chain);
    Wipe(chain);
    if (!st.ColumnIsNull(8)) c.last_seen = st.ColumnInt64(8);
    c.peer_epoch = st.ColumnInt64(9);
    out.push_back(std::move(c));
  }
  return out;
}

Result<Node::Contact> Node::FindContact(std::string_view name) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> all, LoadContacts());
  for (Contact& c : all) {
    if (c.name == name) return std::move(c);
  }
  return Status::NotFound("no contact named \"" + std::string(name) + "\" (see `waypost contacts`)");
}

Result<std::vector<ContactInfo>> Node::Contacts() {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> all, LoadContacts());
  std::vector<ContactInfo> out;
  for (const Contact& c : all) {
    out.push_back({c.name, envelope::Fingerprint(c.public_key), c.role, c.state, c.last_seen});
  }
  return out;
}

Status Node::AddUniqueContact(std::string name, ByteView public_key, std::string_view role,
                              std::string_view state, ByteView tag_key, envelope::Epoch epoch,
                              const Secret& chain) {
  // Names are local labels; a clash gets a numeric suffix rather than failing.
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> all, LoadContacts());
  std::string unique = name;
  for (int n = 2;; ++n) {
    bool taken = false;
    for (const Contact& c : all) taken = taken || c.name == unique;
    if (!taken) break;
    unique = name + "-" + std::to_string(n);
  }
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare("INSERT INTO contacts(name, public_key, role, state, tag_key, chain_epoch, "
                  "chain_key, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  WAYPOST_RETURN_IF_ERROR(st.BindText(1, unique));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(2, public_key));
  WAYPOST_RETURN_IF_ERROR(st.BindText(3, role));
  WAYPOST_RETURN_IF_ERROR(st.BindText(4, state));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(5, tag_key));
  WAYPOST_RETURN_IF_ERROR(st.Bind(6, epoch));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(7, chain.view()));
  WAYPOST_RETURN_IF_ERROR(st.Bind(8, clock_.Now()));
  return st.Step().status();
}

}  // namespace waypost::node
