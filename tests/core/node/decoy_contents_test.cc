// What the decoy holds (docs/storage.md §3, SECURITY.md "Coercion"): only
// what a captor may see (the same self, the coordinators, relays and
// settings, no history, no record of what the main store has seen); nothing
// the pair's chain sealed is readable, past or future, while replies to its
// own messages arrive under the duress chain; and what it copied from the
// main store behaves as the main store's own rows do.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/envelope/format.h"
#include "core/node/node.h"
#include "tests/core/node/duress_fixture.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;           // NOLINT: the fixture language
using namespace duress_fixture;  // NOLINT: the fixture language
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

int64_t Count(Peer& p, const std::string& table) {
  return CountOf(p, "SELECT count(*) FROM " + table);
}

// The content ids a sync tells a relay it holds (as reconciliation records).
std::vector<Bytes> HaveOf(Peer& p) {
  auto scope = p->SyncScope();
  EXPECT_OK(scope);
  std::vector<Bytes> out;
  if (scope.ok()) {
    for (const sync::NegItem& item : scope->held) out.emplace_back(item.id.begin(), item.id.end());
  }
  return out;
}

TEST_F(NodeDuressTest, DecoyShowsOnlyWhatACaptorMaySee) {
  Peer hq{"hq", Role::kCoordinator, clock_, 3};
  Peer bob{"bob", Role::kHelper, clock_, 4};
  ASSERT_OK(hq->AddRelay(kRelay2));
  Enroll(hq, alice_);  // a second coordinator, with a second relay
  // A helper alice invited herself: a contact that is not a coordinator.
  auto code = alice_->CreateInvite("", 3600);
  ASSERT_OK(code);
  ASSERT_OK(bob->Join(*code));
  EXPECT_EQ(Sync(bob, alice_).accepted, 1);
  EXPECT_EQ(Sync(alice_, bob).accepted, 1);
  ASSERT_OK(alice_->CreateInvite("carol", 3600));  // still open

  // History both ways.
  Relay relay;
  ASSERT_OK(alice_->CheckIn("crossed", "secret route", ""));
  relay.Take(alice_);
  EXPECT_EQ(relay.Give(coord_).accepted, 1u);
  EXPECT_EQ(relay.Give(hq).accepted, 1u);
  clock_.Advance(600);
  ASSERT_OK(coord_->SendText("alice", "stay at the safe house"));
  relay.Take(coord_);
  relay.Take(hq);
  EXPECT_EQ(relay.Give(alice_).accepted, 3u);  // a text and two receipts
  ASSERT_OK(alice_->SendText("bob", "meet at noon"));
  relay.Take(alice_);
  EXPECT_GE(relay.Give(bob).accepted, 1u);
  ASSERT_OK(alice_->SetRetention(7 * kDay));
  ASSERT_OK(alice_->SetDeliveryWindow(10));
  // Under duress the laptop must reach relays the same way: through Tor.
  ASSERT_OK(alice_->SetProxy("socks5://127.0.0.1:9050"));

  const SelfInfo self = alice_->self();
  const std::vector<ContactInfo> contacts = ContactsOf(alice_);
  ASSERT_EQ(contacts.size(), 3u);
  const std::vector<std::string> relays = alice_->Relays().value();
  EXPECT_EQ(relays.size(), 2u);
  const NodeSettings settings = alice_->settings();
  const std::vector<Bytes> have = HaveOf(alice_);
  EXPECT_FALSE(have.empty());
  EXPECT_GE(InboxOf(alice_).size(), 4u);
  EXPECT_EQ(Count(alice_, "invites"), 2);  // carol's, and bob's: used, kept until it expires

  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_EQ(Kind(alice_), "decoy");
  EXPECT_EQ(alice_->self().name, self.name);
  EXPECT_EQ(alice_->self().fingerprint, self.fingerprint);
  EXPECT_EQ(alice_->self().role, self.role);
  EXPECT_EQ(alice_->self().public_key, self.public_key);

  std::vector<ContactInfo> coordinators;
  for (const ContactInfo& c : contacts) {
    if (c.role == Role::kCoordinator) coordinators.push_back(c);
  }
  ASSERT_EQ(coordinators.size(), 2u);
  const std::vector<ContactInfo> seen = ContactsOf(alice_);
  ASSERT_EQ(seen.size(), 2u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].name, coordinators[i].name);
    EXPECT_EQ(seen[i].fingerprint, coordinators[i].fingerprint);
    EXPECT_EQ(seen[i].role, Role::kCoordinator);
    EXPECT_EQ(seen[i].state, coordinators[i].state);
    EXPECT_EQ(seen[i].last_seen, coordinators[i].last_seen) << seen[i].name;
  }
  EXPECT_TRUE(InboxOf(alice_).empty());
  EXPECT_EQ(alice_->Relays().value(), relays);
  EXPECT_EQ(alice_->settings().retention_seconds, settings.retention_seconds);
  EXPECT_EQ(alice_->settings().delivery_window_epochs, settings.delivery_window_epochs);
  EXPECT_EQ(alice_->settings().proxy, "socks5://127.0.0.1:9050");
  EXPECT_TRUE(HaveOf(alice_).empty()) << "the decoy tells that a history exists";
  EXPECT_EQ(Count(alice_, "seen"), 0);
  EXPECT_EQ(Count(alice_, "messages"), 0);
  EXPECT_EQ(Count(alice_, "invites"), 0);
  EXPECT_EQ(Count(alice_, "outbox"), 0);
  EXPECT_EQ(Count(alice_, "alerts"), 0);
  EXPECT_EQ(alice_->SendText("bob", "hello?").status().code(), Status::Code::kNotFound);
  // It still works like a store: a check-in goes to both coordinators.
  auto ids = alice_->CheckIn("crossed", "", "");
  ASSERT_OK(ids);
  EXPECT_EQ(ids->size(), 2u);
}

TEST_F(NodeDuressTest, DecoyReadsNothingThePairsChainSealedButReadsRepliesToItsOwn) {
  Relay relay;
  // Before the captor: a text the main store took in ...
  ASSERT_OK(coord_->SendText("alice", "read before"));
  const std::vector<Bytes> read_before = relay.Take(coord_);
  ASSERT_EQ(read_before.size(), 1u);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);
  // ... a check-in, whose receipt and a later text stay on the relay.
  const std::string old_id = CheckInVia(alice_, coord_, relay, "crossed", "before");
  ASSERT_OK(coord_->SendText("alice", "never fetched"));
  const std::vector<Bytes> held = relay.Take(coord_);
  ASSERT_EQ(held.size(), 2u);  // the receipt and the text

  clock_.Advance(3600);
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  ASSERT_EQ(Kind(alice_), "decoy");
  // The relay would hand all of them over: they carry today's tag.
  EXPECT_EQ(Fetch(alice_, relay.pool).size(), read_before.size() + held.size());
  for (const Bytes& env : read_before) {
    auto r = alice_->Ingest(env);
    ASSERT_OK(r);
    EXPECT_EQ(*r, IngestOutcome::kNotOurs);  // sealed under the pair's chain
  }
  for (const Bytes& env : held) {
    auto r = alice_->Ingest(env);
    ASSERT_OK(r);
    EXPECT_EQ(*r, IngestOutcome::kNotOurs);  // sealed under a chain key the decoy lacks
  }
  IngestCounts counts = relay.Give(alice_);
  EXPECT_EQ(counts.accepted, 0u);
  EXPECT_EQ(counts.rejected, 0u);
  EXPECT_TRUE(InboxOf(alice_).empty());

  // The decoy's own check-in: delivered, then confirmed.
  auto ids = alice_->CheckIn("crossed", "decoy", "");
  ASSERT_OK(ids);
  ASSERT_EQ(ids->size(), 1u);
  const std::string id = ids->front();
  relay.Take(alice_);
  EXPECT_EQ(relay.Give(coord_).accepted, 1u);
  EXPECT_TRUE(ArrivedFlagged(coord_, id));
  relay.Take(coord_);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);
  ASSERT_TRUE(FindMessage(alice_, id).has_value());
  EXPECT_EQ(FindMessage(alice_, id)->state, MessageState::kDelivered);
  ASSERT_OK(coord_->Confirm(id));
  relay.Take(coord_);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);
  EXPECT_EQ(FindMessage(alice_, id)->state, MessageState::kConfirmed);
  // A text the coordinator sends now goes under the pair's chain: the decoy
  // cannot read it (docs/protocol.md §4.3), and says nothing about it.
  ASSERT_OK(coord_->SendText("alice", "where are you?"));
  relay.Take(coord_);
  counts = relay.Give(alice_);
  EXPECT_EQ(counts.accepted, 0u);
  EXPECT_EQ(counts.rejected, 0u);
  std::vector<std::string> texts;
  for (const MessageInfo& m : InboxOf(alice_))
    texts.push_back(std::string(NameOf(m.direction)) + ":" + m.text);
  EXPECT_THAT(texts, ElementsAre("out:decoy"));

  // The main store still reads what the decoy could not.
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));
  EXPECT_EQ(FindMessage(alice_, old_id)->state, MessageState::kRelayed);
  IngestCounts main_counts = relay.Give(alice_);
  EXPECT_EQ(main_counts.rejected, 0u);
  EXPECT_EQ(FindMessage(alice_, old_id)->state, MessageState::kDelivered);
  bool never_fetched = false, where = false, decoys = false;
  for (const MessageInfo& m : InboxOf(alice_)) {
    never_fetched |= m.text == "never fetched";
    where |= m.text == "where are you?";
    decoys |= m.text == "decoy";
  }
  EXPECT_TRUE(never_fetched);
  EXPECT_TRUE(where);
  // The coordinator's replies to the decoy are the decoy's: the main store
  // takes none of them in, and what the decoy sent is not in its history.
  EXPECT_FALSE(decoys);
}

// ------------------------------------------- the decoy behaves like a store

// What the decoy copied from the main store must behave as the main store's
// own rows do: adding a relay it already lists changes nothing.
TEST_F(NodeDuressTest, DecoyRelaysBehaveLikeTheMainStores) {
  ASSERT_OK(alice_->AddRelay(kRelay));
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay));
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay));
  ASSERT_OK(alice_->AddRelay(kRelay));
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay));
  ASSERT_OK(alice_->AddRelay(kRelay2));
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay, kRelay2));
  ASSERT_OK(alice_->RemoveRelay(kRelay));
  EXPECT_THAT(alice_->Relays().value(), ElementsAre(kRelay2));
}

// A relay removed from the main store is gone from the decoy too, so that a
// captor who opens the decoy sees the relays the owner uses now.
TEST_F(NodeDuressTest, ARelayRemovedIsGoneFromTheDecoyToo) {
  ASSERT_OK(alice_->AddRelay(kRelay2));
  ASSERT_OK(alice_->RemoveRelay(kRelay2));
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  const std::vector<std::string> relays = alice_->Relays().value();
  EXPECT_THAT(relays, Not(Contains(kRelay2)));
}

// The decoy inherits no content ids from the main store: they would tell a
// captor that a history exists, and it needs none, since it can open
// nothing the pair's chain sealed. It keeps its own, as any store does.
TEST_F(NodeDuressTest, DecoyInheritsNoSeenIdsAndKeepsItsOwn) {
  Relay relay;
  ASSERT_OK(coord_->SendText("alice", "hello"));
  relay.Take(coord_);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);
  ASSERT_GE(HaveOf(alice_).size(), 2u);  // the welcome and the text
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_TRUE(HaveOf(alice_).empty());

  auto ids = alice_->CheckIn("ok", "", "");
  ASSERT_OK(ids);
  relay.Take(alice_);
  EXPECT_EQ(relay.Give(coord_).accepted, 1u);
  relay.Take(coord_);
  EXPECT_EQ(relay.Give(alice_).accepted, 1u);  // the receipt, under the duress chain
  EXPECT_EQ(HaveOf(alice_).size(), 1u);
  ASSERT_TRUE(OpenAs(alice_, Passphrase()));  // a main open rewrites the decoy ...
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_EQ(HaveOf(alice_).size(), 1u);  // ... and leaves its own ids alone
}

// Settings the decoy changes itself hold in the decoy (until the main store
// next rewrites it), as they would in any store.
TEST_F(NodeDuressTest, DecoySettingsBehaveLikeTheMainStores) {
  ASSERT_OK(alice_->SetRetention(7 * kDay));
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_EQ(alice_->settings().retention_seconds, std::optional<int64_t>(7 * kDay));
  ASSERT_OK(alice_->SetRetention(std::nullopt));
  ASSERT_OK(alice_->SetDeliveryWindow(3));
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_FALSE(alice_->settings().retention_seconds.has_value());
  EXPECT_EQ(alice_->settings().delivery_window_epochs, 3);
  ASSERT_OK(alice_->SetRetention(2 * kDay));
  ASSERT_TRUE(OpenAs(alice_, Duress()));
  EXPECT_EQ(alice_->settings().retention_seconds, std::optional<int64_t>(2 * kDay));
}

}  // namespace
}  // namespace waypost::node
