#include "core/store/home.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "core/store/key_file.h"
#include "tests/core/store/temp_dir.h"

namespace waypost::store {
namespace {

using testing::Contains;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

constexpr KdfProfile kFast = KdfProfile::kInteractive;
constexpr std::string_view kMarker = "HOME-PLAINTEXT-MARKER-51d2";

Secret Pass(std::string_view s) { return Secret::FromString(s); }

class HomeTest : public ::testing::Test {
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

  TempDir dir_;
  std::string home_ = dir_.File("nested/home");
  SystemRandom random_;
};

TEST_F(HomeTest, CreateThenReopenKeepsData) {
  EXPECT_FALSE(StoreExists(home_));
  CreateWithMarker();
  EXPECT_TRUE(StoreExists(home_));
  int slot = -1;
  auto db = OpenStore(home_, Pass("normal"), &slot);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(slot, 0);
  auto select = db->Prepare("SELECT body FROM notes;");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(select->Step().value());
  EXPECT_EQ(select->ColumnText(0), kMarker);
}

TEST_F(HomeTest, LayoutAndPermissions) {
  CreateWithMarker();
  struct stat st;
  ASSERT_EQ(::stat(home_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(KeyFilePath(home_).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(static_cast<size_t>(st.st_size), KeyFile::kFileSize);
  EXPECT_EQ(KeyFilePath(home_), home_ + "/waypost.key");
  EXPECT_EQ(DatabasePath(home_), home_ + "/waypost.db");
  // Only the two files: no temporary or journal files are left behind.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(home_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 2);
}

TEST_F(HomeTest, DatabaseFileHoldsNoPlaintext) {
  CreateWithMarker();
  Bytes file = ReadAll(DatabasePath(home_));
  ASSERT_GE(file.size(), 16u);
  EXPECT_NE(std::memcmp(file.data(), "SQLite format 3", 15), 0);
  EXPECT_FALSE(Contains(file, AsBytes(kMarker)));
  EXPECT_FALSE(Contains(ReadAll(KeyFilePath(home_)), AsBytes(kMarker)));
}

TEST_F(HomeTest, WrongPassphraseTouchesNothing) {
  CreateWithMarker();
  const Bytes key_before = ReadAll(KeyFilePath(home_));
  const Bytes db_before = ReadAll(DatabasePath(home_));
  for (int i = 0; i < 5; ++i) {
    auto db = OpenStore(home_, Pass("not the passphrase"));
    EXPECT_EQ(db.status().code(), Status::Code::kWrongPassphrase);
  }
  EXPECT_EQ(ReadAll(KeyFilePath(home_)), key_before);
  EXPECT_EQ(ReadAll(DatabasePath(home_)), db_before);
  EXPECT_TRUE(OpenStore(home_, Pass("normal")).ok());
}

TEST_F(HomeTest, MissingStoreIsNotFoundWithAHint) {
  auto db = OpenStore(home_, Pass("normal"));
  EXPECT_EQ(db.status().code(), Status::Code::kNotFound);
  EXPECT_NE(db.status().message().find("waypost init"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(home_));  // opening creates nothing
}

TEST_F(HomeTest, CreateRefusesAnExistingStore) {
  CreateWithMarker();
  const Bytes key_before = ReadAll(KeyFilePath(home_));
  auto again = CreateStore(home_, Pass("other"), kFast, random_);
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(ReadAll(KeyFilePath(home_)), key_before);
}

TEST_F(HomeTest, CreateRefusesAnOrphanDatabase) {
  ASSERT_TRUE(CreateHome(home_).ok());
  WriteAll(DatabasePath(home_), Bytes(4096, 0x5a));
  auto db = CreateStore(home_, Pass("normal"), kFast, random_);
  EXPECT_EQ(db.status().code(), Status::Code::kAlreadyExists);
  EXPECT_FALSE(StoreExists(home_));
}

TEST_F(HomeTest, DamagedKeyFileIsCorrupt) {
  CreateWithMarker();
  Bytes key = ReadAll(KeyFilePath(home_));
  key.resize(key.size() / 2);
  WriteAll(KeyFilePath(home_), key);
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kCorrupt);
}

TEST_F(HomeTest, MissingDatabaseIsCorruptAndNotRecreated) {
  CreateWithMarker();
  ASSERT_EQ(::unlink(DatabasePath(home_).c_str()), 0);
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kCorrupt);
  EXPECT_FALSE(std::filesystem::exists(DatabasePath(home_)));
}

TEST_F(HomeTest, DeletingTheKeyFileLosesTheStore) {
  CreateWithMarker();
  ASSERT_EQ(::unlink(KeyFilePath(home_).c_str()), 0);
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kNotFound);
}

TEST_F(HomeTest, SecondSlotOpensTheSameStore) {
  CreateWithMarker();
  auto unlocked = KeyFile::Unlock(KeyFilePath(home_), Pass("normal"));
  ASSERT_TRUE(unlocked.ok());
  ASSERT_TRUE(
      KeyFile::SetSlot(KeyFilePath(home_), 2, Pass("second"), unlocked->db_key, random_).ok());
  int slot = -1;
  auto db = OpenStore(home_, Pass("second"), &slot);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(slot, 2);
}

}  // namespace
}  // namespace waypost::store
