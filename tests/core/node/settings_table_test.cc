// SettingsTable alone (core/node/settings_table.h): defaults for missing
// rows, bounds checked before anything is written, "keep", damaged values
// refused as Corrupt rather than guessed, unknown keys left alone.
#include "core/node/settings_table.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/envelope/keys.h"
#include "tests/kit/node_db.h"
#include "tests/kit/status.h"

namespace waypost::node {
namespace {

using Rows = std::vector<SettingsTable::Row>;
using Tables = std::set<std::string>;

constexpr int64_t kDay = envelope::kEpochSeconds;

class SettingsTableTest : public ::testing::Test {
 protected:
  // Stores `value` under `key` as another version of Waypost (or damage)
  // might have, bypassing the checks.
  void Store(const std::string& key, const std::string& value) {
    ASSERT_OK(db_->Run("INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)", key, value));
  }
  Rows AllRows() {
    auto rows = settings_.Rows();
    EXPECT_OK(rows);
    return rows.ok() ? *rows : Rows{};
  }

  testing::NodeDatabase db_;
  SettingsTable settings_{db_.db()};
};

TEST_F(SettingsTableTest, AnEmptyTableGivesTheDefaults) {
  ASSERT_OK_AND_ASSIGN(const NodeSettings s, settings_.Load());
  EXPECT_EQ(s.retention_seconds, 30 * kDay);
  EXPECT_EQ(s.delivery_window_epochs, envelope::kDeliveryWindowEpochs);
}

TEST_F(SettingsTableTest, RetentionIsStoredAsDecimalSeconds) {
  ASSERT_OK(settings_.PutRetention(2 * kDay));
  ASSERT_OK_AND_ASSIGN(const NodeSettings s, settings_.Load());
  EXPECT_EQ(s.retention_seconds, 2 * kDay);
  EXPECT_EQ(s.delivery_window_epochs, envelope::kDeliveryWindowEpochs);  // untouched
  EXPECT_EQ(AllRows(), (Rows{{"retention", "172800"}}));
}

TEST_F(SettingsTableTest, KeepIsStoredAsKeepAndLoadsAsNoLimit) {
  ASSERT_OK(settings_.PutRetention(std::nullopt));
  ASSERT_OK_AND_ASSIGN(const NodeSettings s, settings_.Load());
  EXPECT_EQ(s.retention_seconds, std::nullopt);
  EXPECT_EQ(AllRows(), (Rows{{"retention", "keep"}}));
}

TEST_F(SettingsTableTest, DeliveryWindowIsStoredAsDecimalEpochs) {
  ASSERT_OK(settings_.PutDeliveryWindow(3));
  ASSERT_OK_AND_ASSIGN(const NodeSettings s, settings_.Load());
  EXPECT_EQ(s.delivery_window_epochs, 3);
  EXPECT_EQ(AllRows(), (Rows{{"delivery-window", "3"}}));
}

TEST_F(SettingsTableTest, ALaterPutReplacesTheEarlierValue) {
  ASSERT_OK(settings_.PutRetention(2 * kDay));
  ASSERT_OK(settings_.PutRetention(std::nullopt));
  ASSERT_OK(settings_.PutRetention(5 * kDay));
  EXPECT_EQ(AllRows(), (Rows{{"retention", "432000"}}));
}

TEST_F(SettingsTableTest, TheBoundsThemselvesAreAccepted) {
  ASSERT_OK(settings_.PutRetention(NodeSettings::kMinRetentionSeconds));
  ASSERT_OK(settings_.PutDeliveryWindow(NodeSettings::kMinDeliveryWindowEpochs));
  ASSERT_OK_AND_ASSIGN(NodeSettings s, settings_.Load());
  EXPECT_EQ(s.retention_seconds, kDay);
  EXPECT_EQ(s.delivery_window_epochs, 1);
  ASSERT_OK(settings_.PutDeliveryWindow(NodeSettings::kMaxDeliveryWindowEpochs));
  ASSERT_OK_AND_ASSIGN(s, settings_.Load());
  EXPECT_EQ(s.delivery_window_epochs, 28);
}

TEST_F(SettingsTableTest, RetentionUnderADayIsRefusedAndNothingIsWritten) {
  ASSERT_OK(settings_.PutRetention(3 * kDay));
  (void)db_->TakeWrittenTables();
  for (const int64_t seconds : {kDay - 1, int64_t{0}, int64_t{-kDay}}) {
    EXPECT_STATUS(settings_.PutRetention(seconds), Status::Code::kInvalidArgument) << seconds;
  }
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{});
  EXPECT_EQ(AllRows(), (Rows{{"retention", "259200"}}));
}

TEST_F(SettingsTableTest, DeliveryWindowOutsideOneTo28IsRefusedAndNothingIsWritten) {
  for (const int64_t epochs : {int64_t{0}, int64_t{-1}, int64_t{29}, int64_t{365}}) {
    EXPECT_STATUS(settings_.PutDeliveryWindow(epochs), Status::Code::kInvalidArgument) << epochs;
  }
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{});
  EXPECT_TRUE(AllRows().empty());
}

TEST_F(SettingsTableTest, AProxyIsStoredAsItsUrlAndNoneRemovesIt) {
  ASSERT_OK(settings_.PutProxy("socks5://127.0.0.1:9050"));
  ASSERT_OK_AND_ASSIGN(NodeSettings s, settings_.Load());
  EXPECT_EQ(s.proxy, "socks5://127.0.0.1:9050");
  EXPECT_EQ(AllRows(), (Rows{{"proxy", "socks5://127.0.0.1:9050"}}));
  ASSERT_OK(settings_.PutProxy(""));
  ASSERT_OK_AND_ASSIGN(s, settings_.Load());
  EXPECT_EQ(s.proxy, "");
  EXPECT_TRUE(AllRows().empty());
}

TEST_F(SettingsTableTest, AProxyOfAnotherFormIsRefusedAndADamagedOneIsCorrupt) {
  for (const char* bad : {"127.0.0.1:9050", "http://127.0.0.1:8080", "socks5://", "socks4://h:1",
                          "socks5://h :1", "socks5://h:1\n"}) {
    EXPECT_STATUS(settings_.PutProxy(bad), Status::Code::kInvalidArgument) << bad;
    Store("proxy", bad);
    EXPECT_STATUS(settings_.Load(), Status::Code::kCorrupt) << bad;
  }
  EXPECT_STATUS(settings_.PutProxy("socks5://" + std::string(300, 'h') + ":1"),
                Status::Code::kInvalidArgument);
}

TEST_F(SettingsTableTest, ADamagedRetentionIsCorruptNeverGuessed) {
  for (const char* damaged : {"", "abc", "86399", "0", "-86400", "86400 ", " 86400", "+86400",
                              "1e6", "KEEP", "keep ", "99999999999999999999999"}) {
    Store("retention", damaged);
    EXPECT_STATUS(settings_.Load(), Status::Code::kCorrupt) << "retention \"" << damaged << "\"";
  }
}

TEST_F(SettingsTableTest, ADamagedDeliveryWindowIsCorruptNeverGuessed) {
  for (const char* damaged : {"", "0", "29", "-1", "14d", "+14", "14.0", "keep", "fourteen"}) {
    Store("delivery-window", damaged);
    EXPECT_STATUS(settings_.Load(), Status::Code::kCorrupt)
        << "delivery-window \"" << damaged << "\"";
  }
}

TEST_F(SettingsTableTest, OneDamagedValueSpoilsTheLoadEvenBesideAGoodOne) {
  ASSERT_OK(settings_.PutRetention(2 * kDay));
  Store("delivery-window", "0");
  EXPECT_STATUS(settings_.Load(), Status::Code::kCorrupt);
}

// A later version may add keys; this one must neither fail on them nor
// drop them.
TEST_F(SettingsTableTest, UnknownKeysAreIgnoredAndKept) {
  Store("schedule", "every 6h");
  ASSERT_OK_AND_ASSIGN(const NodeSettings s, settings_.Load());
  EXPECT_EQ(s.retention_seconds, 30 * kDay);
  EXPECT_EQ(s.delivery_window_epochs, envelope::kDeliveryWindowEpochs);

  ASSERT_OK(settings_.PutDeliveryWindow(7));
  EXPECT_EQ(AllRows(), (Rows{{"delivery-window", "7"}, {"schedule", "every 6h"}}));
}

TEST_F(SettingsTableTest, ReplaceWithWritesNothingWhenTheRowsAreTheSame) {
  ASSERT_OK(settings_.PutRetention(std::nullopt));
  ASSERT_OK(settings_.PutDeliveryWindow(2));
  const Rows rows = AllRows();
  (void)db_->TakeWrittenTables();

  ASSERT_OK(settings_.ReplaceWith(rows));
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{});
  EXPECT_EQ(AllRows(), rows);
}

TEST_F(SettingsTableTest, ReplaceWithMakesTheTableHoldExactlyTheRows) {
  ASSERT_OK(settings_.PutRetention(std::nullopt));
  ASSERT_OK(settings_.PutDeliveryWindow(2));
  (void)db_->TakeWrittenTables();

  const Rows want = {{"delivery-window", "9"}, {"schedule", "every 6h"}};
  ASSERT_OK(settings_.ReplaceWith(want));
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{"settings"});
  EXPECT_EQ(AllRows(), want);
  ASSERT_OK_AND_ASSIGN(const NodeSettings s, settings_.Load());
  EXPECT_EQ(s.retention_seconds, 30 * kDay);  // its row went: the default again
  EXPECT_EQ(s.delivery_window_epochs, 9);
}

TEST_F(SettingsTableTest, ReplaceWithNothingEmptiesTheTableAndIsSeen) {
  ASSERT_OK(settings_.PutDeliveryWindow(2));
  (void)db_->TakeWrittenTables();
  ASSERT_OK(settings_.ReplaceWith({}));
  EXPECT_TRUE(AllRows().empty());
  EXPECT_EQ(db_->TakeWrittenTables(), Tables{"settings"});
}

}  // namespace
}  // namespace waypost::node
