// The fault VFS itself, on a plain connection (no key: these files hold
// nothing secret): it is the default only while alive, it counts, and it
// fails exactly the planned operation, or every one from a crash on.
#include "tests/kit/fault_vfs.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/kit/temp_dir.h"

namespace waypost::testing {
namespace {

std::string DefaultVfsName() { return sqlite3_vfs_find(nullptr)->zName; }

class FaultVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_EQ(Exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);"), SQLITE_OK);
  }

  // Opens the database (through whatever VFS is the default now), runs
  // `sql`, closes it; returns the first error, or SQLITE_OK.
  int Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_extended_result_codes(db, 1);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return rc;
  }

  // The rows of t, in order, as "1,2,...".
  std::string Rows() {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
      sqlite3_exec(
          db, "SELECT x FROM t ORDER BY x;",
          [](void* text, int, char** values, char**) {
            auto& s = *static_cast<std::string*>(text);
            s += (s.empty() ? "" : ",") + std::string(values[0]);
            return 0;
          },
          &out, nullptr);
    }
    sqlite3_close(db);
    return out;
  }

  TempDir dir_;
  std::string path_ = dir_.File("t.db");
  FaultInjector faults_;
};

TEST_F(FaultVfsTest, IsTheDefaultOnlyWhileAlive) {
  const std::string before = DefaultVfsName();
  EXPECT_EQ(before, "unix");
  {
    ScopedFaultVfs vfs(faults_);
    EXPECT_EQ(DefaultVfsName(), "waypost-fault");
  }
  EXPECT_EQ(DefaultVfsName(), before);
}

TEST_F(FaultVfsTest, CountsWritesSyncsAndTheJournalDeletion) {
  {
    ScopedFaultVfs vfs(faults_);
    ASSERT_EQ(Exec("INSERT INTO t VALUES (2);"), SQLITE_OK);
    EXPECT_EQ(vfs.open_files(), 0);
  }
  EXPECT_FALSE(faults_.hit());
  EXPECT_GE(faults_.count(FaultOp::kWrite), 2);  // the journal, then the page
  EXPECT_GE(faults_.count(FaultOp::kSync), 2);
  ASSERT_EQ(faults_.count(FaultOp::kRemove), 1);
  EXPECT_EQ(faults_.log().back().op, FaultOp::kRemove);  // the commit point
  EXPECT_EQ(faults_.log().back().path, path_ + "-journal");
  EXPECT_EQ(Rows(), "1,2");
}

TEST_F(FaultVfsTest, AFailedWriteFailsTheStatementAndChangesNothing) {
  {
    ScopedFaultVfs vfs(faults_);
    faults_.Fail(FaultOp::kWrite, 1);
    EXPECT_EQ(Exec("INSERT INTO t VALUES (2);"), SQLITE_IOERR_WRITE);
    EXPECT_TRUE(faults_.hit());
    ASSERT_EQ(Exec("INSERT INTO t VALUES (3);"), SQLITE_OK);  // transient
  }
  EXPECT_EQ(Rows(), "1,3");
}

TEST_F(FaultVfsTest, AFailedJournalDeletionFailsTheCommit) {
  {
    ScopedFaultVfs vfs(faults_);
    faults_.Fail(FaultOp::kRemove, 1);
    EXPECT_EQ(Exec("INSERT INTO t VALUES (2);"), SQLITE_IOERR_DELETE);
  }
  // The journal is still there, so the next reader rolls the commit back.
  EXPECT_EQ(Rows(), "1");
}

TEST_F(FaultVfsTest, ACrashRefusesEveryLaterChange) {
  {
    ScopedFaultVfs vfs(faults_);
    faults_.Crash(FaultOp::kSync, 1);
    EXPECT_NE(Exec("INSERT INTO t VALUES (2);"), SQLITE_OK);
    EXPECT_TRUE(faults_.crashed());
    const size_t at_crash = faults_.log().size();
    EXPECT_NE(Exec("INSERT INTO t VALUES (3);"), SQLITE_OK);
    ASSERT_GT(faults_.log().size(), at_crash);
    for (size_t i = at_crash - 1; i < faults_.log().size(); ++i) {
      EXPECT_TRUE(faults_.log()[i].failed) << faults_.LogText();
    }
  }
  EXPECT_EQ(Rows(), "1");  // the hot journal is rolled back on the next open
}

}  // namespace
}  // namespace waypost::testing
