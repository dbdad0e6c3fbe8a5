#include "core/node/replay_cache.h"

#include <algorithm>
#include <optional>

namespace waypost::node {
namespace {

// seen.rejected: 0 taken in, 1 rejected, 2 rejected and to be looked at
// again (docs/storage.md §5).
constexpr int kRejected = 1;
constexpr int kRetry = 2;

}  // namespace

Result<bool> ReplayCache::Contains(ByteView id) {
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT 1 FROM seen WHERE id = ? AND rejected != ?", id, kRetry));
  return st.Step();
}

Status ReplayCache::Record(ByteView id, int64_t expires_at, const envelope::RecipientTag& tag) {
  // An envelope rejected earlier and now readable becomes an accepted one.
  return db_->Run("INSERT OR REPLACE INTO seen(id, expires_at, tag, rejected) VALUES(?, ?, ?, 0)",
                  id, expires_at, tag);
}

Result<bool> ReplayCache::RecordRejected(ByteView id, int64_t expires_at,
                                         const envelope::RecipientTag& tag) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT rejected FROM seen WHERE id = ?", id));
  WAYPOST_ASSIGN_OR_RETURN(const bool known, st.Step());
  if (known) {
    if (st.ColumnInt64(0) != kRetry) return false;
    WAYPOST_RETURN_IF_ERROR(db_->Run("UPDATE seen SET rejected = ? WHERE id = ?", kRejected, id));
    return false;
  }
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO seen(id, expires_at, tag, rejected) VALUES(?, ?, ?, ?)", id, expires_at,
               tag, kRejected));
  return true;
}

Status ReplayCache::ForgetRejected() {
  return db_->Run("UPDATE seen SET rejected = ? WHERE rejected = ?", kRetry, kRejected);
}

Status ReplayCache::PurgeExpired(UnixTime now) {
  return db_->Run("DELETE FROM seen WHERE expires_at <= ?", now);
}

Result<std::vector<sync::NegItem>> ReplayCache::Held(const std::set<envelope::RecipientTag>& tags) {
  std::vector<sync::NegItem> out;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Prepare("SELECT expires_at, id FROM seen WHERE tag = ? AND rejected != 2"));
  for (const envelope::RecipientTag& tag : tags) {
    st.Reset();
    WAYPOST_RETURN_IF_ERROR(st.BindAll(tag));
    WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) {
      const std::optional<sync::NegItem> item =
          sync::NegItemFrom(row.ColumnInt64(0), row.ColumnBlob(1));
      if (item) out.push_back(*item);
    }));
  }
  return out;
}

}  // namespace waypost::node
