// DuressState alone (core/node/duress_state.h): the main store's decoy key
// and duress episode, the decoy's use mark, and which key-file slot a new
// duress passphrase may take (docs/storage.md §3). The slot rules are what
// keeps a captor's `duress set` from overwriting the main store's slot.
#include "core/node/duress_state.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>

#include "core/store/key_file.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using Tables = std::set<std::string>;

constexpr UnixTime kNow = 1'800'000'000;
constexpr int kMainSlot = 0;  // any of the four may be the main one (home.h)

Secret KeyOf(uint8_t tag) { return Secret::From(Bytes(store::KeyFile::kDbKeySize, tag)); }
Bytes BytesOf(const Secret& s) { return Bytes(s.view().begin(), s.view().end()); }

class DuressStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(main_, DuressState::Create(db_.db(), KeyOf(1), kMainSlot));
  }

  // The main store as the next open sees it.
  DuressState Reloaded() {
    auto loaded = DuressState::Load(db_.db(), kMainSlot, KeyOf(2));
    EXPECT_OK(loaded);
    return loaded.ok() ? std::move(loaded).value() : DuressState{};
  }
  // A meta row's value read as text, "" when missing.
  static std::string MetaText(testing::NodeDatabase& db, const std::string& key) {
    auto st = db->Query("SELECT CAST(value AS TEXT) FROM meta WHERE key = ?", key);
    if (!st.ok()) return "";
    const Result<bool> row = st->Step();
    return row.ok() && *row ? st->ColumnText(0) : "";
  }

  testing::NodeDatabase db_{"main.db"};
  DuressState main_;
};

TEST_F(DuressStateTest, CreateRemembersTheDecoyKeyForTheNextOpen) {
  EXPECT_FALSE(main_.is_decoy());
  EXPECT_FALSE(main_.flagged());
  EXPECT_EQ(main_.slot(), kMainSlot);
  EXPECT_EQ(BytesOf(main_.decoy_key()), BytesOf(KeyOf(1)));

  const DuressState loaded = Reloaded();
  EXPECT_FALSE(loaded.is_decoy());
  EXPECT_FALSE(loaded.flagged());
  EXPECT_EQ(loaded.slot(), kMainSlot);
  EXPECT_EQ(BytesOf(loaded.own_key()), BytesOf(KeyOf(2)));
  EXPECT_EQ(BytesOf(loaded.decoy_key()), BytesOf(KeyOf(1)));
}

TEST_F(DuressStateTest, ADamagedOrMissingDecoyKeyIsCorrupt) {
  for (const Bytes& damaged : {Bytes(31, 1), Bytes(33, 1), Bytes()}) {
    ASSERT_OK(db_->Run("UPDATE meta SET value = ? WHERE key = 'decoy_key'", damaged));
    EXPECT_STATUS(DuressState::Load(db_.db(), kMainSlot, KeyOf(2)), Status::Code::kCorrupt)
        << damaged.size() << " bytes";
  }
  ASSERT_OK(db_->Run("DELETE FROM meta WHERE key = 'decoy_key'"));
  EXPECT_STATUS(DuressState::Load(db_.db(), kMainSlot, KeyOf(2)), Status::Code::kCorrupt);
}

TEST_F(DuressStateTest, EnterFlagsTheStoreAndTheNextOpenToo) {
  ASSERT_OK(main_.Enter(db_.db(), kNow));
  EXPECT_TRUE(main_.flagged());
  EXPECT_TRUE(Reloaded().flagged());
  EXPECT_EQ(MetaText(db_, "duress_since"), std::to_string(kNow));
}

TEST_F(DuressStateTest, EnterKeepsTheFirstEpisode) {
  ASSERT_OK(main_.Enter(db_.db(), kNow));
  (void)db_->TakeWrittenTables();
  ASSERT_OK(main_.Enter(db_.db(), kNow + 500));
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{});
  DuressState loaded = Reloaded();
  ASSERT_OK(loaded.Enter(db_.db(), kNow + 900));  // after a reopen as well
  EXPECT_EQ(MetaText(db_, "duress_since"), std::to_string(kNow));
}

TEST_F(DuressStateTest, EndClearsTheStateForGood) {
  ASSERT_OK(main_.Enter(db_.db(), kNow));
  ASSERT_OK(main_.End(db_.db()));
  EXPECT_FALSE(main_.flagged());
  EXPECT_FALSE(Reloaded().flagged());
  EXPECT_EQ(db_.Int("SELECT count(*) FROM meta WHERE key = 'duress_since'"), 0);
  ASSERT_OK(main_.Enter(db_.db(), kNow + 60));  // a new episode starts afresh
  EXPECT_EQ(MetaText(db_, "duress_since"), std::to_string(kNow + 60));
}

TEST_F(DuressStateTest, ADamagedDuressSinceIsCorrupt) {
  ASSERT_OK(db_->Run("INSERT INTO meta(key, value) VALUES('duress_since', ?)", AsBytes("soon")));
  EXPECT_STATUS(DuressState::Load(db_.db(), kMainSlot, KeyOf(2)), Status::Code::kCorrupt);
}

TEST_F(DuressStateTest, ReloadReadsTheStateAgainAfterARollback) {
  {
    ASSERT_OK_AND_ASSIGN(store::Transaction tx, store::Transaction::Begin(db_.db()));
    ASSERT_OK(main_.Enter(db_.db(), kNow));
    EXPECT_TRUE(main_.flagged());
  }  // rolled back
  ASSERT_OK(main_.Reload(db_.db()));
  EXPECT_FALSE(main_.flagged());
}

TEST_F(DuressStateTest, AFailedEnterLeavesTheStateUnflagged) {
  ASSERT_OK(db_->Exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'no'); END;"));
  EXPECT_FALSE(main_.Enter(db_.db(), kNow).ok());
  EXPECT_FALSE(main_.flagged());
}

TEST_F(DuressStateTest, AFailedEndLeavesTheStateFlagged) {
  ASSERT_OK(main_.Enter(db_.db(), kNow));
  ASSERT_OK(db_->Exec(
      "CREATE TRIGGER refuse BEFORE DELETE ON meta BEGIN SELECT RAISE(ABORT, 'no'); END;"));
  EXPECT_FALSE(main_.End(db_.db()).ok());
  EXPECT_TRUE(main_.flagged());
}

TEST_F(DuressStateTest, DescribeToTellsTheDecoyWhatItIsAndWhichSlotsMatter) {
  testing::NodeDatabase decoy("decoy.db");
  (void)db_->TakeWrittenTables();
  ASSERT_OK(main_.DescribeTo(decoy.db(), 2));
  EXPECT_EQ(MetaText(decoy, "mode"), "decoy");
  EXPECT_EQ(MetaText(decoy, "protected_slot"), std::to_string(kMainSlot));
  EXPECT_EQ(MetaText(decoy, "duress_slot"), "2");
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{});  // the main store is only read
}

TEST_F(DuressStateTest, DescribeToWritesOnlyWhatDiffers) {
  testing::NodeDatabase decoy("decoy.db");
  ASSERT_OK(main_.DescribeTo(decoy.db(), std::nullopt));
  EXPECT_EQ(decoy.Int("SELECT count(*) FROM meta WHERE key = 'duress_slot'"), 0);
  (void)decoy->TakeWrittenTables();
  ASSERT_OK(main_.DescribeTo(decoy.db(), std::nullopt));
  EXPECT_EQ(decoy->TakeWrittenTables(), Tables{});

  ASSERT_OK(main_.DescribeTo(decoy.db(), 3));
  EXPECT_EQ(decoy->TakeWrittenTables(), Tables{"meta"});
  ASSERT_OK(main_.DescribeTo(decoy.db(), 3));
  EXPECT_EQ(decoy->TakeWrittenTables(), Tables{});
}

TEST_F(DuressStateTest, ADecoyIsAlwaysFlaggedAndHasNoDecoyKey) {
  testing::NodeDatabase decoy("decoy.db");
  ASSERT_OK(main_.DescribeTo(decoy.db(), 2));
  ASSERT_OK_AND_ASSIGN(const DuressState state, DuressState::Load(decoy.db(), 2, KeyOf(1)));
  EXPECT_TRUE(state.is_decoy());
  EXPECT_TRUE(state.flagged());
  EXPECT_EQ(state.slot(), 2);
  EXPECT_TRUE(state.decoy_key().empty());
}

TEST_F(DuressStateTest, MarkUsedRecordsOnlyTheFirstUnlock) {
  testing::NodeDatabase decoy("decoy.db");
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> used, DuressState::UsedAt(decoy.db()));
  EXPECT_EQ(used, std::nullopt);

  DuressState state;
  ASSERT_OK(state.MarkUsed(decoy.db(), kNow));
  (void)decoy->TakeWrittenTables();
  ASSERT_OK(state.MarkUsed(decoy.db(), kNow + 60));
  EXPECT_EQ(decoy->TakeWrittenTables(), Tables{});
  ASSERT_OK_AND_ASSIGN(used, DuressState::UsedAt(decoy.db()));
  EXPECT_EQ(used, kNow);
}

TEST_F(DuressStateTest, ClearUsedLetsTheNextUnlockBeRecorded) {
  testing::NodeDatabase decoy("decoy.db");
  DuressState state;
  ASSERT_OK(state.MarkUsed(decoy.db(), kNow));
  ASSERT_OK(DuressState::ClearUsed(decoy.db()));
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> used, DuressState::UsedAt(decoy.db()));
  EXPECT_EQ(used, std::nullopt);
  ASSERT_OK(state.MarkUsed(decoy.db(), kNow + 60));
  ASSERT_OK_AND_ASSIGN(used, DuressState::UsedAt(decoy.db()));
  EXPECT_EQ(used, kNow + 60);
}

TEST_F(DuressStateTest, ADamagedUseMarkIsCorrupt) {
  testing::NodeDatabase decoy("decoy.db");
  ASSERT_OK(decoy->Run("INSERT INTO meta(key, value) VALUES('duress_used_at', ?)", AsBytes("x")));
  EXPECT_STATUS(DuressState::UsedAt(decoy.db()), Status::Code::kCorrupt);
}

}  // namespace
}  // namespace waypost::node
