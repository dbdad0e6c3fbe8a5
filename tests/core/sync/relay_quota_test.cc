// Quotas of a relay's store (core/sync/relay_store.h): the bytes one
// recipient tag may hold and the bytes of the whole store. A full quota
// refuses politely (kFull), keeps everything already stored, and frees up as
// envelopes expire; a copy of a held envelope never counts twice.
#include <gtest/gtest.h>

#include <vector>

#include "core/envelope/format.h"
#include "core/sync/relay_store.h"
#include "tests/core/sync/sync_test_util.h"
#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

using test_util::kNow;
using test_util::MakeEnvelope;
using test_util::Tag;
using test_util::TempDatabase;

constexpr size_t kSize = envelope::kBucketSizes[0];
const Bytes kTotal = {0};

class RelayQuotaTest : public ::testing::Test {
 protected:
  // Room for 3 envelopes per tag and 5 in all.
  RelayQuotaTest() : store_(db_.db(), {3 * kSize, 5 * kSize}) { EXPECT_OK(store_.EnsureSchema()); }

  RelayStore::Verdict PutOne(uint8_t tag, uint32_t seed, uint32_t expires = kNow + 3600) {
    const Bytes e = MakeEnvelope(Tag(tag), expires, seed);
    auto result = store_.PutBatch({ByteView(e)}, kNow);
    EXPECT_OK(result);
    return result.ok() ? result->verdicts.at(0) : RelayStore::Verdict::kRefused;
  }

  TempDatabase db_;
  RelayStore store_;
};

TEST_F(RelayQuotaTest, OneTagFillsOnlyItsOwnShare) {
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(PutOne(1, i), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(1, 3), RelayStore::Verdict::kFull);
  // Another recipient is not affected.
  EXPECT_EQ(PutOne(2, 10), RelayStore::Verdict::kStored);
  EXPECT_EQ(store_.Count().value(), 4);
  EXPECT_EQ(store_.UsedBytes(Tag(1)).value(), int64_t(3 * kSize));
  EXPECT_EQ(store_.UsedBytes(kTotal).value(), int64_t(4 * kSize));
}

TEST_F(RelayQuotaTest, TheWholeStoreHasACeiling) {
  EXPECT_EQ(PutOne(1, 0), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(2, 1), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(3, 2), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(4, 3), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(5, 4), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(6, 5), RelayStore::Verdict::kFull);
  EXPECT_EQ(store_.Count().value(), 5);
}

TEST_F(RelayQuotaTest, ACopyOfAHeldEnvelopeIsHeldNotFull) {
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(PutOne(1, i), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(1, 2), RelayStore::Verdict::kHeld);
  EXPECT_EQ(store_.UsedBytes(Tag(1)).value(), int64_t(3 * kSize));
}

TEST_F(RelayQuotaTest, ABatchIsJudgedEnvelopeByEnvelope) {
  std::vector<Bytes> batch;
  for (uint32_t i = 0; i < 5; ++i) batch.push_back(MakeEnvelope(Tag(1), kNow + 3600, i));
  std::vector<ByteView> views(batch.begin(), batch.end());
  ASSERT_OK_AND_ASSIGN(RelayStore::BatchResult result, store_.PutBatch(views, kNow));
  EXPECT_EQ(result.accepted, 3u);
  EXPECT_EQ(result.full, 2u);
  ASSERT_EQ(result.verdicts.size(), 5u);
  EXPECT_EQ(result.verdicts[3], RelayStore::Verdict::kFull);
  EXPECT_EQ(result.verdicts[4], RelayStore::Verdict::kFull);
}

TEST_F(RelayQuotaTest, ExpiryFreesTheQuota) {
  EXPECT_EQ(PutOne(1, 0, kNow + 10), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(1, 1, kNow + 10), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(1, 2, kNow + 3600), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(1, 3), RelayStore::Verdict::kFull);
  ASSERT_OK(store_.PurgeExpired(kNow + 10));
  EXPECT_EQ(store_.UsedBytes(Tag(1)).value(), int64_t(kSize));
  EXPECT_EQ(store_.UsedBytes(kTotal).value(), int64_t(kSize));
  EXPECT_EQ(PutOne(1, 3), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(1, 4), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(1, 5), RelayStore::Verdict::kFull);
}

// A store written before quotas existed is counted when it is opened.
TEST_F(RelayQuotaTest, AnOlderStoreIsCountedOnce) {
  EXPECT_EQ(PutOne(1, 0), RelayStore::Verdict::kStored);
  EXPECT_EQ(PutOne(2, 1), RelayStore::Verdict::kStored);
  ASSERT_OK(db_.db().Exec("DROP TABLE tag_usage"));
  RelayStore reopened(db_.db(), {3 * kSize, 5 * kSize});
  ASSERT_OK(reopened.EnsureSchema());
  EXPECT_EQ(reopened.UsedBytes(kTotal).value(), int64_t(2 * kSize));
  EXPECT_EQ(reopened.UsedBytes(Tag(1)).value(), int64_t(kSize));
  ASSERT_OK(reopened.EnsureSchema());  // a second time changes nothing
  EXPECT_EQ(reopened.UsedBytes(kTotal).value(), int64_t(2 * kSize));
}

}  // namespace
}  // namespace waypost::sync
