#include "core/node/sequencer.h"

#include <algorithm>

namespace waypost::node {

Result<uint32_t> Sequencer::Next(ContactId contact, bool duress_chain) {
  const char* sql = duress_chain
                        ? "UPDATE contacts SET send_seq_duress = send_seq_duress + 1 WHERE id = ? "
                          "RETURNING send_seq_duress"
                        : "UPDATE contacts SET send_seq = send_seq + 1 WHERE id = ? "
                          "RETURNING send_seq";
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_->Query(sql, contact.value));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return Status::Corrupt("a message to a contact that is not in the store");
  const int64_t next = st.ColumnInt64(0);
  WAYPOST_RETURN_IF_ERROR(st.Step().status());  // finish the statement
  return static_cast<uint32_t>(next);
}

Status Sequencer::Received(ContactId contact, bool via_duress, uint32_t seq, UnixTime now) {
  if (seq == 0) return Status::Ok();
  const char* column = via_duress ? "recv_seq_duress" : "recv_seq";
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query(std::string("SELECT ") + column + " FROM contacts WHERE id = ?", contact.value));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  if (!row) return Status::Corrupt("a message from a contact that is not in the store");
  const int64_t highest = st.ColumnInt64(0);
  if (seq <= highest) {
    // A late arrival fills its hole; a repeat changes nothing.
    return db_->Run("DELETE FROM seq_holes WHERE contact_id = ? AND via_duress = ? AND seq = ?",
                    contact.value, via_duress ? 1 : 0, int64_t{seq});
  }
  const int64_t first_hole = std::max<int64_t>(highest + 1, int64_t{seq} - kMaxHoles);
  for (int64_t missing = first_hole; missing < seq; ++missing) {
    WAYPOST_RETURN_IF_ERROR(
        db_->Run("INSERT OR IGNORE INTO seq_holes(contact_id, via_duress, seq, noticed_at) "
                 "VALUES(?, ?, ?, ?)",
                 contact.value, via_duress ? 1 : 0, missing, now));
  }
  return db_->Run(std::string("UPDATE contacts SET ") + column + " = ? WHERE id = ?", int64_t{seq},
                  contact.value);
}

Result<std::vector<Sequencer::Gap>> Sequencer::TakeGapsNoticedBy(UnixTime cutoff) {
  std::vector<Gap> gaps;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT contact_id, via_duress, seq FROM seq_holes WHERE noticed_at <= ? "
                 "ORDER BY contact_id, via_duress, seq",
                 cutoff));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) {
    const ContactId contact{row.ColumnInt64(0)};
    const bool via_duress = row.ColumnInt64(1) != 0;
    if (gaps.empty() || gaps.back().contact.value != contact.value ||
        gaps.back().via_duress != via_duress) {
      gaps.push_back(Gap{contact, via_duress, {}});
    }
    gaps.back().missing.push_back(static_cast<uint32_t>(row.ColumnInt64(2)));
  }));
  if (!gaps.empty()) {
    WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM seq_holes WHERE noticed_at <= ?", cutoff));
  }
  return gaps;
}

}  // namespace waypost::node
