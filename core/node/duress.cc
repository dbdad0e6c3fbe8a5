// Duress: the decoy store and the duress state (docs/storage.md §3,
// SECURITY.md "Duress").
//
// Every home holds two databases (core/store/home.h). The main store keeps
// the decoy's key in its meta table and rewrites the decoy at every open, so
// the decoy always holds what a captor may see: the same identity, the
// coordinators (with chain keys moved past everything already exchanged),
// the relays, the settings, and the content ids already seen; no messages,
// no other contacts, no invites. A duress passphrase opens the decoy, which
// marks itself used; the next open of the main store finds the mark and
// enters the duress state, which only a coordinator's Ack ends. While in it,
// and always in the decoy, every body sent carries kFlagDuress.
#include <algorithm>
#include <span>
#include <utility>
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/internal/contact.h"
#include "core/node/internal/meta.h"
#include "core/node/internal/schema.h"
#include "core/node/node.h"
#include "core/store/home.h"
#include "core/store/key_file.h"
#include "core/store/passwd.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

using internal::DeleteMeta;
using internal::FindMeta;
using internal::FindMetaInt;
using internal::PutMeta;
using internal::PutMetaInt;

constexpr char kModeKey[] = "mode";                    // "decoy" in a decoy; absent in a main store
constexpr char kDecoyKeyKey[] = "decoy_key";           // main: the decoy's database key
constexpr char kDuressSinceKey[] = "duress_since";     // main: the duress state, until acked
constexpr char kDuressSlotKey[] = "duress_slot";       // both: the slot that opens the decoy
constexpr char kUsedAtKey[] = "duress_used_at";        // decoy: opened since the main store looked
constexpr char kProtectedSlotKey[] = "protected_slot";  // decoy: the main store's slot
constexpr char kExtraSlotKey[] = "extra_slot";          // decoy: a slot its own `duress set` wrote

// A whole table read as text rows, in a fixed order; for comparing small
// tables (relays, settings) between the main store and the decoy.
using Rows = std::vector<std::vector<std::string>>;

Result<Rows> ReadRows(store::Database& db, const std::string& sql, int columns) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db.Prepare(sql));
  Rows rows;
  while (true) {
    WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    rows.emplace_back();
    for (int i = 0; i < columns; ++i) rows.back().push_back(st.ColumnText(i));
  }
  return rows;
}

// Makes the decoy's relays and settings equal to the main store's, writing
// only if they differ.
Status MirrorSmallTables(store::Database& from, store::Database& to) {
  struct Table {
    const char* select;
    const char* clear;
    const char* insert;
    bool integer_second;  // relays.added_at is an integer, settings.value text
  };
  static constexpr Table kTables[] = {
      {"SELECT address, added_at FROM relays ORDER BY address", "DELETE FROM relays",
       "INSERT INTO relays(address, added_at) VALUES(?, ?)", true},
      {"SELECT key, value FROM settings ORDER BY key", "DELETE FROM settings",
       "INSERT INTO settings(key, value) VALUES(?, ?)", false},
  };
  for (const Table& t : kTables) {
    WAYPOST_ASSIGN_OR_RETURN(Rows want, ReadRows(from, t.select, 2));
    WAYPOST_ASSIGN_OR_RETURN(Rows have, ReadRows(to, t.select, 2));
    if (want == have) continue;
    WAYPOST_RETURN_IF_ERROR(to.Exec(t.clear));
    WAYPOST_ASSIGN_OR_RETURN(store::Statement st, to.Prepare(t.insert));
    for (const auto& row : want) {
      st.Reset();
      WAYPOST_RETURN_IF_ERROR(st.BindText(1, row[0]));
      WAYPOST_RETURN_IF_ERROR(t.integer_second ? st.Bind(2, int64_t(std::stoll(row[1])))
                                               : st.BindText(2, row[1]));
      WAYPOST_RETURN_IF_ERROR(st.Step().status());
    }
  }
  return Status::Ok();
}

// meta[key] = value in `db`, writing only if it differs.
Status PutMetaIfChanged(store::Database& db, std::string_view key, ByteView value) {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Bytes> have, FindMeta(db, key));
  const bool same = have && have->size() == value.size() && ConstantTimeEqual(*have, value);
  if (have) Wipe(*have);
  return same ? Status::Ok() : PutMeta(db, key, value);
}

// A slot that is neither in `taken` nor out of range, drawn at random.
int PickSlot(Random& random, const std::vector<int>& taken) {
  std::vector<int> free;
  for (int i = 0; i < store::KeyFile::kSlots; ++i) {
    if (std::find(taken.begin(), taken.end(), i) == taken.end()) free.push_back(i);
  }
  uint8_t r = 0;
  random.Fill(std::span<uint8_t>(&r, 1));
  return free.at(r % free.size());
}

}  // namespace

std::string Node::Serialize(pb::Body& body) const {
  body.set_flags(decoy_ || duress_since_ ? kFlagDuress : 0);
  return body.SerializeAsString();
}

Status Node::LoadDuressState() {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Bytes> mode, FindMeta(db_, kModeKey));
  decoy_ = mode && AsString(*mode) == "decoy";
  if (decoy_) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(Bytes key, internal::GetMeta(db_, kDecoyKeyKey));
  if (key.size() != store::KeyFile::kDbKeySize) {
    Wipe(key);
    return Status::Corrupt("the store's decoy key is damaged");
  }
  decoy_key_ = Secret::From(key);
  Wipe(key);
  WAYPOST_ASSIGN_OR_RETURN(duress_since_, FindMetaInt(db_, kDuressSinceKey));
  return Status::Ok();
}

Status Node::EnterDuress(UnixTime since) {
  if (duress_since_) return Status::Ok();  // the first episode stands until acked
  WAYPOST_RETURN_IF_ERROR(PutMetaInt(db_, kDuressSinceKey, since));
  duress_since_ = since;
  return Status::Ok();
}

Status Node::CheckDecoy() {
  Result<store::Database> decoy = store::OpenDatabaseWithKey(home_, decoy_key_);
  if (!decoy.ok()) {
    // Busy (another waypost has it open): look again next time.
    if (decoy.status().code() == Status::Code::kIoError) return Status::Ok();
    // Gone or replaced: nobody but a captor or an examiner does that.
    // Assume the worst, and put a fresh decoy under the same key, so the
    // duress passphrase keeps working.
    WAYPOST_RETURN_IF_ERROR(EnterDuress(clock_.Now()));
    WAYPOST_ASSIGN_OR_RETURN(store::Database fresh,
                             store::RecreateOtherDatabase(home_, own_key_, decoy_key_));
    return WriteDecoy(fresh);
  }
  WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> used, FindMetaInt(*decoy, kUsedAtKey));
  if (used) {
    WAYPOST_RETURN_IF_ERROR(EnterDuress(*used));
    WAYPOST_RETURN_IF_ERROR(DeleteMeta(*decoy, kUsedAtKey));
  }
  return WriteDecoy(*decoy);
}

Status Node::MarkDecoyUsed() {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> used, FindMetaInt(db_, kUsedAtKey));
  if (!used) WAYPOST_RETURN_IF_ERROR(PutMetaInt(db_, kUsedAtKey, clock_.Now()));
  // The reads a main store's CheckDecoy() does, so that both unlocks cost
  // about the same: open the decoy file a second time by key and look.
  Result<store::Database> again = store::OpenDatabaseWithKey(home_, own_key_);
  if (again.ok()) WAYPOST_RETURN_IF_ERROR(FindMetaInt(*again, kUsedAtKey).status());
  return Status::Ok();
}

Status Node::RefreshDecoy() {
  if (decoy_) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(store::Database decoy, store::OpenDatabaseWithKey(home_, decoy_key_));
  return WriteDecoy(decoy);
}

// Writes only what differs, so that opening the main store and reading
// changes no byte of either file (see SECURITY.md, "Coercion").
Status Node::WriteDecoy(store::Database& decoy) {
  WAYPOST_RETURN_IF_ERROR(internal::MigrateSchema(decoy));
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(decoy));

  // The same identity: the coordinators must know whom the flag is about.
  WAYPOST_RETURN_IF_ERROR(PutMetaIfChanged(decoy, "name", AsBytes(self_.name)));
  WAYPOST_RETURN_IF_ERROR(PutMetaIfChanged(decoy, "role", AsBytes(self_.role)));
  WAYPOST_RETURN_IF_ERROR(PutMetaIfChanged(decoy, "static_private", identity_.private_key.view()));
  WAYPOST_RETURN_IF_ERROR(PutMetaIfChanged(decoy, "tag_key", tag_key_.view()));
  WAYPOST_RETURN_IF_ERROR(PutMetaIfChanged(decoy, kModeKey, AsBytes("decoy")));
  WAYPOST_RETURN_IF_ERROR(
      PutMetaIfChanged(decoy, kProtectedSlotKey, AsBytes(std::to_string(slot_))));
  // Which slot opens the decoy, so that its own `duress set` spares it.
  WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> duress_slot, FindMetaInt(db_, kDuressSlotKey));
  if (duress_slot) {
    WAYPOST_RETURN_IF_ERROR(
        PutMetaIfChanged(decoy, kDuressSlotKey, AsBytes(std::to_string(*duress_slot))));
  }

  WAYPOST_RETURN_IF_ERROR(MirrorSmallTables(db_, decoy));
  // What we already have, the decoy's syncs neither fetch nor try to open.
  {
    WAYPOST_ASSIGN_OR_RETURN(store::Statement read, db_.Prepare("SELECT id, expires_at FROM seen"));
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement write,
        decoy.Prepare("INSERT OR IGNORE INTO seen(id, expires_at) VALUES(?, ?)"));
    while (true) {
      WAYPOST_ASSIGN_OR_RETURN(bool row, read.Step());
      if (!row) break;
      write.Reset();
      WAYPOST_RETURN_IF_ERROR(write.BindBlob(1, read.ColumnBlob(0)));
      WAYPOST_RETURN_IF_ERROR(write.Bind(2, read.ColumnInt64(1)));
      WAYPOST_RETURN_IF_ERROR(write.Step().status());
    }
  }

  // The coordinators, and nobody else. A contact the main store no longer
  // has as a coordinator leaves the decoy with whatever the decoy said to it.
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> coordinators,
                           LoadContacts("WHERE role = 'coordinator'"));
  {
    WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                             decoy.Prepare("SELECT id, public_key FROM contacts"));
    std::vector<int64_t> gone;
    while (true) {
      WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      const Bytes key = st.ColumnBlob(1);
      const bool kept = std::any_of(coordinators.begin(), coordinators.end(),
                                    [&](const Contact& c) { return c.public_key == key; });
      if (!kept) gone.push_back(st.ColumnInt64(0));
    }
    for (int64_t id : gone) {
      const std::string where = " WHERE contact_id = " + std::to_string(id);
      WAYPOST_RETURN_IF_ERROR(decoy.Exec("DELETE FROM alerts" + where + "; DELETE FROM messages" +
                                         where + "; DELETE FROM contacts WHERE id = " +
                                         std::to_string(id) + ";"));
    }
  }
  // Chain keys move to tomorrow's epoch at the earliest: the decoy cannot
  // open anything a coordinator sealed before this main-store session, from
  // a relay or from a recording of the network. Its own envelopes go out
  // under that epoch, which coordinators accept (kFutureSkewEpochs).
  const envelope::Epoch floor = envelope::EpochOf(clock_.Now()) + 1;
  for (const Contact& c : coordinators) {
    const envelope::Epoch epoch = std::max(c.chain_epoch, floor);
    envelope::Epoch decoy_epoch = -1;
    {
      WAYPOST_ASSIGN_OR_RETURN(
          store::Statement st, decoy.Prepare("SELECT chain_epoch FROM contacts WHERE public_key = ?"));
      WAYPOST_RETURN_IF_ERROR(st.BindBlob(1, c.public_key));
      WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) decoy_epoch = st.ColumnInt64(0);
    }
    // Never move a decoy chain back: it ratchets one way.
    const envelope::Epoch target = std::max(epoch, decoy_epoch);
    Secret chain = envelope::ChainAt(c.chain_key, c.chain_epoch, target);
    // The UPDATE matches only a row that differs, so an unchanged contact
    // costs no write.
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement st,
        decoy.Prepare(decoy_epoch < 0
                          ? "INSERT INTO contacts(name, role, state, tag_key, last_seen, "
                            "chain_epoch, chain_key, public_key, created_at) "
                            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                          : "UPDATE contacts SET name = ?1, role = ?2, state = ?3, tag_key = ?4, "
                            "last_seen = ?5, chain_epoch = ?6, chain_key = ?7 "
                            "WHERE public_key = ?8 AND (name IS NOT ?1 OR role IS NOT ?2 OR "
                            "state IS NOT ?3 OR tag_key IS NOT ?4 OR last_seen IS NOT ?5 OR "
                            "chain_epoch IS NOT ?6)"));
    WAYPOST_RETURN_IF_ERROR(st.BindText(1, c.name));
    WAYPOST_RETURN_IF_ERROR(st.BindText(2, c.role));
    WAYPOST_RETURN_IF_ERROR(st.BindText(3, c.state));
    WAYPOST_RETURN_IF_ERROR(st.BindBlob(4, c.tag_key.view()));
    WAYPOST_RETURN_IF_ERROR(c.last_seen ? st.Bind(5, *c.last_seen) : st.BindNull(5));
    WAYPOST_RETURN_IF_ERROR(st.Bind(6, target));
    WAYPOST_RETURN_IF_ERROR(st.BindBlob(7, chain.view()));
    WAYPOST_RETURN_IF_ERROR(st.BindBlob(8, c.public_key));
    if (decoy_epoch < 0) WAYPOST_RETURN_IF_ERROR(st.Bind(9, clock_.Now()));
    WAYPOST_RETURN_IF_ERROR(st.Step().status());
  }
  return tx.Commit();
}

Status Node::SetDuressPassphrase(const Secret& current, const Secret& next) {
  const std::string key_path = store::KeyFilePath(home_);
  WAYPOST_RETURN_IF_ERROR(store::CheckNewPassphrase(key_path, current, next));

  // The main store reuses its duress slot; a decoy never touches the main
  // store's slot or its own (the one a captor was given).
  // (A decoy opened through its extra slot picks another: the captor's
  // earlier passphrase keeps working, as a changed one would not.)
  const char* slot_key = decoy_ ? kExtraSlotKey : kDuressSlotKey;
  WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> slot, FindMetaInt(db_, slot_key));
  if (!slot || *slot == slot_) {
    std::vector<int> taken = {slot_};
    if (decoy_) {
      WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> main_slot,
                               FindMetaInt(db_, kProtectedSlotKey));
      if (!main_slot) return Status::Corrupt("the store's slot record is missing");
      taken.push_back(int(*main_slot));
      WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> duress_slot,
                               FindMetaInt(db_, kDuressSlotKey));
      if (duress_slot) taken.push_back(int(*duress_slot));
    }
    slot = PickSlot(random_, taken);
  }
  if (*slot < 0 || *slot >= store::KeyFile::kSlots || *slot == slot_) {
    return Status::Corrupt("the store's slot record is damaged");
  }
  WAYPOST_RETURN_IF_ERROR(
      store::KeyFile::SetSlot(key_path, int(*slot), next, decoy_ ? own_key_ : decoy_key_, random_));
  WAYPOST_RETURN_IF_ERROR(PutMetaInt(db_, slot_key, *slot));
  return RefreshDecoy();
}

Status Node::ChangePassphrase(const std::string& home, const Secret& current, const Secret& next,
                              bool rotate, const Clock& clock, Random& random) {
  // Opened first in every case: an unlock of the decoy marks it used, and
  // both stores then do the same work.
  bool decoy = false;
  {
    WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<Node> node, Open(home, current, clock, random));
    decoy = node->decoy_;
  }
  // The main store holds the decoy's key: re-keying the decoy would cut it
  // off from the main store, so there "rotate" re-wraps only.
  if (!rotate || decoy) return store::ChangePassphrase(home, current, next, random);
  return store::RotateKey(home, current, next, random);
}

Status Node::RaiseAlert(const Contact& from, std::string_view kind, ByteView message_id) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement open,
      db_.Prepare("SELECT 1 FROM alerts WHERE contact_id = ? AND kind = ? AND acked_at IS NULL"));
  WAYPOST_RETURN_IF_ERROR(open.Bind(1, from.id));
  WAYPOST_RETURN_IF_ERROR(open.BindText(2, kind));
  WAYPOST_ASSIGN_OR_RETURN(bool already, open.Step());
  if (already) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare("INSERT INTO alerts(contact_id, kind, raised_at, message_id) VALUES(?, ?, ?, ?)"));
  WAYPOST_RETURN_IF_ERROR(st.Bind(1, from.id));
  WAYPOST_RETURN_IF_ERROR(st.BindText(2, kind));
  WAYPOST_RETURN_IF_ERROR(st.Bind(3, clock_.Now()));
  WAYPOST_RETURN_IF_ERROR(st.BindBlob(4, message_id));
  return st.Step().status();
}

}  // namespace waypost::node
