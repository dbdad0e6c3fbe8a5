#include "core/store/passwd.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/store/database.h"
#include "core/store/home.h"
#include "core/store/internal/file_util.h"
#include "core/store/key_file.h"
#include "tests/core/store/temp_dir.h"

namespace waypost::store {
namespace {

using testing::ReadAll;
using testing::TempDir;

constexpr char kOld[] = "old passphrase here";
constexpr char kNew[] = "new passphrase here";
constexpr char kOther[] = "another slot's passphrase";
constexpr char kMarker[] = "marker row 7f3a";
constexpr size_t kSaltOffset = 12;

Secret Pass(std::string_view s) { return Secret::FromString(s); }

Bytes SlotBytes(const Bytes& file, int slot) {
  auto begin = file.begin() + static_cast<long>(KeyFile::kHeaderSize + KeyFile::kSlotSize * slot);
  return Bytes(begin, begin + static_cast<long>(KeyFile::kSlotSize));
}

Bytes Salt(const Bytes& file) {
  return Bytes(file.begin() + kSaltOffset, file.begin() + kSaltOffset + kSaltSize);
}

void Copy(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

// A store with one row of data; kOld opens slot 0 and kOther slot 2.
class PasswdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    {
      auto db = CreateStore(home_, Pass(kOld), KdfProfile::kInteractive, random_);
      ASSERT_TRUE(db.ok()) << db.status().ToString();
      ASSERT_TRUE(
          db->Exec("CREATE TABLE t(x TEXT); INSERT INTO t VALUES('" + std::string(kMarker) + "');")
              .ok());
    }
    auto unlocked = KeyFile::Unlock(key_path_, Pass(kOld));
    ASSERT_TRUE(unlocked.ok());
    ASSERT_TRUE(KeyFile::SetSlot(key_path_, 2, Pass(kOther), unlocked->db_key, random_).ok());
  }

  // The marker row, read through the key file with `passphrase`; the slot
  // that opened goes to `slot`.
  std::string ReadMarker(const char* passphrase, int* slot = nullptr) {
    auto db = OpenStore(home_, Pass(passphrase), slot);
    if (!db.ok()) return "error: " + db.status().ToString();
    auto stmt = db->Prepare("SELECT x FROM t;");
    if (!stmt.ok()) return "error: " + stmt.status().ToString();
    auto row = stmt->Step();
    if (!row.ok() || !*row) return "no row";
    return stmt->ColumnText(0);
  }

  Status::Code UnlockCode(const std::string& path, const char* passphrase) {
    return KeyFile::Unlock(path, Pass(passphrase)).status().code();
  }

  TempDir dir_;
  std::string home_ = dir_.File("home");
  std::string key_path_ = KeyFilePath(home_);
  std::string db_path_ = DatabasePath(home_);
  SystemRandom random_;
};

TEST_F(PasswdTest, ChangeRewrapsOnlyTheOpenedSlot) {
  const Bytes before = ReadAll(key_path_);
  ASSERT_TRUE(ChangePassphrase(home_, Pass(kOld), Pass(kNew), random_).ok());
  const Bytes after = ReadAll(key_path_);

  ASSERT_EQ(after.size(), KeyFile::kFileSize);
  EXPECT_EQ(Bytes(after.begin(), after.begin() + KeyFile::kHeaderSize),
            Bytes(before.begin(), before.begin() + KeyFile::kHeaderSize));
  EXPECT_NE(SlotBytes(after, 0), SlotBytes(before, 0));
  for (int i = 1; i < KeyFile::kSlots; ++i) {
    EXPECT_EQ(SlotBytes(after, i), SlotBytes(before, i)) << "slot " << i;
  }
  EXPECT_EQ(UnlockCode(key_path_, kOld), Status::Code::kWrongPassphrase);
  int slot = -1;
  EXPECT_EQ(ReadMarker(kNew, &slot), kMarker);
  EXPECT_EQ(slot, 0);
  EXPECT_EQ(ReadMarker(kOther, &slot), kMarker);
  EXPECT_EQ(slot, 2);
}

TEST_F(PasswdTest, ChangeThroughAnotherSlotLeavesSlotZeroAlone) {
  const Bytes before = ReadAll(key_path_);
  ASSERT_TRUE(ChangePassphrase(home_, Pass(kOther), Pass(kNew), random_).ok());
  const Bytes after = ReadAll(key_path_);
  EXPECT_EQ(SlotBytes(after, 0), SlotBytes(before, 0));
  EXPECT_NE(SlotBytes(after, 2), SlotBytes(before, 2));
  int slot = -1;
  EXPECT_EQ(ReadMarker(kNew, &slot), kMarker);
  EXPECT_EQ(slot, 2);
  EXPECT_EQ(ReadMarker(kOld), kMarker);
  EXPECT_EQ(UnlockCode(key_path_, kOther), Status::Code::kWrongPassphrase);
}

TEST_F(PasswdTest, ChangeRefusesTheSamePassphraseOrOneInUse) {
  const Bytes before = ReadAll(key_path_);
  Status same = ChangePassphrase(home_, Pass(kOld), Pass(kOld), random_);
  EXPECT_EQ(same.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(same.message().find("same as the current"), std::string::npos) << same.message();
  EXPECT_EQ(ChangePassphrase(home_, Pass(kOld), Pass(kOther), random_).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ChangePassphrase(home_, Pass("not the passphrase"), Pass(kNew), random_).code(),
            Status::Code::kWrongPassphrase);
  EXPECT_EQ(ReadAll(key_path_), before);
}

TEST_F(PasswdTest, ChangeWithoutStoreIsNotFound) {
  EXPECT_EQ(ChangePassphrase(dir_.File("nothing"), Pass(kOld), Pass(kNew), random_).code(),
            Status::Code::kNotFound);
}

TEST_F(PasswdTest, RotateMakesAnOldKeyFileCopyUseless) {
  const std::string saved = dir_.File("stolen.key");
  Copy(key_path_, saved);
  const Bytes before = ReadAll(key_path_);

  Status status = RotateKey(home_, Pass(kOld), Pass(kNew), random_);
  ASSERT_TRUE(status.ok()) << status.ToString();

  // The thief's copy still unwraps the old database key, which no longer
  // opens the database.
  auto old_key = KeyFile::Unlock(saved, Pass(kOld));
  ASSERT_TRUE(old_key.ok());
  auto with_old = Database::Open(db_path_, old_key->db_key, Database::OpenMode::kMustExist);
  EXPECT_EQ(with_old.status().code(), Status::Code::kCorrupt);

  const Bytes after = ReadAll(key_path_);
  EXPECT_EQ(after.size(), KeyFile::kFileSize);
  EXPECT_NE(Salt(after), Salt(before));
  EXPECT_EQ(ReadMarker(kNew), kMarker);
  EXPECT_EQ(UnlockCode(key_path_, kOld), Status::Code::kWrongPassphrase);
  EXPECT_EQ(UnlockCode(key_path_, kOther), Status::Code::kWrongPassphrase);  // dropped
  EXPECT_FALSE(internal::PathExists(RotationTempPath(home_)));
  auto params_before = KeyFile::ReadParams(saved);
  auto params_after = KeyFile::ReadParams(key_path_);
  ASSERT_TRUE(params_before.ok() && params_after.ok());
  EXPECT_EQ(params_after->opslimit, params_before->opslimit);
  EXPECT_EQ(params_after->memlimit, params_before->memlimit);
}

TEST_F(PasswdTest, RotateKeepsTheIndexOfTheOpenedSlot) {
  ASSERT_TRUE(RotateKey(home_, Pass(kOther), Pass(kNew), random_).ok());
  int slot = -1;
  EXPECT_EQ(ReadMarker(kNew, &slot), kMarker);
  EXPECT_EQ(slot, 2);
  EXPECT_EQ(UnlockCode(key_path_, kOld), Status::Code::kWrongPassphrase);
}

TEST_F(PasswdTest, RotateRefusesTheSamePassphraseAndTouchesNothing) {
  const Bytes key_before = ReadAll(key_path_);
  const Bytes db_before = ReadAll(db_path_);
  EXPECT_EQ(RotateKey(home_, Pass(kOld), Pass(kOld), random_).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(RotateKey(home_, Pass("wrong passphrase!"), Pass(kNew), random_).code(),
            Status::Code::kWrongPassphrase);
  EXPECT_EQ(ReadAll(key_path_), key_before);
  EXPECT_EQ(ReadAll(db_path_), db_before);
}

// A failure at any step before the new key file is installed leaves the
// store exactly as it was: the old key file, the database under the old key.
TEST_F(PasswdTest, RotateRollsBackAFailureAtEveryStep) {
  for (RotateStep failing : {RotateStep::kWriteNewKeyFile, RotateStep::kRekey, RotateStep::kVerify,
                             RotateStep::kInstall}) {
    SCOPED_TRACE(static_cast<int>(failing));
    const Bytes key_before = ReadAll(key_path_);
    RotateFault fault = [failing](RotateStep step) {
      return step == failing ? Status::IoError("injected") : Status::Ok();
    };
    Status status = RotateKey(home_, Pass(kOld), Pass(kNew), random_, fault);
    EXPECT_EQ(status.code(), Status::Code::kIoError);
    EXPECT_EQ(status.message(), "injected");
    EXPECT_EQ(ReadAll(key_path_), key_before);
    EXPECT_EQ(ReadMarker(kOld), kMarker);
    EXPECT_EQ(ReadMarker(kOther), kMarker);
    EXPECT_FALSE(internal::PathExists(RotationTempPath(home_)));
  }
}

// A crash between the rekey and the rename: the database is under the new
// key and only the temp key file opens it. Recreated by saving the files as
// they stand just before the rename, and putting them back after rollback.
TEST_F(PasswdTest, RecoveryFinishesARotationInterruptedBeforeTheRename) {
  const std::string tmp = RotationTempPath(home_);
  RotateFault crash = [&](RotateStep step) {
    if (step != RotateStep::kInstall) return Status::Ok();
    Copy(tmp, dir_.File("tmp.saved"));
    Copy(db_path_, dir_.File("db.saved"));
    return Status::IoError("crash");
  };
  ASSERT_FALSE(RotateKey(home_, Pass(kOld), Pass(kNew), random_, crash).ok());
  Copy(dir_.File("tmp.saved"), tmp);
  Copy(dir_.File("db.saved"), db_path_);

  EXPECT_EQ(RotateKey(home_, Pass(kOld), Pass(kNew), random_).code(), Status::Code::kAlreadyExists);
  auto with_old = RecoverRotation(home_, Pass(kOld));
  EXPECT_EQ(with_old.status().code(), Status::Code::kCorrupt);
  EXPECT_TRUE(internal::PathExists(tmp));  // never removes the only key
  auto with_new = RecoverRotation(home_, Pass(kNew));
  ASSERT_TRUE(with_new.ok()) << with_new.status().ToString();
  EXPECT_EQ(*with_new, Recovery::kCompleted);
  EXPECT_FALSE(internal::PathExists(tmp));
  EXPECT_EQ(ReadMarker(kNew), kMarker);
}

TEST_F(PasswdTest, RecoveryDiscardsATempFileFromBeforeTheRekey) {
  const std::string tmp = RotationTempPath(home_);
  RotateFault crash = [&](RotateStep step) {
    if (step != RotateStep::kRekey) return Status::Ok();
    Copy(tmp, dir_.File("tmp.saved"));
    return Status::IoError("crash");
  };
  ASSERT_FALSE(RotateKey(home_, Pass(kOld), Pass(kNew), random_, crash).ok());
  Copy(dir_.File("tmp.saved"), tmp);

  EXPECT_EQ(RecoverRotation(home_, Pass(kNew)).status().code(), Status::Code::kWrongPassphrase);
  auto recovered = RecoverRotation(home_, Pass(kOld));
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_EQ(*recovered, Recovery::kDiscardedStale);
  EXPECT_FALSE(internal::PathExists(tmp));
  EXPECT_EQ(ReadMarker(kOld), kMarker);
  auto nothing = RecoverRotation(home_, Pass(kOld));
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(*nothing, Recovery::kNothingToDo);
}

}  // namespace
}  // namespace waypost::store
