#include "core/sync/relay_store.h"

#include <algorithm>
#include <optional>
#include <set>

#include "core/sync/constants.h"

namespace waypost::sync {
namespace {

// The tag_usage row that counts the whole store: a key no 8-byte tag has.
const Bytes kTotalKey = {0};
// The rows that count one team each: 'T' || team id (TeamUsageKey).
constexpr uint8_t kTeamUsagePrefix[] = {'T'};
constexpr size_t kTeamUsageKeySize = 1 + team::kTeamIdSize;

}  // namespace

Status RelayStore::EnsureSchema() {
  WAYPOST_RETURN_IF_ERROR(
      db_->Exec("CREATE TABLE IF NOT EXISTS envelopes ("
                "  id BLOB PRIMARY KEY,"
                "  tag BLOB NOT NULL,"
                "  expires_at INTEGER NOT NULL,"
                "  arrived_at INTEGER NOT NULL,"
                "  data BLOB NOT NULL,"
                "  team BLOB"
                ") WITHOUT ROWID;"
                "CREATE INDEX IF NOT EXISTS envelopes_by_tag ON envelopes(tag, expires_at);"
                "CREATE TABLE IF NOT EXISTS tag_usage ("
                "  tag BLOB PRIMARY KEY,"
                "  bytes INTEGER NOT NULL"
                ") WITHOUT ROWID;"));
  // A store from before teams: its envelopes belong to no team, which only
  // an open relay serves.
  WAYPOST_ASSIGN_OR_RETURN(store::Statement columns,
                           db_->Query("SELECT 1 FROM pragma_table_info('envelopes') "
                                      "WHERE name = 'team'"));
  WAYPOST_ASSIGN_OR_RETURN(const bool has_team, columns.Step());
  if (!has_team) WAYPOST_RETURN_IF_ERROR(db_->Exec("ALTER TABLE envelopes ADD COLUMN team BLOB"));
  // A store from before quotas: count what it holds, once.
  WAYPOST_ASSIGN_OR_RETURN(store::Statement total,
                           db_->Query("SELECT 1 FROM tag_usage WHERE tag = X'00'"));
  WAYPOST_ASSIGN_OR_RETURN(const bool counted, total.Step());
  if (counted) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction transaction, store::Transaction::Begin(*db_));
  WAYPOST_RETURN_IF_ERROR(
      db_->Exec("INSERT INTO tag_usage (tag, bytes) "
                "  SELECT tag, total(length(data)) FROM envelopes GROUP BY tag;"
                "INSERT INTO tag_usage (tag, bytes) "
                "  SELECT X'00', coalesce(total(length(data)), 0) FROM envelopes;"));
  return transaction.Commit();
}

Status RelayStore::AddUsage(ByteView tag, int64_t bytes) {
  return db_->Run(
      "INSERT INTO tag_usage (tag, bytes) VALUES (?, ?) "
      "ON CONFLICT(tag) DO UPDATE SET bytes = bytes + excluded.bytes",
      tag, bytes);
}

Result<int64_t> RelayStore::UsedBytes(ByteView tag) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT bytes FROM tag_usage WHERE tag = ?", tag));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, st.Step());
  return row ? st.ColumnInt64(0) : 0;
}

Bytes RelayStore::TeamUsageKey(const team::TeamId& team) {
  // Sized once and filled in place: g++ 12 at -O2 warns falsely about
  // inserting into a one-byte vector.
  Bytes key(kTeamUsageKeySize);
  key[0] = kTeamUsagePrefix[0];
  std::copy(team.begin(), team.end(), key.begin() + 1);
  return key;
}

Result<bool> RelayStore::Put(ByteView data, UnixTime now, const Team& team) {
  WAYPOST_ASSIGN_OR_RETURN(const envelope::Header header, envelope::ParseHeader(data));
  const int64_t expires_at = header.expires_at;
  if (expires_at <= now) return Status::Expired("envelope has expired");
  if (expires_at > now + kMaxEnvelopeLifetimeSeconds) {
    return Status::InvalidArgument("envelope expires more than 60 days from now");
  }
  const envelope::ContentId id = envelope::ComputeContentId(data);
  WAYPOST_ASSIGN_OR_RETURN(store::Statement held,
                           db_->Query("SELECT 1 FROM envelopes WHERE id = ?", id));
  WAYPOST_ASSIGN_OR_RETURN(const bool already, held.Step());
  if (already) return false;  // a copy never counts against a quota
  const int64_t size = static_cast<int64_t>(data.size());
  WAYPOST_ASSIGN_OR_RETURN(const int64_t under_tag, UsedBytes(header.tag));
  if (static_cast<uint64_t>(under_tag + size) > quotas_.per_tag_bytes) {
    return Status::LimitExceeded("this recipient's share of the relay is full");
  }
  if (team) {
    WAYPOST_ASSIGN_OR_RETURN(const int64_t in_team, UsedBytes(TeamUsageKey(*team)));
    if (static_cast<uint64_t>(in_team + size) > quotas_.per_team_bytes) {
      return Status::LimitExceeded("this team's share of the relay is full");
    }
  }
  WAYPOST_ASSIGN_OR_RETURN(const int64_t in_all, UsedBytes(kTotalKey));
  if (static_cast<uint64_t>(in_all + size) > quotas_.total_bytes) {
    return Status::LimitExceeded("the relay is full");
  }
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO envelopes (id, tag, expires_at, arrived_at, data, team) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               id, header.tag, expires_at, now, data, team));
  WAYPOST_RETURN_IF_ERROR(AddUsage(header.tag, size));
  if (team) WAYPOST_RETURN_IF_ERROR(AddUsage(TeamUsageKey(*team), size));
  WAYPOST_RETURN_IF_ERROR(AddUsage(kTotalKey, size));
  return true;
}

Result<RelayStore::BatchResult> RelayStore::PutBatch(const std::vector<ByteView>& envelopes,
                                                     UnixTime now, const Team& team) {
  BatchResult result;
  if (envelopes.empty()) return result;
  result.verdicts.reserve(envelopes.size());
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction transaction, store::Transaction::Begin(*db_));
  for (ByteView data : envelopes) {
    Result<bool> stored = Put(data, now, team);
    if (stored.ok()) {
      ++(*stored ? result.accepted : result.duplicate);
      result.verdicts.push_back(*stored ? Verdict::kStored : Verdict::kHeld);
      continue;
    }
    const Status::Code code = stored.status().code();
    if (code == Status::Code::kLimitExceeded) {
      ++result.full;
      result.verdicts.push_back(Verdict::kFull);
      continue;
    }
    if (code != Status::Code::kCorrupt && code != Status::Code::kExpired &&
        code != Status::Code::kInvalidArgument) {
      return stored.status();  // the transaction rolls back
    }
    ++result.rejected;
    result.verdicts.push_back(Verdict::kRefused);
  }
  WAYPOST_RETURN_IF_ERROR(transaction.Commit());
  stored_count_ += result.accepted;
  return result;
}

Result<RelayStore::Page> RelayStore::ScopePage(const View& view, UnixTime now, size_t max_records,
                                               const std::optional<NegItem>& at_or_below) {
  Page page;
  std::vector<NegItem>& items = page.items;
  // Keeps the `max_records` highest; trims only now and then, so the vector
  // never holds more than twice that. After nth_element, the element at
  // max_records is the highest of those left out.
  auto trim = [&] {
    if (items.size() <= max_records) return;
    std::nth_element(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(max_records),
                     items.end(), [](const NegItem& a, const NegItem& b) { return b < a; });
    if (!page.cut || *page.cut < items[max_records]) page.cut = items[max_records];
    items.resize(max_records);
  };
  auto collect = [&](store::Statement& select) {
    return select.ForEach([&](const store::Statement& row) {
      const std::optional<NegItem> item = NegItemFrom(row.ColumnInt64(0), row.ColumnBlob(1));
      if (!item || (at_or_below && *at_or_below < *item)) return;
      items.push_back(*item);
      if (items.size() >= 2 * max_records) trim();
    });
  };
  if (view.everything) {
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement select,
        db_->Query("SELECT expires_at, id FROM envelopes WHERE team IS ? AND expires_at > ?",
                   view.team, now));
    WAYPOST_RETURN_IF_ERROR(collect(select));
  } else {
    WAYPOST_ASSIGN_OR_RETURN(
        store::Statement select,
        db_->Prepare("SELECT expires_at, id FROM envelopes WHERE tag = ? AND expires_at > ?"));
    for (const envelope::RecipientTag& tag : view.tags) {
      select.Reset();
      WAYPOST_RETURN_IF_ERROR(select.BindAll(tag, now));
      WAYPOST_RETURN_IF_ERROR(collect(select));
    }
  }
  trim();
  return page;
}

Result<RelayStore::Found> RelayStore::Get(const std::vector<Bytes>& ids, const View& view,
                                          UnixTime now, size_t max_bytes) {
  Found found;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement select,
      db_->Prepare("SELECT tag, expires_at, data, team FROM envelopes WHERE id = ?"));
  auto in_scope = [&view](const Bytes& stored, const store::Statement& row) {
    if (view.everything) {
      const Bytes team = row.ColumnBlob(3);
      return !view.team ||
             std::equal(team.begin(), team.end(), view.team->begin(), view.team->end());
    }
    envelope::RecipientTag tag;
    if (stored.size() != tag.size()) return false;
    std::copy(stored.begin(), stored.end(), tag.begin());
    return view.Contains(tag);
  };
  size_t total = 0;
  for (const Bytes& id : ids) {
    select.Reset();
    WAYPOST_RETURN_IF_ERROR(select.BindAll(id));
    WAYPOST_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row || select.ColumnInt64(1) <= now || !in_scope(select.ColumnBlob(0), select)) {
      found.gone.push_back(id);
      continue;
    }
    Bytes data = select.ColumnBlob(2);
    if (!found.envelopes.empty() && total + data.size() > max_bytes) break;
    total += data.size();
    found.envelopes.push_back(std::move(data));
  }
  return found;
}

Status RelayStore::PurgeExpired(UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction transaction, store::Transaction::Begin(*db_));
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("UPDATE tag_usage SET bytes = bytes - (SELECT total(length(data)) FROM envelopes e "
               "  WHERE e.tag = tag_usage.tag AND e.expires_at <= ?1) "
               "WHERE tag IN (SELECT DISTINCT tag FROM envelopes WHERE expires_at <= ?1)",
               now));
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("UPDATE tag_usage SET bytes = bytes - (SELECT total(length(data)) FROM envelopes e "
               "  WHERE e.team = substr(tag_usage.tag, 2) AND e.expires_at <= ?1) "
               "WHERE length(tag) = ?2 AND substr(tag, 1, 1) = ?3",
               now, static_cast<int64_t>(kTeamUsageKeySize), ByteView(kTeamUsagePrefix)));
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("UPDATE tag_usage SET bytes = bytes - (SELECT total(length(data)) FROM envelopes "
               "  WHERE expires_at <= ?1) WHERE tag = X'00'",
               now));
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM envelopes WHERE expires_at <= ?", now));
  WAYPOST_RETURN_IF_ERROR(db_->Exec("DELETE FROM tag_usage WHERE bytes <= 0 AND tag != X'00'"));
  return transaction.Commit();
}

Result<int64_t> RelayStore::Count() {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement count, db_->Prepare("SELECT COUNT(*) FROM envelopes"));
  WAYPOST_ASSIGN_OR_RETURN(bool row, count.Step());
  if (!row) return Status::Internal("COUNT(*) returned no row");
  return count.ColumnInt64(0);
}

}  // namespace waypost::sync
