#include "core/sync/relay_store.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/sync/constants.h"

namespace waypost::sync {
namespace {

// Have-prefixes grouped by length, so each stored id costs one set lookup
// per distinct prefix length rather than one compare per prefix.
class HaveSet {
 public:
  explicit HaveSet(const std::vector<Bytes>& prefixes) {
    for (const Bytes& p : prefixes) {
      if (!p.empty() && p.size() <= envelope::kContentIdSize) by_length_[p.size()].insert(p);
    }
  }
  bool Contains(ByteView id) const {
    for (const auto& [length, set] : by_length_) {
      if (id.size() >= length && set.count(Bytes(id.begin(), id.begin() + length)) > 0) {
        return true;
      }
    }
    return false;
  }

 private:
  std::map<size_t, std::set<Bytes>> by_length_;
};

}  // namespace

Status RelayStore::EnsureSchema() {
  return db_->Exec(
      "CREATE TABLE IF NOT EXISTS envelopes ("
      "  id BLOB PRIMARY KEY,"
      "  tag BLOB NOT NULL,"
      "  expires_at INTEGER NOT NULL,"
      "  arrived_at INTEGER NOT NULL,"
      "  data BLOB NOT NULL"
      ") WITHOUT ROWID;"
      "CREATE INDEX IF NOT EXISTS envelopes_by_tag ON envelopes(tag, expires_at);");
}

Result<bool> RelayStore::Put(ByteView data, UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(const envelope::Header header, envelope::ParseHeader(data));
  const int64_t expires_at = header.expires_at;
  if (expires_at <= now) return Status::Expired("envelope has expired");
  if (expires_at > now + kMaxEnvelopeLifetimeSeconds) {
    return Status::InvalidArgument("envelope expires more than 60 days from now");
  }
  const envelope::ContentId id = envelope::ComputeContentId(data);
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT OR IGNORE INTO envelopes (id, tag, expires_at, arrived_at, data) "
               "VALUES (?, ?, ?, ?, ?)",
               id, header.tag, expires_at, now, data));
  return db_->Changes() == 1;
}

Result<RelayStore::BatchResult> RelayStore::PutBatch(const std::vector<ByteView>& envelopes,
                                                     UnixTime now) {
  BatchResult result;
  if (envelopes.empty()) return result;
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction transaction, store::Transaction::Begin(*db_));
  for (ByteView data : envelopes) {
    Result<bool> stored = Put(data, now);
    if (stored.ok()) {
      ++(*stored ? result.accepted : result.duplicate);
      continue;
    }
    const Status::Code code = stored.status().code();
    if (code != Status::Code::kCorrupt && code != Status::Code::kExpired &&
        code != Status::Code::kInvalidArgument) {
      return stored.status();  // the transaction rolls back
    }
    ++result.rejected;
  }
  WAYPOST_RETURN_IF_ERROR(transaction.Commit());
  return result;
}

Result<std::vector<Bytes>> RelayStore::Fetch(const std::vector<envelope::RecipientTag>& tags,
                                             const std::vector<Bytes>& have_prefixes, UnixTime now,
                                             size_t max_bytes) {
  const std::set<envelope::RecipientTag> unique_tags(tags.begin(), tags.end());
  const HaveSet have(have_prefixes);
  struct Row {
    int64_t arrived_at;
    Bytes id;
    Bytes data;
  };
  std::vector<Row> rows;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement select,
      db_->Prepare("SELECT id, arrived_at, data FROM envelopes WHERE tag = ? AND expires_at > ?"));
  for (const envelope::RecipientTag& tag : unique_tags) {
    select.Reset();
    WAYPOST_RETURN_IF_ERROR(select.BindAll(tag, now));
    WAYPOST_RETURN_IF_ERROR(select.ForEach([&](const store::Statement& row) {
      Bytes id = row.ColumnBlob(0);
      if (!have.Contains(id))
        rows.push_back(Row{row.ColumnInt64(1), std::move(id), row.ColumnBlob(2)});
    }));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.arrived_at != b.arrived_at ? a.arrived_at < b.arrived_at : a.id < b.id;
  });
  std::vector<Bytes> out;
  size_t total = 0;
  for (Row& row : rows) {
    if (total + row.data.size() > max_bytes) break;
    total += row.data.size();
    out.push_back(std::move(row.data));
  }
  return out;
}

Status RelayStore::PurgeExpired(UnixTime now) {
  return db_->Run("DELETE FROM envelopes WHERE expires_at <= ?", now);
}

Result<int64_t> RelayStore::Count() {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement count, db_->Prepare("SELECT COUNT(*) FROM envelopes"));
  WAYPOST_ASSIGN_OR_RETURN(bool row, count.Step());
  if (!row) return Status::Internal("COUNT(*) returned no row");
  return count.ColumnInt64(0);
}

}  // namespace waypost::sync
