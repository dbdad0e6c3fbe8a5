#include "core/node/outbox.h"

namespace waypost::node {

Status Outbox::Add(const Entry& e) {
  const ByteView reply_to = e.reply_to;
  return db_->Run(
      "INSERT INTO outbox(id, envelope, expires_at, keep, contact_id, created_at, reply_to) "
      "VALUES(?, ?, ?, ?, ?, ?, ?)",
      e.id, e.envelope, e.expires_at, e.keep == Keep::kUntilReceipt ? 1 : 0, e.contact,
      e.created_at, reply_to.empty() ? std::optional<ByteView>() : std::optional(reply_to));
}

Result<Outbox::Carrying> Outbox::CountCarrying() {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT count(*), coalesce(sum(length(envelope)), 0) FROM outbox "
                 "WHERE carried = 1"));
  WAYPOST_RETURN_IF_ERROR(st.Step().status());
  return Carrying{size_t(st.ColumnInt64(0)), size_t(st.ColumnInt64(1))};
}

Result<Outbox::Carry> Outbox::AddCarried(ByteView id, ByteView envelope, UnixTime expires_at,
                                         UnixTime now, Carrying& carrying) {
  if (carrying.envelopes + 1 > kCarryMaxEnvelopes ||
      carrying.bytes + envelope.size() > kCarryMaxBytes) {
    return Carry::kQuotaFull;
  }
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO outbox(id, envelope, expires_at, keep, created_at, carried) "
               "VALUES(?, ?, ?, 0, ?, 1)",
               id, envelope, expires_at, now));
  ++carrying.envelopes;
  carrying.bytes += envelope.size();
  return Carry::kCarried;
}

Result<std::vector<Bytes>> Outbox::ForExport(UnixTime now, std::optional<int64_t> contact,
                                             std::optional<UnixTime> since) {
  std::vector<Bytes> out;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT envelope FROM outbox WHERE expires_at > ? "
                                      "AND (? IS NULL OR (carried = 0 AND contact_id = ?)) "
                                      "AND (? IS NULL OR created_at >= ?) ORDER BY rowid",
                                      now, contact, contact, since, since));
  WAYPOST_RETURN_IF_ERROR(
      st.ForEach([&](const store::Statement& row) { out.push_back(row.ColumnBlob(0)); }));
  return out;
}

Result<std::optional<Bytes>> Outbox::Find(ByteView id) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT envelope FROM outbox WHERE id = ?", id));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return std::optional<Bytes>();
  return std::optional<Bytes>(st.ColumnBlob(0));
}

Result<std::optional<Bytes>> Outbox::FindReplyTo(ByteView reply_to) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT envelope FROM outbox WHERE carried = 0 AND reply_to = ? "
                 "ORDER BY rowid DESC LIMIT 1",
                 reply_to));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return std::optional<Bytes>();
  return std::optional<Bytes>(st.ColumnBlob(0));
}

Result<Outbox::Held> Outbox::Holding(ByteView id) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT carried FROM outbox WHERE id = ?", id));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return Held::kNo;
  return st.ColumnInt64(0) != 0 ? Held::kCarried : Held::kOwn;
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

Status Outbox::RemoveFor(int64_t contact) {
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM outbox WHERE contact_id = ?", contact));
  return DropOrphanAcks();
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
