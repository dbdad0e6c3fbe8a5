// A store::Database transaction, failed or crashed at every write, sync,
// truncate and journal deletion that SQLite makes (docs/storage.md §4: one
// transaction per command, in rollback-journal mode). Reopened with the real
// VFS afterwards, the database reads back either every old row or every new
// one, and passes SQLite's integrity check.
#include <gtest/gtest.h>

#include <string>

#include "core/store/database.h"
#include "tests/kit/fault_util.h"
#include "tests/kit/fault_vfs.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

using testing::CopyDir;
using testing::FaultInjector;
using testing::FaultMode;
using testing::ForEachFault;
using testing::ScopedFaultVfs;
using testing::TempDir;

// Long enough that the rows span several pages.
std::string Body(const std::string& tag, int64_t i) {
  return tag + "-" + std::to_string(i) + std::string(300, 'x');
}

Status InsertRows(Database& db, const std::string& tag, int64_t first, int64_t count) {
  WAYPOST_ASSIGN_OR_RETURN(Statement insert, db.Prepare("INSERT INTO t (id, body) VALUES (?, ?);"));
  for (int64_t i = first; i < first + count; ++i) {
    insert.Reset();
    WAYPOST_RETURN_IF_ERROR(insert.Bind(1, i));
    WAYPOST_RETURN_IF_ERROR(insert.BindText(2, Body(tag, i)));
    WAYPOST_RETURN_IF_ERROR(insert.Step().status());
  }
  return Status::Ok();
}

class DatabaseFaultTest : public ::testing::TestWithParam<FaultMode> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    std::filesystem::create_directory(live_);
    {
      ASSERT_OK_AND_ASSIGN(Database db, Database::Open(path_, key_));
      ASSERT_OK(db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"));
      ASSERT_OK(InsertRows(db, "old", 0, 40));
    }
    CopyDir(live_, pristine_);
    old_rows_ = Rows();
    ASSERT_OK(Transact());
    new_rows_ = Rows();
    ASSERT_NE(old_rows_, new_rows_);
  }

  FaultMode mode() const { return GetParam(); }

  // One command's worth of changes: deletes, updates and inserts, committed
  // as one transaction.
  Status Transact() {
    WAYPOST_ASSIGN_OR_RETURN(Database db,
                             Database::Open(path_, key_, Database::OpenMode::kMustExist));
    WAYPOST_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    WAYPOST_RETURN_IF_ERROR(
        db.Exec("DELETE FROM t WHERE id % 3 = 0;"
                "UPDATE t SET body = 'changed ' || body WHERE id % 3 = 1;"));
    WAYPOST_RETURN_IF_ERROR(InsertRows(db, "new", 100, 60));
    return tx.Commit();
  }

  // Every row, in order, as one string; or the error.
  std::string Rows() {
    Result<Database> db = Database::Open(path_, key_, Database::OpenMode::kMustExist);
    if (!db.ok()) return "error: " + db.status().ToString();
    Result<Statement> check = db->Prepare("PRAGMA integrity_check;");
    if (!check.ok() || !check->Step().ok() || check->ColumnText(0) != "ok") return "not intact";
    Result<Statement> select = db->Prepare("SELECT id, body FROM t ORDER BY id;");
    if (!select.ok()) return "error: " + select.status().ToString();
    std::string out;
    for (;;) {
      Result<bool> row = select->Step();
      if (!row.ok()) return "error: " + row.status().ToString();
      if (!*row) return out;
      out += std::to_string(select->ColumnInt64(0)) + ":" + select->ColumnText(1) + "\n";
    }
  }

  TempDir dir_;
  std::string live_ = dir_.File("live");
  std::string pristine_ = dir_.File("pristine");
  std::string path_ = live_ + "/test.db";
  Secret key_ = Secret::From(Bytes(Database::kRawKeySize, 0x5c));
  std::string old_rows_;
  std::string new_rows_;
};

TEST_P(DatabaseFaultTest, ATransactionLeavesTheOldRowsOrTheNew) {
  ForEachFault(
      mode(), [&] { CopyDir(pristine_, live_); },
      [&](FaultInjector& faults) {
        ScopedFaultVfs vfs(faults);
        return Transact();
      },
      [&](const Status& status, const FaultInjector&) {
        const std::string rows = Rows();
        const bool is_old = rows == old_rows_;
        const bool is_new = rows == new_rows_;
        EXPECT_TRUE(is_old || is_new) << rows.substr(0, 200);
        // A commit that reported success is durable; one that failed
        // without a crash was rolled back.
        if (status.ok()) {
          EXPECT_TRUE(is_new);
        }
        if (!status.ok() && mode() == FaultMode::kFail) {
          EXPECT_TRUE(is_old);
        }
      });
}

// What the loop above walks through: the journal's pages and header, its
// sync, the database's pages and sync, then the journal's deletion.
TEST_P(DatabaseFaultTest, TheTransactionWritesSyncsAndDeletesTheJournalLast) {
  CopyDir(pristine_, live_);
  FaultInjector faults;
  {
    ScopedFaultVfs vfs(faults);
    ASSERT_OK(Transact());
  }
  EXPECT_GE(faults.count(testing::FaultOp::kWrite), 10) << faults.LogText();
  EXPECT_GE(faults.count(testing::FaultOp::kSync), 2) << faults.LogText();
  EXPECT_EQ(faults.count(testing::FaultOp::kRemove), 1) << faults.LogText();
  EXPECT_EQ(faults.log().back().path, path_ + "-journal");
}

INSTANTIATE_TEST_SUITE_P(Modes, DatabaseFaultTest,
                         ::testing::Values(FaultMode::kFail, FaultMode::kCrash),
                         [](const auto& info) { return testing::FaultModeName(info.param); });

}  // namespace
}  // namespace waypost::store
