// The node's tables (docs/storage.md). All of them live inside the one
// SQLCipher database; nothing here is ever written anywhere else.
#include "core/node/node.h"

namespace waypost::node {
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
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

}  // namespace

Status Node::EnsureSchema() {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_.Prepare("PRAGMA user_version"));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  const int64_t version = row ? st.ColumnInt64(0) : 0;
  if (version > kSchemaVersion) {
    return Status::Corrupt("this store was written by a newer Waypost; upgrade to open it");
  }
  if (version == kSchemaVersion) return Status::Ok();
  WAYPOST_RETURN_IF_ERROR(db_.Exec(kSchema));
  return db_.Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
}

}  // namespace waypost::node
