// RelayList: the `relays` table, the relays this node syncs with and that
// its invites carry (docs/storage.md §5).
//
// Lifetime: borrows the Database, which must outlive it. Not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

class RelayList {
 public:
  using Row = std::pair<std::string, UnixTime>;  // address, added_at

  explicit RelayList(store::Database& db) : db_(&db) {}

  // Adds `address` unless it is already there; false if it was.
  // InvalidArgument, saying what is wrong, unless it is a relay address
  // (core/sync/relay_address.h).
  Result<bool> Add(std::string_view address, UnixTime now);
  // Removes `address`; false if it was not there.
  Result<bool> Remove(std::string_view address);
  // The addresses, oldest first.
  Result<std::vector<std::string>> Addresses();
  // Every row, by address: for comparing two stores.
  Result<std::vector<Row>> Rows();
  // Makes this table hold exactly `rows` (in Rows() order), writing nothing
  // if it already does.
  Status ReplaceWith(const std::vector<Row>& rows);

 private:
  Result<bool> Has(std::string_view address);

  store::Database* db_;
};

}  // namespace waypost::node
