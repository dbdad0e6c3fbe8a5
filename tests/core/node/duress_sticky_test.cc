// The duress state of the main store (docs/storage.md §3, SECURITY.md
// "Coercion"): once the decoy was used, or found deleted or replaced, every
// normal unlock flags what it sends, until the coordinator's Ack reaches the
// main store. The decoy takes the Ack in silently, and its copy counts for
// nothing; an Ack from a contact that is not a coordinator changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/node/node.h"
#include "core/store/home.h"
#include "tests/core/node/duress_fixture.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language
using ::testing::ElementsAre;

// The path of the decoy database: the file the main passphrase does not open.
std::string DecoyPath(const std::string& home) {
  std::string main_path;
  {
    auto opened = store::OpenStore(home, Passphrase());
    EXPECT_OK(opened);
    if (!opened.ok()) return "";
    auto path = store::DatabasePathForKey(home, opened->key);
    EXPECT_OK(path);
    if (!path.ok()) return "";
    main_path = *path;
  }
  for (int i = 0; i < 2; ++i) {
    if (store::DatabasePath(home, i) != main_path) return store::DatabasePath(home, i);
  }
  return "";
}

TEST_F(NodeDuressTest, DuressStateIsStickyUntilTheCoordinatorsAckReachesTheMainStore) {
  // bob joined alice's invite: alice is his coordinator, he is not hers.
  Peer bob{"bob", Role::kHelper, clock_, 3};
  auto code = alice_->CreateInvite("", 3600);
  ASSERT_OK(code);
  ASSERT_OK(bob->Join(*code));
  EXPECT_EQ(Sync(bob, alice_).accepted, 1);
  EXPECT_EQ(Sync(alice_, bob).accepted, 1);

  Relay relay;
  const std::string before = CheckInVia(alice_, coord_, relay, "ok");
  ASSERT_FALSE(before.empty());
  EXPECT_FALSE(FindMessage(coord_, before)->duress);

  // The captor checks in from the decoy and syncs.
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  const std::string captor = CheckInVia(alice_, coord_, relay, "crossed", "captor");
  EXPECT_TRUE(ArrivedFlagged(coord_, captor));
  relay.Take(coord_);
  EXPECT_GE(relay.Give(alice_).accepted, 1u);  // the receipt

  // Every normal unlock from then on flags what it sends.
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(3600);
    ASSERT_TRUE(OpenAs(alice_, Passphrase()));
    ASSERT_EQ(Kind(alice_), "main");
    const std::string id = CheckInVia(alice_, coord_, relay, "ok", "open " + std::to_string(i));
    EXPECT_TRUE(ArrivedFlagged(coord_, id)) << "open " << i;
  }
  auto text = alice_->SendText("base", "fine, really");
  ASSERT_OK(text);
  relay.Take(alice_);
  relay.Give(coord_);
  EXPECT_TRUE(ArrivedFlagged(coord_, *text));
  EXPECT_EQ(coord_->Alerts(true)->size(), 1u);

  // An Ack from a contact that is not alice's coordinator changes nothing.
  ASSERT_OK(alice_->SendText("bob", "are you there?"));
  relay.Take(alice_);
  EXPECT_EQ(relay.Give(bob).accepted, 1u);
  auto bob_alerts = bob->Alerts(true);
  ASSERT_OK(bob_alerts);
  ASSERT_EQ(bob_alerts->size(), 1u);  // bob saw the flag, too
  auto bob_ack = bob->Ack("alice", "");
  ASSERT_OK(bob_ack);
  const std::vector<Bytes> from_bob = relay.Take(bob);
  ASSERT_EQ(from_bob.size(), 2u);  // the receipt for the text, and the Ack
  EXPECT_EQ(alice_->IngestAll(from_bob)->accepted, 2u);
  const std::string after_bob = CheckInVia(alice_, coord_, relay, "ok", "after bob's ack");
  EXPECT_TRUE(ArrivedFlagged(coord_, after_bob));
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  const std::string after_bob2 = CheckInVia(alice_, coord_, relay, "ok", "reopened");
  EXPECT_TRUE(ArrivedFlagged(coord_, after_bob2));

  // The coordinator acks. Everything else it had queued goes first.
  relay.Take(coord_);
  relay.Give(alice_);
  auto acked = coord_->Ack("alice", "called her sister");
  ASSERT_OK(acked);
  ASSERT_EQ(acked->size(), 1u);
  const std::vector<Bytes> ack = Upload(coord_);
  ASSERT_EQ(ack.size(), 1u);

  // The decoy cannot even open the Ack (the pair's chain seals it), and
  // shows nothing.
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  const std::vector<MessageInfo> decoy_inbox = InboxOf(alice_);
  const std::vector<ContactInfo> decoy_contacts = ContactsOf(alice_);
  ASSERT_OK_AND_ASSIGN(IngestCounts in_decoy, alice_->IngestAll(ack));
  EXPECT_EQ(in_decoy.rejected, 0u);
  EXPECT_EQ(in_decoy.accepted, 0u);
  EXPECT_EQ(in_decoy.not_ours, 1u);
  const std::vector<MessageInfo> decoy_after = InboxOf(alice_);
  ASSERT_EQ(decoy_after.size(), decoy_inbox.size());
  for (size_t i = 0; i < decoy_after.size(); ++i) {
    EXPECT_EQ(decoy_after[i].id, decoy_inbox[i].id);
    EXPECT_EQ(decoy_after[i].state, decoy_inbox[i].state);
  }
  EXPECT_EQ(ContactsOf(alice_).size(), decoy_contacts.size());
  EXPECT_TRUE(alice_->Alerts(false)->empty());
  const std::string from_decoy = CheckInVia(alice_, coord_, relay, "crossed", "decoy after ack");
  EXPECT_TRUE(ArrivedFlagged(coord_, from_decoy));
  // The next main open still flags: the decoy had no way to take the Ack in.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  const std::string still = CheckInVia(alice_, coord_, relay, "ok", "still flagged");
  EXPECT_TRUE(ArrivedFlagged(coord_, still));

  // Only the main store taking the Ack in ends the state, for good.
  ASSERT_OK_AND_ASSIGN(IngestCounts in_main, alice_->IngestAll(ack));
  EXPECT_EQ(in_main.accepted, 1u);
  const std::string clear = CheckInVia(alice_, coord_, relay, "ok", "safe");
  auto m = FindMessage(coord_, clear);
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->duress);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(OpenAs(alice_, Passphrase()));
    const std::string later = CheckInVia(alice_, coord_, relay, "ok", "later");
    ASSERT_TRUE(FindMessage(coord_, later).has_value());
    EXPECT_FALSE(FindMessage(coord_, later)->duress) << i;
  }
}

// ------------------------------------------------------- a tampered decoy

enum class Tamper { kDelete, kReplace };

class NodeDuressTamperTest : public NodeDuressTest, public ::testing::WithParamInterface<Tamper> {};

TEST_P(NodeDuressTamperTest, NextMainOpenEntersDuressAndRecreatesTheDecoy) {
  Relay relay;
  const std::string before = CheckInVia(alice_, coord_, relay, "ok", "before");
  ASSERT_FALSE(before.empty());
  EXPECT_FALSE(FindMessage(coord_, before)->duress);

  const SelfInfo self = alice_->self();
  alice_.node.reset();
  const std::string path = DecoyPath(alice_.home);
  ASSERT_FALSE(path.empty());
  const Bytes original = waypost::testing::ReadAll(path);
  ASSERT_FALSE(original.empty());
  if (GetParam() == Tamper::kDelete) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      std::filesystem::remove(path + suffix);
    }
  } else {
    Bytes junk(original.size());
    SeededRandom(77).Fill(junk);
    waypost::testing::WriteAll(path, junk);
  }

  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  ASSERT_EQ(Kind(alice_), "main");
  EXPECT_EQ(InboxOf(alice_).size(), 1u);
  const std::string after = CheckInVia(alice_, coord_, relay, "ok", "after");
  EXPECT_TRUE(ArrivedFlagged(coord_, after));
  EXPECT_EQ(coord_->Alerts(true)->size(), 1u);

  // A decoy is there again, under the same duress passphrase.
  EXPECT_TRUE(std::filesystem::exists(path));
  ASSERT_EQ(Which(alice_, Duress()), "decoy");
  EXPECT_EQ(alice_->self().fingerprint, self.fingerprint);
  EXPECT_EQ(alice_->self().name, self.name);
  EXPECT_EQ(alice_->self().role, self.role);
  EXPECT_THAT(ContactsOf(alice_), ElementsAre(::testing::Field(&ContactInfo::name, "base")));
  EXPECT_TRUE(InboxOf(alice_).empty());
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay));
  // The state is sticky as after any duress use.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  const std::string later = CheckInVia(alice_, coord_, relay, "ok", "later");
  EXPECT_TRUE(ArrivedFlagged(coord_, later));
}

INSTANTIATE_TEST_SUITE_P(DeletedOrReplaced, NodeDuressTamperTest,
                         ::testing::Values(Tamper::kDelete, Tamper::kReplace),
                         [](const ::testing::TestParamInfo<Tamper>& info) {
                           return info.param == Tamper::kDelete ? std::string("Deleted")
                                                                : std::string("Replaced");
                         });

}  // namespace
}  // namespace waypost::node
