// Sequence numbers (docs/protocol.md §4.6, core/node/sequencer.h): a relay
// that drops an envelope between two contacts, a duress check-in included,
// cannot do so unseen. The receiver notices the missing number; once it has
// been missing for the delivery window, a `gap` alert names the sender and
// the numbers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/envelope/format.h"
#include "tests/core/node/duress_fixture.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language

constexpr int64_t kDay = envelope::kEpochSeconds;

std::vector<AlertInfo> GapAlerts(Peer& p) {
  auto alerts = p->Alerts(true);
  EXPECT_OK(alerts);
  std::vector<AlertInfo> out;
  if (!alerts.ok()) return out;
  for (const AlertInfo& a : *alerts) {
    if (a.kind == AlertKind::kGap) out.push_back(a);
  }
  return out;
}

// Three check-ins, each uploaded on its own; `keep` says which the relay
// hands on.
std::vector<Bytes> ThreeCheckIns(Peer& helper) {
  std::vector<Bytes> sent;
  for (const char* code : {"ok", "crossed", "arrived"}) {
    EXPECT_OK(helper->CheckIn(code, "", "").status());
    for (Bytes& e : Upload(helper)) sent.push_back(std::move(e));
  }
  EXPECT_EQ(sent.size(), 3u);
  return sent;
}

class SequenceTest : public NodeTest {
 protected:
  void SetUp() override { Enroll(coord_, alice_); }

  // The coordinator's sync some time later: gap alerts are raised then.
  void LaterSync(int64_t seconds) {
    clock_.Advance(seconds);
    ASSERT_OK(coord_->SyncScope().status());
  }
};

TEST_F(SequenceTest, ADroppedCheckInRaisesAGapAlertOnceTheWindowHasPassed) {
  const std::vector<Bytes> sent = ThreeCheckIns(alice_);
  EXPECT_EQ(IngestAll(coord_, {sent[0], sent[2]}).accepted, 2);  // the relay dropped #2
  ASSERT_NO_FATAL_FAILURE(LaterSync(kDay));
  EXPECT_TRUE(GapAlerts(coord_).empty()) << "it may still come: envelopes live for the window";

  const int64_t window = coord_->settings().delivery_window_epochs * kDay;
  ASSERT_NO_FATAL_FAILURE(LaterSync(window));
  const std::vector<AlertInfo> gaps = GapAlerts(coord_);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].peer, "alice");
  // The join request is not numbered and a welcome needs no receipt: the
  // check-ins are alice's bodies 1, 2 and 3.
  EXPECT_NE(gaps[0].detail.find("(numbers 2)"), std::string::npos) << gaps[0].detail;
  EXPECT_NE(gaps[0].detail.find("from alice never arrived"), std::string::npos);
  // Reported once.
  ASSERT_NO_FATAL_FAILURE(LaterSync(kDay));
  EXPECT_EQ(GapAlerts(coord_).size(), 1u);
  EXPECT_EQ(GapAlerts(coord_)[0].detail, gaps[0].detail);
}

TEST_F(SequenceTest, ALateArrivalFillsTheGapAndNothingIsRaised) {
  const std::vector<Bytes> sent = ThreeCheckIns(alice_);
  EXPECT_EQ(IngestAll(coord_, {sent[2], sent[0]}).accepted, 2);
  ASSERT_NO_FATAL_FAILURE(LaterSync(2 * kDay));
  EXPECT_EQ(IngestAll(coord_, {sent[1]}).accepted, 1);  // another relay had it
  ASSERT_NO_FATAL_FAILURE(LaterSync(60 * kDay));
  EXPECT_TRUE(GapAlerts(coord_).empty());
}

TEST_F(SequenceTest, NothingMissingRaisesNothing) {
  const std::vector<Bytes> sent = ThreeCheckIns(alice_);
  EXPECT_EQ(IngestAll(coord_, sent).accepted, 3);
  ASSERT_NO_FATAL_FAILURE(LaterSync(60 * kDay));
  EXPECT_TRUE(GapAlerts(coord_).empty());
}

// The helper notices what the coordinator sent and never arrived, too.
TEST_F(SequenceTest, AHelperNoticesADroppedMessageFromItsCoordinator) {
  std::vector<Bytes> sent;
  for (const char* text : {"one", "two", "three"}) {
    ASSERT_OK(coord_->SendText("alice", text).status());
    for (Bytes& e : Upload(coord_)) sent.push_back(std::move(e));
  }
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(IngestAll(alice_, {sent[0], sent[2]}).accepted, 2);
  clock_.Advance(30 * kDay);
  ASSERT_OK(alice_->SyncScope().status());
  const std::vector<AlertInfo> gaps = GapAlerts(alice_);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].peer, "base");
}

class SequenceDuressTest : public NodeDuressTest {};

// A captor's relay that drops the duress check-ins a decoy sends is seen:
// the duress chain is numbered too.
TEST_F(SequenceDuressTest, ADroppedDuressCheckInIsSeen) {
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  std::vector<Bytes> sent;
  for (const char* code : {"ok", "ok", "ok"}) {
    ASSERT_OK(alice_->CheckIn(code, "", "").status());
    for (Bytes& e : Upload(alice_)) sent.push_back(std::move(e));
  }
  ASSERT_EQ(sent.size(), 3u);
  // The first arrives (and raises the duress alert); the rest are dropped
  // but for the last.
  EXPECT_EQ(IngestAll(coord_, {sent[0], sent[2]}).accepted, 2);
  clock_.Advance(30 * kDay);
  ASSERT_OK(coord_->SyncScope().status());
  const std::vector<AlertInfo> gaps = GapAlerts(coord_);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_NE(gaps[0].detail.find("under the duress chain"), std::string::npos) << gaps[0].detail;
  EXPECT_NE(gaps[0].detail.find("(numbers 2)"), std::string::npos) << gaps[0].detail;
}

// A decoy keeps no count of what it receives, so it raises no gap alert a
// captor could read.
TEST_F(SequenceDuressTest, ADecoyRaisesNoGapAlerts) {
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_OK(alice_->CheckIn("ok", "", "").status());
  std::vector<Bytes> up = Upload(alice_);
  EXPECT_EQ(IngestAll(coord_, up).accepted, 1);
  std::vector<Bytes> replies = Upload(coord_);  // receipts under the duress chain
  ASSERT_FALSE(replies.empty());
  clock_.Advance(30 * kDay);
  ASSERT_OK(alice_->SyncScope().status());
  EXPECT_TRUE(GapAlerts(alice_).empty());
  EXPECT_EQ(CountOf(alice_, "SELECT count(*) FROM seq_holes"), 0);
}

}  // namespace
}  // namespace waypost::node
