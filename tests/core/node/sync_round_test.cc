// The sync round (core/node/sync_round.h, docs/protocol.md §6) over a real
// RelayService and real stores, with the bytes pumped in memory
// (tests/kit/memory_relay.h): the same code `waypost sync` runs over TCP.
#include "core/node/sync_round.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/envelope/format.h"
#include "core/sync/relay_address.h"
#include "tests/kit/memory_relay.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language
using waypost::testing::MemoryDialer;
using waypost::testing::MemoryRelay;

sync::RelayAddress Address(const std::string& text) {
  auto parsed = sync::ParseRelayAddress(text);
  EXPECT_OK(parsed);
  return parsed.ok() ? *parsed : sync::RelayAddress{};
}

class SyncRoundTest : public NodeTest {
 protected:
  SyncRoundTest() { dialer_.Add(relay_); }

  // `p` syncs with its saved relays.
  Result<SyncReport> Sync(Peer& p) { return SyncWithRelays(*p.node, {}, dialer_, p.random); }

  // Enrollment through the relay: invite, join, and a sync on each side.
  void Enroll() {
    ASSERT_OK(coord_->AddRelay(relay_.address()));
    ASSERT_OK_AND_ASSIGN(std::string code, coord_->CreateInvite("", 3600));
    ASSERT_OK(alice_->Join(code));
    ASSERT_OK(Sync(alice_));
    ASSERT_OK(Sync(coord_));
    ASSERT_OK(Sync(alice_));
  }

  SeededRandom random_{9};
  MemoryRelay relay_{"relay.test", clock_, random_};
  MemoryDialer dialer_;
};

TEST_F(SyncRoundTest, EnrollmentAndACheckInGoRoundTheRelay) {
  Enroll();
  EXPECT_EQ(ContactsOf(alice_).at(0).state, ContactState::kActive);
  ASSERT_OK(alice_->CheckIn("crossed", "all well", ""));

  ASSERT_OK_AND_ASSIGN(SyncReport up, Sync(alice_));
  EXPECT_EQ(up.uploaded, 1u);
  EXPECT_EQ(up.downloaded, 0u);
  EXPECT_EQ(up.round_trips, 3);  // handshake, one upload, one reconcile
  EXPECT_GT(up.bytes_sent, 0u);
  EXPECT_EQ(InboxOf(alice_).at(0).state, MessageState::kRelayed);

  // The coordinator takes it in and its receipt leaves in the same session:
  // handshake, reconcile, fetch, upload.
  ASSERT_OK_AND_ASSIGN(SyncReport in, Sync(coord_));
  EXPECT_EQ(in.downloaded, 1u);
  EXPECT_EQ(in.uploaded, 1u);
  EXPECT_EQ(in.round_trips, 4);
  EXPECT_EQ(InboxOf(coord_).at(0).text, "all well");

  ASSERT_OK_AND_ASSIGN(SyncReport back, Sync(alice_));
  EXPECT_EQ(back.downloaded, 1u);
  EXPECT_EQ(InboxOf(alice_).at(0).state, MessageState::kDelivered);
}

TEST_F(SyncRoundTest, ASecondSyncMovesNothing) {
  Enroll();
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  ASSERT_OK(Sync(alice_));
  ASSERT_OK_AND_ASSIGN(SyncReport again, Sync(alice_));
  EXPECT_EQ(again.uploaded, 0u);
  EXPECT_EQ(again.downloaded, 0u);
  EXPECT_EQ(again.round_trips, 2);  // handshake, one reconcile that finds nothing
}

// A live display hears of every answered batch, with running totals.
TEST_F(SyncRoundTest, ProgressIsToldAfterEveryBatch) {
  Enroll();
  for (int i = 0; i < 30; ++i) ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  std::vector<SyncProgress> told;
  SyncRoundOptions options;
  options.progress = [&told](const SyncProgress& p) { told.push_back(p); };
  ASSERT_OK_AND_ASSIGN(SyncReport report,
                       SyncWithRelays(*alice_.node, {}, dialer_, alice_.random, options));
  EXPECT_EQ(report.uploaded, 30u);
  // First, before anything is dialled, that it is connecting: a relay
  // that never answers leaves the screen saying so, not blank.
  ASSERT_GE(told.size(), 4u) << "connecting, then batches of 4, 8, 16 and the rest";
  EXPECT_TRUE(told.front().connecting);
  EXPECT_EQ(told.front().relay, "relay.test:7447");
  EXPECT_EQ(told.front().bytes_sent, 0u);
  for (size_t i = 1; i < told.size(); ++i) {
    EXPECT_FALSE(told[i].connecting);
    EXPECT_GE(told[i].uploaded, told[i - 1].uploaded);
    EXPECT_GE(told[i].bytes_sent, told[i - 1].bytes_sent);
  }
  EXPECT_EQ(told[1].uploaded, 4u);
  EXPECT_EQ(told.back().uploaded, 30u);
  EXPECT_EQ(told.back().relay, "relay.test:7447");
  EXPECT_LE(told.back().bytes_sent, report.bytes_sent);
}

TEST_F(SyncRoundTest, NoRelaysIsAnErrorThatSaysWhatToDo) {
  auto report = Sync(alice_);
  EXPECT_STATUS(report, Status::Code::kInvalidArgument);
  EXPECT_NE(report.status().message().find("relays add"), std::string::npos);
}

// A relay that cannot be reached costs nothing: the outbox stays as it was
// and the next sync that works sends everything.
TEST_F(SyncRoundTest, AnUnreachableRelayLosesNothing) {
  Enroll();
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  const std::string before = Snapshot(alice_);
  dialer_.Remove(relay_);
  auto failed = Sync(alice_);
  EXPECT_STATUS(failed, Status::Code::kUnavailable);
  EXPECT_NE(failed.status().message().find("relay.test:7447"), std::string::npos);
  EXPECT_EQ(Snapshot(alice_), before);
  EXPECT_EQ(InboxOf(alice_).at(0).state, MessageState::kQueued);

  dialer_.Add(relay_);
  ASSERT_OK_AND_ASSIGN(SyncReport ok, Sync(alice_));
  EXPECT_EQ(ok.uploaded, 1u);
}

// Some relays fail, others work: the round succeeds and names each failure.
TEST_F(SyncRoundTest, OneFailingRelayAmongWorkingOnesIsAWarning) {
  Enroll();
  MemoryRelay gone("gone.test", clock_, random_);  // never added to the dialer
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  ASSERT_OK_AND_ASSIGN(
      SyncReport report,
      SyncWithRelays(*alice_.node, {Address(gone.address()), Address(relay_.address())}, dialer_,
                     alice_.random));
  EXPECT_EQ(report.uploaded, 1u);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].relay, "gone.test:7447");
  EXPECT_STATUS(report.failures[0].status, Status::Code::kUnavailable);
}

// Each relay gets every check-in it has not acknowledged itself: one that
// took it first, or one that lost it, does not keep it from another.
TEST_F(SyncRoundTest, EachRelayGetsWhatItHasNotAcknowledged) {
  Enroll();
  MemoryRelay second("second.test", clock_, random_);
  dialer_.Add(second);
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  ASSERT_OK_AND_ASSIGN(SyncReport first, SyncWithRelays(*alice_.node, {Address(relay_.address())},
                                                        dialer_, alice_.random));
  EXPECT_EQ(first.uploaded, 1u);
  EXPECT_EQ(InboxOf(alice_).at(0).state, MessageState::kRelayed);
  // Relayed by one relay is not relayed by the other: it goes up again ...
  ASSERT_OK_AND_ASSIGN(SyncReport other, SyncWithRelays(*alice_.node, {Address(second.address())},
                                                        dialer_, alice_.random));
  EXPECT_EQ(other.uploaded, 1u);
  EXPECT_EQ(second.Count(), 1);
  // ... but never twice to the same relay.
  ASSERT_OK_AND_ASSIGN(SyncReport again, Sync(alice_));
  EXPECT_EQ(again.uploaded, 0u);

  // The first relay loses it; the coordinator, syncing only with the
  // second, still gets it, exactly once.
  ASSERT_OK(relay_.service().store().PurgeExpired(clock_.Now() + 100 * 86400));
  EXPECT_EQ(relay_.Count(), 0);
  ASSERT_OK_AND_ASSIGN(SyncReport in, SyncWithRelays(*coord_.node, {Address(second.address())},
                                                     dialer_, coord_.random));
  EXPECT_EQ(in.downloaded, 1u);
  EXPECT_EQ(InboxOf(coord_).size(), 1u);
}

// Receipts need no receipt: once one relay acknowledged one, it leaves the
// outbox and no other relay is offered it.
TEST_F(SyncRoundTest, AReceiptLeavesTheOutboxOnceARelayAcknowledgedIt) {
  Enroll();
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  ASSERT_OK(Sync(alice_));
  ASSERT_OK_AND_ASSIGN(SyncReport in, Sync(coord_));
  EXPECT_EQ(in.uploaded, 1u);  // the receipt
  EXPECT_EQ(CountOf(coord_, "SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(CountOf(coord_, "SELECT count(*) FROM outbox_acks"), 0);
}

TEST_F(SyncRoundTest, EveryRelayFailingIsOneError) {
  MemoryRelay a("a.test", clock_, random_), b("b.test", clock_, random_);
  auto report = SyncWithRelays(*alice_.node, {Address(a.address()), Address(b.address())}, dialer_,
                               alice_.random);
  EXPECT_STATUS(report, Status::Code::kUnavailable);
  EXPECT_EQ(report.status().message().rfind("no relay could be reached (", 0), 0u)
      << report.status().message();
}

// An address whose key the relay cannot prove: someone stands in for it.
TEST_F(SyncRoundTest, ARelayThatCannotProveItsKeyIsNamed) {
  sync::RelayAddress forged = Address(relay_.address());
  forged.public_key[0] ^= 1;
  auto report = SyncWithRelays(*alice_.node, {forged}, dialer_, alice_.random);
  EXPECT_STATUS(report, Status::Code::kUnavailable);
  EXPECT_NE(report.status().message().find("failed to prove it holds the key"), std::string::npos)
      << report.status().message();
}

// A forged envelope under our tag is dropped, counted, and changes nothing.
TEST_F(SyncRoundTest, ForgedEnvelopesAreCountedAndDropped) {
  Enroll();
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  ASSERT_OK_AND_ASSIGN(SyncPlan plan, alice_->PlanSync());
  ASSERT_EQ(plan.upload.size(), 1u);
  Bytes forged = plan.upload[0];
  forged.back() ^= 1;
  ASSERT_OK(relay_.service().store().Put(forged, clock_.Now()));
  const std::string before = Snapshot(coord_);
  const int64_t seen_before = CountOf(coord_, "SELECT count(*) FROM seen");
  ASSERT_OK_AND_ASSIGN(SyncReport report, Sync(coord_));
  EXPECT_EQ(report.rejected, 1u);
  EXPECT_EQ(report.downloaded, 0u);
  // Only the rejection is remembered, so that no later sync fetches it again.
  EXPECT_EQ(CountOf(coord_, "SELECT count(*) FROM seen WHERE rejected = 1"), 1);
  EXPECT_EQ(CountOf(coord_, "SELECT count(*) FROM seen"), seen_before + 1);
  ASSERT_OK(coord_.Raw().Exec("DELETE FROM seen WHERE rejected = 1"));
  EXPECT_EQ(Snapshot(coord_), before);
}

// Junk under our tags is fetched once: the next sync reconciles it away.
TEST_F(SyncRoundTest, RejectedEnvelopesAreNeverFetchedAgain) {
  Enroll();
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  ASSERT_OK_AND_ASSIGN(SyncPlan plan, alice_->PlanSync());
  for (int i = 0; i < 20; ++i) {
    Bytes forged = plan.upload[0];
    forged[40 + i] ^= 1;
    ASSERT_OK(relay_.service().store().Put(forged, clock_.Now()));
  }
  ASSERT_OK_AND_ASSIGN(SyncReport first, Sync(coord_));
  EXPECT_EQ(first.rejected, 20u);
  ASSERT_OK_AND_ASSIGN(SyncReport second, Sync(coord_));
  EXPECT_EQ(second.rejected, 0u);
  EXPECT_EQ(second.downloaded, 0u);
  EXPECT_EQ(second.round_trips, 2);  // handshake, one reconcile
  EXPECT_LT(second.bytes_received, first.bytes_received / 2);
}

// A relay's address publishes its key, so a coordinator's or a helper's home
// never serves as one.
TEST_F(SyncRoundTest, OnlyARelaysHomeServesAsARelay) {
  for (Peer* p : {&coord_, &alice_}) {
    auto service = (*p)->ServeRelay();
    EXPECT_STATUS(service, Status::Code::kInvalidArgument);
    EXPECT_NE(service.status().message().find("a relay needs a home of its own"), std::string::npos)
        << service.status().message();
  }
}

}  // namespace
}  // namespace waypost::node
