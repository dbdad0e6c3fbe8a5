#include "core/node/message_log.h"

#include <algorithm>
#include <map>
#include <utility>

namespace waypost::node {
namespace {

Result<MessageInfo> ReadMessage(const store::Statement& row) {
  MessageInfo m;
  m.id = DisplayId(row.ColumnBlob(0));
  WAYPOST_ASSIGN_OR_RETURN(m.direction, ParseStored<Direction>(row.ColumnText(1)));
  WAYPOST_ASSIGN_OR_RETURN(m.kind, ParseStored<MessageKind>(row.ColumnText(2)));
  m.peer = row.ColumnText(3);
  m.code = row.ColumnText(4);
  m.text = row.ColumnText(5);
  m.sent_at = row.ColumnInt64(6);
  m.received_at = row.ColumnOptionalInt64(7);
  WAYPOST_ASSIGN_OR_RETURN(m.state, ParseStored<MessageState>(row.ColumnText(8)));
  m.duress = row.ColumnInt64(9) != 0;
  m.meaning = row.ColumnText(10);
  m.test = row.ColumnInt64(11) != 0;
  m.state_at = row.ColumnOptionalInt64(12);
  m.state_note = row.ColumnText(13);
  m.state_by = row.ColumnText(16);
  return m;
}

// Every query that reads messages whole reads these columns, in this
// order: ReadMessage's, then the contact's id and the sender's seq, then
// who among the coordinators set the state.
#define WAYPOST_MESSAGE_COLUMNS                                                           \
  "SELECT m.id, m.direction, m.kind, c.name, m.code, m.text, m.sent_at, m.received_at, "  \
  "m.state, m.duress, m.meaning, m.test, m.state_at, m.state_note, m.contact_id, m.seq, " \
  "m.state_by "                                                                           \
  "FROM messages m JOIN contacts c ON c.id = m.contact_id "

// A message as List() orders it.
struct Listed {
  MessageInfo info;
  int64_t contact = 0;
  uint32_t seq = 0;
  size_t arrival = 0;  // its place by arrival
};

// The sender's order: its clock, then its numbers, then arrival.
bool SentBefore(const Listed& a, const Listed& b) {
  if (a.info.sent_at != b.info.sent_at) return a.info.sent_at < b.info.sent_at;
  if (a.seq != b.seq) return a.seq < b.seq;
  return a.arrival < b.arrival;
}

// `rows`, in arrival order, with each sender's incoming messages
// rearranged among the places they hold into the sender's order.
std::vector<MessageInfo> InSendersOrder(std::vector<Listed> rows) {
  std::map<int64_t, std::vector<size_t>> places;
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].arrival = i;
    if (rows[i].info.direction == Direction::kIn) places[rows[i].contact].push_back(i);
  }
  std::vector<MessageInfo> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].info.direction == Direction::kOut) out[i] = std::move(rows[i].info);
  }
  for (const auto& [contact, at] : places) {
    std::vector<Listed> theirs;
    for (size_t i : at) theirs.push_back(rows[i]);
    std::sort(theirs.begin(), theirs.end(), SentBefore);
    for (size_t k = 0; k < at.size(); ++k) out[at[k]] = std::move(theirs[k].info);
  }
  return out;
}

bool IsHex(std::string_view s) {
  return FromHex(s.size() % 2 ? std::string(s) + "0" : std::string(s)).has_value();
}

}  // namespace

Status MessageLog::Insert(const NewMessage& m) {
  const MessageState state = m.direction == Direction::kOut ? MessageState::kQueued
                             : m.revoked                    ? MessageState::kRevoked
                                                            : MessageState::kReceived;
  return db_->Run(
      "INSERT INTO messages(id, direction, kind, contact_id, code, text, sent_at, received_at, "
      "state, duress, via_duress, meaning, test, seq) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      m.id, NameOf(m.direction), NameOf(m.kind), m.contact.value, m.code, m.text, m.sent_at,
      m.received_at, NameOf(state), m.duress ? 1 : 0, m.via_duress ? 1 : 0, m.meaning,
      m.test ? 1 : 0, int64_t{m.seq});
}

Result<std::vector<MessageInfo>> MessageLog::List() { return ListAfter(0); }

Result<int64_t> MessageLog::LastRowId() {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT coalesce(max(rowid), 0) FROM messages"));
  WAYPOST_RETURN_IF_ERROR(st.Step().status());
  return st.ColumnInt64(0);
}

Result<std::vector<MessageInfo>> MessageLog::ListAfter(int64_t rowid) {
  std::vector<Listed> rows;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query(WAYPOST_MESSAGE_COLUMNS
                 "WHERE m.rowid > ? ORDER BY coalesce(m.received_at, m.sent_at), m.rowid",
                 rowid));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    WAYPOST_ASSIGN_OR_RETURN(MessageInfo m, ReadMessage(row));
    rows.push_back(
        {std::move(m), row.ColumnInt64(14), static_cast<uint32_t>(row.ColumnInt64(15)), 0});
    return Status::Ok();
  }));
  return InSendersOrder(std::move(rows));
}

Result<std::map<std::string, MessageState>> MessageLog::Unsettled() {
  std::map<std::string, MessageState> out;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT id, state FROM messages WHERE direction = ? AND state IN (?, ?, ?)",
                 NameOf(Direction::kOut), NameOf(MessageState::kQueued),
                 NameOf(MessageState::kRelayed), NameOf(MessageState::kDelivered)));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    WAYPOST_ASSIGN_OR_RETURN(out[DisplayId(row.ColumnBlob(0))],
                             ParseStored<MessageState>(row.ColumnText(1)));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<MessageInfo>> MessageLog::ChangedSince(UnixTime t) {
  std::vector<MessageInfo> out;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query(WAYPOST_MESSAGE_COLUMNS "WHERE m.direction = ? AND m.state_at >= ? ORDER BY "
                                         "m.sent_at, m.rowid",
                 NameOf(Direction::kOut), t));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) -> Status {
    WAYPOST_ASSIGN_OR_RETURN(MessageInfo m, ReadMessage(row));
    out.push_back(std::move(m));
    return Status::Ok();
  }));
  return out;
}

Result<MessageInfo> MessageLog::Get(ByteView id) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query(WAYPOST_MESSAGE_COLUMNS "WHERE m.id = ?", id));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no message " + DisplayId(id));
  return ReadMessage(st);
}

Status MessageLog::MarkRelayed(ByteView id, UnixTime now) {
  return db_->Run("UPDATE messages SET state = ?, state_at = ? WHERE id = ? AND state = ?",
                  NameOf(MessageState::kRelayed), now, id, NameOf(MessageState::kQueued));
}

Result<std::vector<Bytes>> MessageLog::ApplyReceipt(ContactId from, ByteView of, MessageState state,
                                                    UnixTime now, std::string_view note) {
  WAYPOST_RETURN_IF_ERROR(db_->Run(
      "UPDATE messages SET state = ?, state_at = ?, state_note = ? WHERE direction = ? AND "
      "contact_id = ? AND substr(id, 1, 16) = ? AND state != ?",
      NameOf(state), now, note, NameOf(Direction::kOut), from.value, of,
      NameOf(MessageState::kConfirmed)));
  std::vector<Bytes> ids;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT id FROM messages WHERE direction = ? AND contact_id = ? AND "
                 "substr(id, 1, 16) = ?",
                 NameOf(Direction::kOut), from.value, of));
  WAYPOST_RETURN_IF_ERROR(
      st.ForEach([&](const store::Statement& row) { ids.push_back(row.ColumnBlob(0)); }));
  return ids;
}

Result<MessageLog::Found> MessageLog::FindReceivedCheckIn(std::string_view id_prefix) {
  if (id_prefix.size() < 4 || !IsHex(id_prefix)) {
    return Status::InvalidArgument("an id is 4 or more hex digits, as `waypost inbox` shows");
  }
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query(
          "SELECT id, contact_id, via_duress FROM messages WHERE direction = ? AND kind = ? AND "
          "substr(hex(id), 1, ?) = upper(?)",
          NameOf(Direction::kIn), NameOf(MessageKind::kCheckIn), int64_t(id_prefix.size()),
          id_prefix));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no received check-in with id " + std::string(id_prefix));
  Found found{st.ColumnBlob(0), ContactId{st.ColumnInt64(1)}, st.ColumnInt64(2) != 0};
  WAYPOST_ASSIGN_OR_RETURN(bool second, st.Step());
  if (second) {
    return Status::InvalidArgument("id " + std::string(id_prefix) +
                                   " is ambiguous; give more digits");
  }
  return found;
}

Result<std::pair<Bytes, Direction>> MessageLog::Resolve(std::string_view id_prefix) {
  if (id_prefix.size() < 4 || !IsHex(id_prefix)) {
    return Status::InvalidArgument("an id is 4 or more hex digits, as `waypost inbox` shows");
  }
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT id, direction FROM messages WHERE substr(hex(id), 1, ?) = upper(?)",
                 int64_t(id_prefix.size()), id_prefix));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no message with id " + std::string(id_prefix));
  std::pair<Bytes, Direction> found{st.ColumnBlob(0), st.ColumnText(1) == NameOf(Direction::kIn)
                                                          ? Direction::kIn
                                                          : Direction::kOut};
  WAYPOST_ASSIGN_OR_RETURN(bool second, st.Step());
  if (second) {
    return Status::InvalidArgument("id " + std::string(id_prefix) +
                                   " is ambiguous; give more digits");
  }
  return found;
}

Status MessageLog::SetState(ByteView id, MessageState state, UnixTime now, std::string_view note) {
  return db_->Run(
      "UPDATE messages SET state = ?, state_at = ?, state_note = ?, state_by = '' WHERE id = ?",
      NameOf(state), now, note, id);
}

Result<size_t> MessageLog::ConfirmedBy(ContactId from, UnixTime sent_at, UnixTime now,
                                       std::string_view note, std::string_view by) {
  WAYPOST_RETURN_IF_ERROR(db_->Run(
      "UPDATE messages SET state = ?, state_at = ?, state_note = ?, state_by = ? "
      "WHERE direction = ? AND kind = ? AND contact_id = ? AND sent_at = ? AND state = ?",
      NameOf(MessageState::kConfirmed), now, note, by, NameOf(Direction::kIn),
      NameOf(MessageKind::kCheckIn), from.value, sent_at, NameOf(MessageState::kReceived)));
  return size_t(db_->Changes());
}

Result<std::optional<LastCheckIn>> MessageLog::LastCheckInFrom(ContactId contact, bool real_only) {
  return Last(contact, Direction::kIn, real_only);
}

Result<std::optional<LastCheckIn>> MessageLog::LastCheckInTo(ContactId contact, bool real_only) {
  return Last(contact, Direction::kOut, real_only);
}

Result<std::optional<LastCheckIn>> MessageLog::Last(ContactId contact, Direction direction,
                                                    bool real_only) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT code, sent_at, received_at, meaning, test, duress FROM messages "
                 "WHERE contact_id = ? AND direction = ? AND kind = ? AND (test = 0 OR ? = 0) "
                 "AND state != ? ORDER BY received_at DESC, sent_at DESC, rowid DESC LIMIT 1",
                 contact.value, NameOf(direction), NameOf(MessageKind::kCheckIn), real_only ? 1 : 0,
                 NameOf(MessageState::kRevoked)));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<LastCheckIn>();
  return std::optional<LastCheckIn>(LastCheckIn{st.ColumnText(0), st.ColumnInt64(1),
                                                st.ColumnOptionalInt64(2), st.ColumnText(3),
                                                st.ColumnInt64(4) != 0, st.ColumnInt64(5) != 0});
}

Result<std::vector<Bytes>> MessageLog::IdsOlderThan(UnixTime cutoff) {
  std::vector<Bytes> ids;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT id FROM messages WHERE (direction = ?2 AND "
                 "coalesce(received_at, sent_at) < ?1) OR (direction = ?3 AND sent_at < ?1)",
                 cutoff, NameOf(Direction::kIn), NameOf(Direction::kOut)));
  WAYPOST_RETURN_IF_ERROR(
      st.ForEach([&](const store::Statement& row) { ids.push_back(row.ColumnBlob(0)); }));
  return ids;
}

Status MessageLog::DeleteOlderThan(UnixTime cutoff) {
  return db_->Run(
      "DELETE FROM messages WHERE (direction = ?2 AND coalesce(received_at, sent_at) < ?1) OR "
      "(direction = ?3 AND sent_at < ?1)",
      cutoff, NameOf(Direction::kIn), NameOf(Direction::kOut));
}

Result<std::vector<Bytes>> MessageLog::FailUnanswered(ContactId to, UnixTime now,
                                                      bool queued_only) {
  std::vector<Bytes> ids;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT id FROM messages WHERE contact_id = ? AND direction = ? AND state IN "
                 "(?, ?)",
                 to.value, NameOf(Direction::kOut), NameOf(MessageState::kQueued),
                 NameOf(queued_only ? MessageState::kQueued : MessageState::kRelayed)));
  WAYPOST_RETURN_IF_ERROR(
      st.ForEach([&](const store::Statement& row) { ids.push_back(row.ColumnBlob(0)); }));
  for (const Bytes& id : ids) {
    WAYPOST_RETURN_IF_ERROR(SetState(id, MessageState::kFailed, now));
  }
  return ids;
}

#undef WAYPOST_MESSAGE_COLUMNS

}  // namespace waypost::node
