// Duress passphrases (docs/storage.md §3, SECURITY.md "Coercion"): the main
// store sets and replaces its one; the decoy adds its own, also when opened
// by one it added, without touching the main or the first duress slot; a
// passphrase that already opens a slot is refused; and changing or rotating
// a key, from either store, keeps every other passphrase working.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/node/node.h"
#include "tests/core/node/duress_fixture.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language
using ::testing::ElementsAre;

Secret Duress2() { return Secret::FromString("red umbrella"); }
Secret Third() { return Secret::FromString("green kettle"); }
Secret Fourth() { return Secret::FromString("yellow kettle"); }
Secret NewMain() { return Secret::FromString("battery staple"); }

Status::Code OpenCode(Peer& p, const Secret& pass) { return p.OpenWith(pass).code(); }

TEST_F(NodeDuressTest, DecoyCanAddItsOwnDuressPassphrase) {
  ASSERT_OK(alice_->CheckIn("crossed", "history", ""));
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  Status set = alice_->SetDuressPassphrase(Duress(), Third());
  ASSERT_OK(set);
  EXPECT_EQ(Which(alice_, Third()), "decoy");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(InboxOf(alice_).size(), 1u);
  // The main store refreshes the decoy as before; all three still work.
  ASSERT_OK(alice_->AddRelay(kRelay2));
  EXPECT_EQ(Which(alice_, Third()), "decoy");
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay, kRelay2));
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");

  // Again from the decoy: the main and the first duress passphrase survive.
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  set = alice_->SetDuressPassphrase(Duress(), Fourth());
  ASSERT_OK(set);
  EXPECT_EQ(Which(alice_, Fourth()), "decoy");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
}

// The captor opens with the passphrase the decoy itself added, and runs
// `duress set` once more: it must work as anywhere else (SECURITY.md: "all
// work as usual"), without touching the main or the first duress slot.
TEST_F(NodeDuressTest, DecoyOpenedWithItsOwnAddedPassphraseCanSetAnother) {
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_OK(alice_->SetDuressPassphrase(Duress(), Third()));
  ASSERT_EQ(Which(alice_, Third()), "decoy");
  Status set = alice_->SetDuressPassphrase(Third(), Fourth());
  EXPECT_OK(set);
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Third()), "decoy");  // the captor's earlier one keeps working
  if (set.ok()) {
    EXPECT_EQ(Which(alice_, Fourth()), "decoy");
  }
}

TEST_F(NodeDuressTest, MainStoreReplacesItsDuressPassphrase) {
  ASSERT_EQ(Which(alice_, Duress()), "decoy");
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  Status set = alice_->SetDuressPassphrase(Passphrase(), Duress2());
  ASSERT_OK(set);
  EXPECT_EQ(OpenCode(alice_, Duress()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, Duress2()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  // And once more: still one duress passphrase.
  set = alice_->SetDuressPassphrase(Passphrase(), Duress());
  ASSERT_OK(set);
  EXPECT_EQ(OpenCode(alice_, Duress2()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
}

TEST_F(NodeDuressTest, RefusesADuressPassphraseThatAlreadyOpensASlot) {
  auto code_of = [](const Status& s) { return s.code(); };
  // From the main store.
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Passphrase(), Passphrase())),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Passphrase(), Duress())),
            Status::Code::kInvalidArgument);
  // From the decoy.
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Duress(), Duress())),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Duress(), Passphrase())),
            Status::Code::kInvalidArgument);
  ASSERT_OK(alice_->SetDuressPassphrase(Duress(), Third()));
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Duress(), Third())),
            Status::Code::kInvalidArgument);
  // The decoy's extra passphrase opens a slot too.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  EXPECT_EQ(code_of(alice_->SetDuressPassphrase(Passphrase(), Third())),
            Status::Code::kInvalidArgument);
  // Nothing was changed by the refusals.
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Third()), "decoy");
}

TEST_F(NodeDuressTest, RotatingTheMainKeyKeepsTheDuressPassphrase) {
  ASSERT_OK(alice_->CheckIn("crossed", "history", ""));
  alice_.node.reset();
  Status changed =
      Node::ChangePassphrase(alice_.home, Passphrase(), NewMain(), true, clock_, alice_.random);
  ASSERT_OK(changed);
  EXPECT_EQ(OpenCode(alice_, Passphrase()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, NewMain()), "main");
  EXPECT_EQ(InboxOf(alice_).size(), 1u);
  ASSERT_OK(alice_->AddRelay(kRelay2));
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_TRUE(InboxOf(alice_).empty());
  // The main store still holds the decoy's key: its changes reach the decoy.
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay, kRelay2));
  EXPECT_EQ(Which(alice_, NewMain()), "main");
  // A plain change (no rotation) from the main store too.
  alice_.node.reset();
  changed =
      Node::ChangePassphrase(alice_.home, NewMain(), Passphrase(), false, clock_, alice_.random);
  ASSERT_OK(changed);
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
}

TEST_F(NodeDuressTest, RotatingFromTheDecoyOnlyRewrapsAndKeepsTheMainPassphrase) {
  ASSERT_OK(alice_->CheckIn("crossed", "history", ""));
  alice_.node.reset();
  Status changed =
      Node::ChangePassphrase(alice_.home, Duress(), Duress2(), true, clock_, alice_.random);
  ASSERT_OK(changed);
  EXPECT_EQ(OpenCode(alice_, Duress()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, Duress2()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
  EXPECT_EQ(InboxOf(alice_).size(), 1u);
  // The main store can still open and rewrite the decoy.
  ASSERT_OK(alice_->AddRelay(kRelay2));
  EXPECT_EQ(Which(alice_, Duress2()), "decoy");
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay, kRelay2));
  // The main store can still replace the duress passphrase.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  ASSERT_OK(alice_->SetDuressPassphrase(Passphrase(), Duress()));
  EXPECT_EQ(OpenCode(alice_, Duress2()), Status::Code::kWrongPassphrase);
  EXPECT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(Which(alice_, Passphrase()), "main");
}

}  // namespace
}  // namespace waypost::node
