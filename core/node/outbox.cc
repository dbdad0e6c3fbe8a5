#include "core/node/outbox.h"

namespace waypost::node {

Status Outbox::Add(ByteView id, ByteView envelope, UnixTime expires_at, Keep keep) {
  return db_->Run("INSERT INTO outbox(id, envelope, expires_at, keep) VALUES(?, ?, ?, ?)", id,
                  envelope, expires_at, keep == Keep::kUntilReceipt ? 1 : 0);
}

Result<std::vector<Bytes>> Outbox::Pending() {
  std::vector<Bytes> out;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT envelope FROM outbox WHERE relayed = 0"));
  WAYPOST_RETURN_IF_ERROR(
      st.ForEach([&](const store::Statement& row) { out.push_back(row.ColumnBlob(0)); }));
  return out;
}

Status Outbox::MarkRelayed(ByteView id) {
  return db_->Run("UPDATE outbox SET relayed = 1 WHERE id = ?", id);
}

Status Outbox::DropRelayedWithoutReceipt() {
  return db_->Run("DELETE FROM outbox WHERE relayed = 1 AND keep = 0");
}

Status Outbox::Remove(ByteView id) { return db_->Run("DELETE FROM outbox WHERE id = ?", id); }

Status Outbox::RemoveIfRelayed(ByteView id) {
  return db_->Run("DELETE FROM outbox WHERE id = ? AND relayed = 1", id);
}

Status Outbox::PurgeExpired(UnixTime now) {
  return db_->Run("DELETE FROM outbox WHERE expires_at <= ?", now);
}

}  // namespace waypost::node
