// ReplayCache: the `seen` table (docs/storage.md §5): the content ids of
// envelopes already taken in, kept until each envelope expires, so a replay
// or a second copy changes nothing (docs/protocol.md §6). Its prefixes are
// what a sync lists as `have`.
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <cstddef>
#include <vector>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

class ReplayCache {
 public:
  static constexpr size_t kHavePrefixSize = 8;

  explicit ReplayCache(store::Database& db) : db_(&db) {}

  Result<bool> Contains(ByteView id);
  Status Record(ByteView id, int64_t expires_at);
  Status PurgeExpired(UnixTime now);
  // The first kHavePrefixSize bytes of every id held.
  Result<std::vector<Bytes>> HavePrefixes();

 private:
  store::Database* db_;
};

}  // namespace waypost::node
