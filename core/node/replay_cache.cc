#include "core/node/replay_cache.h"

namespace waypost::node {

Result<bool> ReplayCache::Contains(ByteView id) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_->Query("SELECT 1 FROM seen WHERE id = ?", id));
  return st.Step();
}

Status ReplayCache::Record(ByteView id, int64_t expires_at) {
  return db_->Run("INSERT OR IGNORE INTO seen(id, expires_at) VALUES(?, ?)", id, expires_at);
}

Status ReplayCache::PurgeExpired(UnixTime now) {
  return db_->Run("DELETE FROM seen WHERE expires_at <= ?", now);
}

Result<std::vector<Bytes>> ReplayCache::HavePrefixes() {
  std::vector<Bytes> out;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_->Query("SELECT id FROM seen"));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) {
    Bytes id = row.ColumnBlob(0);
    id.resize(kHavePrefixSize);
    out.push_back(std::move(id));
  }));
  return out;
}

}  // namespace waypost::node
