// ContactBook alone (core/node/contact_book.h): names as local labels, the
// lookups and their errors, the one-way chain ratchet (docs/protocol.md
// §3.2), and Mirror, the decoy's side (docs/storage.md §3), which must cost
// no write when nothing differs and never move a chain back.
#include "core/node/contact_book.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/envelope/keys.h"
#include "core/node/alert_book.h"
#include "core/node/message_log.h"
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

class ContactBookTest : public ::testing::Test {
 protected:
  Secret Drawn() {
    Secret s(envelope::kKeySize);
    random_.Fill(s.span());
    return s;
  }
  PublicKey DrawnKey() { return PublicKey::From(Drawn().view()).value(); }

  // A contact with fresh keys and its chain at `epoch`.
  ContactId Add(ContactBook& book, const std::string& name, Role role = Role::kHelper,
                envelope::Epoch epoch = kEpoch) {
    const Secret tag = Drawn();
    const Secret chain = Drawn();
    auto id = book.Add({.name = name,
                        .public_key = DrawnKey(),
                        .role = role,
                        .state = ContactState::kActive,
                        .tag_key = tag.view(),
                        .chain_epoch = epoch,
                        .chain_key = &chain},
                       kNow);
    EXPECT_OK(id);
    return id.ok() ? *id : ContactId{};
  }
  ContactId Add(const std::string& name, Role role = Role::kHelper,
                envelope::Epoch epoch = kEpoch) {
    return Add(book_, name, role, epoch);
  }
  Contact Get(ContactBook& book, ContactId id) {
    auto c = book.Get(id);
    EXPECT_OK(c);
    return c.ok() ? std::move(c).value() : Contact{};
  }
  std::vector<std::string> Names(Result<std::vector<Contact>> contacts) {
    EXPECT_OK(contacts);
    std::vector<std::string> out;
    if (contacts.ok()) {
      for (const Contact& c : *contacts) out.push_back(c.name);
    }
    return out;
  }

  SeededRandom random_{11};
  testing::NodeDatabase db_;
  ContactBook book_{db_.db()};
};

TEST_F(ContactBookTest, AddStoresTheContactAndGetReadsItBack) {
  const Secret tag = Drawn();
  const Secret chain = Drawn();
  const PublicKey key = DrawnKey();
  ASSERT_OK_AND_ASSIGN(const ContactId id, book_.Add({.name = "hq",
                                                      .public_key = key,
                                                      .role = Role::kCoordinator,
                                                      .state = ContactState::kPending,
                                                      .tag_key = tag.view(),
                                                      .chain_epoch = kEpoch,
                                                      .chain_key = &chain},
                                                     kNow));
  ASSERT_OK_AND_ASSIGN(const Contact c, book_.Get(id));
  EXPECT_EQ(c.id, id);
  EXPECT_EQ(c.name, "hq");
  EXPECT_EQ(c.public_key, key);
  EXPECT_EQ(c.role, Role::kCoordinator);
  EXPECT_EQ(c.state, ContactState::kPending);
  EXPECT_EQ(BytesOf(c.tag_key), BytesOf(tag));
  EXPECT_EQ(c.chain_epoch, kEpoch);
  EXPECT_EQ(BytesOf(c.chain_key), BytesOf(chain));
  EXPECT_EQ(c.peer_epoch, 0);  // no envelope from it yet
  EXPECT_EQ(c.last_seen, std::nullopt);

  const ContactInfo info = c.Info();
  EXPECT_EQ(info.name, "hq");
  EXPECT_EQ(info.fingerprint, envelope::Fingerprint(key.view()));
  EXPECT_EQ(info.role, Role::kCoordinator);
  EXPECT_EQ(info.state, ContactState::kPending);
}

TEST_F(ContactBookTest, ANameClashGetsANumericSuffix) {
  Add("bob");
  Add("bob");
  Add("bob");
  EXPECT_EQ(Names(book_.All()), (std::vector<std::string>{"bob", "bob-2", "bob-3"}));
}

TEST_F(ContactBookTest, RenameKeepsNamesUniqueWhateverTheCase) {
  const ContactId bob = Add("bob");
  Add("Amira");
  ASSERT_OK(book_.Rename(bob, "Bob"));  // its own name in another case
  EXPECT_EQ(Get(book_, bob).name, "Bob");
  EXPECT_STATUS(book_.Rename(bob, "amira"), Status::Code::kAlreadyExists);
  EXPECT_STATUS(book_.Rename(bob, ""), Status::Code::kInvalidArgument);
  EXPECT_STATUS(book_.Rename(bob, "b\x1b[2Jb"), Status::Code::kInvalidArgument);
  EXPECT_EQ(Names(book_.All()), (std::vector<std::string>{"Amira", "Bob"}));
}

// A sign-up done again (docs/protocol.md §5.3): new chains, numbering from
// the start, the same row, name and id.
TEST_F(ContactBookTest, RekeyRenewsTheChainsAndKeepsTheRow) {
  const ContactId id = Add("hq");
  ASSERT_OK(book_.SetJoinId(id, BytesOf(Drawn())));
  const Secret tag = Drawn();
  const Secret chain = Drawn();
  ASSERT_OK(book_.Rekey(id, {.name = "ignored",
                             .public_key = Get(book_, id).public_key,
                             .role = Role::kCoordinator,
                             .state = ContactState::kPending,
                             .tag_key = tag.view(),
                             .chain_epoch = kEpoch + 3,
                             .chain_key = &chain,
                             .invite_expires_at = kNow + 3600,
                             .joined_at = kNow}));
  const Contact c = Get(book_, id);
  EXPECT_EQ(c.name, "hq");
  EXPECT_EQ(BytesOf(c.tag_key), BytesOf(tag));
  EXPECT_EQ(c.chain_epoch, kEpoch + 3);
  EXPECT_EQ(BytesOf(c.chain_key), BytesOf(chain));
  EXPECT_EQ(BytesOf(c.duress_key), BytesOf(envelope::DuressChainFrom(chain)));
  EXPECT_EQ(c.invite_expires_at, kNow + 3600);
  EXPECT_EQ(c.joined_at, kNow);
  EXPECT_TRUE(c.join_id.empty());
}

TEST_F(ContactBookTest, ASuffixSkipsANameAlreadyTakenOutright) {
  Add("bob");
  Add("bob-2");
  const ContactId third = Add("bob");
  EXPECT_EQ(Get(book_, third).name, "bob-3");
}

TEST_F(ContactBookTest, AllIsByNameAndWithRoleKeepsOneRole) {
  Add("carol", Role::kHelper);
  Add("hq", Role::kCoordinator);
  Add("alice", Role::kHelper);
  Add("base", Role::kCoordinator);
  EXPECT_EQ(Names(book_.All()), (std::vector<std::string>{"alice", "base", "carol", "hq"}));
  EXPECT_EQ(Names(book_.WithRole(Role::kCoordinator)), (std::vector<std::string>{"base", "hq"}));
  EXPECT_EQ(Names(book_.WithRole(Role::kHelper)), (std::vector<std::string>{"alice", "carol"}));
  EXPECT_TRUE(Names(book_.WithRole(Role::kRelay)).empty());
}

// Ids come from rows that refer to a contact: a missing one is damage.
TEST_F(ContactBookTest, GetOfAMissingIdIsCorrupt) {
  const ContactId bob = Add("bob");
  EXPECT_STATUS(book_.Get(ContactId{bob.value + 1}), Status::Code::kCorrupt);
}

TEST_F(ContactBookTest, NamedFindsTheContact) {
  const ContactId bob = Add("bob");
  ASSERT_OK_AND_ASSIGN(const Contact c, book_.Named("bob"));
  EXPECT_EQ(c.id, bob);
}

TEST_F(ContactBookTest, NamedTakesANameAsAPersonTypesIt) {
  const ContactId coord = Add("Coord");
  const ContactId amira = Add("아미라");
  for (const char* typed : {"Coord", "coord", "COORD", "  coord\n", "\tCoord "}) {
    ASSERT_OK_AND_ASSIGN(const Contact c, book_.Named(typed));
    EXPECT_EQ(c.id, coord) << typed;
  }
  ASSERT_OK_AND_ASSIGN(const Contact c, book_.Named(" 아미라 "));
  EXPECT_EQ(c.id, amira);
}

TEST_F(ContactBookTest, ANameThatDiffersOnlyInCaseGetsASuffix) {
  Add("bob");
  const ContactId second = Add("Bob");
  EXPECT_EQ(Get(book_, second).name, "Bob-2") << "so that \"bob\" and \"BOB\" name one contact";
}

TEST_F(ContactBookTest, NamesThatDifferOnlyInCaseAreAmbiguousUnlessExact) {
  // A store from before names were kept apart without regard to case.
  const ContactId lower = Add("bob");
  const ContactId other = Add("other");
  ASSERT_OK(db_.db().Exec(
      "UPDATE contacts SET name = 'Bob' WHERE id = " + std::to_string(other.value) + ";"));
  ASSERT_OK_AND_ASSIGN(const Contact exact, book_.Named("bob"));
  EXPECT_EQ(exact.id, lower);
  const Result<Contact> either = book_.Named("BOB");
  EXPECT_STATUS(either, Status::Code::kInvalidArgument);
  EXPECT_NE(either.status().message().find("\"Bob\", \"bob\""), std::string::npos)
      << either.status().message();
}

TEST_F(ContactBookTest, NamedOfAnUnknownNameIsNotFoundGuessesAndPointsAtContacts) {
  Add("Amira");
  Add("Coord");
  const Result<Contact> found = book_.Named("amria");
  EXPECT_STATUS(found, Status::Code::kNotFound);
  EXPECT_EQ(found.status().message(),
            "no contact named \"amria\"; did you mean \"Amira\"? (see `waypost contacts`)");
  const Result<Contact> far = book_.Named("Zed");
  EXPECT_STATUS(far, Status::Code::kNotFound);
  EXPECT_EQ(far.status().message(), "no contact named \"Zed\" (see `waypost contacts`)");
}

TEST_F(ContactBookTest, WithKeyFindsTheContactOrNothing) {
  const ContactId bob = Add("bob");
  const PublicKey key = Get(book_, bob).public_key;
  ASSERT_OK_AND_ASSIGN(const std::optional<Contact> found, book_.WithKey(key));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, bob);
  ASSERT_OK_AND_ASSIGN(const std::optional<Contact> none, book_.WithKey(DrawnKey()));
  EXPECT_FALSE(none.has_value());
}

TEST_F(ContactBookTest, SetStateSetPeerEpochAndTouchChangeOnlyThatContact) {
  const ContactId bob = Add("bob");
  const ContactId carol = Add("carol");
  ASSERT_OK(book_.SetState(bob, ContactState::kPending));
  ASSERT_OK(book_.SetPeerEpoch(bob, kEpoch + 3));
  ASSERT_OK(book_.Touch(bob, kNow + 60));
  const Contact b = Get(book_, bob);
  EXPECT_EQ(b.state, ContactState::kPending);
  EXPECT_EQ(b.peer_epoch, kEpoch + 3);
  EXPECT_EQ(b.last_seen, kNow + 60);
  const Contact c = Get(book_, carol);
  EXPECT_EQ(c.state, ContactState::kActive);
  EXPECT_EQ(c.peer_epoch, 0);
  EXPECT_EQ(c.last_seen, std::nullopt);
}

TEST_F(ContactBookTest, RatchetToMovesOnlyOlderChainsToExactlyTheFloor) {
  const ContactId old = Add("old", Role::kHelper, kEpoch - 10);
  const ContactId level = Add("level", Role::kHelper, kEpoch);
  const ContactId ahead = Add("ahead", Role::kHelper, kEpoch + 4);
  const Contact before_old = Get(book_, old);
  const Bytes level_key = BytesOf(Get(book_, level).chain_key);
  const Bytes ahead_key = BytesOf(Get(book_, ahead).chain_key);

  ASSERT_OK(book_.RatchetTo(kEpoch));
  const Contact after_old = Get(book_, old);
  EXPECT_EQ(after_old.chain_epoch, kEpoch);
  EXPECT_EQ(BytesOf(after_old.chain_key),
            BytesOf(envelope::ChainAt(before_old.chain_key, kEpoch - 10, kEpoch)));
  EXPECT_EQ(Get(book_, level).chain_epoch, kEpoch);
  EXPECT_EQ(BytesOf(Get(book_, level).chain_key), level_key);
  EXPECT_EQ(Get(book_, ahead).chain_epoch, kEpoch + 4);
  EXPECT_EQ(BytesOf(Get(book_, ahead).chain_key), ahead_key);
}

// Forward secrecy: the old key is overwritten, not kept beside the new one.
TEST_F(ContactBookTest, RatchetToLeavesNoTraceOfTheOldKeyInTheTable) {
  const ContactId old = Add("old", Role::kHelper, kEpoch - 2);
  const Bytes old_key = BytesOf(Get(book_, old).chain_key);
  ASSERT_OK(book_.RatchetTo(kEpoch));
  auto st = db_->Query("SELECT count(*) FROM contacts WHERE chain_key = ?", old_key);
  ASSERT_OK(st);
  ASSERT_TRUE(st->Step().value());
  EXPECT_EQ(st->ColumnInt64(0), 0);
}

TEST_F(ContactBookTest, RatchetToWritesNothingWhenNoChainIsOlder) {
  Add("level", Role::kHelper, kEpoch);
  Add("ahead", Role::kHelper, kEpoch + 1);
  (void)db_->TakeWrittenTables();
  ASSERT_OK(book_.RatchetTo(kEpoch));
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{});
}

TEST_F(ContactBookTest, KeysListsEveryContactsIdAndKey) {
  const ContactId bob = Add("bob");
  const ContactId hq = Add("hq", Role::kCoordinator);
  ASSERT_OK_AND_ASSIGN(auto keys, book_.Keys());
  ASSERT_EQ(keys.size(), 2u);
  for (const auto& [id, key] : keys) {
    EXPECT_TRUE(id == bob || id == hq);
    EXPECT_EQ(key, Get(book_, id).public_key);
  }
  EXPECT_FALSE(keys[0].first == keys[1].first);
}

TEST_F(ContactBookTest, RemoveAlsoRemovesThatContactsMessagesAndAlerts) {
  const ContactId bob = Add("bob");
  const ContactId carol = Add("carol");
  MessageLog log(db_.db());
  AlertBook alerts(db_.db());
  const Bytes bob_msg(32, 0xB0), carol_msg(32, 0xC0);
  for (const auto& [id, who] : {std::pair{&bob_msg, bob}, std::pair{&carol_msg, carol}}) {
    ASSERT_OK(log.Insert({.id = *id,
                          .direction = Direction::kIn,
                          .kind = MessageKind::kCheckIn,
                          .contact = who,
                          .code = "ok",
                          .text = "",
                          .sent_at = kNow,
                          .received_at = kNow,
                          .duress = true}));
    ASSERT_OK(alerts.Raise(who, AlertKind::kDuress, *id, kNow));
  }

  ASSERT_OK(book_.Remove(bob));
  EXPECT_EQ(Names(book_.All()), std::vector<std::string>{"carol"});
  EXPECT_EQ(
      db_.Int("SELECT count(*) FROM messages WHERE contact_id = " + std::to_string(bob.value)), 0);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM alerts WHERE contact_id = " + std::to_string(bob.value)),
            0);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM messages"), 1);
  EXPECT_EQ(db_.Int("SELECT count(*) FROM alerts"), 1);
}

}  // namespace
}  // namespace waypost::node
