#include "core/store/home.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/store/key_file.h"
#include "tests/core/store/notes.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

using testing::Contains;
using testing::ReadAll;
using testing::ReadNote;
using testing::TempDir;
using testing::WriteAll;
using testing::WriteNote;

constexpr KdfProfile kFast = KdfProfile::kInteractive;
constexpr std::string_view kMarker = "HOME-PLAINTEXT-MARKER-51d2";
constexpr std::string_view kDecoyMarker = "HOME-DECOY-MARKER-9e07";

Secret Pass(std::string_view s) { return Secret::FromString(s); }

Secret RandomKey(Random& random) {
  Secret key(KeyFile::kDbKeySize);
  random.Fill(key.span());
  return key;
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class HomeTest : public ::testing::Test {
 protected:
  // A store whose main database holds kMarker and whose decoy holds
  // kDecoyMarker; remembers the decoy key and which file is which.
  void CreateWithMarker() {
    auto created = CreateStore(home_, Pass("normal"), kFast, random_);
    ASSERT_OK(created);
    WriteNote(created->main, kMarker);
    WriteNote(created->decoy, kDecoyMarker);
    decoy_key_ = std::move(created->decoy_key);
    main_slot_ = created->main_slot;
    auto unlocked = KeyFile::Unlock(KeyFilePath(home_), Pass("normal"));
    ASSERT_OK(unlocked);
    main_key_ = std::move(unlocked->db_key);
    auto main_path = DatabasePathForKey(home_, main_key_);
    ASSERT_OK(main_path);
    main_index_ = *main_path == DatabasePath(home_, 0) ? 0 : 1;
    ASSERT_EQ(*main_path, MainPath());
  }

  std::string MainPath() const { return DatabasePath(home_, main_index_); }
  std::string DecoyPath() const { return DatabasePath(home_, 1 - main_index_); }

  // The note in the database that `passphrase` opens, or the error.
  std::string NoteVia(std::string_view passphrase, int* slot = nullptr) {
    auto opened = OpenStore(home_, Pass(passphrase));
    if (!opened.ok()) return "error: " + opened.status().ToString();
    if (slot != nullptr) *slot = opened->slot;
    return ReadNote(opened->db);
  }

  TempDir dir_;
  std::string home_ = dir_.File("nested/home");
  SystemRandom random_;
  Secret main_key_;
  Secret decoy_key_;
  int main_index_ = -1;
  int main_slot_ = -1;

  // The `n`th (1..3) slot that is not the main one.
  int Other(int n) const {
    int seen = 0;
    for (int slot = 0; slot < KeyFile::kSlots; ++slot) {
      if (slot != main_slot_ && ++seen == n) return slot;
    }
    return -1;
  }
};

TEST_F(HomeTest, CreateThenReopenKeepsData) {
  EXPECT_FALSE(StoreExists(home_));
  CreateWithMarker();
  EXPECT_TRUE(StoreExists(home_));
  auto opened = OpenStore(home_, Pass("normal"));
  ASSERT_OK(opened);
  EXPECT_EQ(opened->slot, main_slot_);
  EXPECT_TRUE(ConstantTimeEqual(opened->key.view(), main_key_.view()));
  EXPECT_EQ(ReadNote(opened->db), kMarker);
}

// The main passphrase's slot is drawn at random, so that a design-aware
// captor holding the duress passphrase learns nothing from slot 0 being
// taken or not (issue 8, part 3).
TEST(HomeSlots, TheMainSlotIsDrawnAtRandom) {
  TempDir dir;
  std::set<int> slots;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SeededRandom random(seed);
    const std::string home = dir.File("home-" + std::to_string(seed));
    ASSERT_OK_AND_ASSIGN(CreatedStore created, CreateStore(home, Pass("normal"), kFast, random));
    ASSERT_OK_AND_ASSIGN(KeyFile::Unlocked unlocked,
                         KeyFile::Unlock(KeyFilePath(home), Pass("normal")));
    EXPECT_EQ(unlocked.slot, created.main_slot);
    slots.insert(created.main_slot);
  }
  // Four equally likely slots: twelve draws all alike has odds 4^-11.
  EXPECT_GE(slots.size(), 2u);
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
  EXPECT_EQ(DatabasePath(home_, 0), home_ + "/waypost-a.db");
  EXPECT_EQ(DatabasePath(home_, 1), home_ + "/waypost-b.db");
  // The key file and both databases; no temporary or journal files.
  EXPECT_EQ(Entries(home_),
            (std::vector<std::string>{"waypost-a.db", "waypost-b.db", "waypost.key"}));
}

TEST_F(HomeTest, CreateMakesTwoDistinctDatabasesEachUnderItsOwnKey) {
  CreateWithMarker();
  struct stat a, b;
  ASSERT_EQ(::stat(DatabasePath(home_, 0).c_str(), &a), 0);
  ASSERT_EQ(::stat(DatabasePath(home_, 1).c_str(), &b), 0);
  EXPECT_TRUE(S_ISREG(a.st_mode) && S_ISREG(b.st_mode));
  EXPECT_NE(a.st_ino, b.st_ino);
  EXPECT_NE(ReadAll(DatabasePath(home_, 0)), ReadAll(DatabasePath(home_, 1)));

  ASSERT_EQ(decoy_key_.size(), KeyFile::kDbKeySize);
  EXPECT_FALSE(ConstantTimeEqual(decoy_key_.view(), main_key_.view()));
  // Neither key, in the clear, is in the key file.
  const Bytes key_file = ReadAll(KeyFilePath(home_));
  EXPECT_FALSE(Contains(key_file, main_key_.view()));
  EXPECT_FALSE(Contains(key_file, decoy_key_.view()));

  // Each key opens its own file and not the other.
  EXPECT_OK(Database::Open(MainPath(), main_key_, Database::OpenMode::kMustExist));
  EXPECT_OK(Database::Open(DecoyPath(), decoy_key_, Database::OpenMode::kMustExist));
  EXPECT_EQ(Database::Open(MainPath(), decoy_key_, Database::OpenMode::kMustExist).status().code(),
            Status::Code::kCorrupt);
  EXPECT_EQ(Database::Open(DecoyPath(), main_key_, Database::OpenMode::kMustExist).status().code(),
            Status::Code::kCorrupt);

  // Through the home: the passphrase gives the main database, the decoy key
  // the decoy, and the path helper agrees.
  EXPECT_EQ(NoteVia("normal"), kMarker);
  auto decoy = OpenDatabaseWithKey(home_, decoy_key_);
  ASSERT_OK(decoy);
  EXPECT_EQ(ReadNote(*decoy), kDecoyMarker);
  auto decoy_path = DatabasePathForKey(home_, decoy_key_);
  ASSERT_OK(decoy_path);
  EXPECT_EQ(*decoy_path, DecoyPath());
}

TEST_F(HomeTest, WhichFileIsMainIsDrawnAtRandom) {
  bool seen[2] = {false, false};
  for (int i = 0; i < 24 && !(seen[0] && seen[1]); ++i) {
    const std::string home = dir_.File("store-" + std::to_string(i));
    auto created = CreateStore(home, Pass("p"), kFast, random_);
    ASSERT_OK(created);
    WriteNote(created->main, kMarker);
    WriteNote(created->decoy, kDecoyMarker);
    auto unlocked = KeyFile::Unlock(KeyFilePath(home), Pass("p"));
    ASSERT_OK(unlocked);
    auto path = DatabasePathForKey(home, unlocked->db_key);
    ASSERT_OK(path);
    seen[*path == DatabasePath(home, 0) ? 0 : 1] = true;
  }
  // 24 fair draws all alike: probability 2^-23.
  EXPECT_TRUE(seen[0]);
  EXPECT_TRUE(seen[1]);
}

TEST_F(HomeTest, DatabaseFilesHoldNoPlaintext) {
  CreateWithMarker();
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    Bytes file = ReadAll(DatabasePath(home_, i));
    ASSERT_GE(file.size(), 16u);
    EXPECT_NE(std::memcmp(file.data(), "SQLite format 3", 15), 0);
    EXPECT_FALSE(Contains(file, AsBytes(kMarker)));
    EXPECT_FALSE(Contains(file, AsBytes(kDecoyMarker)));
  }
  EXPECT_FALSE(Contains(ReadAll(KeyFilePath(home_)), AsBytes(kMarker)));
}

TEST_F(HomeTest, WrongPassphraseTouchesNothing) {
  CreateWithMarker();
  const Bytes key_before = ReadAll(KeyFilePath(home_));
  const Bytes a_before = ReadAll(DatabasePath(home_, 0));
  const Bytes b_before = ReadAll(DatabasePath(home_, 1));
  const auto entries_before = Entries(home_);
  for (int i = 0; i < 5; ++i) {
    auto opened = OpenStore(home_, Pass("not the passphrase"));
    EXPECT_EQ(opened.status().code(), Status::Code::kWrongPassphrase);
  }
  EXPECT_EQ(ReadAll(KeyFilePath(home_)), key_before);
  EXPECT_EQ(ReadAll(DatabasePath(home_, 0)), a_before);
  EXPECT_EQ(ReadAll(DatabasePath(home_, 1)), b_before);
  EXPECT_EQ(Entries(home_), entries_before);
  EXPECT_EQ(NoteVia("normal"), kMarker);
}

TEST_F(HomeTest, MissingStoreIsNotFoundWithAHint) {
  auto opened = OpenStore(home_, Pass("normal"));
  EXPECT_EQ(opened.status().code(), Status::Code::kNotFound);
  EXPECT_NE(opened.status().message().find("waypost init"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(home_));  // opening creates nothing
}

TEST_F(HomeTest, CreateRefusesAnExistingStore) {
  CreateWithMarker();
  const Bytes key_before = ReadAll(KeyFilePath(home_));
  const Bytes a_before = ReadAll(DatabasePath(home_, 0));
  const Bytes b_before = ReadAll(DatabasePath(home_, 1));
  auto again = CreateStore(home_, Pass("other"), kFast, random_);
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(ReadAll(KeyFilePath(home_)), key_before);
  EXPECT_EQ(ReadAll(DatabasePath(home_, 0)), a_before);
  EXPECT_EQ(ReadAll(DatabasePath(home_, 1)), b_before);
}

TEST_F(HomeTest, CreateRefusesAnOrphanDatabaseAtEitherName) {
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const std::string home = dir_.File("orphan-" + std::to_string(i));
    ASSERT_OK(CreateHome(home));
    WriteAll(DatabasePath(home, i), Bytes(4096, 0x5a));
    auto created = CreateStore(home, Pass("normal"), kFast, random_);
    EXPECT_EQ(created.status().code(), Status::Code::kAlreadyExists);
    EXPECT_FALSE(StoreExists(home));
    EXPECT_EQ(ReadAll(DatabasePath(home, i)), Bytes(4096, 0x5a));
    EXPECT_FALSE(std::filesystem::exists(DatabasePath(home, 1 - i)));
  }
}

TEST_F(HomeTest, DamagedKeyFileIsCorrupt) {
  CreateWithMarker();
  Bytes key = ReadAll(KeyFilePath(home_));
  key.resize(key.size() / 2);
  WriteAll(KeyFilePath(home_), key);
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kCorrupt);
}

TEST_F(HomeTest, MissingMainDatabaseIsCorruptAndNotRecreated) {
  CreateWithMarker();
  const Bytes decoy_before = ReadAll(DecoyPath());
  ASSERT_EQ(::unlink(MainPath().c_str()), 0);
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kCorrupt);
  EXPECT_EQ(OpenDatabaseWithKey(home_, main_key_).status().code(), Status::Code::kCorrupt);
  EXPECT_EQ(DatabasePathForKey(home_, main_key_).status().code(), Status::Code::kCorrupt);
  EXPECT_FALSE(std::filesystem::exists(MainPath()));
  EXPECT_EQ(ReadAll(DecoyPath()), decoy_before);
  // The decoy is still whole and opens with its own key.
  auto decoy = OpenDatabaseWithKey(home_, decoy_key_);
  ASSERT_OK(decoy);
  EXPECT_EQ(ReadNote(*decoy), kDecoyMarker);
}

TEST_F(HomeTest, MissingDecoyDatabaseStillOpensTheMainOne) {
  CreateWithMarker();
  ASSERT_EQ(::unlink(DecoyPath().c_str()), 0);
  int slot = -1;
  EXPECT_EQ(NoteVia("normal", &slot), kMarker);
  EXPECT_EQ(slot, main_slot_);
  EXPECT_EQ(OpenDatabaseWithKey(home_, decoy_key_).status().code(), Status::Code::kCorrupt);
  EXPECT_FALSE(std::filesystem::exists(DecoyPath()));  // opening recreated nothing
}

TEST_F(HomeTest, KeyThatOpensNeitherDatabaseIsCorrupt) {
  CreateWithMarker();
  Secret stranger = RandomKey(random_);
  EXPECT_EQ(OpenDatabaseWithKey(home_, stranger).status().code(), Status::Code::kCorrupt);
  EXPECT_EQ(DatabasePathForKey(home_, stranger).status().code(), Status::Code::kCorrupt);
}

TEST_F(HomeTest, DeletingTheKeyFileLosesTheStore) {
  CreateWithMarker();
  ASSERT_EQ(::unlink(KeyFilePath(home_).c_str()), 0);
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kNotFound);
}

TEST_F(HomeTest, SecondSlotOpensTheSameStore) {
  CreateWithMarker();
  ASSERT_OK(KeyFile::SetSlot(KeyFilePath(home_), Other(2), Pass("second"), main_key_, random_));
  int slot = -1;
  EXPECT_EQ(NoteVia("second", &slot), kMarker);
  EXPECT_EQ(slot, Other(2));
}

// A passphrase whose slot wraps the decoy key opens the decoy database; the
// normal passphrase still opens the main one.
TEST_F(HomeTest, PassphraseWrappingTheDecoyKeyOpensTheDecoy) {
  CreateWithMarker();
  ASSERT_OK(KeyFile::SetSlot(KeyFilePath(home_), Other(1), Pass("duress"), decoy_key_, random_));
  auto opened = OpenStore(home_, Pass("duress"));
  ASSERT_OK(opened);
  EXPECT_EQ(opened->slot, Other(1));
  EXPECT_TRUE(ConstantTimeEqual(opened->key.view(), decoy_key_.view()));
  EXPECT_EQ(ReadNote(opened->db), kDecoyMarker);
  int slot = -1;
  EXPECT_EQ(NoteVia("normal", &slot), kMarker);
  EXPECT_EQ(slot, main_slot_);
}

TEST_F(HomeTest, DuressPassphraseOpensTheDecoyEvenWithTheMainFileMissing) {
  CreateWithMarker();
  ASSERT_OK(KeyFile::SetSlot(KeyFilePath(home_), Other(3), Pass("duress"), decoy_key_, random_));
  ASSERT_EQ(::unlink(MainPath().c_str()), 0);
  EXPECT_EQ(NoteVia("duress"), kDecoyMarker);
  EXPECT_EQ(OpenStore(home_, Pass("normal")).status().code(), Status::Code::kCorrupt);
}

TEST_F(HomeTest, RecreateOtherDatabaseReplacesOnlyTheOtherFile) {
  CreateWithMarker();
  const Bytes key_before = ReadAll(KeyFilePath(home_));
  const Bytes main_before = ReadAll(MainPath());
  Secret fresh = RandomKey(random_);
  {
    auto recreated = RecreateOtherDatabase(home_, main_key_, fresh);
    ASSERT_OK(recreated);
    EXPECT_EQ(ReadNote(*recreated), "no notes table");  // empty
    WriteNote(*recreated, "refilled");                  // as the node layer does
  }
  EXPECT_EQ(ReadAll(KeyFilePath(home_)), key_before);
  EXPECT_EQ(ReadAll(MainPath()), main_before);
  EXPECT_EQ(NoteVia("normal"), kMarker);
  // The other file name now holds a database under the new key only.
  auto fresh_path = DatabasePathForKey(home_, fresh);
  ASSERT_OK(fresh_path);
  EXPECT_EQ(*fresh_path, DecoyPath());
  auto refilled = OpenDatabaseWithKey(home_, fresh);
  ASSERT_OK(refilled);
  EXPECT_EQ(ReadNote(*refilled), "refilled");
  EXPECT_EQ(OpenDatabaseWithKey(home_, decoy_key_).status().code(), Status::Code::kCorrupt);
  EXPECT_EQ(Database::Open(MainPath(), fresh, Database::OpenMode::kMustExist).status().code(),
            Status::Code::kCorrupt);
  EXPECT_EQ(Entries(home_),
            (std::vector<std::string>{"waypost-a.db", "waypost-b.db", "waypost.key"}));
}

TEST_F(HomeTest, RecreateOtherDatabaseReplacesAMissingOrDamagedDecoy) {
  CreateWithMarker();
  const Bytes main_before = ReadAll(MainPath());
  // Missing: it is created.
  ASSERT_EQ(::unlink(DecoyPath().c_str()), 0);
  Secret first = RandomKey(random_);
  {
    auto recreated = RecreateOtherDatabase(home_, main_key_, first);
    ASSERT_OK(recreated);
    WriteNote(*recreated, "first");  // as the node layer does
  }
  EXPECT_OK(Database::Open(DecoyPath(), first, Database::OpenMode::kMustExist));
  // Damaged, with a stale journal beside it: both are replaced.
  WriteAll(DecoyPath(), Bytes(8192, 0x77));
  WriteAll(DecoyPath() + "-journal", Bytes(512, 0x33));
  Secret second = RandomKey(random_);
  {
    auto recreated = RecreateOtherDatabase(home_, main_key_, second);
    ASSERT_OK(recreated);
    WriteNote(*recreated, "second");
  }
  auto decoy = OpenDatabaseWithKey(home_, second);
  ASSERT_OK(decoy);
  EXPECT_EQ(ReadNote(*decoy), "second");
  auto second_path = DatabasePathForKey(home_, second);
  ASSERT_OK(second_path);
  EXPECT_EQ(*second_path, DecoyPath());
  EXPECT_FALSE(std::filesystem::exists(DecoyPath() + "-journal"));
  EXPECT_EQ(ReadAll(MainPath()), main_before);
  EXPECT_EQ(NoteVia("normal"), kMarker);
}

TEST_F(HomeTest, RecreateOtherDatabaseNeedsAKeyThatOpensOne) {
  CreateWithMarker();
  const Bytes a_before = ReadAll(DatabasePath(home_, 0));
  const Bytes b_before = ReadAll(DatabasePath(home_, 1));
  Secret stranger = RandomKey(random_);
  Secret fresh = RandomKey(random_);
  EXPECT_EQ(RecreateOtherDatabase(home_, stranger, fresh).status().code(), Status::Code::kCorrupt);
  EXPECT_EQ(ReadAll(DatabasePath(home_, 0)), a_before);
  EXPECT_EQ(ReadAll(DatabasePath(home_, 1)), b_before);
}

// How many of the two database files `key` opens.
int FilesOpenedBy(const std::string& home, const Secret& key) {
  int n = 0;
  for (int i = 0; i < 2; ++i) {
    n += Database::Open(DatabasePath(home, i), key, Database::OpenMode::kMustExist).ok() ? 1 : 0;
  }
  return n;
}

// home.h: a key "opens exactly one" file, from the moment the store is
// created. DISABLED: fails against the current core/store. A database that
// nothing was written to yet is a 0-byte file, and SQLCipher accepts any key
// for an empty file, so right after CreateStore (and after
// RecreateOtherDatabase) every key opens both files, and OpenEither picks
// waypost-a.db whatever the key.
TEST_F(HomeTest, EveryKeyOpensExactlyOneFileEvenBeforeAnyWrite) {
  {
    auto created = CreateStore(home_, Pass("normal"), kFast, random_);
    ASSERT_OK(created);
    decoy_key_ = std::move(created->decoy_key);
  }
  auto unlocked = KeyFile::Unlock(KeyFilePath(home_), Pass("normal"));
  ASSERT_OK(unlocked);
  main_key_ = std::move(unlocked->db_key);
  EXPECT_EQ(FilesOpenedBy(home_, main_key_), 1);
  EXPECT_EQ(FilesOpenedBy(home_, decoy_key_), 1);
  EXPECT_EQ(FilesOpenedBy(home_, RandomKey(random_)), 0);

  Secret fresh = RandomKey(random_);
  ASSERT_OK(RecreateOtherDatabase(home_, main_key_, fresh));
  EXPECT_EQ(FilesOpenedBy(home_, main_key_), 1);
  EXPECT_EQ(FilesOpenedBy(home_, fresh), 1);
  EXPECT_EQ(FilesOpenedBy(home_, decoy_key_), 0);
}

// The consequence for users: a store whose decoy was never written to opens
// that empty decoy instead of the main database whenever the main one drew
// the second file name. DISABLED for the same reason as above.
TEST_F(HomeTest, MainOpensEvenIfTheDecoyWasNeverWritten) {
  bool seen[2] = {false, false};
  for (int i = 0; i < 24 && !(seen[0] && seen[1]); ++i) {
    SCOPED_TRACE(i);
    const std::string home = dir_.File("store-" + std::to_string(i));
    int main_index = -1;
    {
      auto created = CreateStore(home, Pass("p"), kFast, random_);
      ASSERT_OK(created);
      const Bytes a = ReadAll(DatabasePath(home, 0));
      const Bytes b = ReadAll(DatabasePath(home, 1));
      WriteNote(created->main, kMarker);  // the main database only
      const bool a_changed = ReadAll(DatabasePath(home, 0)) != a;
      const bool b_changed = ReadAll(DatabasePath(home, 1)) != b;
      ASSERT_NE(a_changed, b_changed);
      main_index = a_changed ? 0 : 1;
    }
    seen[main_index] = true;
    auto opened = OpenStore(home, Pass("p"));
    ASSERT_OK(opened);
    EXPECT_EQ(ReadNote(opened->db), kMarker) << "main database is file " << main_index;
  }
  EXPECT_TRUE(seen[0] && seen[1]);
}

}  // namespace
}  // namespace waypost::store
