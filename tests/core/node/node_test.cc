// Node end to end, without a network: two or three nodes in temporary homes
// pass envelopes by hand (PlanSync().upload from one, Ingest on another),
// with fake clocks so expiry, epochs and ratcheting can be driven.
#include "core/node/node.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/node/invite.h"
#include "proto/waypost.pb.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;

TEST_F(NodeTest, InviteJoinWelcome) {
  const std::string code = InviteFrom(coord_);
  auto joined = alice_->Join(code);
  ASSERT_OK(joined);
  EXPECT_EQ(joined->inviter, "base");
  EXPECT_EQ(alice_->self().role, Role::kHelper);
  auto relays = alice_->Relays();
  ASSERT_OK(relays);
  EXPECT_THAT(*relays, ElementsAre(kRelay));
  EXPECT_THAT(ContactsOf(alice_),
              ElementsAre(AllOf(Field(&ContactInfo::name, "base"),
                                Field(&ContactInfo::role, Role::kCoordinator),
                                Field(&ContactInfo::state, ContactState::kPending))));
  EXPECT_TRUE(ContactsOf(coord_).empty());

  // The join request reaches the coordinator: alice is an active helper.
  Tally in = Sync(alice_, coord_);
  EXPECT_EQ(in.accepted, 1);
  auto coord_contacts = ContactsOf(coord_);
  ASSERT_EQ(coord_contacts.size(), 1u);
  EXPECT_EQ(coord_contacts[0].name, "alice");
  EXPECT_EQ(coord_contacts[0].role, Role::kHelper);
  EXPECT_EQ(coord_contacts[0].state, ContactState::kActive);
  EXPECT_EQ(coord_contacts[0].fingerprint, alice_->self().fingerprint);

  // The welcome reaches alice: the coordinator becomes active.
  EXPECT_EQ(Sync(coord_, alice_).accepted, 1);
  auto alice_contacts = ContactsOf(alice_);
  ASSERT_EQ(alice_contacts.size(), 1u);
  EXPECT_EQ(alice_contacts[0].state, ContactState::kActive);
  EXPECT_EQ(alice_contacts[0].fingerprint, coord_->self().fingerprint);
  EXPECT_EQ(alice_contacts[0].last_seen, clock_.Now());
  // Nothing was shown as a message on either side.
  EXPECT_TRUE(InboxOf(alice_).empty());
  EXPECT_TRUE(InboxOf(coord_).empty());
}

TEST_F(NodeTest, CheckInIsDeliveredThenConfirmed) {
  Enroll(coord_, alice_);
  const UnixTime sent = clock_.Now();
  auto ids = alice_->CheckIn("crossed", "at the border", "");
  ASSERT_OK(ids);
  ASSERT_EQ(ids->size(), 1u);
  const std::string id = ids->front();
  EXPECT_EQ(id.size(), 12u);

  auto out = InboxOf(alice_);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, id);
  EXPECT_EQ(out[0].direction, Direction::kOut);
  EXPECT_EQ(out[0].kind, MessageKind::kCheckIn);
  EXPECT_EQ(out[0].peer, "base");
  EXPECT_EQ(out[0].code, "crossed");
  EXPECT_EQ(out[0].text, "at the border");
  EXPECT_EQ(out[0].state, MessageState::kQueued);

  clock_.Advance(60);
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  EXPECT_EQ(InboxOf(alice_)[0].state, MessageState::kRelayed);
  auto in = InboxOf(coord_);
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].id, id);
  EXPECT_EQ(in[0].direction, Direction::kIn);
  EXPECT_EQ(in[0].kind, MessageKind::kCheckIn);
  EXPECT_EQ(in[0].peer, "alice");
  EXPECT_EQ(in[0].code, "crossed");
  EXPECT_EQ(in[0].text, "at the border");
  EXPECT_EQ(in[0].state, MessageState::kReceived);
  EXPECT_EQ(in[0].sent_at, sent);
  EXPECT_EQ(in[0].received_at, sent + 60);

  // The automatic delivered receipt.
  EXPECT_EQ(Sync(coord_, alice_).accepted, 1);
  EXPECT_EQ(InboxOf(alice_)[0].state, MessageState::kDelivered);

  ASSERT_OK(coord_->Confirm(id.substr(0, 6)));
  EXPECT_EQ(InboxOf(coord_)[0].state, MessageState::kConfirmed);
  EXPECT_EQ(Sync(coord_, alice_).accepted, 1);
  EXPECT_EQ(InboxOf(alice_)[0].state, MessageState::kConfirmed);
  EXPECT_EQ(InboxOf(alice_).size(), 1u);  // receipts are not messages
}

TEST_F(NodeTest, ReplayIsDuplicateAndChangesNothing) {
  Enroll(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("crossed", "", "base"));
  const std::vector<Bytes> sent = Upload(alice_);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(IngestAll(coord_, sent).accepted, 1);
  const std::string before = Snapshot(coord_);
  clock_.Advance(3600);
  for (int i = 0; i < 3; ++i) {
    auto again = coord_->Ingest(sent[0]);
    ASSERT_OK(again);
    EXPECT_EQ(*again, IngestOutcome::kDuplicate);
  }
  EXPECT_EQ(Snapshot(coord_), before);
  EXPECT_EQ(InboxOf(coord_).size(), 1u);
  // Still a duplicate after a restart: the seen set is stored.
  coord_.Reopen();
  EXPECT_EQ(coord_->Ingest(sent[0]).value(), IngestOutcome::kDuplicate);
  EXPECT_EQ(InboxOf(coord_).size(), 1u);
}

// Every byte of a real check-in flipped: never accepted, nothing stored, and
// the genuine envelope is still accepted afterwards (no poisoned seen set).
TEST_F(NodeTest, ForgedEnvelopesChangeNothing) {
  Enroll(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("crossed", "note", ""));
  const std::vector<Bytes> sent = Upload(alice_);
  ASSERT_EQ(sent.size(), 1u);
  const Bytes& env = sent[0];
  const std::string before = Snapshot(coord_);
  for (size_t i = 0; i < env.size(); ++i) {
    Bytes bad = env;
    bad[i] ^= 0x04;
    auto r = coord_->Ingest(bad);
    if (r.ok()) {
      // Only a damaged tag can read as "someone else's".
      EXPECT_EQ(*r, IngestOutcome::kNotOurs) << "byte " << i;
      EXPECT_TRUE(i >= 1 && i < 1 + envelope::kTagSize) << "byte " << i;
    } else {
      EXPECT_THAT(r.status().code(),
                  ::testing::AnyOf(Status::Code::kAuthFailed, Status::Code::kCorrupt,
                                   Status::Code::kExpired))
          << "byte " << i << ": " << r.status().ToString();
    }
  }
  // Truncated and garbage input.
  EXPECT_FALSE(coord_->Ingest(ByteView(env).first(env.size() - 1)).ok());
  EXPECT_FALSE(coord_->Ingest(Bytes{}).ok());
  EXPECT_EQ(Snapshot(coord_), before);
  EXPECT_EQ(coord_->Ingest(env).value(), IngestOutcome::kAccepted);
  EXPECT_EQ(InboxOf(coord_).size(), 1u);
}

TEST_F(NodeTest, InviteIsOneTime) {
  Peer bob{"bob", Role::kHelper, clock_, 3};
  const std::string code = InviteFrom(coord_);
  ASSERT_OK(alice_->Join(code));
  ASSERT_OK(bob->Join(code));  // bob cannot know it was used
  const std::vector<Bytes> alice_join = Upload(alice_);
  const std::vector<Bytes> bob_join = Upload(bob);
  ASSERT_EQ(alice_join.size(), 1u);
  ASSERT_EQ(bob_join.size(), 1u);

  // A forged join request with the invite's tag does not burn the invite.
  Bytes forged = alice_join[0];
  forged[forged.size() - 1] ^= 1;
  EXPECT_EQ(coord_->Ingest(forged).status().code(), Status::Code::kAuthFailed);

  EXPECT_EQ(IngestAll(coord_, alice_join).accepted, 1);
  // The second join enrolls nobody: it is taken in only to raise an alert
  // that names both joiners (docs/protocol.md §5.2), which the next test
  // looks at.
  IngestAll(coord_, bob_join);
  auto contacts = ContactsOf(coord_);
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0].name, "alice");
  // A replay of the accepted request is only a duplicate.
  EXPECT_EQ(coord_->Ingest(alice_join[0]).value(), IngestOutcome::kDuplicate);
  EXPECT_EQ(ContactsOf(coord_).size(), 1u);
}

// Someone who saw the invite joins first; the real helper's join comes
// second and would stay pending forever. The coordinator is told at once,
// with both fingerprints, and still enrolls nobody else; the helper sees how
// long its enrollment has been pending.
TEST_F(NodeTest, ASecondJoinOnAUsedInviteRaisesAnAlertNamingBoth) {
  Peer informant{"amira", Role::kHelper, clock_, 3};
  const std::string code = InviteFrom(coord_);
  ASSERT_OK(informant->Join(code));
  ASSERT_OK(alice_->Join(code));
  EXPECT_EQ(IngestAll(coord_, Fetch(coord_, Upload(informant))).accepted, 1);
  clock_.Advance(600);
  const std::vector<Bytes> second = Upload(alice_);
  ASSERT_EQ(second.size(), 1u);
  auto taken = coord_->Ingest(second[0]);
  ASSERT_OK(taken);
  EXPECT_EQ(*taken, IngestOutcome::kAccepted);

  ASSERT_OK_AND_ASSIGN(std::vector<AlertInfo> open, coord_->Alerts(true));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, AlertKind::kInviteReused);
  EXPECT_EQ(open[0].peer, "amira");
  EXPECT_NE(open[0].detail.find(informant->self().fingerprint), std::string::npos)
      << open[0].detail;
  EXPECT_NE(open[0].detail.find(alice_->self().fingerprint), std::string::npos) << open[0].detail;
  EXPECT_NE(open[0].detail.find("someone else may hold it"), std::string::npos);
  EXPECT_EQ(ContactsOf(coord_).size(), 1u);

  // The real helper's side: pending, and since when.
  ASSERT_EQ(ContactsOf(alice_).size(), 1u);
  EXPECT_EQ(ContactsOf(alice_)[0].state, ContactState::kPending);
  EXPECT_EQ(ContactsOf(alice_)[0].since, clock_.Now() - 600);

  // Acknowledged like any alert; it queues nothing for anyone.
  Upload(coord_);  // the welcome to the first joiner
  ASSERT_OK(coord_->Ack(std::to_string(open[0].id), "asked them in person"));
  EXPECT_TRUE(Upload(coord_).empty());
  EXPECT_TRUE(coord_->Alerts(true)->empty());
}

// An informant who has a helper's ear must not quietly become a second
// coordinator that every check-in then goes to.
TEST_F(NodeTest, JoiningASecondCoordinatorTakesAFlag) {
  Enroll(coord_, alice_);
  Peer other{"other", Role::kCoordinator, clock_, 4};
  const std::string code = InviteFrom(other);
  auto refused = alice_->Join(code);
  EXPECT_STATUS(refused, Status::Code::kAlreadyExists);
  EXPECT_NE(refused.status().message().find("your check-ins go to base"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("--another-coordinator"), std::string::npos);
  EXPECT_EQ(ContactsOf(alice_).size(), 1u);
  EXPECT_TRUE(Upload(alice_).empty());

  ASSERT_OK(alice_->Join(code, /*another_coordinator=*/true));
  EXPECT_EQ(ContactsOf(alice_).size(), 2u);
}

TEST_F(NodeTest, ExpiredInviteCannotBeJoined) {
  const std::string code = InviteFrom(coord_, 3600);
  clock_.Advance(3601);
  auto joined = alice_->Join(code);
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.status().code(), Status::Code::kExpired);
  EXPECT_TRUE(ContactsOf(alice_).empty());
}

TEST_F(NodeTest, JoinRequestArrivingAfterInviteExpiryIsRefused) {
  const std::string code = InviteFrom(coord_, 3600);
  ASSERT_OK(alice_->Join(code));
  const std::vector<Bytes> join = Upload(alice_);
  ASSERT_EQ(join.size(), 1u);
  // The envelope outlives the invite by less than a day (its expiry is
  // rounded up to the epoch), but the spent time of the invite is what counts.
  clock_.Advance(3600);
  auto late = coord_->Ingest(join[0]);
  EXPECT_TRUE(!late.ok() || *late == IngestOutcome::kNotOurs) << int(*late);
  EXPECT_TRUE(ContactsOf(coord_).empty());
  clock_.Set(envelope::ParseHeader(join[0])->expires_at);
  EXPECT_EQ(coord_->Ingest(join[0]).status().code(), Status::Code::kExpired);
  EXPECT_TRUE(ContactsOf(coord_).empty());
}

TEST_F(NodeTest, ExpiredEnvelopeIsRefused) {
  Enroll(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  const std::vector<Bytes> sent = Upload(alice_);
  ASSERT_EQ(sent.size(), 1u);
  const uint32_t expires_at = envelope::ParseHeader(sent[0])->expires_at;
  EXPECT_EQ(int64_t(expires_at),
            envelope::RoundUpToEpoch(clock_.Now() + envelope::kDeliveryWindowEpochs * kDay));
  EXPECT_EQ(expires_at % kDay, 0u);  // says nothing of when it was sealed
  clock_.Set(expires_at);
  auto r = coord_->Ingest(sent[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kExpired);
  EXPECT_TRUE(InboxOf(coord_).empty());
  // The sender drops it from its outbox too.
  EXPECT_TRUE(Upload(alice_).empty());
}

TEST_F(NodeTest, HelpersSeeOnlyTheirOwnEnvelopesAndContacts) {
  Peer bob{"bob", Role::kHelper, clock_, 3};
  Enroll(coord_, alice_);
  Enroll(coord_, bob);
  EXPECT_EQ(ContactsOf(coord_).size(), 2u);
  // Need to know: each helper knows only the coordinator.
  for (Peer* helper : {&alice_, &bob}) {
    auto contacts = ContactsOf(*helper);
    ASSERT_EQ(contacts.size(), 1u);
    EXPECT_EQ(contacts[0].name, "base");
  }

  ASSERT_OK(alice_->CheckIn("crossed", "secret route", ""));
  ASSERT_OK(coord_->SendText("alice", "for alice only"));
  const std::vector<Bytes> from_alice = Upload(alice_);
  const std::vector<Bytes> from_coord = Upload(coord_);
  ASSERT_FALSE(from_alice.empty());
  ASSERT_FALSE(from_coord.empty());

  // Bob would not even ask a relay for them ...
  EXPECT_TRUE(Fetch(bob, from_alice).empty());
  EXPECT_TRUE(Fetch(bob, from_coord).empty());
  // ... and offered them anyway, he cannot open them.
  const std::string before = Snapshot(bob);
  Tally b1 = IngestAll(bob, from_alice);
  Tally b2 = IngestAll(bob, from_coord);
  EXPECT_EQ(b1.not_ours, int(from_alice.size()));
  EXPECT_EQ(b2.not_ours, int(from_coord.size()));
  EXPECT_EQ(Snapshot(bob), before);

  // Alice gets hers; the coordinator gets alice's check-in.
  EXPECT_EQ(IngestAll(alice_, from_coord).accepted, 1);
  EXPECT_EQ(IngestAll(coord_, from_alice).accepted, 1);
  EXPECT_TRUE(InboxOf(bob).empty());
}

// Forward secrecy: once the delivery window has passed and the store is
// reopened, the chain key that sealed an old envelope is gone.
TEST_F(NodeTest, OldEnvelopesCannotBeOpenedAfterRatchet) {
  Enroll(coord_, alice_);
  const envelope::Epoch old_epoch = envelope::EpochOf(clock_.Now());
  ASSERT_OK(alice_->CheckIn("crossed", "old", ""));
  const std::vector<Bytes> old = Upload(alice_);
  ASSERT_EQ(old.size(), 1u);

  // Positive control: the coordinator's stored chain opens it today.
  const Chain before = ChainOf(coord_, "alice");
  ASSERT_FALSE(before.key.empty());
  auto open_with = [&](const Chain& chain, envelope::Epoch epoch) {
    Secret psk = envelope::PskFrom(envelope::ChainAt(Secret::From(chain.key), chain.epoch, epoch));
    envelope::OpenRequest req;
    req.recipient = &coord_->identity();
    req.sender_public = alice_->self().public_key.view();
    req.psk = &psk;
    return envelope::Open(req, old[0]);
  };
  ASSERT_GE(old_epoch, before.epoch);
  ASSERT_OK(open_with(before, old_epoch));

  // Two days on, a check-in still inside the window.
  clock_.Advance(2 * kDay);
  ASSERT_OK(alice_->CheckIn("crossed", "recent", ""));
  std::vector<Bytes> recent;
  for (Bytes& env : Upload(alice_)) {
    if (env != old[0]) recent.push_back(std::move(env));
  }
  ASSERT_EQ(recent.size(), 1u);

  clock_.Advance(13 * kDay + 3600);  // 15 days and an hour since the first
  coord_.Reopen();
  const Chain after = ChainOf(coord_, "alice");
  EXPECT_EQ(after.epoch, envelope::EpochOf(clock_.Now()) - envelope::kDeliveryWindowEpochs);
  EXPECT_GT(after.epoch, old_epoch);
  EXPECT_NE(after.key, before.key);
  // Nothing reachable from the stored key opens the old envelope.
  for (envelope::Epoch e = after.epoch; e <= after.epoch + 20; ++e) {
    auto r = open_with(after, e);
    EXPECT_FALSE(r.ok()) << "epoch " << e;
  }
  EXPECT_FALSE(coord_->Ingest(old[0]).ok());
  // The recent one, and new traffic, still get through.
  EXPECT_EQ(coord_->Ingest(recent[0]).value(), IngestOutcome::kAccepted);
  ASSERT_OK(alice_->CheckIn("crossed", "new", ""));
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  EXPECT_EQ(InboxOf(coord_).size(), 2u);
  // And back the other way, after the helper's store ratchets too.
  alice_.Reopen();
  EXPECT_GT(ChainOf(alice_, "base").epoch, old_epoch);
  EXPECT_EQ(Sync(coord_, alice_).accepted, 2);  // two delivered receipts
  for (const MessageInfo& m : InboxOf(alice_)) {
    if (m.text != "old") {
      EXPECT_EQ(m.state, MessageState::kDelivered) << m.text;
    }
  }
}

// A check-in can overtake the join request on the way to the coordinator: it
// fails without leaving a trace, and is accepted once the join is in.
TEST_F(NodeTest, CheckInBeforeJoinRequestIsAcceptedLater) {
  ASSERT_OK(alice_->Join(InviteFrom(coord_)));
  const std::vector<Bytes> join = Upload(alice_);
  ASSERT_EQ(join.size(), 1u);
  ASSERT_OK(alice_->CheckIn("crossed", "early", ""));
  std::vector<Bytes> checkin;
  for (Bytes& env : Upload(alice_)) {
    if (env != join[0]) checkin.push_back(std::move(env));
  }
  ASSERT_EQ(checkin.size(), 1u);
  const std::string before = Snapshot(coord_);
  EXPECT_EQ(coord_->Ingest(checkin[0]).status().code(), Status::Code::kAuthFailed);
  EXPECT_EQ(Snapshot(coord_), before);
  EXPECT_EQ(coord_->Ingest(join[0]).value(), IngestOutcome::kAccepted);
  EXPECT_EQ(coord_->Ingest(checkin[0]).value(), IngestOutcome::kAccepted);
  ASSERT_EQ(InboxOf(coord_).size(), 1u);
  EXPECT_EQ(InboxOf(coord_)[0].text, "early");
}

// §6 step 1: "Upload every outbox envelope that no relay has taken yet", and
// step 3: other envelopes stay in the outbox "not to be uploaded again".
TEST_F(NodeTest, RelayedEnvelopesAreNotUploadedAgain) {
  Enroll(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  EXPECT_EQ(Upload(alice_).size(), 1u);
  EXPECT_TRUE(Upload(alice_).empty());
}

// §4.2: on a receipt, "the envelope is removed from the outbox".
TEST_F(NodeTest, ReceiptRemovesEnvelopeFromOutbox) {
  Enroll(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  EXPECT_EQ(Sync(coord_, alice_).accepted, 1);
  ASSERT_EQ(InboxOf(alice_).at(0).state, MessageState::kDelivered);
  EXPECT_EQ(CountOf(alice_, "SELECT count(*) FROM outbox"), 0);
}

bool HasControlCharacter(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

// A join request for `invite` from a fresh key pair, naming itself `name`.
Bytes SealJoin(const pb::Invite& invite, const std::string& name, UnixTime now) {
  SeededRandom random(99);
  noise::KeyPair joiner = noise::KeyPair::Generate(random);
  pb::Body body;
  body.mutable_join()->set_name(name);
  body.mutable_join()->set_tag_key(std::string(32, 'k'));
  body.mutable_join()->set_chain_seed(std::string(32, 's'));
  body.set_sent_at(now);
  const std::string bytes = body.SerializeAsString();
  Secret secret = Secret::FromString(invite.secret());
  envelope::SealRequest req;
  req.pattern = envelope::Pattern::kJoin;
  req.sender = &joiner;
  req.recipient_public = AsBytes(invite.inviter_key());
  req.psk = &secret;
  req.tag = envelope::JoinTagFor(secret);
  req.expires_at = uint32_t(invite.expires_at());
  req.body = AsBytes(bytes);
  auto env = envelope::Seal(req, random);
  EXPECT_OK(env);
  return env.ok() ? *env : Bytes();
}

// §4.1: "Names are 1 to 64 bytes with no control characters." Names reach
// terminals: a joiner holding an invite must not plant escapes in the
// coordinator's contact list.
TEST_F(NodeTest, JoinNameWithControlCharactersIsRefused) {
  auto invite = DecodeInvite(InviteFrom(coord_));
  ASSERT_OK(invite);
  auto r = coord_->Ingest(SealJoin(*invite, "evil\x1b]0;owned\x07\x1b[2J", clock_.Now()));
  for (const ContactInfo& c : ContactsOf(coord_)) {
    EXPECT_FALSE(HasControlCharacter(c.name)) << "stored contact name with control characters";
  }
  EXPECT_FALSE(r.ok() && *r == IngestOutcome::kAccepted && ContactsOf(coord_).size() == 1 &&
               HasControlCharacter(ContactsOf(coord_)[0].name));
}

// Nor may a joiner pose as another helper on the board with a name that
// looks the same but holds an invisible character, or that reverses what a
// screen shows after it.
TEST_F(NodeTest, JoinNameThatPosesAsAnotherIsRefused) {
  Enroll(coord_, alice_);
  for (const std::string& poser : {std::string("ali\u200Bce"), std::string("alice\u200D"),
                                   std::string("\u202Eecila"), std::string("al\u00ADice")}) {
    SCOPED_TRACE(::testing::PrintToString(poser));
    auto invite = DecodeInvite(InviteFrom(coord_));
    ASSERT_OK(invite);
    const std::string before = Snapshot(coord_);
    EXPECT_STATUS(coord_->Ingest(SealJoin(*invite, poser, clock_.Now())),
                  Status::Code::kAuthFailed);
    EXPECT_EQ(Snapshot(coord_), before);
  }
  EXPECT_EQ(ContactsOf(coord_).size(), 1u);
}

// The same rule on the joiner's side, for the inviter's name in the code.
TEST_F(NodeTest, InviterNameWithControlCharactersIsRefused) {
  auto invite = DecodeInvite(InviteFrom(coord_));
  ASSERT_OK(invite);
  invite->set_inviter_name("base\x1b[31m");
  auto joined = alice_->Join(EncodeInvite(*invite));
  for (const ContactInfo& c : ContactsOf(alice_)) {
    EXPECT_FALSE(HasControlCharacter(c.name)) << "stored contact name with control characters";
  }
  if (joined.ok()) {
    EXPECT_FALSE(HasControlCharacter(joined->inviter));
  }
  invite->set_inviter_name("b\u200Base");
  EXPECT_STATUS(alice_->Join(EncodeInvite(*invite)), Status::Code::kInvalidArgument);
  EXPECT_TRUE(ContactsOf(alice_).empty());
}

// A node whose clock is a day off its contact's still delivers, both ways.
class SkewTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(SkewTest, DeliversDespiteSkew) {
  FakeClock coord_clock;
  FakeClock helper_clock(coord_clock.Now() + GetParam());
  Peer coord{"base", Role::kCoordinator, coord_clock, 1};
  Peer alice{"alice", Role::kHelper, helper_clock, 2};
  Enroll(coord, alice, 3 * kDay);  // a short invite would expire on a fast clock
  ASSERT_EQ(ContactsOf(alice).at(0).state, ContactState::kActive);

  ASSERT_OK(alice->CheckIn("crossed", "skewed", ""));
  EXPECT_EQ(Sync(alice, coord).accepted, 1);
  ASSERT_EQ(InboxOf(coord).size(), 1u);
  EXPECT_EQ(Sync(coord, alice).accepted, 1);
  EXPECT_EQ(InboxOf(alice).at(0).state, MessageState::kDelivered);

  // Skew that appears after enrollment, in the other direction.
  helper_clock.Advance(-2 * GetParam());
  ASSERT_OK(alice->CheckIn("ok", "", ""));
  EXPECT_EQ(Sync(alice, coord).accepted, 1);
  EXPECT_EQ(InboxOf(coord).size(), 2u);
  ASSERT_OK(coord->SendText("alice", "got it"));
  EXPECT_EQ(Sync(coord, alice).accepted, 2);  // receipt and text
}

INSTANTIATE_TEST_SUITE_P(OneDay, SkewTest,
                         ::testing::Values(-kDay, kDay, -kDay - 3600, kDay + 3600));

}  // namespace
}  // namespace waypost::node
