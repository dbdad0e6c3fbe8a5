// Enrollment that cannot get stuck (docs/protocol.md §5.3): a sign-up whose
// invite expired before the coordinator took it in fails visibly, and a new
// invite from the same coordinator replaces it. Nodes pass envelopes by hand
// under one fake clock (tests/kit/peers.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/envelope/format.h"
#include "core/node/node.h"
#include "core/node/sync_round.h"
#include "tests/kit/memory_relay.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language

class EnrollmentRecoveryTest : public NodeTest {
 protected:
  ContactInfo CoordinatorOf(Peer& helper) {
    const std::vector<ContactInfo> contacts = ContactsOf(helper);
    EXPECT_EQ(contacts.size(), 1u);
    return contacts.empty() ? ContactInfo{} : contacts.front();
  }

  std::vector<MessageInfo> SentBy(Peer& p) {
    std::vector<MessageInfo> out;
    for (const MessageInfo& m : InboxOf(p)) {
      if (m.direction == Direction::kOut) out.push_back(m);
    }
    return out;
  }
};

TEST_F(EnrollmentRecoveryTest, APendingSignUpKnowsWhenItsInviteExpires) {
  ASSERT_OK(alice_->Join(InviteFrom(coord_, 3600)));
  const ContactInfo coordinator = CoordinatorOf(alice_);
  EXPECT_EQ(coordinator.state, ContactState::kPending);
  ASSERT_TRUE(coordinator.invite_expires_at.has_value());
  EXPECT_EQ(*coordinator.invite_expires_at, clock_.Now() + 3600);
  EXPECT_FALSE(coordinator.SignUpFailed(clock_.Now()));
  EXPECT_TRUE(coordinator.SignUpFailed(clock_.Now() + 3600));
}

TEST_F(EnrollmentRecoveryTest, AnsweredSignUpNeverShowsAsFailed) {
  Enroll(coord_, alice_);
  clock_.Advance(2 * kDay);
  EXPECT_EQ(CoordinatorOf(alice_).state, ContactState::kActive);
  EXPECT_FALSE(CoordinatorOf(alice_).SignUpFailed(clock_.Now()));
}

// The whole story of the issue: the coordinator syncs only after the invite
// expired. The helper's sign-up fails, a new invite replaces it, and the
// check-in sent afterwards arrives; the one sent under the failed sign-up is
// marked failed rather than relayed forever.
TEST_F(EnrollmentRecoveryTest, ANewInviteRecoversAnExpiredSignUp) {
  ASSERT_OK(alice_->Join(InviteFrom(coord_, 3600)));
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  const std::vector<Bytes> first = Upload(alice_);  // join request and check-in
  ASSERT_EQ(first.size(), 2u);

  clock_.Advance(2 * 3600);  // the coordinator syncs too late
  const Tally late = IngestAll(coord_, Fetch(coord_, first));
  EXPECT_EQ(late.accepted, 0);
  EXPECT_TRUE(ContactsOf(coord_).empty());
  EXPECT_TRUE(CoordinatorOf(alice_).SignUpFailed(clock_.Now()));

  // A second invite from the same coordinator is taken, not refused.
  auto joined = alice_->Join(InviteFrom(coord_, 3600));
  ASSERT_OK(joined);
  EXPECT_EQ(joined->inviter, "base");
  EXPECT_TRUE(joined->replaced);
  EXPECT_EQ(joined->failed, 1u);
  EXPECT_FALSE(CoordinatorOf(alice_).SignUpFailed(clock_.Now()));
  std::vector<MessageInfo> sent = SentBy(alice_);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, MessageState::kFailed);

  ASSERT_OK(alice_->CheckIn("delayed", "", ""));
  // The old envelopes are still on the relay; the coordinator gets them
  // again beside the new ones and takes in only what it can read.
  std::vector<Bytes> pool = first;
  for (Bytes& e : Upload(alice_)) pool.push_back(std::move(e));
  auto report = coord_->IngestAll(Fetch(coord_, pool));
  ASSERT_OK(report);
  EXPECT_EQ(report->accepted, 2u);  // the new join request and "delayed"
  const std::vector<ContactInfo> helpers = ContactsOf(coord_);
  ASSERT_EQ(helpers.size(), 1u);
  EXPECT_EQ(helpers[0].state, ContactState::kActive);
  EXPECT_EQ(helpers[0].fingerprint, alice_->self().fingerprint);
  const std::vector<MessageInfo> received = InboxOf(coord_);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].code, "delayed");

  // The welcome and the receipt come back: alice is enrolled, "delayed" is
  // delivered, and "crossed" stays failed.
  EXPECT_GE(Sync(coord_, alice_).accepted, 2);
  EXPECT_EQ(CoordinatorOf(alice_).state, ContactState::kActive);
  sent = SentBy(alice_);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].code, "crossed");
  EXPECT_EQ(sent[0].state, MessageState::kFailed);
  EXPECT_EQ(sent[1].code, "delayed");
  EXPECT_EQ(sent[1].state, MessageState::kDelivered);
}

// A join request no relay has taken yet is withdrawn when a new invite
// replaces its sign-up: only the new one ever leaves the device.
TEST_F(EnrollmentRecoveryTest, AReplacedJoinRequestLeavesTheOutbox) {
  ASSERT_OK(alice_->Join(InviteFrom(coord_, 3600)));
  ASSERT_OK(alice_->Join(InviteFrom(coord_, 3 * kDay)));
  const std::vector<Bytes> queued = Upload(alice_);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(IngestAll(coord_, Fetch(coord_, queued)).accepted, 1);
  EXPECT_EQ(Sync(coord_, alice_).accepted, 1);
  EXPECT_EQ(CoordinatorOf(alice_).state, ContactState::kActive);
}

// The race the rule must survive: the coordinator did take the first join
// request, but its welcome had not reached the helper when the helper, seeing
// its invite expire, joined again. The coordinator renews the pair's keys
// from the newer request, and an older copy arriving later changes nothing.
TEST_F(EnrollmentRecoveryTest, AJoinAgainAfterAnUnseenWelcomeRenewsTheKeys) {
  ASSERT_OK(alice_->Join(InviteFrom(coord_, 3600)));
  const std::vector<Bytes> old_join = Upload(alice_);
  ASSERT_EQ(IngestAll(coord_, Fetch(coord_, old_join)).accepted, 1);
  const std::vector<Bytes> old_welcome = Upload(coord_);  // never reaches alice

  clock_.Advance(2 * 3600);
  ASSERT_OK(alice_->Join(InviteFrom(coord_, 3600)));
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  const std::vector<Bytes> again = Upload(alice_);
  ASSERT_EQ(again.size(), 2u);
  auto in = coord_->IngestAll(Fetch(coord_, again));
  ASSERT_OK(in);
  EXPECT_EQ(in->accepted, 2u);
  EXPECT_EQ(ContactsOf(coord_).size(), 1u);  // the same helper, not a second one
  EXPECT_EQ(InboxOf(coord_).size(), 1u);

  // The first join request again (a relay's replay): it is older, and the
  // coordinator keeps the newer keys, so alice's next check-in still opens.
  EXPECT_NE(coord_->Ingest(old_join[0]).status().code(), Status::Code::kInternal);
  ASSERT_OK(alice_->CheckIn("delayed", "", ""));
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  EXPECT_EQ(InboxOf(coord_).size(), 2u);

  // The old welcome cannot open on alice's renewed chain; the new one can.
  std::vector<Bytes> back = old_welcome;
  for (Bytes& e : Upload(coord_)) back.push_back(std::move(e));
  auto replies = alice_->IngestAll(Fetch(alice_, back));
  ASSERT_OK(replies);
  EXPECT_GE(replies->accepted, 1u);
  EXPECT_EQ(CoordinatorOf(alice_).state, ContactState::kActive);
}

TEST_F(EnrollmentRecoveryTest, AnActiveEnrollmentIsNotReplaced) {
  Enroll(coord_, alice_);
  auto again = alice_->Join(InviteFrom(coord_, 3600));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  EXPECT_THAT(again.status().message(), ::testing::HasSubstr("already enrolled with base"));
}

// A rejection remembered once stays remembered when a later enrollment
// makes the node look again: it is fetched again, but not counted again.
TEST_F(EnrollmentRecoveryTest, ARejectionIsReportedOnce) {
  Peer bob{"bob", Role::kHelper, clock_, 3};
  SeededRandom random{9};
  waypost::testing::MemoryRelay relay("relay.test", clock_, random);
  ASSERT_OK(alice_->Join(InviteFrom(coord_, 3600)));
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  SyncVia(relay, alice_);
  clock_.Advance(2 * 3600);  // too late for alice's invite
  EXPECT_EQ(SyncVia(relay, coord_).rejected, 1u);
  EXPECT_EQ(SyncVia(relay, coord_).rejected, 0u);

  // bob's enrollment makes the coordinator forget its rejections, so that
  // what bob sent before his join request can open; alice's stays unread
  // and is not reported a second time.
  ASSERT_OK(bob->Join(InviteFrom(coord_, 3600)));
  SyncVia(relay, bob);
  const SyncReport after = SyncVia(relay, coord_);
  EXPECT_EQ(after.downloaded, 1u);
  EXPECT_EQ(after.rejected, 0u);
  EXPECT_EQ(SyncVia(relay, coord_).rejected, 0u);
}

}  // namespace
}  // namespace waypost::node
