#include "core/node/invite_book.h"

namespace waypost::node {

Status InviteBook::Add(ByteView id, const Secret& secret, std::string_view for_name, UnixTime now,
                       UnixTime expires_at, bool coordinator) {
  return db_->Run(
      "INSERT INTO invites(id, secret, for_name, created_at, expires_at, coordinator) "
      "VALUES(?, ?, ?, ?, ?, ?)",
      id, secret, for_name, now, expires_at, int64_t{coordinator ? 1 : 0});
}

Result<std::vector<LiveInvite>> InviteBook::Live(UnixTime now) {
  std::vector<LiveInvite> out;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT id, secret, used_by, coordinator, expires_at FROM invites "
                 "WHERE expires_at > ?",
                 now));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) {
    std::optional<ContactId> used_by;
    if (!row.ColumnIsNull(2)) used_by = ContactId{row.ColumnInt64(2)};
    out.push_back({row.ColumnBlob(0), row.ColumnSecret(1), used_by, row.ColumnInt64(3) != 0,
                   row.ColumnInt64(4)});
  }));
  return out;
}

Result<std::optional<std::string>> InviteBook::ForName(ByteView id) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT for_name FROM invites WHERE id = ?", id));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.ColumnText(0));
}

Status InviteBook::MarkUsed(ByteView id, ContactId contact) {
  return db_->Run("UPDATE invites SET used_by = ? WHERE id = ?", contact.value, id);
}

Status InviteBook::PurgeExpired(UnixTime now) {
  return db_->Run("DELETE FROM invites WHERE expires_at <= ?", now);
}

}  // namespace waypost::node
