// SettingsTable: the `settings` table, what `waypost settings` shows and
// changes (docs/storage.md §5). Values are text: the retention is decimal
// seconds or "keep", the delivery window decimal epochs (days). A missing
// row means the default in NodeSettings; unknown keys are kept and ignored,
// since a later version may add some.
//
// Lifetime: borrows the Database, which must outlive it. Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/node/records.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

class SettingsTable {
 public:
  using Row = std::pair<std::string, std::string>;  // key, value

  explicit SettingsTable(store::Database& db) : db_(&db) {}

  // Corrupt if a stored value is damaged or out of bounds: never guessed.
  Result<NodeSettings> Load();
  // InvalidArgument outside NodeSettings' bounds; nothing is written then.
  Status PutRetention(std::optional<int64_t> seconds);
  Status PutDeliveryWindow(int64_t epochs);
  // "" (none) or "socks5://" and a host and port in printable ASCII; the
  // host and port themselves are checked where they are used (net/).
  Status PutProxy(std::string_view url);

  // Every row, by key, and its replacement (rows in Rows() order, writing
  // nothing if they are already there): for the decoy.
  Result<std::vector<Row>> Rows();
  Status ReplaceWith(const std::vector<Row>& rows);

 private:
  Status Put(std::string_view key, const std::string& value);

  store::Database* db_;
};

}  // namespace waypost::node
