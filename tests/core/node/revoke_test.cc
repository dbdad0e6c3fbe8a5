// Revocation (docs/protocol.md §11.6): a revoked helper is sent nothing
// more, whatever arrives from it shows as revoked and counts for nothing,
// and unless quiet its admission key leaves the team's ring, so a relay
// that serves the team refuses it while the others go on with no step of
// their own.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/team/team_state.h"
#include "tests/kit/memory_relay.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language
using testing::MemoryDialer;
using testing::MemoryRelay;

constexpr int64_t kHour = 3600;

class RevokeTest : public NodeTest {
 protected:
  void SetUp() override {
    Enroll(coord_, alice_);
    Enroll(coord_, bob_);
  }

  std::optional<BoardEntry> BoardOf(const std::string& name) { return BoardLineOf(coord_, name); }

  // The incoming messages from `name` at the coordinator.
  std::vector<MessageInfo> From(const std::string& name) { return InboxFrom(coord_, name); }

  // Outbox rows addressed to the contact named `name`.
  int64_t OutboxFor(const std::string& name) {
    return CountOf(coord_,
                   "SELECT count(*) FROM outbox WHERE contact_id = (SELECT id FROM contacts "
                   "WHERE name = '" +
                       name + "')");
  }

  team::TeamRoster RosterOf(Peer& p) {
    auto material = p->TeamMaterial();
    EXPECT_OK(material);
    if (!material.ok() || !*material) return {};
    auto parsed = team::SignedTeamState::Parse((*material)->roster);
    EXPECT_OK(parsed);
    return parsed.ok() ? parsed->roster() : team::TeamRoster{};
  }

  team::RingPoint RingKeyOf(Peer& p) {
    auto material = p->TeamMaterial();
    EXPECT_OK(material);
    return material.ok() && *material && (*material)->key ? (*material)->key->public_key
                                                          : team::RingPoint{};
  }

  Peer bob_{"bob", Role::kHelper, clock_, 3};
};

// The spec's example: a check-in sealed before the revocation that arrives
// after it shows as revoked, is not the last check-in, meets no deadline
// and is not answered.
TEST_F(RevokeTest, ACheckInSealedBeforeButArrivingAfterShowsRevokedAndCountsForNothing) {
  ASSERT_OK(coord_->Expect("alice", 6 * kHour, std::nullopt, 900));
  Sync(coord_, alice_);
  ASSERT_OK(alice_->CheckIn("ok", "", ""));
  Sync(alice_, coord_);
  ASSERT_EQ(BoardOf("alice")->last_code, "ok");

  clock_.Advance(kHour);
  ASSERT_OK(alice_->CheckIn("crossed", "all well", ""));
  const std::vector<Bytes> sealed = Upload(alice_);  // on its way, not yet in
  ASSERT_OK_AND_ASSIGN(const Node::Revocation r, coord_->Revoke("alice", /*quiet=*/false));
  EXPECT_EQ(r.name, "alice");
  EXPECT_FALSE(r.already);
  EXPECT_TRUE(r.cut_off);
  EXPECT_EQ(IngestAll(coord_, Fetch(coord_, sealed)).accepted, 1);

  const std::vector<MessageInfo> in = From("alice");
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].state, MessageState::kReceived);  // from before: as it was
  EXPECT_EQ(in[1].state, MessageState::kRevoked);
  EXPECT_EQ(in[1].code, "crossed");
  EXPECT_EQ(in[1].text, "all well");
  const std::optional<BoardEntry> alice = BoardOf("alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->state, BoardState::kRevoked);
  EXPECT_EQ(alice->last_code, "ok") << "a revoked check-in is never the last check-in";
  EXPECT_FALSE(alice->due_at.has_value());
  EXPECT_EQ(OutboxFor("alice"), 0) << "no receipt goes back";
  // Long past the deadline: never overdue, no alert.
  clock_.Advance(3 * kDay);
  EXPECT_EQ(BoardOf("alice")->state, BoardState::kRevoked);
  ASSERT_OK_AND_ASSIGN(const std::vector<AlertInfo> alerts, coord_->Alerts(false, true));
  EXPECT_TRUE(alerts.empty());
  // Bob is untouched.
  EXPECT_EQ(BoardOf("bob")->state, BoardState::kOk);
}

// A captor with the duress passphrase checks in from the revoked device:
// it shows (flagged), but raises nothing.
TEST_F(RevokeTest, DuressFromARevokedDeviceShowsButRaisesNothing) {
  const Secret duress = Secret::FromString("blue umbrella");
  ASSERT_OK(alice_->SetDuressPassphrase(Passphrase(), duress));
  ASSERT_OK(coord_->Revoke("alice", /*quiet=*/true));
  ASSERT_OK(alice_.OpenWith(duress));
  ASSERT_OK(alice_->CheckIn("crossed", "", ""));
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  const std::vector<MessageInfo> in = From("alice");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].state, MessageState::kRevoked);
  EXPECT_TRUE(in[0].duress);
  ASSERT_OK_AND_ASSIGN(const std::vector<AlertInfo> alerts, coord_->Alerts(false));
  EXPECT_TRUE(alerts.empty());
  EXPECT_EQ(BoardOf("alice")->state, BoardState::kRevoked);
}

TEST_F(RevokeTest, NothingIsSentToARevokedHelper) {
  ASSERT_OK(alice_->CheckIn("ok", "", ""));
  Sync(alice_, coord_);
  Sync(coord_, alice_);  // the receipt
  const std::string checkin = From("alice").at(0).id;
  ASSERT_OK_AND_ASSIGN(const std::string queued, coord_->SendText("alice", "stay put"));
  ASSERT_GT(OutboxFor("alice"), 0);

  ASSERT_OK_AND_ASSIGN(const Node::Revocation r, coord_->Revoke("alice", /*quiet=*/true));
  EXPECT_FALSE(r.cut_off);
  EXPECT_EQ(r.withdrawn, 1u);
  EXPECT_EQ(OutboxFor("alice"), 0);
  for (const MessageInfo& m : InboxOf(coord_)) {
    if (m.id == queued) {
      EXPECT_EQ(m.state, MessageState::kFailed);
    }
  }
  const std::string before = Snapshot(coord_);
  for (const Status& refused :
       {coord_->SendText("alice", "hello").status(), coord_->Confirm(checkin, "").status(),
        coord_->Expect("alice", 6 * kHour, std::nullopt, 900).status()}) {
    EXPECT_EQ(refused.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(refused.message().find("revoked: nothing is sent to it"), std::string::npos)
        << refused.message();
  }
  EXPECT_EQ(Snapshot(coord_), before);
  // A codebook change reaches bob, not alice.
  ASSERT_OK(coord_->AddCode("held", "held at the border", true));
  EXPECT_EQ(OutboxFor("alice"), 0);
  EXPECT_GT(OutboxFor("bob"), 0);
  // And what alice sends is not answered.
  ASSERT_OK(alice_->CheckIn("ok", "", ""));
  Sync(alice_, coord_);
  EXPECT_EQ(OutboxFor("alice"), 0);
}

TEST_F(RevokeTest, TheKeyLeavesTheRingUnlessQuietAndRevokingAgainCompletesIt) {
  ASSERT_OK_AND_ASSIGN(const Bytes v_before, coord_->ExportTeam());
  const team::RingPoint alice_key = RingKeyOf(alice_);
  const team::RingPoint bob_key = RingKeyOf(bob_);
  ASSERT_TRUE(RosterOf(coord_).HasRingMember(alice_key));

  ASSERT_OK(coord_->Revoke("alice", /*quiet=*/true));
  ASSERT_OK_AND_ASSIGN(const Bytes v_quiet, coord_->ExportTeam());
  EXPECT_EQ(v_quiet, v_before) << "quiet: the relays see no change";

  ASSERT_OK_AND_ASSIGN(const Node::Revocation full, coord_->Revoke("ALICE", /*quiet=*/false));
  EXPECT_TRUE(full.already);
  EXPECT_TRUE(full.cut_off);
  ASSERT_OK_AND_ASSIGN(const Bytes v_full, coord_->ExportTeam());
  ASSERT_OK_AND_ASSIGN(const team::SignedTeamState before, team::SignedTeamState::Parse(v_before));
  ASSERT_OK_AND_ASSIGN(const team::SignedTeamState after, team::SignedTeamState::Parse(v_full));
  EXPECT_OK(team::VerifySuccessor(before, after)) << "a relay and bob take it";
  EXPECT_EQ(after.roster().version, before.roster().version + 1);
  EXPECT_FALSE(after.roster().HasRingMember(alice_key));
  EXPECT_TRUE(after.roster().HasRingMember(bob_key));
  EXPECT_EQ(after.roster().ring.size(), before.roster().ring.size() - 1);
  // Kept, marked cut: no roster this coordinator signs brings it back
  // (docs/protocol.md §12.3).
  EXPECT_EQ(CountOf(coord_,
                    "SELECT count(*) FROM ring_members WHERE cut = 0 AND contact_id = (SELECT id "
                    "FROM contacts WHERE name = 'alice')"),
            0);

  // Once more changes nothing.
  ASSERT_OK_AND_ASSIGN(const Node::Revocation again, coord_->Revoke("alice", false));
  EXPECT_TRUE(again.already);
  EXPECT_FALSE(again.cut_off);
  EXPECT_EQ(coord_->ExportTeam().value(), v_full);
  EXPECT_EQ(ContactsOf(coord_).at(0).state, ContactState::kRevoked);
}

TEST_F(RevokeTest, OnlyACoordinatorRevokesAndOnlyAHelper) {
  const std::string before = Snapshot(alice_);
  EXPECT_STATUS(alice_->Revoke("base", false), Status::Code::kInvalidArgument);
  EXPECT_EQ(Snapshot(alice_), before);
  EXPECT_STATUS(coord_->Revoke("nobody", false), Status::Code::kNotFound);
}

// A revoked key never comes back: a join request from it enrolls nobody,
// and the invite it used is spent on it. (Waypost itself will not join a
// coordinator it is enrolled with; a captor's altered copy forgets it.)
TEST_F(RevokeTest, ARevokedKeyCannotJoinAgain) {
  ASSERT_OK(coord_->Revoke("alice", false));
  ASSERT_OK_AND_ASSIGN(const Bytes roster, coord_->ExportTeam());
  const std::string code = InviteFrom(coord_);
  {
    store::Database db = alice_.Raw();
    for (const char* sql : {"DELETE FROM messages", "DELETE FROM seq_holes", "DELETE FROM alerts",
                            "DELETE FROM schedules", "DELETE FROM contacts"}) {
      ASSERT_OK(db.Run(sql));
    }
  }
  alice_.Reopen();
  ASSERT_OK(alice_->Join(code, /*another_coordinator=*/false));
  EXPECT_EQ(Sync(alice_, coord_).accepted, 1);
  EXPECT_EQ(ContactsOf(coord_).at(0).state, ContactState::kRevoked);
  EXPECT_EQ(coord_->ExportTeam().value(), roster) << "its key is not put back";
  EXPECT_EQ(OutboxFor("alice"), 0) << "no welcome";
  EXPECT_EQ(CountOf(coord_, "SELECT count(*) FROM invites WHERE used_by IS NULL"), 0);
}

// Through a relay that serves the team: after `revoke` and the
// coordinator's next sync, the revoked helper is refused, bob goes on with
// no step of his own, and quietly revoked helpers go on being served.
TEST_F(RevokeTest, ARelayServingTheTeamRefusesTheRevokedAndServesTheOthers) {
  SeededRandom relay_random(77);
  MemoryRelay relay("relay.example", clock_, relay_random, MemoryRelay::Admits::kTeamsOnly);
  ASSERT_OK_AND_ASSIGN(const Bytes roster, coord_->ExportTeam());
  ASSERT_OK(relay.service().ServeTeam(roster));
  Peer carol{"carol", Role::kHelper, clock_, 4};
  Enroll(coord_, carol);
  for (Peer* p : {&coord_, &alice_, &bob_, &carol}) SyncVia(relay, *p);

  ASSERT_OK(alice_->CheckIn("ok", "", ""));  // sealed before the revocation
  ASSERT_OK(coord_->Revoke("alice", /*quiet=*/false));
  ASSERT_OK(coord_->Revoke("carol", /*quiet=*/true));
  SyncVia(relay, coord_);  // the new roster goes up

  MemoryDialer dialer;
  dialer.Add(relay);
  ASSERT_OK_AND_ASSIGN(const sync::RelayAddress address, sync::ParseRelayAddress(relay.address()));
  const Result<SyncReport> refused = SyncWithRelays(*alice_.node, {address}, dialer, alice_.random);
  ASSERT_FALSE(refused.ok());
  // Every relay failed: Unavailable, with the relay's refusal as the reason.
  EXPECT_NE(refused.status().message().find("no longer a member"), std::string::npos)
      << refused.status().ToString();
  const int64_t held = relay.Count();

  ASSERT_OK(bob_->CheckIn("ok", "", ""));
  EXPECT_EQ(SyncVia(relay, bob_).uploaded, 1u);
  EXPECT_EQ(bob_->RosterOf(RosterOf(coord_).team_id).value(), coord_->ExportTeam().value())
      << "bob took the new roster in the same sync";
  ASSERT_OK(carol->CheckIn("ok", "", ""));
  EXPECT_EQ(SyncVia(relay, carol).uploaded, 1u) << "quiet: still served";
  EXPECT_EQ(relay.Count(), held + 2);

  SyncVia(relay, coord_);
  EXPECT_EQ(From("bob").back().state, MessageState::kReceived);
  EXPECT_EQ(From("carol").back().state, MessageState::kRevoked);
  EXPECT_TRUE(From("alice").empty()) << "alice's check-in never reached the relay";
  // It arrives another way (a bundle, a text): shown revoked.
  EXPECT_EQ(IngestAll(coord_, Fetch(coord_, Upload(alice_))).accepted, 1);
  EXPECT_EQ(From("alice").back().state, MessageState::kRevoked);
}

// An informant keeps the invite it enrolled with. Its ticket (derived from
// the invite) would let any device of the informant's use the team's
// relays until the ticket expires, 28 days after the invite. Revoking it
// withdraws that ticket in the roster (docs/protocol.md §11.6): a second
// device joining with the kept invite is refused by the relay. Control:
// the kept invite of a member not revoked still gets a device in.
TEST_F(RevokeTest, RevokingWithdrawsTheTicketOfTheInviteTheRevokedSpent) {
  SeededRandom relay_random(78);
  MemoryRelay relay("relay.example", clock_, relay_random, MemoryRelay::Admits::kTeamsOnly);
  ASSERT_OK_AND_ASSIGN(const Bytes genesis, coord_->ExportTeam());
  ASSERT_OK(relay.service().ServeTeam(genesis));
  ASSERT_OK(coord_->AddRelay(relay.address()));
  Peer mole{"mole", Role::kHelper, clock_, 5};
  Peer dave{"dave", Role::kHelper, clock_, 6};
  std::vector<std::string> codes;
  for (Peer* p : {&mole, &dave}) {
    ASSERT_OK_AND_ASSIGN(const std::string code, coord_->CreateInvite("", 3600));
    codes.push_back(code);
    ASSERT_OK((*p)->Join(code, false));
    SyncVia(relay, *p);
    SyncVia(relay, coord_);
    SyncVia(relay, *p);
  }
  ASSERT_OK(coord_->Revoke("mole", /*quiet=*/false));
  SyncVia(relay, coord_);
  ASSERT_EQ(RosterOf(coord_).withdrawn.size(), 1u);
  EXPECT_TRUE(RosterOf(mole).withdrawn.empty()) << "mole has not synced since";

  MemoryDialer dialer;
  dialer.Add(relay);
  ASSERT_OK_AND_ASSIGN(const sync::RelayAddress address, sync::ParseRelayAddress(relay.address()));
  Peer second{"mole-2", Role::kHelper, clock_, 7};
  ASSERT_OK(second->Join(codes[0], false));
  const int64_t held = relay.Count();
  const Result<SyncReport> refused = SyncWithRelays(*second.node, {address}, dialer, second.random);
  EXPECT_FALSE(refused.ok()) << "the relay refused the ticket and closed";
  EXPECT_EQ(relay.Count(), held) << "its join request was not stored";

  Peer spare{"dave-2", Role::kHelper, clock_, 8};
  ASSERT_OK(spare->Join(codes[1], false));
  EXPECT_OK(SyncWithRelays(*spare.node, {address}, dialer, spare.random).status());
  EXPECT_EQ(relay.Count(), held + 1) << "a ticket not withdrawn still admits";
}

}  // namespace
}  // namespace waypost::node
