// Courier alone (core/node/courier.h): the duress flag on every body, what a
// send leaves in the outbox and the message log, and the epoch it seals
// under (docs/protocol.md §3.3), proved by opening the envelope as the
// recipient would, with the PSK of exactly that epoch.
#include "core/node/courier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "core/store/key_file.h"
#include "proto/waypost.pb.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"
#include "tests/kit/vocabulary_print.h"

namespace waypost::node {
namespace {

constexpr int64_t kDay = envelope::kEpochSeconds;

pb::Body CheckInBody(const std::string& code) {
  pb::Body body;
  body.mutable_checkin()->set_code(code);
  body.set_sent_at(1'800'000'000);
  return body;
}

class CourierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(me_, Identity::Create(db_.db(), "alice", Role::kHelper, random_));
    ASSERT_OK_AND_ASSIGN(duress_,
                         DuressState::Create(db_.db(), Secret(store::KeyFile::kDbKeySize), 0));
    settings_.delivery_window_epochs = 3;  // not the default, so the expiry shows it
  }

  // Enrolls hq with its chain at `chain_epoch`; returns it as the store has it.
  Contact AddHq(envelope::Epoch chain_epoch, envelope::Epoch peer_epoch = 0) {
    Secret chain(envelope::kKeySize);
    random_.Fill(hq_tag_.span());
    random_.Fill(chain.span());
    auto id = ContactBook(db_.db()).Add({.name = "hq",
                                         .public_key = PublicKey::From(hq_.public_key).value(),
                                         .role = Role::kCoordinator,
                                         .state = ContactState::kActive,
                                         .tag_key = hq_tag_.view(),
                                         .chain_epoch = chain_epoch,
                                         .chain_key = &chain},
                                        clock_.Now());
    EXPECT_OK(id);
    EXPECT_OK(ContactBook(db_.db()).SetPeerEpoch(*id, peer_epoch));
    return ContactBook(db_.db()).Get(*id).value();
  }
  // The one envelope waiting in the outbox.
  Bytes OnlyPending() {
    auto pending = outbox_.Pending();
    EXPECT_OK(pending);
    EXPECT_EQ(pending.ok() ? pending->size() : 0u, 1u);
    return pending.ok() && pending->size() == 1 ? pending->front() : Bytes();
  }
  // Opens `sealed` as hq, with the chain of `to` moved to `epoch`.
  Result<envelope::Opened> OpenAs(const Contact& to, envelope::Epoch epoch, const Bytes& sealed) {
    const Secret psk = envelope::PskFrom(envelope::ChainAt(to.chain_key, to.chain_epoch, epoch));
    return envelope::Open({.pattern = envelope::Pattern::kContact,
                           .recipient = &hq_,
                           .sender_public = me_.key_pair().public_key,
                           .psk = &psk},
                          sealed);
  }
  // The epoch `sealed` went out under: the only one, near today, that opens it.
  void ExpectSealedUnder(const Contact& to, envelope::Epoch epoch, const Bytes& sealed) {
    ASSERT_OK(OpenAs(to, epoch, sealed));
    for (envelope::Epoch other = Today() - 1; other <= Today() + 4; ++other) {
      if (other == epoch || other < to.chain_epoch) continue;
      EXPECT_STATUS(OpenAs(to, other, sealed), Status::Code::kAuthFailed) << "epoch " << other;
    }
    ASSERT_OK_AND_ASSIGN(const envelope::Header header, envelope::ParseHeader(sealed));
    EXPECT_EQ(header.tag, envelope::TagFor(hq_tag_, epoch));
    const Secret chain = envelope::ChainAt(to.chain_key, to.chain_epoch, epoch);
    EXPECT_EQ(header.hint, envelope::HintFor(chain, envelope::EphemeralOf(sealed)));
  }
  envelope::Epoch Today() const { return envelope::EpochOf(clock_.Now()); }

  FakeClock clock_;
  SeededRandom random_{17};
  testing::NodeDatabase db_;
  noise::KeyPair hq_ = noise::KeyPair::Generate(random_);
  Secret hq_tag_{envelope::kKeySize};
  Identity me_;
  DuressState duress_;
  NodeSettings settings_;
  Outbox outbox_{db_.db()};
  MessageLog log_{db_.db()};
  Sequencer sequencer_{db_.db()};
  Courier courier_{me_, duress_, settings_, outbox_, log_, sequencer_, clock_, random_};
  pb::Body body_ = CheckInBody("crossed");
};

TEST_F(CourierTest, SerializeSetsTheFlagsFieldEvenWhenZero) {
  pb::Body body = CheckInBody("ok");
  body.set_flags(kFlagDuress);  // stale: the courier, not the caller, decides
  pb::Body parsed;
  ASSERT_TRUE(parsed.ParseFromString(courier_.Serialize(body)));
  EXPECT_TRUE(parsed.has_flags());
  EXPECT_EQ(parsed.flags(), 0u);
}

// A flagged body is exactly as long as an unflagged one: size tells a
// captor nothing.
TEST_F(CourierTest, SerializeSetsTheDuressFlagWhileUnderDuress) {
  pb::Body body = CheckInBody("ok");
  const std::string calm = courier_.Serialize(body);
  ASSERT_OK(duress_.Enter(db_.db(), clock_.Now()));
  const std::string flagged = courier_.Serialize(body);
  pb::Body parsed;
  ASSERT_TRUE(parsed.ParseFromString(flagged));
  EXPECT_EQ(parsed.flags(), kFlagDuress);
  EXPECT_EQ(flagged.size(), calm.size());

  ASSERT_OK(duress_.End(db_.db()));
  ASSERT_TRUE(parsed.ParseFromString(courier_.Serialize(body)));
  EXPECT_EQ(parsed.flags(), 0u);
}

TEST_F(CourierTest, SerializeInADecoyAlwaysSetsTheDuressFlag) {
  testing::NodeDatabase decoy("decoy.db");
  ASSERT_OK(duress_.DescribeTo(decoy.db(), 2));
  ASSERT_OK_AND_ASSIGN(duress_, DuressState::Load(decoy.db(), 2, Secret(32)));
  pb::Body body = CheckInBody("ok");
  pb::Body parsed;
  ASSERT_TRUE(parsed.ParseFromString(courier_.Serialize(body)));
  EXPECT_EQ(parsed.flags(), kFlagDuress);
}

TEST_F(CourierTest, ASendWithShownQueuesAMessageAndKeepsTheEnvelopeUntilAReceipt) {
  const Contact hq = AddHq(Today());
  const Courier::Shown shown{.kind = MessageKind::kCheckIn, .code = "crossed", .text = "bridge"};
  ASSERT_OK_AND_ASSIGN(const std::string id, courier_.Send(hq, body_, shown));
  const Bytes sealed = OnlyPending();
  const envelope::ContentId content_id = envelope::ComputeContentId(sealed);
  EXPECT_EQ(id, DisplayId(content_id));

  ASSERT_OK_AND_ASSIGN(const std::vector<MessageInfo> list, log_.List());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, id);
  EXPECT_EQ(list[0].direction, Direction::kOut);
  EXPECT_EQ(list[0].kind, MessageKind::kCheckIn);
  EXPECT_EQ(list[0].peer, "hq");
  EXPECT_EQ(list[0].code, "crossed");
  EXPECT_EQ(list[0].text, "bridge");
  EXPECT_EQ(list[0].sent_at, clock_.Now());
  EXPECT_EQ(list[0].state, MessageState::kQueued);

  ASSERT_OK(outbox_.MarkRelayed(content_id));
  ASSERT_OK(outbox_.DropRelayedWithoutReceipt());
  EXPECT_EQ(db_.Int("SELECT count(*) FROM outbox"), 1);
}

TEST_F(CourierTest, ASendWithoutShownLeavesNoMessageAndGoesOnceRelayed) {
  const Contact hq = AddHq(Today());
  ASSERT_OK_AND_ASSIGN(const std::string id, courier_.Send(hq, body_));
  const Bytes sealed = OnlyPending();
  EXPECT_EQ(id, DisplayId(envelope::ComputeContentId(sealed)));
  EXPECT_EQ(db_.Int("SELECT count(*) FROM messages"), 0);

  ASSERT_OK(outbox_.MarkRelayed(envelope::ComputeContentId(sealed)));
  ASSERT_OK(outbox_.DropRelayedWithoutReceipt());
  EXPECT_EQ(db_.Int("SELECT count(*) FROM outbox"), 0);
}

TEST_F(CourierTest, TheEnvelopeCarriesTheBodyAndLivesForTheDeliveryWindow) {
  const Contact hq = AddHq(Today());
  ASSERT_OK(courier_.Send(hq, body_).status());
  const Bytes sealed = OnlyPending();
  ASSERT_OK_AND_ASSIGN(const envelope::Opened opened, OpenAs(hq, Today(), sealed));
  pb::Body parsed;
  ASSERT_TRUE(parsed.ParseFromString(AsString(opened.body)));
  EXPECT_EQ(parsed.checkin().code(), "crossed");
  EXPECT_EQ(parsed.seq(), 1u);
  EXPECT_TRUE(parsed.has_flags());
  EXPECT_EQ(opened.sender_public, me_.key_pair().public_key);

  ASSERT_OK_AND_ASSIGN(const envelope::Header header, envelope::ParseHeader(sealed));
  // Rounded up to the epoch: the relay must not learn when it was sealed.
  EXPECT_EQ(header.expires_at, envelope::RoundUpToEpoch(clock_.Now() + 3 * kDay));
  EXPECT_EQ(header.expires_at % kDay, 0u);
  EXPECT_EQ(db_.Int("SELECT expires_at FROM outbox"), int64_t(header.expires_at));
}

// Each chain of a pair counts on its own, from 1 (docs/protocol.md §4.6).
TEST_F(CourierTest, EachBodyCarriesThePairsNextNumberPerChain) {
  const Contact hq = AddHq(Today());
  for (int i = 0; i < 3; ++i) ASSERT_OK(courier_.Send(hq, body_).status());
  EXPECT_EQ(body_.seq(), 3u);
  ASSERT_OK(courier_.Send(hq, body_, std::nullopt, Courier::Chain::kDuress).status());
  EXPECT_EQ(body_.seq(), 1u);
  ASSERT_OK(courier_.Send(hq, body_).status());
  EXPECT_EQ(body_.seq(), 4u);
  EXPECT_EQ(db_.Int("SELECT send_seq FROM contacts"), 4);
  EXPECT_EQ(db_.Int("SELECT send_seq_duress FROM contacts"), 1);
}

TEST_F(CourierTest, AnOlderChainSealsUnderToday) {
  const Contact hq = AddHq(Today() - 4);
  ASSERT_OK(courier_.Send(hq, body_).status());
  ExpectSealedUnder(hq, Today(), OnlyPending());
}

// A decoy's chains start a day ahead; replying under today would be
// unreadable to it.
TEST_F(CourierTest, AChainAheadOfTodaySealsUnderTheChainsEpoch) {
  const Contact hq = AddHq(Today() + 2);
  ASSERT_OK(courier_.Send(hq, body_).status());
  ExpectSealedUnder(hq, Today() + 2, OnlyPending());
}

TEST_F(CourierTest, APeerAheadOfTodaySealsUnderThePeersEpoch) {
  const Contact hq = AddHq(Today() - 1, /*peer_epoch=*/Today() + 1);
  ASSERT_OK(courier_.Send(hq, body_).status());
  ExpectSealedUnder(hq, Today() + 1, OnlyPending());
}

TEST_F(CourierTest, TheLaterOfChainAndPeerEpochWins) {
  const Contact hq = AddHq(Today() + 3, /*peer_epoch=*/Today() + 1);
  ASSERT_OK(courier_.Send(hq, body_).status());
  ExpectSealedUnder(hq, Today() + 3, OnlyPending());
}

}  // namespace
}  // namespace waypost::node
