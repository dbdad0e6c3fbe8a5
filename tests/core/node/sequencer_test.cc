// Sequencer alone (core/node/sequencer.h): counting what is sent, noticing
// what never arrived, and reporting each hole once.
#include "core/node/sequencer.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/envelope/keys.h"
#include "core/node/contact_book.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

constexpr UnixTime kNow = 1'800'000'000;

class SequencerTest : public ::testing::Test {
 protected:
  SequencerTest() {
    Secret chain(envelope::kKeySize), tag(envelope::kKeySize);
    random_.Fill(chain.span());
    random_.Fill(tag.span());
    const noise::KeyPair peer = noise::KeyPair::Generate(random_);
    contact_ = ContactBook(db_.db())
                   .Add({.name = "hq",
                         .public_key = PublicKey::From(peer.public_key).value(),
                         .role = Role::kCoordinator,
                         .state = ContactState::kActive,
                         .tag_key = tag.view(),
                         .chain_epoch = 1,
                         .chain_key = &chain},
                        kNow)
                   .value();
  }

  std::vector<uint32_t> Missing(UnixTime cutoff, bool via_duress = false) {
    auto gaps = seq_.TakeGapsNoticedBy(cutoff);
    EXPECT_OK(gaps);
    for (const Sequencer::Gap& g : *gaps) {
      if (g.contact == contact_ && g.via_duress == via_duress) return g.missing;
    }
    return {};
  }

  SeededRandom random_{5};
  testing::NodeDatabase db_;
  Sequencer seq_{db_.db()};
  ContactId contact_;
};

TEST_F(SequencerTest, EachChainCountsFromOne) {
  EXPECT_EQ(seq_.Next(contact_, false).value(), 1u);
  EXPECT_EQ(seq_.Next(contact_, false).value(), 2u);
  EXPECT_EQ(seq_.Next(contact_, true).value(), 1u);
  EXPECT_EQ(seq_.Next(contact_, false).value(), 3u);
  EXPECT_STATUS(seq_.Next(ContactId{999}, false), Status::Code::kCorrupt);
}

TEST_F(SequencerTest, HolesAreThoseBelowTheHighestNotYetSeen) {
  ASSERT_OK(seq_.Received(contact_, false, 1, kNow));
  ASSERT_OK(seq_.Received(contact_, false, 5, kNow));
  ASSERT_OK(seq_.Received(contact_, false, 3, kNow + 10));  // late: fills its hole
  ASSERT_OK(seq_.Received(contact_, false, 3, kNow + 20));  // again: nothing
  ASSERT_OK(seq_.Received(contact_, false, 0, kNow));       // unnumbered: ignored
  EXPECT_TRUE(Missing(kNow - 1).empty()) << "nothing noticed before kNow";
  EXPECT_EQ(Missing(kNow), (std::vector<uint32_t>{2, 4}));
  EXPECT_TRUE(Missing(kNow + 100).empty()) << "each hole is reported once";
}

TEST_F(SequencerTest, TheChainsAreApart) {
  ASSERT_OK(seq_.Received(contact_, false, 2, kNow));
  ASSERT_OK(seq_.Received(contact_, true, 3, kNow));
  auto gaps = seq_.TakeGapsNoticedBy(kNow);
  ASSERT_OK(gaps);
  ASSERT_EQ(gaps->size(), 2u);
  EXPECT_FALSE((*gaps)[0].via_duress);
  EXPECT_EQ((*gaps)[0].missing, (std::vector<uint32_t>{1}));
  EXPECT_TRUE((*gaps)[1].via_duress);
  EXPECT_EQ((*gaps)[1].missing, (std::vector<uint32_t>{1, 2}));
}

// A contact cannot make a receiver store millions of holes with one number.
TEST_F(SequencerTest, AHugeJumpListsOnlyTheLastHolesBelowIt) {
  ASSERT_OK(seq_.Received(contact_, false, 4'000'000'000u, kNow));
  const std::vector<uint32_t> missing = Missing(kNow);
  ASSERT_EQ(missing.size(), Sequencer::kMaxHoles);
  EXPECT_EQ(missing.front(), 4'000'000'000u - Sequencer::kMaxHoles);
  EXPECT_EQ(missing.back(), 4'000'000'000u - 1);
}

TEST_F(SequencerTest, RemovingTheContactRemovesItsHoles) {
  ASSERT_OK(seq_.Received(contact_, false, 9, kNow));
  ASSERT_OK(ContactBook(db_.db()).Remove(contact_));
  EXPECT_EQ(db_.Int("SELECT count(*) FROM seq_holes"), 0);
}

}  // namespace
}  // namespace waypost::node
