#include "core/node/relay_list.h"

#include "core/node/internal/rows.h"
#include "core/sync/relay_address.h"

namespace waypost::node {

Result<bool> RelayList::Add(std::string_view address, UnixTime now) {
  WAYPOST_RETURN_IF_ERROR(sync::ParseRelayAddress(address).status());
  WAYPOST_ASSIGN_OR_RETURN(bool there, Has(address));
  if (there) return false;
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO relays(address, added_at) VALUES(?, ?)", address, now));
  return true;
}

Result<bool> RelayList::Remove(std::string_view address) {
  WAYPOST_ASSIGN_OR_RETURN(bool there, Has(address));
  if (!there) return false;
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM relays WHERE address = ?", address));
  return true;
}

Result<bool> RelayList::Has(std::string_view address) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT 1 FROM relays WHERE address = ?", address));
  return st.Step();
}

Result<std::vector<std::string>> RelayList::Addresses() {
  std::vector<std::string> out;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT address FROM relays ORDER BY added_at, address"));
  WAYPOST_RETURN_IF_ERROR(
      st.ForEach([&](const store::Statement& row) { out.push_back(row.ColumnText(0)); }));
  return out;
}

Result<std::vector<RelayList::Row>> RelayList::Rows() {
  std::vector<Row> out;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT address, added_at FROM relays ORDER BY address"));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) {
    out.push_back({row.ColumnText(0), row.ColumnInt64(1)});
  }));
  return out;
}

Status RelayList::ReplaceWith(const std::vector<Row>& rows) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Row> have, Rows());
  return internal::ReplaceRows(*db_, have, rows, "DELETE FROM relays WHERE 1",
                               "INSERT INTO relays(address, added_at) VALUES(?, ?)");
}

}  // namespace waypost::node
