#include "core/store/panic.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/store/home.h"
#include "core/store/key_file.h"
#include "tests/core/store/temp_dir.h"

namespace waypost::store {
namespace {

using testing::Contains;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

constexpr KdfProfile kFast = KdfProfile::kInteractive;
constexpr std::string_view kMarker = "PANIC-PLAINTEXT-MARKER-7c4e";

Secret Pass(std::string_view s) { return Secret::FromString(s); }

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

class PanicTest : public ::testing::Test {
 protected:
  void CreateWithMarker() {
    auto db = CreateStore(home_, Pass("normal"), kFast, random_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE(db->Exec("CREATE TABLE notes (body TEXT);").ok());
    auto insert = db->Prepare("INSERT INTO notes VALUES (?);");
    ASSERT_TRUE(insert.ok());
    ASSERT_TRUE(insert->BindText(1, kMarker).ok());
    ASSERT_TRUE(insert->Step().ok());
  }

  Status TimedPanic() {
    const auto start = std::chrono::steady_clock::now();
    Status status = Panic(home_, random_);
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    std::cout << "[ panic    ] " << elapsed.count() / 1000.0 << " ms\n";
    // Not a benchmark (DESIGN §5): only a sanity bound far above the 2 s goal.
    EXPECT_LT(elapsed, std::chrono::seconds(10));
    return status;
  }

  TempDir dir_;
  TempDir evidence_;  // outside the home: what a seizer may have copied before
  std::string home_ = dir_.File("home");
  SystemRandom random_;
};

TEST_F(PanicTest, LeavesNothingUnderTheHomeAndNothingOpens) {
  CreateWithMarker();
  const std::string db_copy = evidence_.File("waypost.db");
  WriteAll(db_copy, ReadAll(DatabasePath(home_)));
  ASSERT_TRUE(OpenStore(home_, Pass("normal")).ok());

  ASSERT_TRUE(TimedPanic().ok());

  EXPECT_TRUE(Entries(home_).empty());
  EXPECT_FALSE(StoreExists(home_));
  auto reopened = OpenStore(home_, Pass("normal"));
  EXPECT_EQ(reopened.status().code(), Status::Code::kNotFound);
  EXPECT_NE(reopened.status().message().find("no store at"), std::string::npos);

  // The database bytes, put back without their key file, open nothing: the
  // key that encrypts them existed only in the destroyed file.
  WriteAll(DatabasePath(home_), ReadAll(db_copy));
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(Contains(ReadAll(db_copy), AsBytes(kMarker)));
}

TEST_F(PanicTest, WorksWhileAnotherConnectionHoldsAWriteTransaction) {
  CreateWithMarker();
  auto holder = OpenStore(home_, Pass("normal"));
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  {
    auto tx = Transaction::Begin(*holder);
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    // Dirty a page so that a rollback journal exists beside the database.
    ASSERT_TRUE(holder->Exec("INSERT INTO notes VALUES ('in flight');").ok());

    ASSERT_TRUE(TimedPanic().ok());  // no lock taken, no busy wait

    EXPECT_TRUE(Entries(home_).empty());
    EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kNotFound);
  }  // the holder rolls back into its nameless files
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kNotFound);
}

TEST_F(PanicTest, OverwritesTheKeyFileBeforeUnlinkingIt) {
  CreateWithMarker();
  // A second name for the same inode shows what happened to its blocks.
  const std::string link = evidence_.File("key-inode");
  ASSERT_EQ(::link(KeyFilePath(home_).c_str(), link.c_str()), 0);
  const Bytes before = ReadAll(link);

  ASSERT_TRUE(Panic(home_, random_).ok());

  const Bytes after = ReadAll(link);
  ASSERT_EQ(after.size(), before.size());
  EXPECT_EQ(after, Bytes(before.size(), 0));
  EXPECT_EQ(KeyFile::Unlock(link, Pass("normal")).status().code(), Status::Code::kCorrupt);
}

TEST_F(PanicTest, DestroysLeftoverTempKeyFilesAndSparesOtherFiles) {
  CreateWithMarker();
  const Bytes key = ReadAll(KeyFilePath(home_));
  // What an atomic write interrupted by a crash leaves (file_util.cc).
  WriteAll(home_ + "/waypost.key.tmp-Ab12Cd", key);
  // What an interrupted `passwd --rotate` leaves (passwd.h), and its own temp.
  WriteAll(home_ + "/waypost.key.rotating", key);
  WriteAll(home_ + "/waypost.key.rotating.tmp-Zz99Yy", key);
  WriteAll(home_ + "/waypost.db-journal", Bytes(512, 0x33));
  WriteAll(home_ + "/waypost.db-wal", Bytes(512, 0x33));
  WriteAll(home_ + "/waypost.db-shm", Bytes(512, 0x33));
  WriteAll(home_ + "/unrelated.txt", Bytes{'k', 'e', 'e', 'p'});

  ASSERT_TRUE(Panic(home_, random_).ok());

  EXPECT_EQ(Entries(home_), std::vector<std::string>{"unrelated.txt"});
}

TEST_F(PanicTest, SymlinkIsRemovedNotFollowed) {
  CreateWithMarker();
  const std::string target = evidence_.File("target");
  WriteAll(target, Bytes(64, 0x42));
  ASSERT_EQ(::symlink(target.c_str(), (home_ + "/waypost.key.tmp-link01").c_str()), 0);

  ASSERT_TRUE(Panic(home_, random_).ok());

  EXPECT_TRUE(Entries(home_).empty());
  EXPECT_EQ(ReadAll(target), Bytes(64, 0x42));
}

TEST_F(PanicTest, NoStoreIsNotFoundAndCreatesNothing) {
  Status missing = Panic(home_, random_);
  EXPECT_EQ(missing.code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.message(), "no store at " + home_);
  EXPECT_FALSE(std::filesystem::exists(home_));

  ASSERT_TRUE(CreateHome(home_).ok());
  EXPECT_EQ(Panic(home_, random_).code(), Status::Code::kNotFound);
  EXPECT_TRUE(Entries(home_).empty());
}

TEST_F(PanicTest, InterruptedPanicStillSaysNoStoreAndCanBeFinished) {
  CreateWithMarker();
  // As if the process died between destroying the key and the database.
  ASSERT_EQ(::unlink(KeyFilePath(home_).c_str()), 0);
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kNotFound);

  ASSERT_TRUE(Panic(home_, random_).ok());  // finishes the job
  EXPECT_TRUE(Entries(home_).empty());
  EXPECT_EQ(Panic(home_, random_).code(), Status::Code::kNotFound);
}

TEST_F(PanicTest, AFreshStoreCanBeCreatedAfterwards) {
  CreateWithMarker();
  ASSERT_TRUE(Panic(home_, random_).ok());
  auto fresh = CreateStore(home_, Pass("another"), kFast, random_);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  auto notes = fresh->Prepare("SELECT count(*) FROM sqlite_master WHERE name = 'notes';");
  ASSERT_TRUE(notes.ok());
  ASSERT_TRUE(notes->Step().value());
  EXPECT_EQ(notes->ColumnInt64(0), 0);
}

}  // namespace
}  // namespace waypost::store
