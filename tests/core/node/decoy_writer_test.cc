// WriteDecoy alone (core/node/decoy_writer.h), from a main store's parts
// into a second node database: what a captor holding the duress passphrase
// may see (docs/storage.md §3), the pair's duress chain and never its chain,
// and no write at all when nothing changed.
#include "core/node/decoy_writer.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/alert_book.h"
#include "core/node/invite_book.h"
#include "core/node/message_log.h"
#include "core/node/outbox.h"
#include "core/node/replay_cache.h"
#include "core/store/key_file.h"
#include "core/sync/roster_steps.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"
#include "tests/kit/vocabulary_print.h"

namespace waypost::node {
namespace {

using Tables = std::set<std::string>;

constexpr const char* kRelayA =
    "wpr1:abababababababababababababababababababababababababababababababab@relay.example:7000";
constexpr const char* kRelayB =
    "wpr1:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd@relay2.example:7000";
constexpr int64_t kDay = envelope::kEpochSeconds;

Bytes BytesOf(const Secret& s) { return Bytes(s.view().begin(), s.view().end()); }
Bytes IdOf(uint8_t tag) { return Bytes(32, tag); }

class DecoyWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(identity_, Identity::Create(main_.db(), "alice", Role::kHelper, random_));
    ASSERT_OK_AND_ASSIGN(duress_,
                         DuressState::Create(main_.db(), Secret(store::KeyFile::kDbKeySize), 0));
  }

  Status Write() {
    return WriteDecoy({main_.db(), identity_, duress_, relays_, settings_, contacts_, codebook_,
                       schedules_, teams_},
                      decoy_.db(), clock_.Now());
  }
  envelope::Epoch Today() const { return envelope::EpochOf(clock_.Now()); }

  ContactId Add(ContactBook& book, const std::string& name, Role role, envelope::Epoch epoch) {
    Secret tag(envelope::kKeySize), chain(envelope::kKeySize), key(PublicKey::kSize);
    for (Secret* s : {&tag, &chain, &key}) random_.Fill(s->span());
    auto id = book.Add({.name = name,
                        .public_key = PublicKey::From(key.view()).value(),
                        .role = role,
                        .state = ContactState::kActive,
                        .tag_key = tag.view(),
                        .chain_epoch = epoch,
                        .chain_key = &chain},
                       clock_.Now());
    EXPECT_OK(id);
    return id.ok() ? *id : ContactId{};
  }
  ContactId AddToMain(const std::string& name, Role role = Role::kCoordinator,
                      envelope::Epoch epoch = 0) {
    return Add(contacts_, name, role, epoch ? epoch : Today());
  }
  std::vector<std::string> DecoyNames() {
    auto all = decoy_contacts_.All();
    EXPECT_OK(all);
    std::vector<std::string> names;
    if (all.ok()) {
      for (const Contact& c : *all) names.push_back(c.name);
    }
    return names;
  }
  Contact InDecoy(const std::string& name) { return decoy_contacts_.Named(name).value(); }

  FakeClock clock_;
  SeededRandom random_{16};
  testing::NodeDatabase main_{"main.db"};
  testing::NodeDatabase decoy_{"decoy.db"};
  Identity identity_;
  DuressState duress_;
  RelayList relays_{main_.db()};
  SettingsTable settings_{main_.db()};
  ContactBook contacts_{main_.db()};
  Codebook codebook_{main_.db()};
  ScheduleBook schedules_{main_.db()};
  TeamBook teams_{main_.db()};
  ContactBook decoy_contacts_{decoy_.db()};
};

TEST_F(DecoyWriterTest, TheDecoyHoldsTheSameIdentity) {
  ASSERT_OK(Write());
  ASSERT_OK_AND_ASSIGN(const Identity copy, Identity::Load(decoy_.db()));
  EXPECT_EQ(copy.self().name, "alice");
  EXPECT_EQ(copy.self().role, Role::kHelper);
  EXPECT_EQ(copy.self().public_key, identity_.self().public_key);
  EXPECT_EQ(BytesOf(copy.tag_key()), BytesOf(identity_.tag_key()));
}

TEST_F(DecoyWriterTest, TheDecoyKnowsItIsADecoyAndWhichSlotsToSpare) {
  ASSERT_OK(duress_.RecordNewPassphraseSlot(main_.db(), 2));
  ASSERT_OK(Write());
  ASSERT_OK_AND_ASSIGN(const DuressState state,
                       DuressState::Load(decoy_.db(), 2, Secret(store::KeyFile::kDbKeySize)));
  EXPECT_TRUE(state.is_decoy());
  ASSERT_OK_AND_ASSIGN(const std::optional<int64_t> duress_slot, state.DuressSlot(decoy_.db()));
  EXPECT_EQ(duress_slot, 2);
  EXPECT_EQ(decoy_.Int("SELECT CAST(CAST(value AS TEXT) AS INTEGER) FROM meta "
                       "WHERE key = 'protected_slot'"),
            duress_.slot());
}

TEST_F(DecoyWriterTest, TheDecoyGetsTheRelaysAndSettingsInPlaceOfItsOwn) {
  ASSERT_OK(RelayList(decoy_.db()).Add(kRelayB, 5));
  ASSERT_OK(SettingsTable(decoy_.db()).PutDeliveryWindow(3));
  ASSERT_OK(relays_.Add(kRelayA, 10));
  ASSERT_OK(settings_.PutRetention(std::nullopt));

  ASSERT_OK(Write());
  EXPECT_EQ(RelayList(decoy_.db()).Rows().value(), relays_.Rows().value());
  EXPECT_EQ(SettingsTable(decoy_.db()).Rows().value(), settings_.Rows().value());
}

// What the main store has seen tells a captor that a history exists; the
// decoy needs none of it, since it cannot open what the pair's chain sealed.
TEST_F(DecoyWriterTest, TheDecoyGetsNoneOfTheMainStoresSeenIds) {
  ReplayCache main_seen(main_.db());
  ASSERT_OK(main_seen.Record(IdOf(1), clock_.Now() + kDay, envelope::RecipientTag{}));
  ASSERT_OK(main_seen.Record(IdOf(2), clock_.Now() + 2 * kDay, envelope::RecipientTag{}));
  ASSERT_OK(Write());
  EXPECT_EQ(decoy_.Int("SELECT count(*) FROM seen"), 0);
}

TEST_F(DecoyWriterTest, OnlyTheCoordinatorsAreCopied) {
  AddToMain("hq");
  AddToMain("base");
  AddToMain("bob", Role::kHelper);
  ASSERT_OK(Write());
  EXPECT_EQ(DecoyNames(), (std::vector<std::string>{"base", "hq"}));
}

// The decoy holds the pair's duress chain, at the same epoch as the main
// store's chains (a decoy whose chains started later would give itself
// away), and can reach no key of the pair's chain at any epoch.
TEST_F(DecoyWriterTest, TheDecoyHoldsTheDuressChainAtTheSameEpochAndNeverThePairsChain) {
  const envelope::Epoch old = Today() - 5;
  const ContactId hq = AddToMain("hq", Role::kCoordinator, old);
  const Contact main_hq = contacts_.Get(hq).value();
  ASSERT_OK(Write());

  const Contact copy = InDecoy("hq");
  EXPECT_EQ(copy.chain_epoch, old);
  EXPECT_EQ(copy.chain_epoch, main_hq.chain_epoch);
  EXPECT_EQ(BytesOf(copy.chain_key), BytesOf(main_hq.duress_key));
  EXPECT_TRUE(copy.duress_key.empty());
  const envelope::Epoch last = Today() + envelope::kDeliveryWindowEpochs;
  for (envelope::Epoch e = old; e <= last; ++e) {
    const Bytes pair = BytesOf(envelope::ChainAt(main_hq.chain_key, old, e));
    for (envelope::Epoch d = old; d <= last; ++d) {
      EXPECT_NE(BytesOf(envelope::ChainAt(copy.chain_key, copy.chain_epoch, d)), pair)
          << "the decoy reaches the pair's chain at epoch " << e;
    }
  }
  EXPECT_EQ(contacts_.Get(hq).value().chain_epoch, old);  // the main store's chain is its own
}

TEST_F(DecoyWriterTest, ACoordinatorAheadKeepsItsEpoch) {
  const ContactId hq = AddToMain("hq", Role::kCoordinator, Today() + 3);
  ASSERT_OK(Write());
  EXPECT_EQ(InDecoy("hq").chain_epoch, Today() + 3);
  EXPECT_EQ(BytesOf(InDecoy("hq").chain_key), BytesOf(contacts_.Get(hq).value().duress_key));
}

TEST_F(DecoyWriterTest, NoMessagesInvitesOutboxRowsOrAlertsAreCopied) {
  const ContactId hq = AddToMain("hq");
  ASSERT_OK(MessageLog(main_.db())
                .Insert({.id = IdOf(1),
                         .direction = Direction::kOut,
                         .kind = MessageKind::kCheckIn,
                         .contact = hq,
                         .code = "ok",
                         .text = "",
                         .sent_at = clock_.Now(),
                         .received_at = std::nullopt,
                         .duress = false}));
  const Bytes id = IdOf(1);
  const Bytes envelope(117, 1);
  ASSERT_OK(Outbox(main_.db())
                .Add({.id = id,
                      .envelope = envelope,
                      .expires_at = clock_.Now() + kDay,
                      .keep = Outbox::Keep::kUntilReceipt,
                      .contact = std::nullopt,
                      .created_at = 0,
                      .reply_to = {}}));
  ASSERT_OK(
      InviteBook(main_.db()).Add(Bytes(16, 2), Secret(32), "", clock_.Now(), clock_.Now() + kDay));
  ASSERT_OK(AlertBook(main_.db()).Raise(hq, AlertKind::kDuress, IdOf(1), clock_.Now()));

  ASSERT_OK(Write());
  for (const char* table : {"messages", "outbox", "invites", "alerts"}) {
    EXPECT_EQ(decoy_.Int(std::string("SELECT count(*) FROM ") + table), 0) << table;
  }
}

TEST_F(DecoyWriterTest, AContactNoLongerACoordinatorLeavesTheDecoyWithItsHistory) {
  AddToMain("hq");
  AddToMain("base");
  ASSERT_OK(Write());
  // What the decoy itself took in about hq while a captor used it.
  const ContactId hq_in_decoy = InDecoy("hq").id;
  ASSERT_OK(MessageLog(decoy_.db())
                .Insert({.id = IdOf(7),
                         .direction = Direction::kIn,
                         .kind = MessageKind::kText,
                         .contact = hq_in_decoy,
                         .code = "",
                         .text = "where are you?",
                         .sent_at = clock_.Now(),
                         .received_at = clock_.Now(),
                         .duress = false}));
  ASSERT_OK(AlertBook(decoy_.db()).Raise(hq_in_decoy, AlertKind::kDuress, IdOf(7), clock_.Now()));

  // No API changes a role yet; the row is what WriteDecoy reads.
  ASSERT_OK(main_->Run("UPDATE contacts SET role = 'helper' WHERE name = 'hq'"));
  ASSERT_OK(Write());
  EXPECT_EQ(DecoyNames(), std::vector<std::string>{"base"});
  EXPECT_EQ(decoy_.Int("SELECT count(*) FROM messages"), 0);
  EXPECT_EQ(decoy_.Int("SELECT count(*) FROM alerts"), 0);
}

TEST_F(DecoyWriterTest, AContactTheDecoyAddedItselfLeavesIt) {
  AddToMain("hq");
  Add(decoy_contacts_, "stranger", Role::kCoordinator, Today());
  ASSERT_OK(Write());
  EXPECT_EQ(DecoyNames(), std::vector<std::string>{"hq"});
}

// What the decoy sends and receives stays in the decoy (docs/storage.md §3).
TEST_F(DecoyWriterTest, TheDecoysOwnHistoryWithACoordinatorStays) {
  AddToMain("hq");
  ASSERT_OK(Write());
  ASSERT_OK(MessageLog(decoy_.db())
                .Insert({.id = IdOf(7),
                         .direction = Direction::kOut,
                         .kind = MessageKind::kCheckIn,
                         .contact = InDecoy("hq").id,
                         .code = "ok",
                         .text = "",
                         .sent_at = clock_.Now(),
                         .received_at = std::nullopt,
                         .duress = false}));
  ASSERT_OK(Write());
  EXPECT_EQ(decoy_.Int("SELECT count(*) FROM messages"), 1);
  EXPECT_EQ(main_.Int("SELECT count(*) FROM messages"), 0);
}

TEST_F(DecoyWriterTest, ADecoyChainAlreadyAheadIsNeverMovedBack) {
  AddToMain("hq");
  ASSERT_OK(Write());
  ASSERT_OK(decoy_contacts_.RatchetTo(Today() + 4));  // as the decoy's own opens would
  const Bytes ahead = BytesOf(InDecoy("hq").chain_key);
  ASSERT_OK(Write());
  EXPECT_EQ(InDecoy("hq").chain_epoch, Today() + 4);
  EXPECT_EQ(BytesOf(InDecoy("hq").chain_key), ahead);
}

// When the main store ratchets its chains (forward secrecy, at open), the
// next write moves the decoy's on with them.
TEST_F(DecoyWriterTest, TheDecoysChainFollowsTheMainStoresRatchet) {
  AddToMain("hq", Role::kCoordinator, Today() - 3);
  ASSERT_OK(Write());
  EXPECT_EQ(InDecoy("hq").chain_epoch, Today() - 3);
  ASSERT_OK(contacts_.RatchetTo(Today() - 1));
  ASSERT_OK(Write());
  EXPECT_EQ(InDecoy("hq").chain_epoch, Today() - 1);
}

// Opening the main store writes the decoy every time: with nothing changed
// it must change no byte of the decoy file (SECURITY.md, "Coercion").
TEST_F(DecoyWriterTest, ASecondWriteWithNothingChangedWritesNothing) {
  ASSERT_OK(duress_.RecordNewPassphraseSlot(main_.db(), 2));
  ASSERT_OK(relays_.Add(kRelayA, 10));
  ASSERT_OK(settings_.PutDeliveryWindow(7));
  ASSERT_OK(ReplayCache(main_.db()).Record(IdOf(1), clock_.Now() + kDay, envelope::RecipientTag{}));
  AddToMain("hq", Role::kCoordinator, Today() - 2);
  AddToMain("bob", Role::kHelper);
  ASSERT_OK(Write());
  (void)decoy_->TakeWrittenTables();
  (void)main_->TakeWrittenTables();

  ASSERT_OK(Write());
  EXPECT_EQ(decoy_->TakeWrittenTables(), Tables{});
  EXPECT_EQ(main_->TakeWrittenTables(), Tables{});
}

TEST_F(DecoyWriterTest, AChangeRewritesOnlyItsOwnTable) {
  ASSERT_OK(relays_.Add(kRelayA, 10));
  AddToMain("hq");
  ASSERT_OK(Write());
  (void)decoy_->TakeWrittenTables();

  ASSERT_OK(relays_.Add(kRelayB, 20));
  ASSERT_OK(Write());
  EXPECT_EQ(decoy_->TakeWrittenTables(), Tables{"relays"});
}

// One transaction: a failure part-way leaves no half-written decoy.
TEST_F(DecoyWriterTest, AFailedWriteLeavesTheDecoyAsItWas) {
  ASSERT_OK(relays_.Add(kRelayA, 10));
  AddToMain("hq");
  ASSERT_OK(decoy_->Exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON contacts BEGIN SELECT RAISE(ABORT, 'no'); END;"));
  EXPECT_FALSE(Write().ok());
  for (const char* table : {"meta", "relays", "contacts"}) {
    EXPECT_EQ(decoy_.Int(std::string("SELECT count(*) FROM ") + table), 0) << table;
  }
}

// The decoy hands a relay behind it the same steps of the roster chain as
// the owner would (docs/protocol.md §11.7), so a sync from it looks the
// same; rewritten only when they changed.
TEST_F(DecoyWriterTest, TheDecoyHoldsTheSameRosterSteps) {
  const team::SigningKeyPair first = team::SigningKeyPair::Generate(random_);
  const team::SigningKeyPair second = team::SigningKeyPair::Generate(random_);
  team::TeamRoster step;
  step.team_id.fill(7);
  step.version = 3;
  step.issued_at = clock_.Now();
  step.approvals = 2;
  step.coordinators = {first.public_key, second.public_key};
  ASSERT_OK_AND_ASSIGN(const Bytes bytes, team::SignTeamState(step, {{0, &first}}));
  ASSERT_OK_AND_ASSIGN(const team::SignedTeamState state, team::SignedTeamState::Parse(bytes));
  sync::RosterSteps main_steps(main_.db());
  ASSERT_OK(main_steps.Keep({state}));
  ASSERT_OK(Write());
  sync::RosterSteps decoy_steps(decoy_.db());
  EXPECT_EQ(decoy_steps.Above(step.team_id, 0).value(), std::vector<Bytes>{bytes});
  (void)decoy_->TakeWrittenTables();
  ASSERT_OK(Write());
  EXPECT_EQ(decoy_->TakeWrittenTables(), Tables{});
}

}  // namespace
}  // namespace waypost::node
