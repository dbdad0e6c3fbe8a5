// ReplayCache alone (core/node/replay_cache.h): the `seen` table, held until
// each envelope expires, listed to relays as 8-byte prefixes, and added into
// the decoy's without a write when the decoy already has everything.
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

// A content id: `first` then 31 bytes counting up, so prefixes differ from
// the whole id.
Bytes IdOf(uint8_t first) {
  Bytes id(32);
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(first + i);
  return id;
}

Bytes Prefix(const Bytes& id, size_t n) { return Bytes(id.begin(), id.begin() + n); }

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
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry));
  EXPECT_TRUE(Holds(seen_, IdOf(1)));
  EXPECT_FALSE(Holds(seen_, IdOf(2)));
  // The whole id counts, not a prefix of it.
  EXPECT_FALSE(Holds(seen_, Prefix(IdOf(1), 8)));
}

TEST_F(ReplayCacheTest, RecordingASecondCopyKeepsOneRow) {
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry));
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry));
  EXPECT_EQ(db_.Int("SELECT count(*) FROM seen"), 1);
}

TEST_F(ReplayCacheTest, AnIdIsHeldUntilItsEnvelopeExpires) {
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry));
  ASSERT_OK(seen_.Record(IdOf(2), kExpiry + 1));
  ASSERT_OK(seen_.PurgeExpired(kExpiry - 1));
  EXPECT_TRUE(Holds(seen_, IdOf(1)));
  ASSERT_OK(seen_.PurgeExpired(kExpiry));
  EXPECT_FALSE(Holds(seen_, IdOf(1)));
  EXPECT_TRUE(Holds(seen_, IdOf(2)));
}

TEST_F(ReplayCacheTest, HavePrefixesAreTheFirstEightBytesOfEachId) {
  ASSERT_OK(seen_.Record(IdOf(1), kExpiry));
  ASSERT_OK(seen_.Record(IdOf(0x40), kExpiry));
  ASSERT_OK_AND_ASSIGN(std::vector<Bytes> have, seen_.HavePrefixes());
  std::sort(have.begin(), have.end());
  ASSERT_EQ(have.size(), 2u);
  EXPECT_EQ(have[0], Prefix(IdOf(1), ReplayCache::kHavePrefixSize));
  EXPECT_EQ(have[1], Prefix(IdOf(0x40), ReplayCache::kHavePrefixSize));
}

}  // namespace
}  // namespace waypost::node
