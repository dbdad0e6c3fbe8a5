// A hostile uploader cannot hide a check-in (issue 9, SECURITY.md "Relays
// that cannot be trusted"). Anyone holding a recipient's tag key (every
// helper, anyone who saw an invite) can upload well-formed junk under that
// recipient's tags. The real check-in still arrives in the next sync, the
// junk is fetched once and never again, and one recipient's flooded share
// of a relay keeps nobody else's mail out.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/envelope/format.h"
#include "core/node/sync_round.h"
#include "core/sync/relay_address.h"
#include "tests/core/sync/sync_test_util.h"
#include "tests/kit/memory_relay.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language
using waypost::testing::MemoryDialer;
using waypost::testing::MemoryRelay;

class JunkFloodTest : public NodeTest {
 protected:
  JunkFloodTest() { dialer_.Add(relay_); }

  Result<SyncReport> SyncOf(Peer& p) { return SyncWithRelays(*p.node, {}, dialer_, p.random); }

  void SetUp() override {
    ASSERT_OK(coord_->AddRelay(relay_.address()));
    ASSERT_OK_AND_ASSIGN(std::string code, coord_->CreateInvite("", 3600));
    ASSERT_OK(alice_->Join(code));
    ASSERT_OK(SyncOf(alice_));
    ASSERT_OK(SyncOf(coord_));
    ASSERT_OK(SyncOf(alice_));
  }

  // `count` envelopes of `size` bytes under the tags `p` asks for (all of
  // them, or only today's), well formed as far as a relay can tell, living
  // a week. Returns the bytes the relay stored.
  size_t Flood(Peer& p, size_t count, size_t size, bool only_today = false) {
    auto plan = p->PlanSync();
    EXPECT_OK(plan);
    // The tags run from W epochs back to 2 ahead: today's is W from the start.
    const envelope::RecipientTag today = plan->tags.at(p->settings().delivery_window_epochs);
    size_t bytes = 0;
    for (size_t i = 0; i < count; ++i) {
      const envelope::RecipientTag& tag = only_today ? today : plan->tags[i % plan->tags.size()];
      const Bytes junk = sync::test_util::MakeEnvelope(tag, uint32_t(clock_.Now() + 7 * 86400),
                                                       next_seed_++, size);
      auto stored = relay_.service().store().Put(junk, clock_.Now());
      if (stored.ok() && *stored) bytes += junk.size();
    }
    return bytes;
  }

  uint32_t next_seed_ = 1;

  SeededRandom random_{21};
  MemoryRelay relay_{"relay.test", clock_, random_};
  MemoryDialer dialer_;
};

TEST_F(JunkFloodTest, ARealCheckInArrivesThroughFourMebibytesOfJunk) {
  // 4 MiB under the coordinator's own tags, before and after the check-in.
  size_t junk = Flood(coord_, 128, envelope::kBucketSizes[4]);
  ASSERT_OK(alice_->CheckIn("crossed", "all well", ""));
  ASSERT_OK(SyncOf(alice_));
  junk += Flood(coord_, 128, envelope::kBucketSizes[4]);
  EXPECT_EQ(junk, size_t{4} << 20);

  ASSERT_OK_AND_ASSIGN(SyncReport first, SyncOf(coord_));
  EXPECT_EQ(first.downloaded, 1u);
  EXPECT_EQ(first.rejected, 256u);
  const std::vector<MessageInfo> inbox = InboxOf(coord_);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].code, "crossed");

  // The junk never comes back: the next sync is one reconciliation round.
  ASSERT_OK_AND_ASSIGN(SyncReport second, SyncOf(coord_));
  EXPECT_EQ(second.downloaded, 0u);
  EXPECT_EQ(second.rejected, 0u);
  EXPECT_LT(second.bytes_received, 4'000u);
  EXPECT_LT(second.bytes_received * 100, first.bytes_received);
}

// One recipient's share of the relay filled to its quota keeps out nobody
// else's mail.
TEST_F(JunkFloodTest, AFullShareForOneRecipientKeepsNobodyElseOut) {
  // Fill alice's tag of today up to the 16 MiB quota, and try beyond.
  const size_t per_tag = sync::RelayStore::kDefaultTagQuota / envelope::kBucketSizes[4];
  size_t stored = Flood(alice_, per_tag + 4, envelope::kBucketSizes[4], /*only_today=*/true);
  // What the big ones left, to the last small envelope.
  stored += Flood(alice_, 200, envelope::kBucketSizes[0], /*only_today=*/true);
  EXPECT_LE(stored, sync::RelayStore::kDefaultTagQuota);
  EXPECT_GT(stored + envelope::kBucketSizes[0], sync::RelayStore::kDefaultTagQuota - 1'000);
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  ASSERT_OK_AND_ASSIGN(SyncReport up, SyncOf(alice_));
  EXPECT_EQ(up.uploaded, 1u);
  EXPECT_EQ(up.full, 0u);
  ASSERT_OK_AND_ASSIGN(SyncReport in, SyncOf(coord_));
  EXPECT_EQ(in.downloaded, 1u);
  // The coordinator's receipt to alice is turned away (her share is full):
  // politely, and it stays queued for the next sync or another relay.
  EXPECT_EQ(in.full, 1u);
  EXPECT_EQ(CountOf(coord_, "SELECT count(*) FROM outbox"), 1);
}

}  // namespace
}  // namespace waypost::node
