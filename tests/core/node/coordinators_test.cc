// Several coordinators (docs/protocol.md §12): a coordinator invite, the
// introductions that follow it, what one coordinator does showing at the
// other with who did it, revocations holding across both, and the checks a
// helper makes before it takes a coordinator it is told of. Every sync goes
// through a relay in memory that admits only the team's members.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/node/identity.h"
#include "core/node/invite.h"
#include "core/team/team_state.h"
#include "proto/waypost.pb.h"
#include "tests/kit/memory_relay.h"
#include "tests/kit/peers.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using namespace peers;  // NOLINT: the fixture language
using testing::MemoryDialer;
using testing::MemoryRelay;

constexpr int64_t kHour = 3600;

class CoordinatorsTest : public NodeTest {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(const Bytes roster, coord_->ExportTeam());
    ASSERT_OK(relay_.service().ServeTeam(roster));
    ASSERT_OK(coord_->AddRelay(relay_.address()));
    ASSERT_OK(coord_->AddCode("fence", "at the fence", false));
    EnrollWith(coord_, alice_);
    ASSERT_OK(coord_->Expect("alice", 6 * kHour, std::nullopt, 900));
    Round({&coord_, &alice_});
  }

  void Round(const std::vector<Peer*>& peers) {
    for (Peer* p : peers) SyncVia(relay_, *p);
  }

  // Invite, join, and the syncs that carry the join request and the welcome.
  void EnrollWith(Peer& coordinator, Peer& helper) {
    ASSERT_OK_AND_ASSIGN(const std::string code, coordinator->CreateInvite("", 3600));
    bool has_coordinator = false;
    for (const ContactInfo& c : ContactsOf(helper)) has_coordinator |= c.role == Role::kCoordinator;
    ASSERT_OK(helper->Join(code, has_coordinator));
    Round({&helper, &coordinator, &helper});
  }

  // carl_ becomes the team's second coordinator; everyone syncs.
  void AddCarl() {
    ASSERT_OK_AND_ASSIGN(const std::string code,
                         coord_->CreateInvite("", 3600, /*coordinator=*/true));
    ASSERT_OK_AND_ASSIGN(const Joined joined, carl_->Join(code, false));
    EXPECT_TRUE(joined.coordinator);
    EXPECT_EQ(carl_->self().role, Role::kCoordinator);
    Round({&carl_, &coord_, &carl_, &alice_, &carl_});
  }

  // Carl joins as a second coordinator and enrolls `helper`, which makes
  // him sign a roster; alice does not sync meanwhile (docs/protocol.md
  // §11.7).
  void CarlJoinsAndEnrolls(Peer& helper) {
    ASSERT_OK_AND_ASSIGN(const std::string code,
                         coord_->CreateInvite("", 3600, /*coordinator=*/true));
    ASSERT_OK(carl_->Join(code, false));
    Round({&carl_, &coord_, &carl_});
    EnrollWith(carl_, helper);
  }

  std::optional<ContactInfo> Contact(Peer& p, const std::string& name) {
    for (const ContactInfo& c : ContactsOf(p)) {
      if (c.name == name) return c;
    }
    return std::nullopt;
  }

  Status SyncStatus(Peer& p) {
    MemoryDialer dialer;
    dialer.Add(relay_);
    auto address = sync::ParseRelayAddress(relay_.address());
    if (!address.ok()) return address.status();
    return SyncWithRelays(*p.node, {*address}, dialer, p.random).status();
  }

  team::SignedTeamState HeldRoster(Peer& coordinator) {
    auto roster = coordinator->ExportTeam();
    EXPECT_OK(roster);
    auto parsed = team::SignedTeamState::Parse(roster.ok() ? *roster : Bytes());
    EXPECT_OK(parsed);
    return std::move(parsed).value();
  }

  // A body sealed from `from` to its contact `to_name` with every key
  // `from`'s store holds: what a turned coordinator, or a captor with its
  // passphrase, can send with software of its own.
  Bytes SealAs(Peer& from, const std::string& to_name, pb::Body body) {
    store::Database db = from.Raw();
    auto identity = Identity::Load(db);
    EXPECT_OK(identity);
    auto st = db.Query(
        "SELECT public_key, tag_key, chain_epoch, chain_key FROM contacts WHERE name = ?", to_name);
    EXPECT_OK(st);
    EXPECT_TRUE(st->Step().value());
    const Bytes recipient = st->ColumnBlob(0);
    const Secret tag_key = st->ColumnSecret(1);
    const envelope::Epoch today = envelope::EpochOf(clock_.Now());
    const Secret chain = envelope::ChainAt(st->ColumnSecret(3), st->ColumnInt64(2), today);
    const Secret psk = envelope::PskFrom(chain);
    body.set_sent_at(clock_.Now());
    body.set_flags(0);
    const std::string bytes = body.SerializeAsString();
    envelope::SealRequest req;
    req.sender = &identity->key_pair();
    req.recipient_public = recipient;
    req.psk = &psk;
    req.tag = envelope::TagFor(tag_key, today);
    req.hint_chain = &chain;
    req.expires_at = uint32_t((today + 10) * envelope::kEpochSeconds);
    req.body = AsBytes(bytes);
    auto sealed = envelope::Seal(req, forger_random_);
    EXPECT_OK(sealed);
    return sealed.ok() ? *sealed : Bytes();
  }

  // The keys `p`'s store holds for its coordinator contact `name`.
  struct StoredKeys {
    Bytes public_key;
    Bytes signing_key;
    Bytes binding;
  };
  StoredKeys KeysOf(Peer& p, const std::string& name) {
    store::Database db = p.Raw();
    auto st =
        db.Query("SELECT public_key, signing_key, binding FROM contacts WHERE name = ?", name);
    EXPECT_OK(st);
    EXPECT_TRUE(st->Step().value());
    return {st->ColumnBlob(0), st->ColumnBlob(1), st->ColumnBlob(2)};
  }

  // `coord_`'s roster-signing key, as its store holds it.
  team::SigningKeyPair SigningKeyOf(Peer& coordinator) {
    store::Database db = coordinator.Raw();
    auto st = db.Query("SELECT signing_secret FROM teams WHERE signing_secret IS NOT NULL");
    EXPECT_OK(st);
    EXPECT_TRUE(st->Step().value());
    return team::SigningKeyPair::FromSecret(st->ColumnSecret(0).view()).value();
  }

  // An introduction of a rogue coordinator: its own static and signing
  // keys, the binding between them, and `roster`.
  pb::Body RogueIntroduction(const PublicKey& rogue, const team::SigningKeyPair& signer,
                             const team::TeamId& team, const Bytes& roster) {
    pb::Body body;
    pb::Introduction* in = body.mutable_introduction();
    in->set_name("rogue");
    in->set_static_key(AsString(rogue.view()));
    in->set_tag_key(std::string(32, 'T'));
    in->set_chain_seed(std::string(32, 'S'));
    in->set_chain_epoch(envelope::EpochOf(clock_.Now()));
    in->set_coordinator(true);
    in->set_signing_key(signer.public_key.data(), signer.public_key.size());
    in->set_binding(
        AsString(team::SignDetached(signer, team::CoordinatorBinding(team, rogue.view()))));
    in->set_roster(AsString(roster));
    return body;
  }

  // `held` with `key` added as a coordinator, signed by `signer` alone.
  Bytes RosterAdding(const team::SignedTeamState& held, const team::SigningKeyPair& key,
                     const team::SigningKeyPair& signer) {
    team::TeamRoster next = held.roster();
    next.coordinators.push_back(key.public_key);
    next.version += 1;
    next.approvals = 2;
    const int index = held.roster().CoordinatorIndex(signer.public_key);
    auto signed_roster = team::SignTeamState(next, {{uint8_t(index), &signer}});
    EXPECT_OK(signed_roster);
    return signed_roster.ok() ? *signed_roster : Bytes();
  }

  SeededRandom relay_random_{77};
  SeededRandom forger_random_{99};
  MemoryRelay relay_{"relay.example", clock_, relay_random_, MemoryRelay::Admits::kTeamsOnly};
  Peer carl_{"carl", Role::kCoordinator, clock_, 5};
};

// The test: a second coordinator receives a helper's check-in and
// sees the first coordinator's confirmation of it, with who confirmed.
TEST_F(CoordinatorsTest, ASecondCoordinatorReceivesACheckInAndSeesTheFirstsConfirmation) {
  AddCarl();
  const std::optional<ContactInfo> base_at_carl = Contact(carl_, "base");
  ASSERT_TRUE(base_at_carl);
  EXPECT_EQ(base_at_carl->role, Role::kCoordinator);
  EXPECT_EQ(base_at_carl->state, ContactState::kActive);
  const std::optional<ContactInfo> alice_at_carl = Contact(carl_, "alice");
  ASSERT_TRUE(alice_at_carl) << "introduced by base";
  EXPECT_EQ(alice_at_carl->role, Role::kHelper);
  const std::optional<ContactInfo> carl_at_alice = Contact(alice_, "carl");
  ASSERT_TRUE(carl_at_alice) << "introduced by base";
  EXPECT_EQ(carl_at_alice->role, Role::kCoordinator);
  EXPECT_EQ(carl_at_alice->state, ContactState::kActive);
  EXPECT_EQ(HeldRoster(coord_).roster().coordinators.size(), 2u);
  EXPECT_EQ(HeldRoster(coord_).roster().approvals, 2);

  // The codebook and the schedule came with the introduction.
  ASSERT_OK_AND_ASSIGN(const std::vector<Node::CodebookView> books, carl_->Codebooks());
  ASSERT_FALSE(books.empty());
  EXPECT_TRUE(std::any_of(books[0].codes.begin(), books[0].codes.end(),
                          [](const CodeEntry& c) { return c.code == "fence"; }));
  ASSERT_TRUE(BoardLineOf(carl_, "alice"));
  EXPECT_TRUE(BoardLineOf(carl_, "alice")->due_at.has_value()) << "base's schedule for alice";

  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> ids,
                       alice_->CheckIn("fence", "all well", ""));
  EXPECT_EQ(ids.size(), 2u) << "one envelope per coordinator";
  Round({&alice_, &carl_, &coord_});
  ASSERT_EQ(InboxFrom(carl_, "alice").size(), 1u);
  EXPECT_EQ(InboxFrom(carl_, "alice")[0].code, "fence");
  EXPECT_EQ(InboxFrom(carl_, "alice")[0].text, "all well");
  EXPECT_EQ(InboxFrom(carl_, "alice")[0].state, MessageState::kReceived);
  EXPECT_EQ(BoardLineOf(carl_, "alice")->last_code, "fence");

  ASSERT_EQ(InboxFrom(coord_, "alice").size(), 1u);
  ASSERT_OK(coord_->Confirm(InboxFrom(coord_, "alice")[0].id, "welcome"));
  Round({&coord_, &carl_, &alice_});
  const MessageInfo at_carl = InboxFrom(carl_, "alice")[0];
  EXPECT_EQ(at_carl.state, MessageState::kConfirmed);
  EXPECT_EQ(at_carl.state_by, "base");
  EXPECT_EQ(at_carl.state_note, "welcome");
  const MessageInfo at_base = InboxFrom(coord_, "alice")[0];
  EXPECT_EQ(at_base.state, MessageState::kConfirmed);
  EXPECT_EQ(at_base.state_by, "") << "base did it itself";
  // The helper sees base's confirmation of the copy it sent base.
  int confirmed = 0;
  for (const MessageInfo& m : InboxOf(alice_)) {
    if (m.direction == Direction::kOut && m.state == MessageState::kConfirmed) {
      ++confirmed;
      EXPECT_EQ(m.peer, "base");
    }
  }
  EXPECT_EQ(confirmed, 1);
}

// A helper enrolled by either coordinator meets the other, and nobody else:
// helpers never learn of each other. Both enrolling at once, between syncs,
// signs two rosters; they are reconciled and everyone stays admitted.
TEST_F(CoordinatorsTest, HelpersEnrolledByEitherCoordinatorMeetTheOtherAndOnlyCoordinators) {
  AddCarl();
  Peer bob{"bob", Role::kHelper, clock_, 6};
  Peer dora{"dora", Role::kHelper, clock_, 7};
  ASSERT_OK_AND_ASSIGN(const std::string to_bob, carl_->CreateInvite("", 3600));
  ASSERT_OK_AND_ASSIGN(const std::string to_dora, coord_->CreateInvite("", 3600));
  ASSERT_OK(bob->Join(to_bob, false));
  ASSERT_OK(dora->Join(to_dora, false));
  Round({&bob, &dora, &coord_, &carl_, &coord_, &carl_, &bob, &dora, &alice_});

  for (Peer* helper : {&bob, &dora}) {
    std::vector<std::string> names;
    for (const ContactInfo& c : ContactsOf(*helper)) {
      EXPECT_EQ(c.role, Role::kCoordinator) << c.name;
      EXPECT_EQ(c.state, ContactState::kActive) << c.name;
      names.push_back(c.name);
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"base", "carl"}));
  }
  EXPECT_EQ(ContactsOf(alice_).size(), 2u) << "alice never hears of bob or dora";
  for (Peer* coordinator : {&coord_, &carl_}) {
    for (const char* name : {"alice", "bob", "dora"}) {
      ASSERT_TRUE(Contact(*coordinator, name)) << name;
      EXPECT_EQ(Contact(*coordinator, name)->state, ContactState::kActive);
    }
  }
  // Every member is admitted by the relay, with the roster both agree on.
  for (Peer* p : {&alice_, &bob, &dora, &coord_, &carl_}) EXPECT_OK(SyncStatus(*p));
  Round({&coord_, &carl_});
  EXPECT_EQ(HeldRoster(coord_).bytes(), HeldRoster(carl_).bytes());
  EXPECT_EQ(HeldRoster(coord_).roster().ring.size(), 5u);

  ASSERT_OK(bob->CheckIn("ok", "", ""));
  ASSERT_OK(dora->CheckIn("ok", "", ""));
  Round({&bob, &dora, &coord_, &carl_});
  for (Peer* coordinator : {&coord_, &carl_}) {
    EXPECT_EQ(InboxFrom(*coordinator, "bob").size(), 1u);
    EXPECT_EQ(InboxFrom(*coordinator, "dora").size(), 1u);
  }
}

TEST_F(CoordinatorsTest, AnAcknowledgementShowsAtTheOtherCoordinatorWithWhoDidIt) {
  AddCarl();
  ASSERT_OK(alice_->CheckIn("need-help", "", ""));
  Round({&alice_, &coord_, &carl_});
  ASSERT_OK_AND_ASSIGN(const std::vector<AlertInfo> open_at_base, coord_->Alerts(true));
  ASSERT_EQ(open_at_base.size(), 1u);
  EXPECT_EQ(open_at_base[0].kind, AlertKind::kDistress);
  ASSERT_OK(carl_->Ack("alice", "calling her now"));
  Round({&carl_, &coord_});
  ASSERT_OK_AND_ASSIGN(const std::vector<AlertInfo> at_base, coord_->Alerts(false));
  ASSERT_EQ(at_base.size(), 1u);
  EXPECT_TRUE(at_base[0].acked_at.has_value());
  EXPECT_EQ(at_base[0].acked_by, "carl");
  EXPECT_EQ(at_base[0].note, "calling her now");
  ASSERT_OK_AND_ASSIGN(const std::vector<AlertInfo> at_carl, carl_->Alerts(false));
  ASSERT_EQ(at_carl.size(), 1u);
  EXPECT_EQ(at_carl[0].acked_by, "");
}

// A schedule either coordinator sets, or ends, holds at the other, whose
// own clock then runs the alarm; the helper hears it from both.
TEST_F(CoordinatorsTest, AScheduleSetByOneCoordinatorHoldsAtTheOther) {
  AddCarl();
  ASSERT_OK(coord_->Expect("alice", 2 * kHour, std::nullopt, 600));
  Round({&coord_, &carl_, &alice_});
  ASSERT_TRUE(BoardLineOf(carl_, "alice"));
  EXPECT_EQ(BoardLineOf(carl_, "alice")->grace, 600);
  ASSERT_OK_AND_ASSIGN(const std::vector<Node::ExpectedBy> expected, alice_->Expectations());
  ASSERT_EQ(expected.size(), 2u);
  for (const Node::ExpectedBy& e : expected) {
    ASSERT_TRUE(e.schedule) << e.coordinator;
    EXPECT_EQ(e.schedule->every, 2 * kHour) << e.coordinator;
    EXPECT_EQ(e.schedule->grace, 600) << e.coordinator;
  }
  // carl ends it: base no longer expects anything either.
  ASSERT_OK(carl_->Expect("alice", std::nullopt, std::nullopt, 600));
  Round({&carl_, &coord_});
  ASSERT_TRUE(BoardLineOf(coord_, "alice"));
  EXPECT_FALSE(BoardLineOf(coord_, "alice")->due_at.has_value());
  clock_.Advance(3 * kHour);
  EXPECT_EQ(BoardLineOf(coord_, "alice")->state, BoardState::kOk) << "nothing expected";
}

// base revokes alice: carl learns of it, counts nothing from her, and his
// own rosters never bring her back into the ring.
TEST_F(CoordinatorsTest, ARevocationByOneCoordinatorHoldsAtTheOther) {
  AddCarl();
  ASSERT_OK(alice_->CheckIn("ok", "", ""));  // sealed before the revocation
  const std::vector<Bytes> in_flight = Upload(alice_);
  ASSERT_OK(coord_->Revoke("alice", /*quiet=*/false));
  Round({&coord_, &carl_, &coord_, &carl_});
  ASSERT_TRUE(Contact(carl_, "alice"));
  EXPECT_EQ(Contact(carl_, "alice")->state, ContactState::kRevoked);
  EXPECT_EQ(BoardLineOf(carl_, "alice")->state, BoardState::kRevoked);
  EXPECT_EQ(HeldRoster(carl_).bytes(), HeldRoster(coord_).bytes());

  const Status refused = SyncStatus(alice_);
  EXPECT_NE(refused.message().find("no longer a member"), std::string::npos) << refused.ToString();
  EXPECT_EQ(IngestAll(carl_, Fetch(carl_, in_flight)).accepted, 1);
  ASSERT_EQ(InboxFrom(carl_, "alice").size(), 1u);
  EXPECT_EQ(InboxFrom(carl_, "alice")[0].state, MessageState::kRevoked);
  ASSERT_OK_AND_ASSIGN(const std::vector<AlertInfo> alerts, carl_->Alerts(false));
  EXPECT_TRUE(alerts.empty());
}

// A coordinator is revoked like any member, never quietly: its key leaves
// the roster, and every helper stops sending to it.
TEST_F(CoordinatorsTest, RevokingACoordinatorTakesItOffEveryHelper) {
  AddCarl();
  const Result<Node::Revocation> quiet = coord_->Revoke("carl", /*quiet=*/true);
  EXPECT_EQ(quiet.status().code(), Status::Code::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(const Node::Revocation r, coord_->Revoke("carl", /*quiet=*/false));
  EXPECT_TRUE(r.cut_off);
  EXPECT_EQ(HeldRoster(coord_).roster().coordinators.size(), 1u);
  EXPECT_EQ(HeldRoster(coord_).roster().approvals, 2) << "approvals never fall";
  Round({&coord_, &alice_});
  ASSERT_TRUE(Contact(alice_, "carl"));
  EXPECT_EQ(Contact(alice_, "carl")->state, ContactState::kRevoked);
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> ids, alice_->CheckIn("ok", "", ""));
  EXPECT_EQ(ids.size(), 1u) << "to base alone";
  const Status refused = SyncStatus(carl_);
  EXPECT_NE(refused.message().find("no longer a member"), std::string::npos) << refused.ToString();
}

// The positive control for the forgeries below, sealed the same way: while
// base is the team's only coordinator, its word alone may add one (the
// roster rules), and alice takes it.
TEST_F(CoordinatorsTest, WhileATeamHasOneCoordinatorItsWordAloneAddsOne) {
  SeededRandom rogue_random(31);
  const noise::KeyPair rogue = noise::KeyPair::Generate(rogue_random);
  ASSERT_OK_AND_ASSIGN(const PublicKey rogue_key, PublicKey::From(rogue.public_key));
  const team::SigningKeyPair rogue_signer = team::SigningKeyPair::Generate(rogue_random);
  const team::SigningKeyPair base_signer = SigningKeyOf(coord_);

  const team::SignedTeamState held = HeldRoster(coord_);
  const Bytes roster = RosterAdding(held, rogue_signer, base_signer);
  const Bytes env = SealAs(
      coord_, "alice", RogueIntroduction(rogue_key, rogue_signer, held.roster().team_id, roster));
  ASSERT_OK(alice_->Ingest(env));
  ASSERT_TRUE(Contact(alice_, "rogue")) << "the control must pass, or the forgeries prove nothing";
  EXPECT_EQ(Contact(alice_, "rogue")->role, Role::kCoordinator);
}

// The test: an update about a new coordinator that an existing
// coordinator did not sign off is refused. Each forgery is sealed under
// base's pair with alice, with every key base holds: base is turned, and
// carl is the team's honest second coordinator.

class TwoCoordinatorForgeryTest : public CoordinatorsTest {
 protected:
  void SetUp() override {
    CoordinatorsTest::SetUp();
    AddCarl();
    rogue_ = noise::KeyPair::Generate(rogue_random_);
    rogue_signer_ = team::SigningKeyPair::Generate(rogue_random_);
    before_ = Snapshot(alice_);
  }

  // Alice takes nothing from `env`: an error, and her store is as it was.
  void ExpectRefused(const Bytes& env, const char* what) {
    const Result<IngestOutcome> r = alice_->Ingest(env);
    EXPECT_FALSE(r.ok() && *r == IngestOutcome::kAccepted) << what;
    EXPECT_FALSE(Contact(alice_, "rogue")) << what;
  }

  PublicKey RogueKey() { return PublicKey::From(rogue_.public_key).value(); }

  SeededRandom rogue_random_{31};
  noise::KeyPair rogue_;
  team::SigningKeyPair rogue_signer_;
  std::string before_;
};

// With two coordinators, base alone cannot add a third: the roster it signs
// alone does not follow alice's, so its signing key is listed nowhere she
// trusts.
TEST_F(TwoCoordinatorForgeryTest, OneTurnedCoordinatorCannotAddARogueAlone) {
  const team::SignedTeamState held = HeldRoster(coord_);
  const Bytes roster = RosterAdding(held, rogue_signer_, SigningKeyOf(coord_));
  ExpectRefused(SealAs(coord_, "alice",
                       RogueIntroduction(RogueKey(), rogue_signer_, held.roster().team_id, roster)),
                "a roster signed by one of two coordinators");
  // Nor by sending the roster she holds, which does not list the key.
  ExpectRefused(
      SealAs(coord_, "alice",
             RogueIntroduction(RogueKey(), rogue_signer_, held.roster().team_id, held.bytes())),
      "a signing key the roster does not list");
}

// carl's signing key is in the roster, but it vouches only for carl's
// static key: base cannot pin it on a rogue's.
TEST_F(TwoCoordinatorForgeryTest, AListedSigningKeyCannotBeTiedToAnotherStaticKey) {
  const team::SignedTeamState held = HeldRoster(coord_);
  const StoredKeys carl = KeysOf(coord_, "carl");
  pb::Body body = RogueIntroduction(RogueKey(), rogue_signer_, held.roster().team_id, held.bytes());
  body.mutable_introduction()->set_signing_key(AsString(carl.signing_key));
  body.mutable_introduction()->set_binding(AsString(carl.binding));
  ExpectRefused(SealAs(coord_, "alice", body), "carl's binding with the rogue's static key");
}

// A helper is introduced only to coordinators, never to another helper:
// need-to-know holds even against a turned coordinator's software.
TEST_F(TwoCoordinatorForgeryTest, NoHelperIsIntroducedToAnotherHelper) {
  const team::SignedTeamState held = HeldRoster(coord_);
  pb::Body helper_intro =
      RogueIntroduction(RogueKey(), rogue_signer_, held.roster().team_id, held.bytes());
  helper_intro.mutable_introduction()->set_coordinator(false);
  helper_intro.mutable_introduction()->clear_signing_key();
  ExpectRefused(SealAs(coord_, "alice", helper_intro), "a helper introduced to a helper");
}

// After every refusal, alice's store is as it was; and the same seal
// carrying carl's true introduction is taken (a known key: nothing to add),
// so the refusals above are the checks', not a broken forgery.
TEST_F(TwoCoordinatorForgeryTest, ARefusedIntroductionChangesNothing) {
  const team::SignedTeamState held = HeldRoster(coord_);
  {
    const StoredKeys carl = KeysOf(coord_, "carl");
    ASSERT_OK_AND_ASSIGN(const PublicKey carl_key, PublicKey::From(carl.public_key));
    pb::Body honest =
        RogueIntroduction(carl_key, rogue_signer_, held.roster().team_id, held.bytes());
    honest.mutable_introduction()->set_signing_key(AsString(carl.signing_key));
    honest.mutable_introduction()->set_binding(AsString(carl.binding));
    ASSERT_OK_AND_ASSIGN(const IngestOutcome taken,
                         alice_->Ingest(SealAs(coord_, "alice", honest)));
    EXPECT_EQ(taken, IngestOutcome::kAccepted);
    // The same, with the pair's chain starting far from today: refused.
    for (const int64_t off : {int64_t{-1000}, int64_t{1000}}) {
      pb::Body far = honest;
      far.mutable_introduction()->set_chain_epoch(envelope::EpochOf(clock_.Now()) + off);
      EXPECT_FALSE(alice_->Ingest(SealAs(coord_, "alice", far)).ok()) << off;
    }
    before_ = Snapshot(alice_);  // last_seen moved
  }
  const Bytes roster = RosterAdding(held, rogue_signer_, SigningKeyOf(coord_));
  ExpectRefused(SealAs(coord_, "alice",
                       RogueIntroduction(RogueKey(), rogue_signer_, held.roster().team_id, roster)),
                "one signature of two");
  EXPECT_EQ(Snapshot(alice_), before_);
}

// A third coordinator (docs/protocol.md §12.6): base invites dana; she
// waits, pending, until carl approves; then she is in the roster with both
// signatures, welcomed, and introduced to carl and to every helper.
class ThirdCoordinatorTest : public CoordinatorsTest {
 protected:
  void SetUp() override {
    CoordinatorsTest::SetUp();
    AddCarl();
  }

  // dana joins by base's coordinator invite; base and carl sync once.
  void DanaJoins() {
    ASSERT_OK_AND_ASSIGN(const std::string code,
                         coord_->CreateInvite("", 3600, /*coordinator=*/true));
    ASSERT_OK(dana_->Join(code, false));
    Round({&dana_, &coord_, &carl_, &dana_});
  }

  std::vector<AlertInfo> OpenApprovals(Peer& p) {
    auto alerts = p->Alerts(true, false);
    EXPECT_OK(alerts);
    std::vector<AlertInfo> out;
    for (const AlertInfo& a : alerts.ok() ? *alerts : std::vector<AlertInfo>()) {
      if (a.kind == AlertKind::kApproval) out.push_back(a);
    }
    return out;
  }

  bool Lists(const team::SignedTeamState& roster, Peer& coordinator) {
    const team::SigningKeyPair key = SigningKeyOf(coordinator);
    return roster.roster().CoordinatorIndex(key.public_key) >= 0;
  }

  // A PROPOSED note for `candidate` (static key, signing key and binding)
  // carrying `roster`.
  pb::Body Proposal(const PublicKey& candidate, const team::SigningKeyPair& signer,
                    const team::TeamId& team, const Bytes& roster) {
    pb::Body body;
    pb::TeamNote* note = body.mutable_team_note();
    note->set_kind(pb::TeamNote::PROPOSED);
    note->set_member(AsString(candidate.view()));
    note->set_name("rogue");
    note->set_signing_key(AsString(signer.public_key));
    note->set_binding(
        AsString(team::SignDetached(signer, team::CoordinatorBinding(team, candidate.view()))));
    note->set_roster(AsString(roster));
    return body;
  }

  Peer dana_{"dana", Role::kCoordinator, clock_, 6};
};

TEST_F(ThirdCoordinatorTest, AThirdCoordinatorJoinsOnlyOnceASecondApproves) {
  DanaJoins();
  // Waiting: pending at base, in no roster, known to nobody else.
  ASSERT_TRUE(Contact(coord_, "dana"));
  EXPECT_EQ(Contact(coord_, "dana")->state, ContactState::kPending);
  EXPECT_EQ(Contact(coord_, "dana")->role, Role::kCoordinator);
  EXPECT_EQ(HeldRoster(coord_).roster().coordinators.size(), 2u);
  EXPECT_FALSE(Contact(alice_, "dana"));
  ASSERT_TRUE(Contact(dana_, "base"));
  EXPECT_EQ(Contact(dana_, "base")->state, ContactState::kPending) << "no welcome yet";
  // carl is asked, with dana's fingerprint to compare.
  ASSERT_EQ(OpenApprovals(carl_).size(), 1u);
  EXPECT_EQ(OpenApprovals(carl_)[0].peer, "base");
  ASSERT_OK_AND_ASSIGN(const std::vector<PendingApproval> pending, carl_->PendingApprovals());
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].name, "dana");
  EXPECT_EQ(pending[0].proposer, "base");
  const SelfInfo dana_self = dana_->self();
  EXPECT_EQ(pending[0].fingerprint, dana_self.fingerprint);
  EXPECT_NE(OpenApprovals(carl_)[0].detail.find(dana_self.fingerprint), std::string::npos);
  // Nobody approves for carl: base cannot, and a name nobody proposed is
  // not found.
  EXPECT_EQ(coord_->Approve("dana").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(carl_->Approve("nobody").status().code(), Status::Code::kNotFound);
  Round({&alice_, &coord_, &carl_});
  EXPECT_EQ(HeldRoster(coord_).roster().coordinators.size(), 2u) << "no approval, no dana";

  ASSERT_OK_AND_ASSIGN(const PendingApproval approved, carl_->Approve("dana"));
  EXPECT_EQ(approved.name, "dana");
  EXPECT_TRUE(OpenApprovals(carl_).empty()) << "acknowledged by approving";
  Round({&carl_, &coord_, &dana_, &carl_, &alice_, &dana_, &coord_});

  const team::SignedTeamState roster = HeldRoster(coord_);
  EXPECT_EQ(roster.roster().coordinators.size(), 3u);
  EXPECT_TRUE(Lists(roster, dana_));
  EXPECT_EQ(Contact(coord_, "dana")->state, ContactState::kActive);
  EXPECT_EQ(Contact(dana_, "base")->state, ContactState::kActive) << "welcomed";
  EXPECT_TRUE(Lists(HeldRoster(dana_), dana_));
  // Introduced to carl and to alice, and carl and alice to her.
  ASSERT_TRUE(Contact(carl_, "dana"));
  EXPECT_EQ(Contact(carl_, "dana")->role, Role::kCoordinator);
  EXPECT_EQ(Contact(carl_, "dana")->introduced_by, "base");
  ASSERT_TRUE(Contact(dana_, "carl"));
  EXPECT_EQ(Contact(dana_, "carl")->role, Role::kCoordinator);
  ASSERT_TRUE(Contact(dana_, "alice"));
  ASSERT_TRUE(Contact(alice_, "dana"));
  EXPECT_EQ(Contact(alice_, "dana")->role, Role::kCoordinator);
  EXPECT_EQ(Contact(alice_, "dana")->state, ContactState::kActive);

  // A check-in reaches all three; carl's confirmation shows at dana.
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> ids, alice_->CheckIn("fence", "", ""));
  EXPECT_EQ(ids.size(), 3u);
  Round({&alice_, &dana_, &carl_, &coord_});
  ASSERT_EQ(InboxFrom(dana_, "alice").size(), 1u);
  EXPECT_EQ(InboxFrom(dana_, "alice")[0].code, "fence");
  ASSERT_EQ(InboxFrom(carl_, "alice").size(), 1u);
  ASSERT_OK(carl_->Confirm(InboxFrom(carl_, "alice")[0].id, ""));
  Round({&carl_, &dana_});
  EXPECT_EQ(InboxFrom(dana_, "alice")[0].state, MessageState::kConfirmed);
  EXPECT_EQ(InboxFrom(dana_, "alice")[0].state_by, "carl");
  // Everyone still syncs: the relay took the doubly signed roster.
  for (Peer* p : {&coord_, &carl_, &dana_, &alice_}) EXPECT_OK(SyncStatus(*p));
}

// The roster moved on between the proposal and the approval (base enrolled
// a helper): base proposes again on what it holds, carl's approval stands
// for dana, and the roster that ends up signed by both keeps the helper.
TEST_F(ThirdCoordinatorTest, AnApprovalOutlivesARosterThatMovedOn) {
  DanaJoins();
  Peer bob{"bob", Role::kHelper, clock_, 14};
  EnrollWith(coord_, bob);
  ASSERT_OK(carl_->Approve("dana"));
  Round({&carl_, &coord_, &carl_, &coord_, &dana_, &bob, &alice_, &carl_});
  const team::SignedTeamState roster = HeldRoster(coord_);
  EXPECT_TRUE(Lists(roster, dana_));
  EXPECT_EQ(roster.roster().ring.size(), 5u) << "base, alice, carl, bob and dana";
  EXPECT_EQ(Contact(coord_, "dana")->state, ContactState::kActive);
  ASSERT_TRUE(Contact(bob, "dana"));
  ASSERT_TRUE(Contact(carl_, "dana"));
  ASSERT_OK_AND_ASSIGN(const std::vector<PendingApproval> left, carl_->PendingApprovals());
  EXPECT_TRUE(left.empty()) << "done once dana was introduced";
  EXPECT_TRUE(OpenApprovals(carl_).empty());
  for (Peer* p : {&coord_, &carl_, &dana_, &alice_, &bob}) EXPECT_OK(SyncStatus(*p));
}

// Revoking a candidate before anyone approves it ends the proposal: carl's
// request is withdrawn with the revocation note, and approving it then
// finds nothing.
TEST_F(ThirdCoordinatorTest, RevokingACandidateWithdrawsTheProposal) {
  DanaJoins();
  ASSERT_EQ(OpenApprovals(carl_).size(), 1u);
  ASSERT_OK(coord_->Revoke("dana", false));
  Round({&coord_, &carl_});
  EXPECT_TRUE(OpenApprovals(carl_).empty()) << "the request was withdrawn";
  EXPECT_EQ(carl_->Approve("dana").status().code(), Status::Code::kNotFound);
  Round({&carl_, &coord_});
  EXPECT_FALSE(Lists(HeldRoster(coord_), dana_));
  // Her invite's ticket is withdrawn too (docs/protocol.md §11.6): the
  // relay no longer admits her even as a joiner.
  EXPECT_EQ(HeldRoster(coord_).roster().withdrawn.size(), 1u);
  EXPECT_FALSE(SyncStatus(dana_).ok());
  EXPECT_EQ(Contact(dana_, "base")->state, ContactState::kPending) << "never welcomed";
}

// A turned base asks carl to sign more than the candidate: a second,
// hidden coordinator, or a roster without carl. carl's approval signs
// neither; the same proposal with only the candidate is signed
// (positive control).
TEST_F(ThirdCoordinatorTest, AnApprovalSignsNothingButTheCandidate) {
  const team::SignedTeamState held = HeldRoster(coord_);
  const team::SigningKeyPair base_key = SigningKeyOf(coord_);
  SeededRandom r{41};
  const noise::KeyPair candidate = noise::KeyPair::Generate(r);
  const PublicKey candidate_key = PublicKey::From(candidate.public_key).value();
  const team::SigningKeyPair candidate_signer = team::SigningKeyPair::Generate(r);
  const team::SigningKeyPair hidden = team::SigningKeyPair::Generate(r);
  const team::TeamId& team = held.roster().team_id;
  auto sign = [&](team::TeamRoster next) {
    next.version = held.roster().version + 2;
    next.approvals = 2;
    auto bytes = team::SignTeamState(next, {{0, &base_key}});
    EXPECT_OK(bytes);
    return bytes.ok() ? *bytes : Bytes();
  };
  team::TeamRoster two_more = held.roster();
  two_more.coordinators.push_back(candidate_signer.public_key);
  two_more.coordinators.push_back(hidden.public_key);
  team::TeamRoster without_carl = held.roster();
  without_carl.coordinators = {held.roster().coordinators[0], candidate_signer.public_key};
  for (const team::TeamRoster& bad : {two_more, without_carl}) {
    ASSERT_OK(carl_->Ingest(
        SealAs(coord_, "carl", Proposal(candidate_key, candidate_signer, team, sign(bad)))));
    ASSERT_OK(carl_->Approve("rogue"));
    EXPECT_FALSE(HeldRoster(carl_).roster().CoordinatorIndex(candidate_signer.public_key) >= 0);
    EXPECT_EQ(HeldRoster(carl_).roster().coordinators.size(), 2u);
  }
  // A binding that names another static key: no proposal, no alert.
  const size_t alerts_before = OpenApprovals(carl_).size();
  pb::Body unbound = Proposal(candidate_key, candidate_signer, team, sign(two_more));
  const noise::KeyPair other = noise::KeyPair::Generate(r);
  unbound.mutable_team_note()->set_member(AsString(other.public_key));
  EXPECT_FALSE(carl_->Ingest(SealAs(coord_, "carl", unbound)).ok());
  EXPECT_EQ(OpenApprovals(carl_).size(), alerts_before);

  team::TeamRoster honest = held.roster();
  honest.coordinators.push_back(candidate_signer.public_key);
  // An informant (a helper, with every key its store holds) cannot ask.
  const size_t at_base = OpenApprovals(coord_).size();
  EXPECT_FALSE(coord_
                   ->Ingest(SealAs(alice_, "base",
                                   Proposal(candidate_key, candidate_signer, team, sign(honest))))
                   .ok());
  EXPECT_EQ(OpenApprovals(coord_).size(), at_base);
  ASSERT_OK_AND_ASSIGN(const std::vector<PendingApproval> at_base_pending,
                       coord_->PendingApprovals());
  EXPECT_TRUE(at_base_pending.empty());
  ASSERT_OK(carl_->Ingest(
      SealAs(coord_, "carl", Proposal(candidate_key, candidate_signer, team, sign(honest)))));
  const team::SignedTeamState now_held = HeldRoster(carl_);
  EXPECT_GE(now_held.roster().CoordinatorIndex(candidate_signer.public_key), 0)
      << "approved before: signed at once";
  EXPECT_EQ(now_held.signatures().size(), 2u);
}

TEST_F(CoordinatorsTest, ACoordinatorInviteIsJoinedOnlyFromAFreshCoordinatorHome) {
  ASSERT_OK_AND_ASSIGN(const std::string code, coord_->CreateInvite("", 3600, true));
  Peer hana{"hana", Role::kHelper, clock_, 10};
  const Result<Joined> helper = hana->Join(code, false);
  ASSERT_FALSE(helper.ok());
  EXPECT_NE(helper.status().message().find("helper"), std::string::npos)
      << helper.status().ToString();
  EXPECT_TRUE(ContactsOf(hana).empty());
  // A helper already enrolled: refused too, and nothing changes.
  const std::string before = Snapshot(alice_);
  EXPECT_FALSE(alice_->Join(code, false).ok());
  EXPECT_EQ(Snapshot(alice_), before);
  // A coordinator that already leads a team of its own.
  Peer other{"other", Role::kCoordinator, clock_, 9};
  ASSERT_OK(other->ExportTeam());
  EXPECT_FALSE(other->Join(code, false).ok());
}

// Anyone who saw one invite: flipping its coordinator flag either way makes
// nobody a coordinator, and nobody anything at all. The invite stays
// unused, so the person it was meant for can still join with it.
TEST_F(CoordinatorsTest, AnInviteAlteredToMakeACoordinatorEnrollsNobody) {
  ASSERT_OK_AND_ASSIGN(const std::string code, coord_->CreateInvite("", 3600));
  ASSERT_OK_AND_ASSIGN(pb::Invite invite, DecodeInvite(code));
  invite.set_coordinator(true);
  Peer mallory{"mallory", Role::kCoordinator, clock_, 11};
  ASSERT_OK(mallory->Join(EncodeInvite(invite), false));
  Round({&mallory, &coord_});
  EXPECT_FALSE(Contact(coord_, "mallory")) << "a helper invite made a coordinator";
  EXPECT_EQ(HeldRoster(coord_).roster().coordinators.size(), 1u);

  // The other way: a coordinator invite joined as a helper's.
  ASSERT_OK_AND_ASSIGN(const std::string for_carl, coord_->CreateInvite("", 3600, true));
  ASSERT_OK_AND_ASSIGN(pb::Invite altered, DecodeInvite(for_carl));
  altered.set_coordinator(false);
  Peer eve{"eve", Role::kHelper, clock_, 12};
  ASSERT_OK(eve->Join(EncodeInvite(altered), false));
  Round({&eve, &coord_});
  EXPECT_FALSE(Contact(coord_, "eve"));

  // The unaltered invites still work for whom they were meant.
  Peer hana{"hana", Role::kHelper, clock_, 13};
  ASSERT_OK(hana->Join(code, false));
  Round({&hana, &coord_, &hana});
  ASSERT_TRUE(Contact(coord_, "hana"));
  EXPECT_EQ(Contact(coord_, "hana")->role, Role::kHelper);
  ASSERT_OK(carl_->Join(for_carl, false));
  Round({&carl_, &coord_, &carl_});
  ASSERT_TRUE(Contact(coord_, "carl"));
  EXPECT_EQ(Contact(coord_, "carl")->role, Role::kCoordinator);
}

// Every coordinator knows the others' admission keys (from its welcome and
// its introductions), so whichever revokes another cuts it out of the
// ring: here the invited revokes its inviter, and a third coordinator the
// second, whom it met only by introduction.
TEST_F(ThirdCoordinatorTest, AnyCoordinatorRevokingAnotherCutsItOutOfTheRing) {
  DanaJoins();
  ASSERT_OK(carl_->Approve("dana"));
  Round({&carl_, &coord_, &dana_, &carl_, &alice_});
  ASSERT_TRUE(Contact(dana_, "carl"));
  ASSERT_OK(dana_->Revoke("carl", false));
  Round({&dana_});
  const Status carl_refused = SyncStatus(carl_);
  EXPECT_NE(carl_refused.message().find("no longer a member"), std::string::npos)
      << "carl's admission key left the ring: " << carl_refused.ToString();
  // Base and alice take the next change without having seen this one: the
  // relay hands them its step (docs/protocol.md §11.7).
  ASSERT_OK(dana_->Revoke("base", false));
  Round({&dana_});
  const Status refused = SyncStatus(coord_);
  EXPECT_NE(refused.message().find("no longer a member"), std::string::npos) << refused.ToString();
  for (Peer* p : {&dana_, &alice_}) EXPECT_OK(SyncStatus(*p));
}

// docs/protocol.md §11.7: alice does not sync while carl joins and then
// enrolls bob, so the relay's newest roster, signed by carl alone, does not
// follow hers, which does not list carl. The relay hands her the step that
// added carl with it: she walks it, is admitted, learns of carl from base's
// introduction, and her check-in reaches him. Bob stays unknown to her.
TEST_F(CoordinatorsTest, AHelperThatMissedACoordinatorChangeWalksTheStepsAndSyncs) {
  Peer bob{"bob", Role::kHelper, clock_, 14};
  ASSERT_NO_FATAL_FAILURE(CarlJoinsAndEnrolls(bob));
  const team::SignedTeamState newest = HeldRoster(carl_);
  ASSERT_OK(SyncStatus(alice_));
  ASSERT_OK_AND_ASSIGN(const Bytes held, alice_->RosterOf(newest.roster().team_id));
  EXPECT_EQ(held, newest.bytes());
  ASSERT_TRUE(Contact(alice_, "carl"));
  EXPECT_EQ(Contact(alice_, "carl")->role, Role::kCoordinator);
  EXPECT_FALSE(Contact(alice_, "bob"));
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> ids, alice_->CheckIn("fence", "", ""));
  EXPECT_EQ(ids.size(), 2u) << "one envelope per coordinator";
  Round({&alice_, &carl_});
  ASSERT_EQ(InboxFrom(carl_, "alice").size(), 1u);
  EXPECT_EQ(InboxFrom(carl_, "alice")[0].code, "fence");
}

// A relay set up from a roster after a change of coordinators holds no step
// below it. Alice, behind that change, cannot check its roster: one clear
// error names it, and nothing of her store changes. The same holds for a
// relay that forges a roster.
TEST_F(CoordinatorsTest, AHelperShownNoWayToANewerRosterIsToldSoAndLosesNothing) {
  Peer bob{"bob", Role::kHelper, clock_, 14};
  ASSERT_NO_FATAL_FAILURE(CarlJoinsAndEnrolls(bob));
  MemoryRelay late{"late.example", clock_, relay_random_, MemoryRelay::Admits::kTeamsOnly};
  ASSERT_OK(late.service().ServeTeam(HeldRoster(carl_).bytes()));
  const std::string before = Snapshot(alice_);
  const team::TeamId team = HeldRoster(carl_).roster().team_id;
  ASSERT_OK_AND_ASSIGN(const Bytes roster_before, alice_->RosterOf(team));
  MemoryDialer dialer;
  dialer.Add(late);
  ASSERT_OK_AND_ASSIGN(const sync::RelayAddress address, sync::ParseRelayAddress(late.address()));
  const Status stuck = SyncWithRelays(*alice_.node, {address}, dialer, alice_.random).status();
  EXPECT_FALSE(stuck.ok());
  EXPECT_NE(stuck.message().find("change of coordinators"), std::string::npos) << stuck.ToString();
  EXPECT_EQ(Snapshot(alice_), before);
  EXPECT_EQ(alice_->RosterOf(team).value(), roster_before);
  // Positive control: the team's own relay, which kept the step, takes her on.
  EXPECT_OK(SyncStatus(alice_));
}

}  // namespace
}  // namespace waypost::node
