// ContactBook::Mirror alone (core/node/contact_book.h), the decoy's side of
// a contact (docs/storage.md §3): written as the main store sees it, except
// that its only chain is the pair's duress chain, at the main store's epoch,
// never moved back; and with no write at all when nothing differs, so
// reading a store changes no byte of the decoy.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/envelope/keys.h"
#include "core/node/contact_book.h"
#include "core/random.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"
#include "tests/kit/vocabulary_print.h"

namespace waypost::node {
namespace {

using Tables = std::set<std::string>;

constexpr UnixTime kNow = 1'800'000'000;
constexpr envelope::Epoch kEpoch = 20'000;

Bytes BytesOf(const Secret& s) { return Bytes(s.view().begin(), s.view().end()); }

class ContactBookMirrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Secret tag(envelope::kKeySize), chain(envelope::kKeySize), key(PublicKey::kSize);
    random_.Fill(tag.span());
    random_.Fill(chain.span());
    random_.Fill(key.span());
    auto id = main_book_.Add({.name = "hq",
                              .public_key = PublicKey::From(key.view()).value(),
                              .role = Role::kCoordinator,
                              .state = ContactState::kActive,
                              .tag_key = tag.view(),
                              .chain_epoch = kEpoch,
                              .chain_key = &chain},
                             kNow);
    ASSERT_OK(id);
    hq_ = *id;
    ASSERT_OK(main_book_.Touch(hq_, kNow - 5));
  }

  Contact Main() { return main_book_.Get(hq_).value(); }
  // The decoy's copy of hq, found by key as Mirror finds it.
  Contact InDecoy() {
    auto found = decoy_book_.WithKey(Main().public_key);
    EXPECT_OK(found);
    EXPECT_TRUE(found.ok() && found->has_value()) << "hq is not in the decoy";
    return found.ok() && found->has_value() ? std::move(**found) : Contact{};
  }

  SeededRandom random_{12};
  testing::NodeDatabase main_{"main.db"};
  testing::NodeDatabase decoy_{"decoy.db"};
  ContactBook main_book_{main_.db()};
  ContactBook decoy_book_{decoy_.db()};
  ContactId hq_;
};

TEST_F(ContactBookMirrorTest, InsertsTheContactWithTheDuressChainAsItsOnlyChain) {
  const Contact hq = Main();
  ASSERT_FALSE(hq.duress_key.empty());
  EXPECT_EQ(hq.duress_epoch, kEpoch);
  EXPECT_EQ(BytesOf(hq.duress_key), BytesOf(envelope::DuressChainFrom(hq.chain_key)));
  ASSERT_OK(decoy_book_.Mirror(hq, kNow));
  const Contact copy = InDecoy();
  EXPECT_EQ(copy.name, "hq");
  EXPECT_EQ(copy.role, Role::kCoordinator);
  EXPECT_EQ(copy.state, ContactState::kActive);
  EXPECT_EQ(BytesOf(copy.tag_key), BytesOf(hq.tag_key));
  EXPECT_EQ(copy.last_seen, kNow - 5);
  // The same epoch as the main store's chains, not a day ahead.
  EXPECT_EQ(copy.chain_epoch, kEpoch);
  EXPECT_EQ(BytesOf(copy.chain_key), BytesOf(hq.duress_key));
  EXPECT_TRUE(copy.duress_key.empty());
  EXPECT_EQ(decoy_->TakeWrittenTables(), Tables{"contacts"});
}

// Whatever epoch it is at, the decoy's key is never the pair's chain.
TEST_F(ContactBookMirrorTest, TheDecoyNeverHoldsThePairsChain) {
  const Contact hq = Main();
  ASSERT_OK(decoy_book_.Mirror(hq, kNow));
  ASSERT_OK(decoy_book_.RatchetTo(kEpoch + 3));
  const Bytes held = BytesOf(InDecoy().chain_key);
  for (envelope::Epoch e = kEpoch; e <= kEpoch + 6; ++e) {
    EXPECT_NE(held, BytesOf(envelope::ChainAt(hq.chain_key, kEpoch, e))) << e;
  }
}

TEST_F(ContactBookMirrorTest, WritesNothingWhenNothingDiffers) {
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  (void)decoy_->TakeWrittenTables();
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow + 3600));
  EXPECT_EQ(decoy_->TakeWrittenTables(), Tables{});
}

TEST_F(ContactBookMirrorTest, UpdatesARowThatDiffers) {
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  (void)decoy_->TakeWrittenTables();

  ASSERT_OK(main_book_.SetState(hq_, ContactState::kPending));
  ASSERT_OK(main_book_.Touch(hq_, kNow + 60));
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  EXPECT_EQ(decoy_->TakeWrittenTables(), Tables{"contacts"});
  const Contact copy = InDecoy();
  EXPECT_EQ(copy.state, ContactState::kPending);
  EXPECT_EQ(copy.last_seen, kNow + 60);
  EXPECT_EQ(copy.chain_epoch, kEpoch);
}

// The main store ratchets both of its chains (forward secrecy); the decoy
// follows.
TEST_F(ContactBookMirrorTest, MovesTheChainForwardWhenTheMainStoreRatchets) {
  const Secret duress_then = Main().duress_key.Clone();
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  ASSERT_OK(main_book_.RatchetTo(kEpoch + 4));
  EXPECT_EQ(Main().chain_epoch, kEpoch + 4);
  EXPECT_EQ(Main().duress_epoch, kEpoch + 4);
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  const Contact copy = InDecoy();
  EXPECT_EQ(copy.chain_epoch, kEpoch + 4);
  EXPECT_EQ(BytesOf(copy.chain_key), BytesOf(envelope::ChainAt(duress_then, kEpoch, kEpoch + 4)));
}

// The decoy's chain may already be further on (the decoy ratchets when it is
// opened): it must not be handed an earlier key again.
TEST_F(ContactBookMirrorTest, NeverMovesAChainBack) {
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  ASSERT_OK(decoy_book_.RatchetTo(kEpoch + 5));
  const Bytes ahead = BytesOf(InDecoy().chain_key);
  (void)decoy_->TakeWrittenTables();

  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  EXPECT_EQ(decoy_->TakeWrittenTables(), Tables{});
  EXPECT_EQ(InDecoy().chain_epoch, kEpoch + 5);
  EXPECT_EQ(BytesOf(InDecoy().chain_key), ahead);
}

TEST_F(ContactBookMirrorTest, NeverMovesAChainBackEvenWhileUpdatingTheRest) {
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  ASSERT_OK(decoy_book_.RatchetTo(kEpoch + 5));
  ASSERT_OK(main_book_.Touch(hq_, kNow + 60));
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  const Contact copy = InDecoy();
  EXPECT_EQ(copy.last_seen, kNow + 60);
  EXPECT_EQ(copy.chain_epoch, kEpoch + 5);
  EXPECT_EQ(BytesOf(copy.chain_key),
            BytesOf(envelope::ChainAt(Main().duress_key, kEpoch, kEpoch + 5)));
}

TEST_F(ContactBookMirrorTest, ChangesNothingInTheMainStore) {
  (void)main_->TakeWrittenTables();
  ASSERT_OK(decoy_book_.Mirror(Main(), kNow));
  EXPECT_EQ(main_->TakeWrittenTables(), Tables{});
  EXPECT_EQ(Main().chain_epoch, kEpoch);
}

}  // namespace
}  // namespace waypost::node
