#include "core/store/panic.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/store/home.h"
#include "core/store/key_file.h"
#include "tests/core/store/notes.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

using testing::Contains;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;
using testing::WriteNote;

constexpr KdfProfile kFast = KdfProfile::kInteractive;
constexpr std::string_view kMarker = "PANIC-PLAINTEXT-MARKER-7c4e";
constexpr std::string_view kDecoyMarker = "PANIC-DECOY-MARKER-3b81";

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
  // A store with kMarker in the main database and kDecoyMarker in the
  // decoy, which a duress passphrase (the slot after the main one) opens.
  // Keeps both keys, as someone who had watched the store being used might
  // have them.
  void CreateWithMarker() {
    auto created = CreateStore(home_, Pass("normal"), kFast, random_);
    ASSERT_OK(created);
    WriteNote(created->main, kMarker);
    WriteNote(created->decoy, kDecoyMarker);
    ASSERT_OK(KeyFile::SetSlot(KeyFilePath(home_), (created->main_slot + 1) % KeyFile::kSlots,
                               Pass("duress"), created->decoy_key, random_));
    decoy_key_ = std::move(created->decoy_key);
    auto unlocked = KeyFile::Unlock(KeyFilePath(home_), Pass("normal"));
    ASSERT_OK(unlocked);
    main_key_ = std::move(unlocked->db_key);
  }

  // Nothing under the home opens, with either passphrase or either key.
  void ExpectNothingDecrypts() {
    EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kNotFound);
    EXPECT_EQ(OpenStore(home_, Pass("duress")).status().code(), Status::Code::kNotFound);
    EXPECT_EQ(OpenDatabaseWithKey(home_, main_key_).status().code(), Status::Code::kCorrupt);
    EXPECT_EQ(OpenDatabaseWithKey(home_, decoy_key_).status().code(), Status::Code::kCorrupt);
    for (const std::string& name : Entries(home_)) {
      EXPECT_EQ(KeyFile::Unlock(home_ + "/" + name, Pass("normal")).status().code(),
                Status::Code::kCorrupt)
          << name;
    }
  }

  Status TimedPanic() {
    const auto start = std::chrono::steady_clock::now();
    Status status = Panic(home_, random_);
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    std::cout << "[ panic    ] " << elapsed.count() / 1000.0 << " ms\n";
    // Not a benchmark (tests never assert timings, README "Benchmarks"): only a sanity bound far
    // above the 2 s goal.
    EXPECT_LT(elapsed, std::chrono::seconds(10));
    return status;
  }

  TempDir dir_;
  TempDir evidence_;  // outside the home: what a seizer may have copied before
  std::string home_ = dir_.File("home");
  SystemRandom random_;
  Secret main_key_;
  Secret decoy_key_;
};

TEST_F(PanicTest, LeavesNothingUnderTheHomeAndNothingOpens) {
  CreateWithMarker();
  std::vector<std::string> copies;
  for (int i = 0; i < 2; ++i) {
    copies.push_back(evidence_.File("db-" + std::to_string(i)));
    WriteAll(copies.back(), ReadAll(DatabasePath(home_, i)));
  }
  ASSERT_OK(OpenStore(home_, Pass("normal")));
  ASSERT_OK(OpenStore(home_, Pass("duress")));

  ASSERT_OK(TimedPanic());

  EXPECT_TRUE(Entries(home_).empty());
  EXPECT_FALSE(StoreExists(home_));
  auto reopened = OpenStore(home_, Pass("normal"));
  EXPECT_EQ(reopened.status().code(), Status::Code::kNotFound);
  EXPECT_NE(reopened.status().message().find("no store at"), std::string::npos);
  ExpectNothingDecrypts();

  // Both databases' bytes, put back without their key file, open nothing
  // through a passphrase: the keys that encrypt them existed only in the
  // destroyed file. Neither holds either marker in the clear.
  for (int i = 0; i < 2; ++i) {
    WriteAll(DatabasePath(home_, i), ReadAll(copies[size_t(i)]));
    EXPECT_FALSE(Contains(ReadAll(copies[size_t(i)]), AsBytes(kMarker))) << i;
    EXPECT_FALSE(Contains(ReadAll(copies[size_t(i)]), AsBytes(kDecoyMarker))) << i;
  }
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(OpenStore(home_, Pass("duress")).status().code(), Status::Code::kNotFound);
}

TEST_F(PanicTest, WorksWhileConnectionsToBothDatabasesHoldWriteTransactions) {
  CreateWithMarker();
  auto main = OpenStore(home_, Pass("normal"));
  ASSERT_OK(main);
  auto decoy = OpenStore(home_, Pass("duress"));
  ASSERT_OK(decoy);
  {
    auto main_tx = Transaction::Begin(main->db);
    ASSERT_OK(main_tx);
    auto decoy_tx = Transaction::Begin(decoy->db);
    ASSERT_OK(decoy_tx);
    // Dirty a page in each so that a rollback journal exists beside both.
    ASSERT_OK(main->db.Exec("INSERT INTO notes VALUES ('in flight');"));
    ASSERT_OK(decoy->db.Exec("INSERT INTO notes VALUES ('in flight');"));
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(std::filesystem::exists(DatabasePath(home_, i) + "-journal")) << i;
    }

    ASSERT_OK(TimedPanic());  // no lock taken, no busy wait

    EXPECT_TRUE(Entries(home_).empty());
    ExpectNothingDecrypts();
  }  // the holders roll back into their nameless files
  EXPECT_TRUE(Entries(home_).empty());
  ExpectNothingDecrypts();
}

TEST_F(PanicTest, OverwritesTheKeyFileBeforeUnlinkingIt) {
  CreateWithMarker();
  // A second name for the same inode shows what happened to its blocks.
  const std::string link = evidence_.File("key-inode");
  ASSERT_EQ(::link(KeyFilePath(home_).c_str(), link.c_str()), 0);
  const Bytes before = ReadAll(link);

  ASSERT_OK(Panic(home_, random_));

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
  // Any other waypost.key.* counts as a copy too.
  WriteAll(home_ + "/waypost.key.tmp-Zz99Yy", key);
  WriteAll(home_ + "/waypost.key.old", key);
  // Side files of both databases: journals, WAL, its index, a super-journal.
  for (const char* db : kDatabaseFileNames) {
    for (const char* suffix : {"-journal", "-wal", "-shm", "-mj0A1B2C3D"}) {
      WriteAll(home_ + "/" + db + suffix, Bytes(512, 0x33));
    }
  }
  WriteAll(home_ + "/unrelated.txt", Bytes{'k', 'e', 'e', 'p'});

  ASSERT_OK(Panic(home_, random_));

  EXPECT_EQ(Entries(home_), std::vector<std::string>{"unrelated.txt"});
}

TEST_F(PanicTest, SymlinkIsRemovedNotFollowed) {
  CreateWithMarker();
  const std::string target = evidence_.File("target");
  WriteAll(target, Bytes(64, 0x42));
  ASSERT_EQ(::symlink(target.c_str(), (home_ + "/waypost.key.tmp-link01").c_str()), 0);

  ASSERT_OK(Panic(home_, random_));

  EXPECT_TRUE(Entries(home_).empty());
  EXPECT_EQ(ReadAll(target), Bytes(64, 0x42));
}

TEST_F(PanicTest, NoStoreIsNotFoundAndCreatesNothing) {
  Status missing = Panic(home_, random_);
  EXPECT_EQ(missing.code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.message(), "no store at " + home_);
  EXPECT_FALSE(std::filesystem::exists(home_));

  ASSERT_OK(CreateHome(home_));
  EXPECT_EQ(Panic(home_, random_).code(), Status::Code::kNotFound);
  EXPECT_TRUE(Entries(home_).empty());
}

TEST_F(PanicTest, InterruptedPanicStillSaysNoStoreAndCanBeFinished) {
  CreateWithMarker();
  // As if the process died between destroying the key and the databases.
  ASSERT_EQ(::unlink(KeyFilePath(home_).c_str()), 0);
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kNotFound);

  ASSERT_OK(Panic(home_, random_));  // finishes the job
  EXPECT_TRUE(Entries(home_).empty());
  EXPECT_EQ(Panic(home_, random_).code(), Status::Code::kNotFound);
}

TEST_F(PanicTest, ALoneDatabaseOfEitherNameIsFinishedOff) {
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    // As if the process died after destroying the key file and one database.
    const std::string home = dir_.File("home-" + std::to_string(i));
    ASSERT_OK(CreateHome(home));
    WriteAll(DatabasePath(home, i), Bytes(4096, 0x5a));
    WriteAll(DatabasePath(home, i) + "-journal", Bytes(512, 0x33));
    ASSERT_OK(Panic(home, random_));
    EXPECT_TRUE(Entries(home).empty());
    EXPECT_EQ(Panic(home, random_).code(), Status::Code::kNotFound);
  }
}

TEST_F(PanicTest, AFreshStoreCanBeCreatedAfterwards) {
  CreateWithMarker();
  ASSERT_OK(Panic(home_, random_));
  auto fresh = CreateStore(home_, Pass("another"), kFast, random_);
  ASSERT_OK(fresh);
  for (Database* db : {&fresh->main, &fresh->decoy}) {
    auto notes = db->Prepare("SELECT count(*) FROM sqlite_master WHERE name = 'notes';");
    ASSERT_OK(notes);
    ASSERT_TRUE(notes->Step().value());
    EXPECT_EQ(notes->ColumnInt64(0), 0);
  }
}

}  // namespace
}  // namespace waypost::store
