#include "core/node/outbox.h"

namespace waypost::node {

Status Outbox::Add(ByteView id, ByteView envelope, UnixTime expires_at, Keep keep) {
  return db_->Run("INSERT INTO outbox(id, envelope, expires_at, keep) VALUES(?, ?, ?, ?)", id,
                  envelope, expires_at, keep == Keep::kUntilReceipt ? 1 : 0);
}

Result<std::vector<Bytes>> Outbox::Pending() {
  std::vector<Bytes> out;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT envelope FROM outbox WHERE relayed = 0 ORDER BY rowid"));
  WAYPOST_RETURN_IF_ERROR(
      st.ForEach([&](const store::Statement& row) { out.push_back(row.ColumnBlob(0)); }));
  return out;
}

Result<size_t> Outbox::CountPending() {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT count(*) FROM outbox WHERE relayed = 0"));
  WAYPOST_RETURN_IF_ERROR(st.Step().status());
  return size_t(st.ColumnInt64(0));
}

Result<std::vector<Bytes>> Outbox::PendingFor(ByteView relay_key, const std::set<Bytes>& skip,
                                              size_t max_count, size_t max_bytes) {
  std::vector<Bytes> out;
  size_t total = 0;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT id, envelope FROM outbox WHERE NOT EXISTS (SELECT 1 FROM outbox_acks a "
                 "WHERE a.id = outbox.id AND a.relay = ?) ORDER BY rowid",
                 relay_key));
  for (;;) {
    if (out.size() >= max_count) break;
    WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
    if (!row) break;
    if (skip.count(st.ColumnBlob(0)) > 0) continue;
    Bytes envelope = st.ColumnBlob(1);
    if (!out.empty() && total + envelope.size() > max_bytes) break;
    total += envelope.size();
    out.push_back(std::move(envelope));
  }
  return out;
}

Status Outbox::MarkRelayed(ByteView id, ByteView relay_key) {
  WAYPOST_RETURN_IF_ERROR(db_->Run("UPDATE outbox SET relayed = 1 WHERE id = ?", id));
  if (relay_key.empty()) return Status::Ok();
  return db_->Run(
      "INSERT OR IGNORE INTO outbox_acks(id, relay) SELECT id, ? FROM outbox WHERE id = ?",
      relay_key, id);
}

// Acknowledgements of envelopes no longer in the outbox are worth nothing.
Status Outbox::DropOrphanAcks() {
  return db_->Run("DELETE FROM outbox_acks WHERE id NOT IN (SELECT id FROM outbox)");
}

Status Outbox::DropRelayedWithoutReceipt() {
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM outbox WHERE relayed = 1 AND keep = 0"));
  return DropOrphanAcks();
}

Status Outbox::Remove(ByteView id) {
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM outbox WHERE id = ?", id));
  return db_->Run("DELETE FROM outbox_acks WHERE id = ?", id);
}

Status Outbox::RemoveIfRelayed(ByteView id) {
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM outbox WHERE id = ? AND relayed = 1", id));
  return DropOrphanAcks();
}

Status Outbox::PurgeExpired(UnixTime now) {
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM outbox WHERE expires_at <= ?", now));
  return DropOrphanAcks();
}

}  // namespace waypost::node
