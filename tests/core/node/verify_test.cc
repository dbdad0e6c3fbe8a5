// Verification (docs/protocol.md §10): both sides of a pair see the same
// safety number; a contact marked verified stays so, in the decoy too; and
// an invite in a verified contact's name with another key is refused.
#include <gtest/gtest.h>

#include <string>

#include "core/envelope/keys.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language

class VerifyTest : public NodeTest {
 protected:
  void SetUp() override { Enroll(coord_, alice_); }
};

TEST_F(VerifyTest, BothSidesSeeTheSameNumber) {
  ASSERT_OK_AND_ASSIGN(const Node::Verification at_alice, alice_->SafetyNumberWith("base"));
  ASSERT_OK_AND_ASSIGN(const Node::Verification at_coord, coord_->SafetyNumberWith("alice"));
  EXPECT_EQ(at_alice.safety_number, at_coord.safety_number);
  EXPECT_EQ(at_alice.contact.name, "base");
  EXPECT_FALSE(at_alice.contact.verified_at.has_value());
  // A third party's number with either is another one.
  Peer bob{"bob", Role::kHelper, clock_, 3};
  Enroll(coord_, bob);
  ASSERT_OK_AND_ASSIGN(const Node::Verification with_bob, coord_->SafetyNumberWith("bob"));
  EXPECT_NE(with_bob.safety_number, at_coord.safety_number);
  EXPECT_EQ(alice_->SafetyNumberWith("nobody").status().code(), Status::Code::kNotFound);
}

TEST_F(VerifyTest, AVerifiedMarkStaysAndTheDecoyShowsItToo) {
  const Secret duress = Secret::FromString("blue umbrella");
  ASSERT_OK(alice_->SetDuressPassphrase(Passphrase(), duress));
  ASSERT_OK_AND_ASSIGN(const ContactInfo marked, alice_->MarkVerified("BASE"));
  EXPECT_EQ(marked.name, "base");
  EXPECT_EQ(marked.verified_at, clock_.Now());
  alice_.Reopen();
  EXPECT_EQ(ContactsOf(alice_).at(0).verified_at, clock_.Now());
  // A captor who opens the decoy sees the same mark: nothing tells the
  // stores apart (docs/storage.md §3).
  ASSERT_OK(alice_.OpenWith(duress));
  EXPECT_EQ(ContactsOf(alice_).at(0).verified_at, clock_.Now());
}

// Someone hands a helper an invite in its verified coordinator's name but
// with a key of its own: refused, and nothing changes.
TEST_F(VerifyTest, AnInviteInAVerifiedNameWithAnotherKeyIsRefused) {
  ASSERT_OK(alice_->MarkVerified("base"));
  Peer impostor{"base", Role::kCoordinator, clock_, 9};
  const std::string forged = InviteFrom(impostor);
  const std::string before = Snapshot(alice_);
  const Result<Joined> joined = alice_->Join(forged, /*another_coordinator=*/true);
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.status().code(), Status::Code::kAuthFailed);
  EXPECT_NE(joined.status().message().find("whom you verified"), std::string::npos)
      << joined.status().message();
  EXPECT_EQ(Snapshot(alice_), before);
  // Also when the name differs only in case, or has space around it.
  Peer shouting{"  BASE ", Role::kCoordinator, clock_, 10};
  EXPECT_EQ(alice_->Join(InviteFrom(shouting), true).status().code(), Status::Code::kAuthFailed);
}

// The coordinator's side: a new key joining in a verified helper's name
// enrolls nobody and raises a key-changed alert naming both fingerprints.
TEST_F(VerifyTest, AJoinInAVerifiedHelpersNameWithAnotherKeyRaisesAnAlert) {
  ASSERT_OK(coord_->MarkVerified("alice"));
  Peer impostor{"alice", Role::kHelper, clock_, 11};
  ASSERT_OK(coord_->AddRelay(kRelay));
  ASSERT_OK_AND_ASSIGN(const std::string code, coord_->CreateInvite("Alice", 3600));
  ASSERT_OK(impostor->Join(code));
  EXPECT_EQ(Sync(impostor, coord_).accepted, 1);
  EXPECT_EQ(ContactsOf(coord_).size(), 1u);  // nobody enrolled
  ASSERT_OK_AND_ASSIGN(const std::vector<AlertInfo> alerts, coord_->Alerts(true));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, AlertKind::kKeyChanged);
  EXPECT_EQ(alerts[0].peer, "alice");
  EXPECT_NE(alerts[0].detail.find(envelope::Fingerprint(impostor->identity().public_key)),
            std::string::npos)
      << alerts[0].detail;
  // The impostor hears nothing back: no welcome was queued for it.
  EXPECT_EQ(Sync(coord_, impostor).accepted, 0);
  // An unverified helper's name is no such guard: a second "bob" is bob-2.
  Peer bob{"bob", Role::kHelper, clock_, 12};
  Enroll(coord_, bob);
  Peer bob_again{"bob", Role::kHelper, clock_, 13};
  Enroll(coord_, bob_again);
  EXPECT_EQ(ContactsOf(coord_).size(), 3u);
}

// Before verification, the same invite is what it always was: a second
// coordinator, with a name of its own.
TEST_F(VerifyTest, AnUnverifiedNameCanBeJoinedAsAnotherCoordinator) {
  Peer second{"base", Role::kCoordinator, clock_, 9};
  ASSERT_OK_AND_ASSIGN(const Joined joined, alice_->Join(InviteFrom(second), true));
  EXPECT_EQ(joined.inviter, "base-2");
}

}  // namespace
}  // namespace waypost::node
