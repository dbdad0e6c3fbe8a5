#include "core/sync/relay_store.h"

#include <gtest/gtest.h>

#include "core/sync/constants.h"
#include "tests/core/sync/sync_test_util.h"
#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

using test_util::kNow;
using test_util::MakeEnvelope;
using test_util::Prefix;
using test_util::Tag;

constexpr uint32_t kDay = 24 * 3600;
constexpr size_t kNoLimit = size_t{1} << 30;

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

TEST_F(RelayStoreTest, FetchesByTagExceptHeldAndExpired) {
  const Bytes a1 = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  const Bytes a2 = MakeEnvelope(Tag(0xA), kNow + 2 * kDay, 2, 1024);
  const Bytes a3 = MakeEnvelope(Tag(0xA), kNow + 100, 3);
  const Bytes b1 = MakeEnvelope(Tag(0xB), kNow + kDay, 4);
  ASSERT_OK(store_.Put(a1, kNow));
  ASSERT_OK(store_.Put(a2, kNow + 1));
  ASSERT_OK(store_.Put(a3, kNow + 2));
  ASSERT_OK(store_.Put(b1, kNow + 3));

  auto all_a = store_.Fetch({Tag(0xA), Tag(0xA)}, {}, kNow + 10, kNoLimit);
  ASSERT_OK(all_a);
  EXPECT_EQ(*all_a, (std::vector<Bytes>{a1, a2, a3})) << "oldest arrival first, no duplicates";

  auto lacking =
      store_.Fetch({Tag(0xA), Tag(0xB)}, {Prefix(a1), Prefix(b1, 32)}, kNow + 10, kNoLimit);
  EXPECT_EQ(*lacking, (std::vector<Bytes>{a2, a3}));

  auto later = store_.Fetch({Tag(0xA)}, {}, kNow + 100, kNoLimit);
  EXPECT_EQ(*later, (std::vector<Bytes>{a1, a2})) << "a3 has expired";

  auto capped = store_.Fetch({Tag(0xA)}, {}, kNow, 117 + 1023);
  EXPECT_EQ(*capped, (std::vector<Bytes>{a1})) << "stops before passing max_bytes";

  EXPECT_TRUE(store_.Fetch({Tag(0xC)}, {}, kNow, kNoLimit)->empty());
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
  auto r = store_.PutBatch({good, held, expired, garbage, good}, kNow);
  ASSERT_OK(r);
  EXPECT_EQ(r->accepted, 1u);
  EXPECT_EQ(r->duplicate, 2u);
  EXPECT_EQ(r->rejected, 2u);
  EXPECT_EQ(Count(), 2);
}

// The relay keeps nothing but the five columns the header already shows.
TEST_F(RelayStoreTest, SchemaHoldsOnlyEnvelopeFacts) {
  auto stmt = temp_.db().Prepare("SELECT name FROM pragma_table_info('envelopes') ORDER BY cid");
  ASSERT_OK(stmt);
  std::vector<std::string> columns;
  while (*stmt->Step()) columns.push_back(stmt->ColumnText(0));
  EXPECT_EQ(columns, (std::vector<std::string>{"id", "tag", "expires_at", "arrived_at", "data"}));
}

}  // namespace
}  // namespace waypost::sync
