#include "core/sync/relay_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/envelope/format.h"
#include "core/sync/constants.h"
#include "tests/core/sync/sync_test_util.h"
#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

using test_util::IdOf;
using test_util::ItemOf;
using test_util::kNow;
using test_util::MakeEnvelope;
using test_util::Tag;
using Verdict = RelayStore::Verdict;

constexpr uint32_t kDay = 24 * 3600;
constexpr size_t kNoLimit = size_t{1} << 30;
constexpr size_t kSmall = envelope::kBucketSizes[0];  // 117

std::vector<NegItem> ItemsOf(const std::vector<Bytes>& envelopes) {
  std::vector<NegItem> items;
  for (const Bytes& e : envelopes) items.push_back(ItemOf(e));
  std::sort(items.begin(), items.end());
  return items;
}

std::vector<NegItem> Sorted(std::vector<NegItem> items) {
  std::sort(items.begin(), items.end());
  return items;
}

class RelayStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(store_.EnsureSchema()); }

  int64_t Count() { return store_.Count().value(); }

  test_util::TempDatabase temp_;
  RelayStore store_{temp_.db()};
};

TEST_F(RelayStoreTest, StoresOnceAndDedupesByContentId) {
  const Bytes e = MakeEnvelope(Tag(1), kNow + kDay, 1);
  auto first = store_.Put(e, kNow);
  ASSERT_OK(first);
  EXPECT_TRUE(*first);
  auto second = store_.Put(e, kNow + 5);
  ASSERT_OK(second);
  EXPECT_FALSE(*second);
  EXPECT_EQ(Count(), 1);
  EXPECT_OK(store_.EnsureSchema()) << "idempotent";
}

TEST_F(RelayStoreTest, RejectsBadEnvelopesWithClearErrors) {
  Bytes bad_size = MakeEnvelope(Tag(1), kNow + kDay, 1);
  bad_size.push_back(0);
  EXPECT_EQ(store_.Put(bad_size, kNow).status().code(), Status::Code::kCorrupt);
  EXPECT_EQ(store_.Put(Bytes{}, kNow).status().code(), Status::Code::kCorrupt);
  Bytes bad_version = MakeEnvelope(Tag(1), kNow + kDay, 2);
  bad_version[0] = 0x02;
  EXPECT_EQ(store_.Put(bad_version, kNow).status().code(), Status::Code::kCorrupt);

  auto expired = store_.Put(MakeEnvelope(Tag(1), kNow, 3), kNow);
  EXPECT_EQ(expired.status().code(), Status::Code::kExpired);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);

  const uint32_t limit = kNow + kMaxEnvelopeLifetimeSeconds;
  auto far = store_.Put(MakeEnvelope(Tag(1), limit + 1, 4), kNow);
  EXPECT_EQ(far.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(far.status().message().find("60 days"), std::string::npos);
  EXPECT_EQ(Count(), 0);

  EXPECT_OK(store_.Put(MakeEnvelope(Tag(1), limit, 5), kNow)) << "exactly 60 days is fine";
  EXPECT_OK(store_.Put(MakeEnvelope(Tag(1), kNow + 1, 6, 16384), kNow));
  EXPECT_EQ(Count(), 2);
}

TEST_F(RelayStoreTest, ScopeListsUnexpiredRecordsUnderTheTags) {
  const Bytes a1 = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  const Bytes a2 = MakeEnvelope(Tag(0xA), kNow + 2 * kDay, 2, 1024);
  const Bytes a3 = MakeEnvelope(Tag(0xA), kNow + 100, 3);
  const Bytes b1 = MakeEnvelope(Tag(0xB), kNow + kDay, 4);
  const Bytes c1 = MakeEnvelope(Tag(0xC), kNow + kDay, 5);
  for (const Bytes& e : {a1, a2, a3, b1, c1}) ASSERT_OK(store_.Put(e, kNow));

  auto a = store_.Scope({Tag(0xA)}, kNow + 10, kNoLimit);
  ASSERT_OK(a);
  EXPECT_EQ(Sorted(*a), ItemsOf({a1, a2, a3})) << "(expiry, content id) of each, only tag A";

  auto ab = store_.Scope({Tag(0xA), Tag(0xB)}, kNow + 10, kNoLimit);
  ASSERT_OK(ab);
  EXPECT_EQ(Sorted(*ab), ItemsOf({a1, a2, a3, b1})) << "never c1";

  auto later = store_.Scope({Tag(0xA)}, kNow + 100, kNoLimit);
  ASSERT_OK(later);
  EXPECT_EQ(Sorted(*later), ItemsOf({a1, a2})) << "a3 expires at exactly now: gone";

  auto much_later = store_.Scope({Tag(0xA), Tag(0xB)}, kNow + 2 * kDay, kNoLimit);
  ASSERT_OK(much_later);
  EXPECT_TRUE(much_later->empty());

  EXPECT_TRUE(store_.Scope({Tag(0xD)}, kNow, kNoLimit)->empty()) << "an unknown tag";
  EXPECT_TRUE(store_.Scope({}, kNow, kNoLimit)->empty()) << "no tags, nothing";
}

TEST_F(RelayStoreTest, ScopeOverMaxRecordsKeepsTheLatestExpiring) {
  // 24 envelopes over two tags, each expiring at its own time, stored in a
  // shuffled order so that neither arrival nor tag lines up with expiry.
  std::vector<Bytes> by_expiry;
  for (uint32_t i = 0; i < 24; ++i) {
    by_expiry.push_back(MakeEnvelope(Tag(i % 2 ? 0xA : 0xB), kNow + 1000 + 100 * i, 100 + i));
  }
  std::vector<Bytes> shuffled = by_expiry;
  std::mt19937 rng(3);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (const Bytes& e : shuffled) ASSERT_OK(store_.Put(e, kNow));

  for (const size_t max : {size_t{1}, size_t{5}, size_t{11}, size_t{23}, size_t{24}, size_t{30}}) {
    auto scope = store_.Scope({Tag(0xA), Tag(0xB)}, kNow, max);
    ASSERT_OK(scope);
    const size_t kept = std::min<size_t>(max, by_expiry.size());
    const std::vector<Bytes> latest(by_expiry.end() - static_cast<std::ptrdiff_t>(kept),
                                    by_expiry.end());
    EXPECT_EQ(Sorted(*scope), ItemsOf(latest)) << "max_records " << max;
  }

  // Among records of one expiry, the order is by id: the largest ids stay.
  std::vector<Bytes> same_time;
  for (uint32_t i = 0; i < 6; ++i) same_time.push_back(MakeEnvelope(Tag(0xC), kNow + 50, 200 + i));
  for (const Bytes& e : same_time) ASSERT_OK(store_.Put(e, kNow));
  std::vector<NegItem> items = ItemsOf(same_time);
  auto scope = store_.Scope({Tag(0xC)}, kNow, 2);
  ASSERT_OK(scope);
  EXPECT_EQ(Sorted(*scope), std::vector<NegItem>(items.end() - 2, items.end()));
}

// Pages: each the highest records at or below the last cut, so that
// following the cuts reaches every record exactly once, even where many
// share one expiry (expiries are whole days).
TEST_F(RelayStoreTest, PagesFollowingTheCutsCoverEveryRecordOnce) {
  std::vector<Bytes> all;
  for (uint32_t i = 0; i < 40; ++i) {
    all.push_back(MakeEnvelope(Tag(i % 3 ? 0xA : 0xB), kNow + kDay * (1 + i % 2), 300 + i));
  }
  ASSERT_OK(store_.PutBatch(std::vector<ByteView>(all.begin(), all.end()), kNow));
  for (const size_t page_size : {size_t{1}, size_t{7}, size_t{20}, size_t{39}, size_t{40}}) {
    std::vector<NegItem> seen;
    std::optional<NegItem> bound;
    int pages = 0;
    do {
      auto page = store_.ScopePage({Tag(0xA), Tag(0xB)}, kNow, page_size, bound);
      ASSERT_OK(page);
      ASSERT_LE(page->items.size(), page_size);
      for (const NegItem& item : page->items) {
        if (bound) {
          EXPECT_LE(item, *bound);
        }
        if (page->cut) {
          EXPECT_LT(*page->cut, item) << "kept records sort above the cut";
        }
      }
      seen.insert(seen.end(), page->items.begin(), page->items.end());
      bound = page->cut;
      ASSERT_LT(++pages, 100);
    } while (bound);
    EXPECT_EQ(Sorted(seen), ItemsOf(all)) << "page size " << page_size;
  }
}

TEST_F(RelayStoreTest, GetServesInTheOrderAskedAndListsWhatIsGone) {
  const Bytes a1 = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  const Bytes a2 = MakeEnvelope(Tag(0xA), kNow + 2 * kDay, 2, 1024);
  const Bytes a3 = MakeEnvelope(Tag(0xA), kNow + 100, 3);  // expired by kNow + 100
  const Bytes b1 = MakeEnvelope(Tag(0xB), kNow + kDay, 4);
  const Bytes never = MakeEnvelope(Tag(0xA), kNow + kDay, 5);
  for (const Bytes& e : {a1, a2, a3, b1}) ASSERT_OK(store_.Put(e, kNow));
  const Bytes bad_id{1, 2, 3};

  auto found = store_.Get({IdOf(a2), IdOf(never), IdOf(a1), IdOf(b1), IdOf(a3), bad_id}, {Tag(0xA)},
                          kNow + 100, kNoLimit);
  ASSERT_OK(found);
  EXPECT_EQ(found->envelopes, (std::vector<Bytes>{a2, a1})) << "in the order asked";
  EXPECT_EQ(found->gone, (std::vector<Bytes>{IdOf(never), IdOf(b1), IdOf(a3), bad_id}))
      << "never held, another tag, expired, not an id";

  auto both = store_.Get({IdOf(b1), IdOf(a3), IdOf(a1)}, {Tag(0xA), Tag(0xB)}, kNow, kNoLimit);
  ASSERT_OK(both);
  EXPECT_EQ(both->envelopes, (std::vector<Bytes>{b1, a3, a1}));
  EXPECT_TRUE(both->gone.empty());

  auto outside = store_.Get({IdOf(a1), IdOf(a2)}, {}, kNow, kNoLimit);
  ASSERT_OK(outside);
  EXPECT_TRUE(outside->envelopes.empty()) << "no tags, no envelopes";
  EXPECT_EQ(outside->gone, (std::vector<Bytes>{IdOf(a1), IdOf(a2)}));

  auto nothing = store_.Get({}, {Tag(0xA)}, kNow, kNoLimit);
  ASSERT_OK(nothing);
  EXPECT_TRUE(nothing->envelopes.empty());
  EXPECT_TRUE(nothing->gone.empty());
}

TEST_F(RelayStoreTest, GetStopsBeforeMaxBytesButNeverBeforeTheFirst) {
  const Bytes a1 = MakeEnvelope(Tag(0xA), kNow + kDay, 1);        // 117 bytes
  const Bytes a2 = MakeEnvelope(Tag(0xA), kNow + kDay, 2, 1024);  // 1024 bytes
  const Bytes a3 = MakeEnvelope(Tag(0xA), kNow + kDay, 3);        // 117 bytes
  const Bytes never = MakeEnvelope(Tag(0xA), kNow + kDay, 4);
  for (const Bytes& e : {a1, a2, a3}) ASSERT_OK(store_.Put(e, kNow));
  const std::set<envelope::RecipientTag> tags = {Tag(0xA)};
  const std::vector<Bytes> ids = {IdOf(a1), IdOf(a2), IdOf(a3)};

  auto exact = store_.Get(ids, tags, kNow, kSmall + 1024 + kSmall);
  ASSERT_OK(exact);
  EXPECT_EQ(exact->envelopes, (std::vector<Bytes>{a1, a2, a3})) << "exactly max_bytes fits";

  auto one_short = store_.Get(ids, tags, kNow, kSmall + 1024 + kSmall - 1);
  ASSERT_OK(one_short);
  EXPECT_EQ(one_short->envelopes, (std::vector<Bytes>{a1, a2}));
  EXPECT_TRUE(one_short->gone.empty()) << "a3 is in neither list: the client asks again";

  auto before_a2 = store_.Get(ids, tags, kNow, kSmall + 1023);
  ASSERT_OK(before_a2);
  EXPECT_EQ(before_a2->envelopes, (std::vector<Bytes>{a1})) << "stops before passing max_bytes";
  EXPECT_TRUE(before_a2->gone.empty()) << "and does not skip ahead to the smaller a3";

  auto tiny = store_.Get({IdOf(a2), IdOf(a1)}, tags, kNow, 10);
  ASSERT_OK(tiny);
  EXPECT_EQ(tiny->envelopes, (std::vector<Bytes>{a2})) << "the first is served whatever its size";

  auto zero = store_.Get({IdOf(never), IdOf(a2), IdOf(a1), IdOf(never)}, tags, kNow, 0);
  ASSERT_OK(zero);
  EXPECT_EQ(zero->envelopes, (std::vector<Bytes>{a2})) << "the first found, after a gone one";
  EXPECT_EQ(zero->gone, (std::vector<Bytes>{IdOf(never)})) << "ids after the stop are in neither";
}

TEST_F(RelayStoreTest, PurgesExpired) {
  ASSERT_OK(store_.Put(MakeEnvelope(Tag(1), kNow + 10, 1), kNow));
  ASSERT_OK(store_.Put(MakeEnvelope(Tag(1), kNow + 20, 2), kNow));
  ASSERT_OK(store_.PurgeExpired(kNow + 10));
  EXPECT_EQ(Count(), 1);
  ASSERT_OK(store_.PurgeExpired(kNow + 20));
  EXPECT_EQ(Count(), 0);
}

TEST_F(RelayStoreTest, BatchCountsEachOutcome) {
  const Bytes good = MakeEnvelope(Tag(1), kNow + kDay, 1);
  const Bytes held = MakeEnvelope(Tag(1), kNow + kDay, 2);
  ASSERT_OK(store_.Put(held, kNow));
  const Bytes expired = MakeEnvelope(Tag(1), kNow - 1, 3);
  const Bytes garbage(50, 0x01);
  const Bytes far = MakeEnvelope(Tag(1), kNow + kMaxEnvelopeLifetimeSeconds + 1, 4);
  auto r = store_.PutBatch({good, held, expired, garbage, good, far}, kNow);
  ASSERT_OK(r);
  EXPECT_EQ(r->accepted, 1u);
  EXPECT_EQ(r->duplicate, 2u);
  EXPECT_EQ(r->rejected, 3u);
  EXPECT_EQ(r->full, 0u);
  EXPECT_EQ(r->verdicts,
            (std::vector<Verdict>{Verdict::kStored, Verdict::kHeld, Verdict::kRefused,
                                  Verdict::kRefused, Verdict::kHeld, Verdict::kRefused}))
      << "one verdict per envelope, in order";
  EXPECT_EQ(Count(), 2);

  auto empty = store_.PutBatch({}, kNow);
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->verdicts.empty());
}

// The relay keeps nothing but the five columns the header already shows.
TEST(RelayStoreMigrationTest, AStoreFromBeforeTeamsKeepsItsEnvelopes) {
  test_util::TempDatabase temp;
  const Bytes e = MakeEnvelope(Tag(1), kNow + kDay, 1);
  ASSERT_OK(temp.db().Exec(
      "CREATE TABLE envelopes (id BLOB PRIMARY KEY, tag BLOB NOT NULL, expires_at INTEGER NOT "
      "NULL, arrived_at INTEGER NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;"));
  ASSERT_OK(temp.db().Run("INSERT INTO envelopes VALUES (?, ?, ?, ?, ?)", IdOf(e), Tag(1),
                          kNow + kDay, kNow, e));
  RelayStore store(temp.db());
  ASSERT_OK(store.EnsureSchema());
  ASSERT_OK(store.EnsureSchema());
  auto found = store.Get({IdOf(e)}, {Tag(1)}, kNow, kMaxFetchReplyBytes);
  ASSERT_OK(found);
  EXPECT_EQ(found->envelopes, std::vector<Bytes>{e});
  const Bytes other = MakeEnvelope(Tag(1), kNow + kDay, 2);
  team::TeamId team;
  team.fill(7);
  EXPECT_TRUE(*store.Put(other, kNow, team));
  EXPECT_EQ(store.UsedBytes(RelayStore::TeamUsageKey(team)).value(),
            static_cast<int64_t>(other.size()));
}

TEST_F(RelayStoreTest, SchemaHoldsOnlyEnvelopeFacts) {
  auto stmt = temp_.db().Prepare("SELECT name FROM pragma_table_info('envelopes') ORDER BY cid");
  ASSERT_OK(stmt);
  std::vector<std::string> columns;
  while (*stmt->Step()) columns.push_back(stmt->ColumnText(0));
  // The team is the one whose member uploaded it, never who that was.
  EXPECT_EQ(columns,
            (std::vector<std::string>{"id", "tag", "expires_at", "arrived_at", "data", "team"}));
}

}  // namespace
}  // namespace waypost::sync
