#include "core/node/alert_book.h"

#include <cctype>
#include <string>

#include "core/envelope/keys.h"

namespace waypost::node {
namespace {

// Every query below reads these columns, in this order (ReadAlert).
#define WAYPOST_ALERT_COLUMNS                                                                  \
  "SELECT a.id, a.kind, c.name, c.public_key, a.raised_at, a.acked_at, a.note, a.contact_id, " \
  "a.detail, a.due_at, a.notified_at, a.acked_by "                                             \
  "FROM alerts a JOIN contacts c ON c.id = a.contact_id "

Result<AlertBook::Open> ReadAlert(const store::Statement& row) {
  AlertBook::Open open;
  AlertInfo& a = open.alert;
  a.id = row.ColumnInt64(0);
  WAYPOST_ASSIGN_OR_RETURN(a.kind, ParseStored<AlertKind>(row.ColumnText(1)));
  a.peer = row.ColumnText(2);
  a.fingerprint = envelope::Fingerprint(row.ColumnBlob(3));
  a.raised_at = row.ColumnInt64(4);
  a.acked_at = row.ColumnOptionalInt64(5);
  a.note = row.ColumnText(6);
  open.contact = ContactId{row.ColumnInt64(7)};
  a.detail = row.ColumnText(8);
  a.due_at = row.ColumnOptionalInt64(9);
  a.notified_at = row.ColumnOptionalInt64(10);
  a.acked_by = row.ColumnText(11);
  return open;
}

Result<std::vector<AlertBook::Open>> ReadAll(store::Statement& st) {
  std::vector<AlertBook::Open> out;
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    WAYPOST_ASSIGN_OR_RETURN(AlertBook::Open open, ReadAlert(row));
    out.push_back(std::move(open));
    return Status::Ok();
  }));
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Status AlertBook::Raise(ContactId contact, AlertKind kind, ByteView message_id, UnixTime now,
                        std::string_view detail) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement open,
      db_->Query("SELECT 1 FROM alerts WHERE contact_id = ? AND kind = ? AND acked_at IS NULL",
                 contact.value, NameOf(kind)));
  WAYPOST_ASSIGN_OR_RETURN(bool already, open.Step());
  if (already) return Status::Ok();
  return db_->Run(
      "INSERT INTO alerts(contact_id, kind, raised_at, message_id, detail) VALUES(?, ?, ?, ?, ?)",
      contact.value, NameOf(kind), now, message_id, detail);
}

Status AlertBook::RaiseOverdue(ContactId contact, UnixTime due_at, UnixTime now,
                               std::string_view detail) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement raised,
      db_->Query("SELECT 1 FROM alerts WHERE contact_id = ? AND kind = ? AND due_at = ?",
                 contact.value, NameOf(AlertKind::kOverdue), due_at));
  WAYPOST_ASSIGN_OR_RETURN(bool already, raised.Step());
  if (already) return Status::Ok();
  return db_->Run(
      "INSERT INTO alerts(contact_id, kind, raised_at, detail, due_at) VALUES(?, ?, ?, ?, ?)",
      contact.value, NameOf(AlertKind::kOverdue), now, detail, due_at);
}

Status AlertBook::MarkNotified(int64_t id, UnixTime now) {
  return db_->Run("UPDATE alerts SET notified_at = ? WHERE id = ? AND notified_at IS NULL", now,
                  id);
}

Status AlertBook::RaiseOrExtend(ContactId contact, AlertKind kind, UnixTime now,
                                std::string_view detail) {
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("UPDATE alerts SET detail = detail || '; ' || ? "
               "WHERE contact_id = ? AND kind = ? AND acked_at IS NULL",
               detail, contact.value, NameOf(kind)));
  if (db_->Changes() > 0) return Status::Ok();
  return Raise(contact, kind, {}, now, detail);
}

Result<std::vector<AlertInfo>> AlertBook::List(bool open_only) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query(WAYPOST_ALERT_COLUMNS
                 "WHERE ?1 = 0 OR a.acked_at IS NULL ORDER BY a.raised_at DESC, a.id DESC",
                 open_only ? 1 : 0));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Open> all, ReadAll(st));
  std::vector<AlertInfo> out;
  for (Open& open : all) out.push_back(std::move(open.alert));
  return out;
}

Result<std::vector<AlertBook::Open>> AlertBook::OpenNamed(std::string_view which) {
  const bool by_id = AllDigits(which);
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      by_id
          ? db_->Query(WAYPOST_ALERT_COLUMNS "WHERE a.acked_at IS NULL AND a.id = ? ORDER BY a.id",
                       int64_t(std::stoll(std::string(which))))
          : db_->Query(WAYPOST_ALERT_COLUMNS
                       "WHERE a.acked_at IS NULL AND c.name = ? ORDER BY a.id",
                       which));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Open> found, ReadAll(st));
  if (found.empty()) {
    return Status::NotFound("no open alert " + std::string(by_id ? "" : "for ") + "\"" +
                            std::string(which) + "\" (see `waypost board`)");
  }
  return found;
}

Status AlertBook::Acknowledge(int64_t id, UnixTime now, std::string_view note) {
  return db_->Run("UPDATE alerts SET acked_at = ?, note = ?, acked_by = '' WHERE id = ?", now, note,
                  id);
}

Result<size_t> AlertBook::AcknowledgedBy(ContactId contact, AlertKind kind, UnixTime now,
                                         std::string_view note, std::string_view by) {
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("UPDATE alerts SET acked_at = ?, note = ?, acked_by = ? "
               "WHERE contact_id = ? AND kind = ? AND acked_at IS NULL",
               now, note, by, contact.value, NameOf(kind)));
  return size_t(db_->Changes());
}

#undef WAYPOST_ALERT_COLUMNS

}  // namespace waypost::node
