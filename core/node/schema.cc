// The node's tables (docs/storage.md). All of them live inside the one
// SQLCipher database; nothing here is ever written anywhere else.
#include "core/node/internal/schema.h"

#include <iterator>
#include <vector>

#include "core/envelope/keys.h"
#include "core/sync/roster_steps.h"

namespace waypost::node::internal {
namespace {

// Version 1: the first release's tables.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS relays(
  address  TEXT PRIMARY KEY,
  added_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS contacts(
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  public_key  BLOB NOT NULL UNIQUE,
  role        TEXT NOT NULL,
  state       TEXT NOT NULL,
  tag_key     BLOB NOT NULL,
  chain_epoch INTEGER NOT NULL,
  chain_key   BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  last_seen   INTEGER);
CREATE TABLE IF NOT EXISTS invites(
  id         BLOB PRIMARY KEY,
  secret     BLOB NOT NULL,
  for_name   TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages(
  id          BLOB PRIMARY KEY,
  direction   TEXT NOT NULL,
  kind        TEXT NOT NULL,
  contact_id  INTEGER NOT NULL REFERENCES contacts(id),
  code        TEXT NOT NULL DEFAULT '',
  text        TEXT NOT NULL DEFAULT '',
  sent_at     INTEGER NOT NULL,
  received_at INTEGER,
  state       TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox(
  id         BLOB PRIMARY KEY,
  envelope   BLOB NOT NULL,
  expires_at INTEGER NOT NULL,
  relayed    INTEGER NOT NULL DEFAULT 0,
  -- receipts need no receipt: dropped from the outbox once relayed
  keep       INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS seen(
  id         BLOB PRIMARY KEY,
  expires_at INTEGER NOT NULL);
)sql";

// Version 2: user settings (`waypost settings`); a missing key means the
// default in NodeSettings.
constexpr const char* kAddSettings = R"sql(
CREATE TABLE IF NOT EXISTS settings(
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL);
)sql";

// Version 3: duress (docs/storage.md §3). A received message remembers
// whether its sender was under duress; alerts are what a coordinator must act
// on, open until acknowledged (`waypost ack`); a contact remembers the newest
// epoch it sealed under, and replies use at least that (docs/protocol.md §3.3).
constexpr const char* kAddDuress = R"sql(
ALTER TABLE messages ADD COLUMN duress INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN peer_epoch INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS alerts(
  id         INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  kind       TEXT NOT NULL,
  raised_at  INTEGER NOT NULL,
  message_id BLOB,
  acked_at   INTEGER,
  note       TEXT NOT NULL DEFAULT '');
)sql";

// Version 4: an invite is kept, marked with the contact that used it, until
// it expires, so that a second join under it is noticed and raises an alert
// (docs/protocol.md §5.2); an alert may say more than its kind.
constexpr const char* kAddInviteReuse = R"sql(
ALTER TABLE invites ADD COLUMN used_by INTEGER REFERENCES contacts(id);
ALTER TABLE alerts ADD COLUMN detail TEXT NOT NULL DEFAULT '';
)sql";

// Version 5: the duress chain (docs/protocol.md §4.3). A contact holds a
// second chain key, which a decoy holds instead of the first (NULL there);
// a message remembers whether it travelled under it, so that replies do
// too. FillDuressChains derives the new keys of existing contacts.
constexpr const char* kAddDuressChain = R"sql(
ALTER TABLE contacts ADD COLUMN duress_epoch INTEGER;
ALTER TABLE contacts ADD COLUMN duress_key BLOB;
ALTER TABLE messages ADD COLUMN via_duress INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 6: batched sync (docs/protocol.md §6). `seen` also keeps what a
// sync fetched and rejected, and each row's recipient tag, so reconciliation
// can name what is held under the tags it asks about; rows from before have
// no tag and are fetched once more. `outbox_acks` says which relay (by its
// public key) acknowledged which outbox envelope.
constexpr const char* kAddBatchedSync = R"sql(
ALTER TABLE seen ADD COLUMN tag BLOB;
ALTER TABLE seen ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS seen_by_tag ON seen(tag);
CREATE TABLE IF NOT EXISTS outbox_acks(
  id    BLOB NOT NULL,
  relay BLOB NOT NULL,
  PRIMARY KEY(id, relay)) WITHOUT ROWID;
)sql";

// Version 7: sequence numbers (docs/protocol.md §4.6). A contact counts
// what we sent under each chain and the highest number received under
// each; seq_holes lists the numbers below that not yet received.
constexpr const char* kAddSequenceNumbers = R"sql(
ALTER TABLE contacts ADD COLUMN send_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN send_seq_duress INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN recv_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN recv_seq_duress INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS seq_holes(
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  via_duress INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  noticed_at INTEGER NOT NULL,
  PRIMARY KEY(contact_id, via_duress, seq)) WITHOUT ROWID;
)sql";

// Version 8: the codebook (docs/protocol.md §4.7). `codebooks` holds each
// codebook's version; owner is empty for the node's own, else the
// coordinator's public key. A message keeps the meaning its code had when
// it was sent or received, and whether it was a drill (`checkin --test`).
constexpr const char* kAddCodebook = R"sql(
CREATE TABLE IF NOT EXISTS codebooks(
  owner   BLOB PRIMARY KEY,
  version INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS codes(
  owner    BLOB NOT NULL,
  number   INTEGER NOT NULL,
  code     TEXT NOT NULL,
  meaning  TEXT NOT NULL,
  distress INTEGER NOT NULL,
  removed  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(owner, number)) WITHOUT ROWID;
ALTER TABLE messages ADD COLUMN meaning TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 9: check-in schedules (docs/protocol.md §4.8). A coordinator
// keeps one per helper and a helper the one each coordinator set for it
// (contact_key: the other side's public key); both NULL: no schedule, the
// row kept so its version keeps rising. An overdue alert remembers which
// deadline it is about, and when `watch --on-alert` passed it on; a
// message, when its state last changed, and the note that came with a
// confirmation.
constexpr const char* kAddSchedules = R"sql(
CREATE TABLE IF NOT EXISTS schedules(
  contact_key BLOB PRIMARY KEY,
  version     INTEGER NOT NULL,
  every       INTEGER,
  due_by      INTEGER,
  grace       INTEGER NOT NULL,
  set_at      INTEGER NOT NULL) WITHOUT ROWID;
ALTER TABLE alerts ADD COLUMN due_at INTEGER;
ALTER TABLE messages ADD COLUMN state_at INTEGER;
ALTER TABLE messages ADD COLUMN state_note TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN notified_at INTEGER;
)sql";

// Version 10: enrollment that cannot get stuck (docs/protocol.md §5.3). A
// helper's pending coordinator keeps when its invite expires and which
// envelope is the join request; both sides keep when the join request was
// sealed, by the joiner's clock.
constexpr const char* kAddEnrollmentRecovery = R"sql(
ALTER TABLE contacts ADD COLUMN invite_expires_at INTEGER;
ALTER TABLE contacts ADD COLUMN join_id BLOB;
ALTER TABLE contacts ADD COLUMN joined_at INTEGER;
)sql";

// Version 11: a message keeps the number its sender gave it
// (docs/protocol.md §4.6), so that the inbox lists one sender's messages in
// the sender's order (MessageLog::List); 0 for those from before.
constexpr const char* kAddMessageSeq = R"sql(
ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 12: the outbox says whom each envelope is for and when it was
// queued (`bundle export --for`, `--since`), which received message a
// receipt answers (`armor ID` of a check-in finds its confirmation), and
// whether it is carried for others (docs/storage.md §5, docs/protocol.md §9):
// envelopes a bundle or text brought that this node cannot open, kept
// within a quota to pass on, as a relay would.
constexpr const char* kAddCarrying = R"sql(
ALTER TABLE outbox ADD COLUMN contact_id INTEGER;
ALTER TABLE outbox ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN reply_to BLOB;
ALTER TABLE outbox ADD COLUMN carried INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 13: when this node's user compared safety numbers with a contact
// in person and marked it verified (`contacts verify`, docs/protocol.md §10).
constexpr const char* kAddVerified = R"sql(
ALTER TABLE contacts ADD COLUMN verified_at INTEGER;
)sql";

// Version 14: the teams this node belongs to and what it proves membership
// with at relays (docs/protocol.md §11, docs/storage.md §5): its admission
// key, the newest roster, a joiner's invite ticket, and for the team a
// coordinator leads, the key that signs its rosters and which contact
// brought which ring key.
constexpr const char* kAddTeams = R"sql(
CREATE TABLE IF NOT EXISTS teams(
  team_id        BLOB PRIMARY KEY,
  roster         BLOB,
  ring_secret    BLOB NOT NULL,
  signing_secret BLOB,
  ticket         BLOB,
  ticket_secret  BLOB,
  joined_at      INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ring_members(
  team_id    BLOB NOT NULL,
  point      BLOB NOT NULL,
  contact_id INTEGER,
  PRIMARY KEY(team_id, point)) WITHOUT ROWID;
)sql";

// Version 15: several coordinators (docs/protocol.md §12): which invites
// were for a coordinator, each coordinator contact's roster-signing key and
// that key's signature over its static key (team::CoordinatorBinding), who
// introduced a contact, and
// who among the coordinators confirmed a check-in or acknowledged an alert
// ('' for this node itself), and which admission keys were cut from the
// ring by a revocation, so that no roster another coordinator signs brings
// them back (TeamBook::Reconcile).
constexpr const char* kAddCoordinators = R"sql(
ALTER TABLE invites ADD COLUMN coordinator INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN signing_key BLOB;
ALTER TABLE contacts ADD COLUMN binding BLOB;
ALTER TABLE contacts ADD COLUMN introduced_by TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN state_by TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN acked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE ring_members ADD COLUMN cut INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 16: a third coordinator's approval (docs/protocol.md §12.6). On
// the inviter, each candidate waiting for another coordinator's signature
// (contact_id: its pending contact; roster: the last proposal sent); on
// the others, each proposal received (proposer_id; roster: as received;
// approved: this node's user ran `approve`). And the highest roster
// version this coordinator signed, kept or only proposed, so that it never
// signs one version twice (TeamBook::SignNext).
constexpr const char* kAddApprovals = R"sql(
ALTER TABLE teams ADD COLUMN signed_version INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS coordinator_approvals(
  signing_key BLOB PRIMARY KEY,
  name        TEXT NOT NULL,
  static_key  BLOB NOT NULL,
  binding     BLOB NOT NULL,
  ring_key    BLOB,
  contact_id  INTEGER REFERENCES contacts(id),
  proposer_id INTEGER REFERENCES contacts(id),
  roster      BLOB NOT NULL,
  approved    INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL) WITHOUT ROWID;
)sql";

// Version 17: the steps of each team's roster chain this node keeps
// (docs/protocol.md §11.7, sync::RosterSteps): the rosters at which the
// coordinators changed, so that a roster signed after a change this node
// missed can still be checked, and a relay that missed one can be shown.
constexpr const char* kAddRosterSteps = sync::RosterSteps::kSchema;

// Version 18: the invite tickets this coordinator issued that a contact
// spent, until they expire, so that revoking the contact withdraws its
// ticket in the roster (docs/protocol.md §11.6, TeamBook::RecordTicket).
// Main store only, like ring_members: which ticket was whose.
constexpr const char* kAddIssuedTickets = R"sql(
CREATE TABLE IF NOT EXISTS issued_tickets(
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  key        BLOB NOT NULL,
  expires_at INTEGER NOT NULL,
  withdrawn  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(contact_id, key)) WITHOUT ROWID;
)sql";

// kMigrations[v] takes a store from user_version v to v + 1. A new store
// (version 0) runs them all. Never edit a step once released; add one.
constexpr const char* kMigrations[] = {
    kSchemaV1,       kAddSettings,        kAddDuress,       kAddInviteReuse, kAddDuressChain,
    kAddBatchedSync, kAddSequenceNumbers, kAddCodebook,     kAddSchedules,   kAddEnrollmentRecovery,
    kAddMessageSeq,  kAddCarrying,        kAddVerified,     kAddTeams,       kAddCoordinators,
    kAddApprovals,   kAddRosterSteps,     kAddIssuedTickets};
constexpr int64_t kSchemaVersion = std::size(kMigrations);

// After kAddDuressChain: each existing contact's duress chain, derived from
// its chain key where it stands (its chain_epoch). Both sides of a pair
// derive the same one only if neither has ratcheted the chain since they
// enrolled (within the delivery window); nothing had been released when
// this changed (docs/storage.md §5). A decoy's rows get one too, from its
// copy of the chain; the next main open rewrites them (ContactBook::Mirror).
Status FillDuressChains(store::Database& db) {
  struct Row {
    int64_t id;
    Secret chain;
  };
  std::vector<Row> rows;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db.Query("SELECT id, chain_key FROM contacts WHERE duress_key IS NULL"));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    rows.push_back({row.ColumnInt64(0), row.ColumnSecret(1)});
    return Status::Ok();
  }));
  for (const Row& r : rows) {
    WAYPOST_RETURN_IF_ERROR(
        db.Run("UPDATE contacts SET duress_epoch = chain_epoch, duress_key = ? WHERE id = ?",
               envelope::DuressChainFrom(r.chain), r.id));
  }
  return Status::Ok();
}

}  // namespace

Status MigrateSchema(store::Database& db) {
  WAYPOST_ASSIGN_OR_RETURN(const int64_t version, db.UserVersion());
  if (version < 0 || version > kSchemaVersion) {
    return Status::Corrupt("this store was written by a newer Waypost; upgrade to open it");
  }
  if (version == kSchemaVersion) return Status::Ok();
  // All steps and the new version number commit together, or not at all.
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    WAYPOST_RETURN_IF_ERROR(db.Exec(kMigrations[v]));
  }
  if (version > 0 && version < 5) WAYPOST_RETURN_IF_ERROR(FillDuressChains(db));
  WAYPOST_RETURN_IF_ERROR(db.SetUserVersion(kSchemaVersion));
  return tx.Commit();
}

}  // namespace waypost::node::internal
