#include "core/store/database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "core/store/locked_heap.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

using testing::Contains;
using testing::ReadAll;
using testing::TempDir;

constexpr std::string_view kMarker = "PLAINTEXT-MARKER-7f3a9c";

Secret KeyOf(uint8_t fill) { return Secret::From(Bytes(Database::kRawKeySize, fill)); }

class DatabaseTest : public ::testing::Test {
 protected:
  Database OpenOrDie(const Secret& key) {
    auto db = Database::Open(path_, key);
    EXPECT_OK(db);
    return std::move(db).value();
  }

  TempDir dir_;
  std::string path_ = dir_.File("test.db");
};

TEST_F(DatabaseTest, IsSqlCipher) {
  Database db = OpenOrDie(KeyOf(1));
  EXPECT_FALSE(db.cipher_version().empty());
  EXPECT_EQ(db.cipher_version()[0], '4') << db.cipher_version();
}

TEST_F(DatabaseTest, PragmasAreApplied) {
  Database db = OpenOrDie(KeyOf(1));
  auto query = [&](const char* sql) {
    auto stmt = db.Prepare(sql);
    EXPECT_OK(stmt);
    EXPECT_TRUE(stmt->Step().value());
    return stmt->ColumnText(0);
  };
  EXPECT_EQ(query("PRAGMA temp_store;"), "2");  // MEMORY
  EXPECT_EQ(query("PRAGMA secure_delete;"), "1");
  EXPECT_EQ(query("PRAGMA foreign_keys;"), "1");
  EXPECT_EQ(query("PRAGMA journal_mode;"), "delete");
  // The locked heap keeps SQLite's memory locked and wiped instead of
  // SQLCipher's per-allocation system calls (locked_heap_test.cc).
  EXPECT_TRUE(LockedHeapInstalled());
  EXPECT_EQ(query("PRAGMA cipher_memory_security;"), "0");
}

TEST_F(DatabaseTest, RowsRoundTripAndPersist) {
  {
    Database db = OpenOrDie(KeyOf(1));
    ASSERT_OK(db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT, b BLOB);"));
    auto insert = db.Prepare("INSERT INTO t (n, s, b) VALUES (?, ?, ?);");
    ASSERT_OK(insert);
    ASSERT_OK(insert->Bind(1, int64_t{-5}));
    ASSERT_OK(insert->BindText(2, kMarker));
    ASSERT_OK(insert->BindBlob(3, Bytes{0, 1, 2, 255}));
    EXPECT_FALSE(insert->Step().value());
    EXPECT_EQ(db.LastInsertRowId(), 1);
    EXPECT_EQ(db.Changes(), 1);
    insert->Reset();
    ASSERT_OK(insert->BindNull(1));
    ASSERT_OK(insert->BindText(2, ""));
    ASSERT_OK(insert->BindBlob(3, Bytes{}));
    EXPECT_FALSE(insert->Step().value());
    EXPECT_EQ(db.LastInsertRowId(), 2);
  }
  Database db = OpenOrDie(KeyOf(1));
  auto select = db.Prepare("SELECT n, s, b FROM t ORDER BY id;");
  ASSERT_OK(select);
  ASSERT_TRUE(select->Step().value());
  EXPECT_EQ(select->ColumnInt64(0), -5);
  EXPECT_EQ(select->ColumnText(1), kMarker);
  EXPECT_EQ(select->ColumnBlob(2), (Bytes{0, 1, 2, 255}));
  ASSERT_TRUE(select->Step().value());
  EXPECT_TRUE(select->ColumnIsNull(0));
  EXPECT_FALSE(select->ColumnIsNull(2));  // an empty blob is not NULL
  EXPECT_TRUE(select->ColumnBlob(2).empty());
  EXPECT_FALSE(select->Step().value());
}

TEST_F(DatabaseTest, FileIsEncrypted) {
  Secret key = KeyOf(9);
  {
    Database db = OpenOrDie(key);
    ASSERT_OK(db.Exec("CREATE TABLE t (s TEXT);"));
    auto insert = db.Prepare("INSERT INTO t VALUES (?);");
    ASSERT_OK(insert);
    ASSERT_OK(insert->BindText(1, kMarker));
    ASSERT_OK(insert->Step());
  }
  Bytes file = ReadAll(path_);
  ASSERT_GE(file.size(), 16u);
  EXPECT_NE(std::memcmp(file.data(), "SQLite format 3", 15), 0);
  EXPECT_FALSE(Contains(file, AsBytes(kMarker)));
  EXPECT_FALSE(Contains(file, AsBytes("CREATE TABLE")));
  EXPECT_FALSE(Contains(file, key.view()));
}

TEST_F(DatabaseTest, WrongKeyIsCorruptAndFileUnchanged) {
  {
    Database db = OpenOrDie(KeyOf(1));
    ASSERT_OK(db.Exec("CREATE TABLE t (x);"));
  }
  Bytes before = ReadAll(path_);
  auto db = Database::Open(path_, KeyOf(2));
  EXPECT_EQ(db.status().code(), Status::Code::kCorrupt);
  EXPECT_NE(db.status().message().find("database key does not match"), std::string::npos);
  EXPECT_EQ(ReadAll(path_), before);
}

TEST_F(DatabaseTest, RejectsBadKeySizeAndMissingFile) {
  EXPECT_EQ(Database::Open(path_, Secret(16)).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Database::Open(path_, KeyOf(1), Database::OpenMode::kMustExist).status().code(),
            Status::Code::kNotFound);
  EXPECT_NE(::access(path_.c_str(), F_OK), 0);
}

TEST_F(DatabaseTest, APathThroughASymbolicLinkIsRefusedAndSaysSo) {
  // systemd's DynamicUser= puts a service's state under a symlink
  // (/var/lib/NAME -> private/NAME); a store never follows one.
  OpenOrDie(KeyOf(1));
  const std::string link = dir_.File("link");
  ASSERT_EQ(::symlink(dir_.path().c_str(), link.c_str()), 0);
  auto db = Database::Open(link + "/test.db", KeyOf(1));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Status::Code::kIoError);
  EXPECT_NE(db.status().message().find("symbolic link"), std::string::npos)
      << db.status().message();
}

TEST_F(DatabaseTest, SqlErrorsBecomeStatus) {
  Database db = OpenOrDie(KeyOf(1));
  EXPECT_EQ(db.Exec("NOT SQL").code(), Status::Code::kIoError);
  EXPECT_FALSE(db.Prepare("SELECT * FROM missing;").ok());
  ASSERT_OK(db.Exec("CREATE TABLE u (k TEXT PRIMARY KEY);"));
  ASSERT_OK(db.Exec("INSERT INTO u VALUES ('a');"));
  EXPECT_EQ(db.Exec("INSERT INTO u VALUES ('a');").code(), Status::Code::kAlreadyExists);
  ASSERT_OK(db.Exec("CREATE TABLE child (p TEXT REFERENCES u(k));"));
  EXPECT_EQ(db.Exec("INSERT INTO child VALUES ('zz');").code(), Status::Code::kInvalidArgument);
}

TEST_F(DatabaseTest, TransactionRollsBackUnlessCommitted) {
  Database db = OpenOrDie(KeyOf(1));
  ASSERT_OK(db.Exec("CREATE TABLE t (x);"));
  {
    auto tx = Transaction::Begin(db);
    ASSERT_OK(tx);
    ASSERT_OK(db.Exec("INSERT INTO t VALUES (1);"));
  }
  {
    auto tx = Transaction::Begin(db);
    ASSERT_OK(tx);
    ASSERT_OK(db.Exec("INSERT INTO t VALUES (2);"));
    ASSERT_OK(tx->Commit());
    EXPECT_FALSE(tx->Commit().ok());
  }
  EXPECT_FALSE(db.InTransaction());
  auto count = db.Prepare("SELECT group_concat(x) FROM t;");
  ASSERT_OK(count);
  ASSERT_TRUE(count->Step().value());
  EXPECT_EQ(count->ColumnText(0), "2");
}

TEST_F(DatabaseTest, LockedStoreIsReported) {
  Database first = OpenOrDie(KeyOf(1));
  ASSERT_OK(first.Exec("CREATE TABLE t (x);"));
  Database second = OpenOrDie(KeyOf(1));
  second.SetBusyTimeout(std::chrono::milliseconds(20));
  auto tx = Transaction::Begin(first);
  ASSERT_OK(tx);
  Status s = second.Exec("INSERT INTO t VALUES (1);");
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_NE(s.message().find("store is locked by another process"), std::string::npos)
      << s.message();
  ASSERT_OK(tx->Commit());
  EXPECT_OK(second.Exec("INSERT INTO t VALUES (1);"));
}

}  // namespace
}  // namespace waypost::store
