// DuressState's slot choice for `duress set` (core/node/duress_state.h,
// docs/storage.md §3), alone over node databases. The main store reuses its
// duress slot; a decoy never touches its own slot, the main store's
// (protected) slot or the duress slot, and draws among the free ones. Each
// draw is tried under many seeds, since a rule broken for one seed in four
// would pass a single try.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>

#include "core/node/duress_state.h"
#include "core/random.h"
#include "core/store/key_file.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

constexpr int kMainSlot = 0;
constexpr int kDuressSlot = 2;
constexpr int kSeeds = 64;

Secret KeyOf(uint8_t tag) { return Secret::From(Bytes(store::KeyFile::kDbKeySize, tag)); }

class DuressSlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(main_, DuressState::Create(main_db_.db(), KeyOf(1), 0));
  }

  // The decoy as a captor's unlock through `slot` opens it, after the main
  // store described it.
  DuressState OpenDecoy(int slot, std::optional<int64_t> duress_slot = kDuressSlot) {
    EXPECT_OK(main_.DescribeTo(decoy_db_.db(), duress_slot));
    auto state = DuressState::Load(decoy_db_.db(), slot, KeyOf(1));
    EXPECT_OK(state);
    EXPECT_TRUE(state.ok() && state->is_decoy());
    return state.ok() ? std::move(state).value() : DuressState{};
  }
  // Every slot `state` picks in `db` under kSeeds different random streams.
  static std::set<int> Picks(const DuressState& state, testing::NodeDatabase& db) {
    std::set<int> picked;
    for (uint64_t seed = 0; seed < kSeeds; ++seed) {
      SeededRandom random(seed);
      auto slot = state.SlotForNewPassphrase(db.db(), random);
      EXPECT_OK(slot) << "seed " << seed;
      if (slot.ok()) picked.insert(*slot);
    }
    return picked;
  }
  static std::string MetaText(testing::NodeDatabase& db, const std::string& key) {
    auto st = db->Query("SELECT CAST(value AS TEXT) FROM meta WHERE key = ?", key);
    if (!st.ok()) return "";
    const Result<bool> row = st->Step();
    return row.ok() && *row ? st->ColumnText(0) : "";
  }

  testing::NodeDatabase main_db_{"main.db"};
  testing::NodeDatabase decoy_db_{"decoy.db"};
  DuressState main_;
};

TEST_F(DuressSlotTest, TheMainStoreFirstDrawsAnySlotButItsOwn) {
  EXPECT_EQ(Picks(main_, main_db_), (std::set<int>{1, 2, 3}));
}

TEST_F(DuressSlotTest, TheMainStoreReusesItsDuressSlot) {
  ASSERT_OK(main_.RecordNewPassphraseSlot(main_db_.db(), 3));
  ASSERT_OK_AND_ASSIGN(const std::optional<int64_t> recorded, main_.DuressSlot(main_db_.db()));
  EXPECT_EQ(recorded, 3);
  EXPECT_EQ(Picks(main_, main_db_), std::set<int>{3});
}

TEST_F(DuressSlotTest, TheMainStoreNeverPicksItsOwnSlotEvenIfTheRecordSaysSo) {
  ASSERT_OK(main_.RecordNewPassphraseSlot(main_db_.db(), kMainSlot));
  EXPECT_EQ(Picks(main_, main_db_).count(kMainSlot), 0u);
}

TEST_F(DuressSlotTest, AnOutOfRangeOrDamagedSlotRecordIsCorrupt) {
  for (const char* damaged : {"4", "-1", "two"}) {
    ASSERT_OK(main_db_->Run("INSERT OR REPLACE INTO meta(key, value) VALUES('duress_slot', ?)",
                            AsBytes(damaged)));
    SeededRandom random(1);
    EXPECT_STATUS(main_.SlotForNewPassphrase(main_db_.db(), random), Status::Code::kCorrupt)
        << damaged;
  }
}

TEST_F(DuressSlotTest, ADecoyDrawsAmongTheFreeSlotsOnly) {
  const DuressState decoy = OpenDecoy(kDuressSlot);
  EXPECT_EQ(Picks(decoy, decoy_db_), (std::set<int>{1, 3}));
}

// Its record goes to extra_slot: the duress slot is the main store's to
// name, and stays as the main store described it.
TEST_F(DuressSlotTest, ADecoyRecordsItsOwnExtraSlot) {
  const DuressState decoy = OpenDecoy(kDuressSlot);
  ASSERT_OK(decoy.RecordNewPassphraseSlot(decoy_db_.db(), 3));
  EXPECT_EQ(MetaText(decoy_db_, "extra_slot"), "3");
  ASSERT_OK_AND_ASSIGN(const std::optional<int64_t> duress, decoy.DuressSlot(decoy_db_.db()));
  EXPECT_EQ(duress, kDuressSlot);
}

TEST_F(DuressSlotTest, ADecoyOpenedThroughTheDuressSlotReusesItsExtraSlot) {
  ASSERT_OK(OpenDecoy(kDuressSlot).RecordNewPassphraseSlot(decoy_db_.db(), 3));
  EXPECT_EQ(Picks(OpenDecoy(kDuressSlot), decoy_db_), std::set<int>{3});
}

// The captor's earlier passphrase must keep working, as a changed one would
// not: the one free slot left is the only choice.
TEST_F(DuressSlotTest, ADecoyOpenedThroughItsExtraSlotPicksAnother) {
  ASSERT_OK(OpenDecoy(kDuressSlot).RecordNewPassphraseSlot(decoy_db_.db(), 3));
  EXPECT_EQ(Picks(OpenDecoy(3), decoy_db_), std::set<int>{1});
}

TEST_F(DuressSlotTest, ADecoyWithoutADuressSlotRecordStillSparesItsOwnAndTheMainSlot) {
  const DuressState decoy = OpenDecoy(kDuressSlot, std::nullopt);
  EXPECT_EQ(Picks(decoy, decoy_db_), (std::set<int>{1, 3}));
}

TEST_F(DuressSlotTest, ADecoyThatDoesNotKnowTheMainSlotRefusesToPick) {
  ASSERT_OK(decoy_db_->Run("INSERT INTO meta(key, value) VALUES('mode', ?)", AsBytes("decoy")));
  ASSERT_OK_AND_ASSIGN(const DuressState decoy,
                       DuressState::Load(decoy_db_.db(), kDuressSlot, KeyOf(1)));
  SeededRandom random(1);
  EXPECT_STATUS(decoy.SlotForNewPassphrase(decoy_db_.db(), random), Status::Code::kCorrupt);
}

// A damaged (or edited) extra-slot record that names the main store's slot
// must not make the decoy's `duress set` overwrite the main passphrase: it
// is damage, not a slot to reuse.
TEST_F(DuressSlotTest, ADecoysExtraSlotRecordNamingTheMainSlotIsCorrupt) {
  const DuressState decoy = OpenDecoy(kDuressSlot);
  ASSERT_OK(decoy_db_->Run("INSERT INTO meta(key, value) VALUES('extra_slot', ?)",
                           AsBytes(std::to_string(kMainSlot))));
  SeededRandom random(1);
  const Result<int> slot = decoy.SlotForNewPassphrase(decoy_db_.db(), random);
  EXPECT_STATUS(slot, Status::Code::kCorrupt)
      << "the decoy picked slot " << (slot.ok() ? *slot : -1) << ", the main store's";
}

// Nor one naming the captor's duress slot, opened through the extra slot.
TEST_F(DuressSlotTest, ADecoysExtraSlotRecordNamingTheDuressSlotIsCorrupt) {
  constexpr int kExtraSlot = 3;
  const DuressState decoy = OpenDecoy(kExtraSlot);
  ASSERT_OK(decoy_db_->Run("INSERT INTO meta(key, value) VALUES('extra_slot', ?)",
                           AsBytes(std::to_string(kDuressSlot))));
  SeededRandom random(1);
  EXPECT_STATUS(decoy.SlotForNewPassphrase(decoy_db_.db(), random), Status::Code::kCorrupt);
}

}  // namespace
}  // namespace waypost::node
