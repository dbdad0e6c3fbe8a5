// Small helpers for tables that the decoy mirrors whole (docs/storage.md §3).
#pragma once

#include <string_view>
#include <tuple>
#include <vector>

#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node::internal {

// Makes a table that holds `have` hold `want` instead (rows are tuples in
// `insert_sql`'s parameter order), writing nothing when they are equal:
// `clear_sql` empties it (with a WHERE clause, so the change is seen,
// store::Database::TakeWrittenTables), then every row is inserted.
template <typename Row>
Status ReplaceRows(store::Database& db, const std::vector<Row>& have, const std::vector<Row>& want,
                   std::string_view clear_sql, std::string_view insert_sql) {
  if (have == want) return Status::Ok();
  WAYPOST_RETURN_IF_ERROR(db.Run(clear_sql));
  WAYPOST_ASSIGN_OR_RETURN(store::Statement insert, db.Prepare(insert_sql));
  for (const Row& row : want) {
    insert.Reset();
    WAYPOST_RETURN_IF_ERROR(
        std::apply([&](const auto&... value) { return insert.BindAll(value...); }, row));
    WAYPOST_RETURN_IF_ERROR(insert.Run());
  }
  return Status::Ok();
}

}  // namespace waypost::node::internal
