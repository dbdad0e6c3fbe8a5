#include "core/node/contact_book.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/text.h"

namespace waypost::node {
namespace {

// Every query below reads these columns, in this order (ReadContact).
#define WAYPOST_CONTACT_COLUMNS                                                            \
  "SELECT id, name, public_key, role, state, tag_key, chain_epoch, chain_key, last_seen, " \
  "peer_epoch, created_at, duress_epoch, duress_key, invite_expires_at, join_id, "         \
  "joined_at, verified_at, signing_key, binding, introduced_by FROM contacts "

Result<Contact> ReadContact(const store::Statement& row) {
  Contact c;
  c.id = ContactId{row.ColumnInt64(0)};
  c.name = row.ColumnText(1);
  WAYPOST_ASSIGN_OR_RETURN(c.public_key, PublicKey::From(row.ColumnBlob(2)));
  WAYPOST_ASSIGN_OR_RETURN(c.role, ParseStored<Role>(row.ColumnText(3)));
  WAYPOST_ASSIGN_OR_RETURN(c.state, ParseStored<ContactState>(row.ColumnText(4)));
  c.tag_key = row.ColumnSecret(5);
  c.chain_epoch = row.ColumnInt64(6);
  c.chain_key = row.ColumnSecret(7);
  c.last_seen = row.ColumnOptionalInt64(8);
  c.peer_epoch = row.ColumnInt64(9);
  c.created_at = row.ColumnInt64(10);
  if (!row.ColumnIsNull(12)) {
    c.duress_epoch = row.ColumnInt64(11);
    c.duress_key = row.ColumnSecret(12);
  }
  c.invite_expires_at = row.ColumnOptionalInt64(13);
  c.join_id = row.ColumnBlob(14);
  c.joined_at = row.ColumnOptionalInt64(15);
  c.verified_at = row.ColumnOptionalInt64(16);
  c.signing_key = row.ColumnBlob(17);
  c.binding = row.ColumnBlob(18);
  c.introduced_by = row.ColumnText(19);
  return c;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

ContactInfo Contact::Info() const {
  return {name,
          envelope::Fingerprint(public_key.view()),
          role,
          state,
          last_seen,
          created_at,
          invite_expires_at,
          verified_at,
          introduced_by};
}

template <typename... Args>
Result<std::vector<Contact>> ContactBook::Load(std::string_view sql, const Args&... args) {
  std::vector<Contact> out;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_->Query(sql, args...));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    WAYPOST_ASSIGN_OR_RETURN(Contact c, ReadContact(row));
    out.push_back(std::move(c));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Contact>> ContactBook::All() {
  return Load(WAYPOST_CONTACT_COLUMNS "ORDER BY name");
}

Result<std::vector<Contact>> ContactBook::WithRole(Role role) {
  return Load(WAYPOST_CONTACT_COLUMNS "WHERE role = ? ORDER BY name", NameOf(role));
}

Result<Contact> ContactBook::Get(ContactId id) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> found,
                           Load(WAYPOST_CONTACT_COLUMNS "WHERE id = ?", id.value));
  if (found.empty()) return Status::Corrupt("a contact the store refers to is missing");
  return std::move(found.front());
}

Result<Contact> ContactBook::Named(std::string_view typed) {
  const std::string_view name = TrimSpace(typed);
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> found,
                           Load(WAYPOST_CONTACT_COLUMNS "WHERE name = ?", name));
  if (!found.empty()) return std::move(found.front());
  // "coord" for "Coord": SQLite's NOCASE folds A-Z only, so other scripts
  // must match as typed.
  WAYPOST_ASSIGN_OR_RETURN(found, Load(WAYPOST_CONTACT_COLUMNS "WHERE name = ? COLLATE NOCASE "
                                                               "ORDER BY name",
                                       name));
  if (found.size() == 1) return std::move(found.front());
  if (found.size() > 1) {
    std::string names;
    for (const Contact& c : found) names += (names.empty() ? "\"" : ", \"") + c.name + "\"";
    return Status::InvalidArgument("\"" + std::string(name) + "\" could be " + names +
                                   ": give the name exactly");
  }
  // A guess from every name, keys left where they are.
  std::vector<std::string> names, folded;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT name FROM contacts ORDER BY id"));
  while (true) {
    WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    names.push_back(st.ColumnText(0));
    folded.push_back(AsciiLower(names.back()));
  }
  const std::string nearest = NearestWord(AsciiLower(name), folded);
  std::string guess;
  for (size_t i = 0; i < names.size() && !nearest.empty(); ++i) {
    if (folded[i] == nearest) guess = "; did you mean \"" + names[i] + "\"?";
  }
  return Status::NotFound("no contact named \"" + std::string(name) + "\"" + guess +
                          " (see `waypost contacts`)");
}

Result<std::optional<Contact>> ContactBook::WithKey(const PublicKey& key) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> found,
                           Load(WAYPOST_CONTACT_COLUMNS "WHERE public_key = ?", key.view()));
  if (found.empty()) return std::optional<Contact>();
  return std::optional<Contact>(std::move(found.front()));
}

Result<ContactId> ContactBook::Add(const NewContact& c, UnixTime now) {
  std::string unique = c.name;
  for (int n = 2;; ++n) {
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement st,
        db_->Query("SELECT 1 FROM contacts WHERE name = ? COLLATE NOCASE", unique));
    WAYPOST_ASSIGN_OR_RETURN(bool taken, st.Step());
    if (!taken) break;
    unique = c.name + "-" + std::to_string(n);
  }
  const Secret duress = envelope::DuressChainFrom(*c.chain_key);
  WAYPOST_RETURN_IF_ERROR(db_->Run(
      "INSERT INTO contacts(name, public_key, role, state, tag_key, chain_epoch, chain_key, "
      "created_at, duress_epoch, duress_key, invite_expires_at, joined_at, introduced_by) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      unique, c.public_key.view(), NameOf(c.role), NameOf(c.state), c.tag_key, c.chain_epoch,
      *c.chain_key, now, c.chain_epoch, duress, c.invite_expires_at, c.joined_at, c.introduced_by));
  return ContactId{db_->LastInsertRowId()};
}

Status ContactBook::Rekey(ContactId id, const NewContact& c) {
  const Secret duress = envelope::DuressChainFrom(*c.chain_key);
  // New chains number their bodies from 1 again, on both sides
  // (core/node/sequencer.h): the old numbers say nothing about the new ones.
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM seq_holes WHERE contact_id = ?", id.value));
  return db_->Run(
      "UPDATE contacts SET state = ?, tag_key = ?, chain_epoch = ?, chain_key = ?, "
      "duress_epoch = ?, duress_key = ?, peer_epoch = 0, invite_expires_at = ?, joined_at = ?, "
      "join_id = NULL, send_seq = 0, send_seq_duress = 0, recv_seq = 0, recv_seq_duress = 0 "
      "WHERE id = ?",
      NameOf(c.state), c.tag_key, c.chain_epoch, *c.chain_key, c.chain_epoch, duress,
      c.invite_expires_at, c.joined_at, id.value);
}

Status ContactBook::Rename(ContactId id, std::string_view name) {
  WAYPOST_RETURN_IF_ERROR(CheckName(name));
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT name FROM contacts WHERE name = ? COLLATE NOCASE AND id != ?", name,
                 id.value));
  WAYPOST_ASSIGN_OR_RETURN(const bool taken, st.Step());
  if (taken) {
    return Status::AlreadyExists("another contact is already named \"" + st.ColumnText(0) + "\"");
  }
  return db_->Run("UPDATE contacts SET name = ? WHERE id = ?", name, id.value);
}

Status ContactBook::SetJoinId(ContactId id, ByteView join_id) {
  return db_->Run("UPDATE contacts SET join_id = ? WHERE id = ?", join_id, id.value);
}

Status ContactBook::SetState(ContactId id, ContactState state) {
  return db_->Run("UPDATE contacts SET state = ? WHERE id = ?", NameOf(state), id.value);
}

Status ContactBook::SetPeerEpoch(ContactId id, envelope::Epoch epoch) {
  return db_->Run("UPDATE contacts SET peer_epoch = ? WHERE id = ?", epoch, id.value);
}

Status ContactBook::Touch(ContactId id, UnixTime now) {
  return db_->Run("UPDATE contacts SET last_seen = ? WHERE id = ?", now, id.value);
}

Status ContactBook::RatchetTo(envelope::Epoch floor) {
  WAYPOST_ASSIGN_OR_RETURN(
      std::vector<Contact> old,
      Load(WAYPOST_CONTACT_COLUMNS
           "WHERE chain_epoch < ?1 OR (duress_key IS NOT NULL AND duress_epoch < ?1)",
           floor));
  for (const Contact& c : old) {
    if (c.chain_epoch < floor) {
      const Secret chain = envelope::ChainAt(c.chain_key, c.chain_epoch, floor);
      WAYPOST_RETURN_IF_ERROR(
          db_->Run("UPDATE contacts SET chain_epoch = ?, chain_key = ? WHERE id = ?", floor, chain,
                   c.id.value));
    }
    if (!c.duress_key.empty() && c.duress_epoch < floor) {
      const Secret duress = envelope::ChainAt(c.duress_key, c.duress_epoch, floor);
      WAYPOST_RETURN_IF_ERROR(
          db_->Run("UPDATE contacts SET duress_epoch = ?, duress_key = ? WHERE id = ?", floor,
                   duress, c.id.value));
    }
  }
  return Status::Ok();
}

Result<std::vector<std::pair<ContactId, PublicKey>>> ContactBook::Keys() {
  std::vector<std::pair<ContactId, PublicKey>> out;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_->Query("SELECT id, public_key FROM contacts"));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    WAYPOST_ASSIGN_OR_RETURN(PublicKey key, PublicKey::From(row.ColumnBlob(1)));
    out.emplace_back(ContactId{row.ColumnInt64(0)}, key);
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<envelope::Epoch>> ContactBook::ChainEpochOf(const PublicKey& key) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT chain_epoch FROM contacts WHERE public_key = ?", key.view()));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<envelope::Epoch>();
  return std::optional<envelope::Epoch>(st.ColumnInt64(0));
}

Status ContactBook::Mirror(const Contact& c, UnixTime now) {
  if (c.duress_key.empty()) return Status::Internal("a decoy is written from the main store");
  WAYPOST_ASSIGN_OR_RETURN(std::optional<envelope::Epoch> have, ChainEpochOf(c.public_key));
  // Never move a chain back: it ratchets one way.
  const envelope::Epoch target = std::max(c.duress_epoch, have.value_or(c.duress_epoch));
  const Secret chain = envelope::ChainAt(c.duress_key, c.duress_epoch, target);
  if (!have) {
    return db_->Run(
        "INSERT INTO contacts(name, role, state, tag_key, last_seen, chain_epoch, chain_key, "
        "public_key, created_at, invite_expires_at, verified_at, signing_key, binding, "
        "introduced_by) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, X''), NULLIF(?, X''), ?)",
        c.name, NameOf(c.role), NameOf(c.state), c.tag_key, c.last_seen, target, chain,
        c.public_key.view(), now, c.invite_expires_at, c.verified_at, c.signing_key, c.binding,
        c.introduced_by);
  }
  // Matches only a row that differs, so an unchanged contact costs no write.
  // A coordinator's signing key, binding and introducer are mirrored too: a
  // decoy without them would tell a captor who knows the code what it is.
  return db_->Run(
      "UPDATE contacts SET name = ?1, role = ?2, state = ?3, tag_key = ?4, last_seen = ?5, "
      "chain_epoch = ?6, chain_key = ?7, duress_epoch = NULL, duress_key = NULL, "
      "invite_expires_at = ?9, verified_at = ?10, signing_key = NULLIF(?11, X''), "
      "binding = NULLIF(?12, X''), "
      "introduced_by = ?13 "
      "WHERE public_key = ?8 AND (name IS NOT ?1 OR role IS NOT ?2 OR state IS NOT ?3 OR "
      "tag_key IS NOT ?4 OR last_seen IS NOT ?5 OR chain_epoch IS NOT ?6 OR "
      "chain_key IS NOT ?7 OR duress_key IS NOT NULL OR invite_expires_at IS NOT ?9 OR "
      "verified_at IS NOT ?10 OR signing_key IS NOT NULLIF(?11, X'') OR "
      "binding IS NOT NULLIF(?12, X'') OR "
      "introduced_by IS NOT ?13)",
      c.name, NameOf(c.role), NameOf(c.state), c.tag_key, c.last_seen, target, chain,
      c.public_key.view(), c.invite_expires_at, c.verified_at, c.signing_key, c.binding,
      c.introduced_by);
}

Status ContactBook::SetVerified(ContactId id, UnixTime now) {
  return db_->Run("UPDATE contacts SET verified_at = ? WHERE id = ?", now, id.value);
}

Status ContactBook::SetSigningKey(ContactId id, ByteView key, ByteView binding) {
  // Empty is stored as NULL, as a contact that never had one holds it, so
  // that the decoy's mirror image is exactly the same (Mirror).
  return db_->Run(
      "UPDATE contacts SET signing_key = NULLIF(?, X''), binding = NULLIF(?, X'') WHERE id = ?",
      key, binding, id.value);
}

Status ContactBook::Remove(ContactId id) {
  // The invite they joined under goes with them: it is spent either way.
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM invites WHERE used_by = ?", id.value));
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM alerts WHERE contact_id = ?", id.value));
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM seq_holes WHERE contact_id = ?", id.value));
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM messages WHERE contact_id = ?", id.value));
  return db_->Run("DELETE FROM contacts WHERE id = ?", id.value);
}

#undef WAYPOST_CONTACT_COLUMNS

}  // namespace waypost::node
