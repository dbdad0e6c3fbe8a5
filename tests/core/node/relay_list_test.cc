// RelayList alone (core/node/relay_list.h): the `relays` table of a fresh
// node database. What the decoy copies (ReplaceWith) must cost no write when
// nothing changed, so that reading a store leaves both files as they were.
#include "core/node/relay_list.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/kit/node_db.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using Rows = std::vector<RelayList::Row>;
using Tables = std::set<std::string>;

constexpr const char* kRelayA =
    "wpr1:abababababababababababababababababababababababababababababababab@relay.example:7000";
constexpr const char* kRelayB =
    "wpr1:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd@relay2.example:7000";
constexpr const char* kRelayC =
    "wpr1:efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef@[::1]:7001";

class RelayListTest : public ::testing::Test {
 protected:
  std::vector<std::string> Addresses() {
    auto addresses = relays_.Addresses();
    EXPECT_OK(addresses);
    return addresses.ok() ? *addresses : std::vector<std::string>{};
  }
  Rows AllRows() {
    auto rows = relays_.Rows();
    EXPECT_OK(rows);
    return rows.ok() ? *rows : Rows{};
  }

  testing::NodeDatabase db_;
  RelayList relays_{db_.db()};
};

TEST_F(RelayListTest, StartsEmpty) {
  EXPECT_TRUE(Addresses().empty());
  EXPECT_TRUE(AllRows().empty());
}

TEST_F(RelayListTest, AddKeepsTheAddressAndWhenItWasAdded) {
  ASSERT_OK(relays_.Add(kRelayA, 100));
  EXPECT_EQ(Addresses(), std::vector<std::string>{kRelayA});
  EXPECT_EQ(AllRows(), (Rows{{kRelayA, 100}}));
}

TEST_F(RelayListTest, AddRefusesAMalformedAddressAndStoresNothing) {
  const std::string hex(64, 'a');
  for (const std::string& bad :
       {std::string(), std::string("relay.example:7000"), "wpr1:" + hex,
        "wpr1:" + hex + "@relay.example", "wpr1:" + hex.substr(1) + "@relay.example:7000",
        "wpr1:" + std::string(64, 'z') + "@relay.example:7000",
        "wpr2:" + hex + "@relay.example:7000", "wpr1:" + hex + "@relay.example:99999"}) {
    const Status added = relays_.Add(bad, 100).status();
    EXPECT_STATUS(added, Status::Code::kInvalidArgument) << "for \"" << bad << "\"";
    EXPECT_FALSE(added.message().empty()) << "it says what is wrong";
  }
  EXPECT_EQ(db_.Int("SELECT count(*) FROM relays"), 0);
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{});
}

TEST_F(RelayListTest, ASecondAddOfTheSameAddressIsIgnoredAndSaysSo) {
  ASSERT_OK_AND_ASSIGN(const bool first, relays_.Add(kRelayA, 100));
  EXPECT_TRUE(first);
  ASSERT_OK_AND_ASSIGN(const bool again, relays_.Add(kRelayA, 200));
  EXPECT_FALSE(again);
  EXPECT_EQ(AllRows(), (Rows{{kRelayA, 100}}));  // the first time stands
}

TEST_F(RelayListTest, RemoveForgetsOneAddressAndSaysWhetherItWasThere) {
  ASSERT_OK(relays_.Add(kRelayA, 100));
  ASSERT_OK(relays_.Add(kRelayB, 200));
  ASSERT_OK_AND_ASSIGN(const bool removed, relays_.Remove(kRelayA));
  EXPECT_TRUE(removed);
  EXPECT_EQ(AllRows(), (Rows{{kRelayB, 200}}));
  (void)db_->TakeWrittenTables();
  ASSERT_OK_AND_ASSIGN(const bool again, relays_.Remove(kRelayA));
  EXPECT_FALSE(again);
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{}) << "nothing to remove, nothing written";
  EXPECT_EQ(AllRows(), (Rows{{kRelayB, 200}}));
}

TEST_F(RelayListTest, AddressesAreOldestFirst) {
  ASSERT_OK(relays_.Add(kRelayB, 200));
  ASSERT_OK(relays_.Add(kRelayA, 300));
  ASSERT_OK(relays_.Add(kRelayC, 100));
  EXPECT_EQ(Addresses(), (std::vector<std::string>{kRelayC, kRelayB, kRelayA}));
}

TEST_F(RelayListTest, RowsAreByAddress) {
  ASSERT_OK(relays_.Add(kRelayC, 100));
  ASSERT_OK(relays_.Add(kRelayB, 200));
  ASSERT_OK(relays_.Add(kRelayA, 300));
  EXPECT_EQ(AllRows(), (Rows{{kRelayA, 300}, {kRelayB, 200}, {kRelayC, 100}}));
}

TEST_F(RelayListTest, ReplaceWithWritesNothingWhenTheTableAlreadyHoldsTheRows) {
  ASSERT_OK(relays_.Add(kRelayA, 100));
  ASSERT_OK(relays_.Add(kRelayB, 200));
  const Rows rows = AllRows();
  (void)db_->TakeWrittenTables();

  ASSERT_OK(relays_.ReplaceWith(rows));
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{});
  EXPECT_EQ(AllRows(), rows);
}

TEST_F(RelayListTest, ReplaceWithMakesTheTableHoldExactlyTheRows) {
  ASSERT_OK(relays_.Add(kRelayA, 100));
  ASSERT_OK(relays_.Add(kRelayB, 200));
  (void)db_->TakeWrittenTables();

  const Rows want = {{kRelayB, 250}, {kRelayC, 50}};  // B's time differs: a change too
  ASSERT_OK(relays_.ReplaceWith(want));
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{"relays"});
  EXPECT_EQ(AllRows(), want);
  EXPECT_EQ(Addresses(), (std::vector<std::string>{kRelayC, kRelayB}));
}

// Emptying the table must still be seen by TakeWrittenTables (a DELETE with
// no WHERE clause would not be): that is how a change reaches the decoy.
TEST_F(RelayListTest, ReplaceWithNothingEmptiesTheTableAndIsSeen) {
  ASSERT_OK(relays_.Add(kRelayA, 100));
  (void)db_->TakeWrittenTables();

  ASSERT_OK(relays_.ReplaceWith({}));
  EXPECT_TRUE(AllRows().empty());
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{"relays"});
}

TEST_F(RelayListTest, ReadingWritesNothing) {
  ASSERT_OK(relays_.Add(kRelayA, 100));
  (void)db_->TakeWrittenTables();
  Addresses();
  AllRows();
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{});
}

}  // namespace
}  // namespace waypost::node
