// The coordinator's side of duress: alerts, their acknowledgement, and the
// board (docs/protocol.md §4.3).
#include <cctype>
#include <utility>

#include "core/envelope/keys.h"
#include "core/node/internal/contact.h"
#include "core/node/node.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

constexpr char kAlertColumns[] =
    "SELECT a.id, a.kind, c.name, c.public_key, a.raised_at, a.acked_at, a.note, a.contact_id "
    "FROM alerts a JOIN contacts c ON c.id = a.contact_id ";

AlertInfo ReadAlert(store::Statement& st) {
  AlertInfo a;
  a.id = st.ColumnInt64(0);
  a.kind = st.ColumnText(1);
  a.peer = st.ColumnText(2);
  a.fingerprint = envelope::Fingerprint(st.ColumnBlob(3));
  a.raised_at = st.ColumnInt64(4);
  if (!st.ColumnIsNull(5)) a.acked_at = st.ColumnInt64(5);
  a.note = st.ColumnText(6);
  return a;
}

bool AllDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<AlertInfo>> Node::Alerts(bool open_only) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare(std::string(kAlertColumns) + (open_only ? "WHERE a.acked_at IS NULL " : "") +
                  "ORDER BY a.raised_at DESC, a.id DESC"));
  std::vector<AlertInfo> out;
  while (true) {
    WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadAlert(st));
  }
  return out;
}

Result<std::vector<AlertInfo>> Node::Ack(std::string_view alert, std::string_view note) {
  if (note.size() > 1024) return Status::InvalidArgument("the note is too long");
  const bool by_id = AllDigits(alert);
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_.Prepare(std::string(kAlertColumns) + "WHERE a.acked_at IS NULL AND " +
                  (by_id ? "a.id = ?" : "c.name = ?") + " ORDER BY a.id"));
  if (by_id) {
    WAYPOST_RETURN_IF_ERROR(st.Bind(1, int64_t(std::stoll(std::string(alert)))));
  } else {
    WAYPOST_RETURN_IF_ERROR(st.BindText(1, alert));
  }
  std::vector<AlertInfo> acked;
  std::vector<int64_t> contact_ids;
  while (true) {
    WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    acked.push_back(ReadAlert(st));
    contact_ids.push_back(st.ColumnInt64(7));
  }
  if (acked.empty()) {
    return Status::NotFound("no open alert " + std::string(by_id ? "" : "for ") + "\"" +
                            std::string(alert) + "\" (see `waypost board`)");
  }

  const UnixTime now = clock_.Now();
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db_));
  for (size_t i = 0; i < acked.size(); ++i) {
    WAYPOST_ASSIGN_OR_RETURN(store::Statement up,
                             db_.Prepare("UPDATE alerts SET acked_at = ?, note = ? WHERE id = ?"));
    WAYPOST_RETURN_IF_ERROR(up.Bind(1, now));
    WAYPOST_RETURN_IF_ERROR(up.BindText(2, note));
    WAYPOST_RETURN_IF_ERROR(up.Bind(3, acked[i].id));
    WAYPOST_RETURN_IF_ERROR(up.Step().status());
    acked[i].acked_at = now;
    acked[i].note = std::string(note);
    if (acked[i].kind != "duress") continue;
    // Ends the duress state on the helper's device, once its main store
    // takes this in. A decoy takes it in and shows nothing.
    WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> found,
                             LoadContacts("WHERE id = " + std::to_string(contact_ids[i])));
    if (found.empty()) return Status::Corrupt("the alert's contact is missing");
    pb::Body body;
    body.mutable_ack()->set_kind(pb::Ack::DURESS);
    body.set_sent_at(now);
    WAYPOST_RETURN_IF_ERROR(QueueBody(found.front(), Serialize(body), "ack", "", "", false).status());
  }
  WAYPOST_RETURN_IF_ERROR(tx.Commit());
  return acked;
}

Result<std::vector<BoardEntry>> Node::Board() {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> helpers, LoadContacts("WHERE role = 'helper'"));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<AlertInfo> open, Alerts(true));
  std::vector<BoardEntry> out;
  for (const Contact& c : helpers) {
    BoardEntry e;
    e.name = c.name;
    e.fingerprint = envelope::Fingerprint(c.public_key);
    e.state = "ok";
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement st,
        db_.Prepare("SELECT code, sent_at, received_at FROM messages WHERE contact_id = ? AND "
                    "direction = 'in' AND kind = 'checkin' "
                    "ORDER BY received_at DESC, sent_at DESC, rowid DESC "
                    "LIMIT 1"));
    WAYPOST_RETURN_IF_ERROR(st.Bind(1, c.id));
    WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      e.last_code = st.ColumnText(0);
      e.last_sent_at = st.ColumnInt64(1);
      if (!st.ColumnIsNull(2)) e.last_received_at = st.ColumnInt64(2);
    }
    for (const AlertInfo& a : open) {
      // Alerts() is newest first; the oldest open one names the episode.
      if (a.kind == "duress" && a.peer == c.name) {
        e.state = "duress";
        e.alert = a.id;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace waypost::node
