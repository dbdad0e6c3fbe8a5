// ReplayCache alone (core/node/replay_cache.h): the `seen` table, held until
// each envelope expires, named by tag for reconciliation, and remembering
// rejections until a new contact may make them readable.
#include "core/node/replay_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/kit/node_db.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using Tables = std::set<std::string>;

constexpr int64_t kExpiry = 1'800'086'400;
constexpr envelope::RecipientTag kTagA = {1, 1, 1, 1, 1, 1, 1, 1};
constexpr envelope::RecipientTag kTagB = {2, 2, 2, 2, 2, 2, 2, 2};

// A content id: `first` then 31 bytes counting up, so prefixes differ from
// the whole id.
Bytes IdOf(uint8_t first) {
  Bytes id(32);
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(first + i);
  return id;
}

bool Holds(ReplayCache& cache, const Bytes& id) {
  auto held = cache.Contains(id);
  EXPECT_OK(held);
  return held.ok() && *held;
}

class ReplayCacheTest : public ::testing::Test {
 protected:
  testing::NodeDatabase db_{"main.db"};
  ReplayCache seen_{db_.db()};
};

TEST_F(ReplayCacheTest, HoldsWhatWasRecordedAndNothingElse) {
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry, kTagA));
  EXPECT_TRUE(Holds(seen_, IdOf(1)));
  EXPECT_FALSE(Holds(seen_, IdOf(2)));
  // The whole id counts, not a prefix of it.
  const Bytes id = IdOf(1);
  EXPECT_FALSE(Holds(seen_, Bytes(id.begin(), id.begin() + 8)));
}

TEST_F(ReplayCacheTest, RecordingASecondCopyKeepsOneRow) {
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry, kTagA));
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry, kTagA));
  EXPECT_EQ(db_.Int("SELECT count(*) FROM seen"), 1);
}

TEST_F(ReplayCacheTest, AnIdIsHeldUntilItsEnvelopeExpires) {
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry, kTagA));
  ASSERT_OK(seen_.Record(IdOf(2), kExpiry + 1, kTagA));
  ASSERT_OK(seen_.PurgeExpired(kExpiry - 1));
  EXPECT_TRUE(Holds(seen_, IdOf(1)));
  ASSERT_OK(seen_.PurgeExpired(kExpiry));
  EXPECT_FALSE(Holds(seen_, IdOf(1)));
  EXPECT_TRUE(Holds(seen_, IdOf(2)));
}

TEST_F(ReplayCacheTest, HeldNamesTheRowsUnderTheTagsAskedFor) {
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry, kTagA));
  ASSERT_OK(seen_.RecordRejected(IdOf(0x40), kExpiry + 5, kTagA));
  ASSERT_OK(seen_.Record(IdOf(0x80), kExpiry, kTagB));
  ASSERT_OK_AND_ASSIGN(std::vector<sync::NegItem> held, seen_.Held({kTagA}));
  std::sort(held.begin(), held.end());
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].timestamp, uint64_t(kExpiry));
  EXPECT_EQ(Bytes(held[0].id.begin(), held[0].id.end()), IdOf(1));
  EXPECT_EQ(held[1].timestamp, uint64_t(kExpiry + 5));
  EXPECT_EQ(Bytes(held[1].id.begin(), held[1].id.end()), IdOf(0x40));
  ASSERT_OK_AND_ASSIGN(held, seen_.Held({kTagA, kTagB}));
  EXPECT_EQ(held.size(), 3u);
  ASSERT_OK_AND_ASSIGN(held, seen_.Held({}));
  EXPECT_TRUE(held.empty());
}

TEST_F(ReplayCacheTest, ARejectionLastsUntilForgottenAndAcceptanceOverridesIt) {
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry, kTagA));
  ASSERT_OK(seen_.RecordRejected(IdOf(2), kExpiry, kTagA));
  ASSERT_OK(seen_.RecordRejected(IdOf(3), kExpiry, kTagA));
  EXPECT_TRUE(Holds(seen_, IdOf(2)));
  // A rejection never overrides an acceptance ...
  ASSERT_OK(seen_.RecordRejected(IdOf(1), kExpiry, kTagA));
  // ... and an acceptance replaces a rejection.
  ASSERT_OK(seen_.Record(IdOf(3), kExpiry, kTagA));
  ASSERT_OK(seen_.ForgetRejected());
  EXPECT_TRUE(Holds(seen_, IdOf(1)));
  EXPECT_FALSE(Holds(seen_, IdOf(2)));
  EXPECT_TRUE(Holds(seen_, IdOf(3)));
}

// A forgotten rejection is looked at again (so Held leaves it out and a sync
// fetches it), but rejecting it again is not news: the user heard once.
TEST_F(ReplayCacheTest, ARejectionIsNewOnlyTheFirstTime) {
  ASSERT_OK_AND_ASSIGN(bool first, seen_.RecordRejected(IdOf(2), kExpiry, kTagA));
  EXPECT_TRUE(first);
  ASSERT_OK_AND_ASSIGN(bool again, seen_.RecordRejected(IdOf(2), kExpiry, kTagA));
  EXPECT_FALSE(again);
  ASSERT_OK(seen_.ForgetRejected());
  ASSERT_OK_AND_ASSIGN(std::vector<sync::NegItem> held, seen_.Held({kTagA}));
  EXPECT_TRUE(held.empty());
  ASSERT_OK_AND_ASSIGN(bool contained, seen_.Contains(IdOf(2)));
  EXPECT_FALSE(contained);
  ASSERT_OK_AND_ASSIGN(bool after_forget, seen_.RecordRejected(IdOf(2), kExpiry, kTagA));
  EXPECT_FALSE(after_forget);
  ASSERT_OK_AND_ASSIGN(held, seen_.Held({kTagA}));
  EXPECT_EQ(held.size(), 1u);
}

}  // namespace
}  // namespace waypost::node
