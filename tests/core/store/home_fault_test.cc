// `init`, failed or crashed at every step: each file-system call, and each
// write, sync and journal deletion of SQLite creating the two databases.
// The key file is written last (home.h), so a failure leaves nothing and a
// crash leaves either a whole store or no key file at all: never a key file
// without its databases (docs/storage.md §1).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/store/home.h"
#include "core/store/key_file.h"
#include "core/store/panic.h"
#include "tests/core/store/notes.h"
#include "tests/kit/fault_env.h"
#include "tests/kit/fault_util.h"
#include "tests/kit/fault_vfs.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

using testing::FaultEnv;
using testing::FaultInjector;
using testing::FaultMode;
using testing::ForEachFault;
using testing::IsTempOf;
using testing::ReadNote;
using testing::ScopedFaultVfs;
using testing::SortedEntries;
using testing::TempDir;

constexpr char kPassphrase[] = "init passphrase";

Secret Pass(std::string_view s) { return Secret::FromString(s); }

class HomeFaultTest : public ::testing::TestWithParam<FaultMode> {
 protected:
  FaultMode mode() const { return GetParam(); }

  void Reset() {
    std::filesystem::remove_all(home_);
    decoy_key_ = Secret();
  }

  Status Create(FaultInjector& faults) {
    ScopedFaultVfs vfs(faults);
    FaultEnv env(faults);
    Result<CreatedStore> created =
        CreateStore(home_, Pass(kPassphrase), KdfProfile::kInteractive, random_, env);
    if (created.ok()) decoy_key_ = std::move(created->decoy_key);
    return created.status();
  }

  // A whole store: the passphrase opens the main database, the decoy key
  // the other one, and both are empty and writable.
  void ExpectWholeStore() {
    Result<OpenedStore> opened = OpenStore(home_, Pass(kPassphrase));
    ASSERT_OK(opened) << "a key file without its databases";
    EXPECT_EQ(ReadNote(opened->db), "no notes table");
    EXPECT_OK(opened->db.Exec("CREATE TABLE notes (body TEXT);"));
    if (!decoy_key_.empty()) {
      ASSERT_OK_AND_ASSIGN(Database decoy, OpenDatabaseWithKey(home_, decoy_key_));
      EXPECT_OK(decoy.Exec("CREATE TABLE notes (body TEXT);"));
    }
  }

  // No key file: `init` refuses while a database is left over, `panic`
  // removes what is there, and then `init` works.
  void ExpectNoStoreAndRecoverable() {
    Result<CreatedStore> again =
        CreateStore(home_, Pass(kPassphrase), KdfProfile::kInteractive, random_);
    if (!again.ok()) {
      EXPECT_STATUS(again, Status::Code::kAlreadyExists);
      EXPECT_NE(again.status().message().find("move it away first"), std::string::npos)
          << again.status().message();
      Status panicked = Panic(home_, random_);
      EXPECT_TRUE(panicked.ok() || panicked.code() == Status::Code::kNotFound)
          << panicked.message();
      ASSERT_OK(CreateStore(home_, Pass(kPassphrase), KdfProfile::kInteractive, random_));
    }
    decoy_key_ = Secret();
    ExpectWholeStore();
  }

  // A leftover temporary key file wraps a key that opens no database.
  void ExpectLeftoversOpenNothing(const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      if (!IsTempOf(name, "waypost.key")) continue;
      Result<KeyFile::Unlocked> unlocked = KeyFile::Unlock(home_ + "/" + name, Pass(kPassphrase));
      if (!unlocked.ok()) continue;  // empty, or a part of a key file
      EXPECT_STATUS(OpenDatabaseWithKey(home_, unlocked->db_key), Status::Code::kCorrupt) << name;
    }
  }

  void Check(const Status& status) {
    const std::vector<std::string> entries = SortedEntries(home_);
    const std::vector<std::string> whole = {"waypost-a.db", "waypost-b.db", "waypost.key"};
    if (status.ok()) {
      EXPECT_EQ(entries, whole);
      return ExpectWholeStore();
    }
    if (mode() == FaultMode::kFail) {
      // Every file this call made is removed again, except a temporary key
      // file whose removal failed, which the error names.
      for (const std::string& name : entries) {
        EXPECT_TRUE(IsTempOf(name, "waypost.key")) << name;
        EXPECT_NE(status.message().find(name), std::string::npos) << "unreported " << name;
      }
      ASSERT_NO_FATAL_FAILURE(ExpectNoStoreAndRecoverable());
      return ExpectLeftoversOpenNothing(entries);
    }
    for (const std::string& name : entries) {
      const bool expected = name == "waypost-a.db" || name == "waypost-b.db" ||
                            name == "waypost.key" || name == "waypost-a.db-journal" ||
                            name == "waypost-b.db-journal" || IsTempOf(name, "waypost.key");
      EXPECT_TRUE(expected) << name;
    }
    if (StoreExists(home_)) return ExpectWholeStore();
    ExpectNoStoreAndRecoverable();
  }

  TempDir dir_;
  std::string home_ = dir_.File("home");
  SystemRandom random_;
  Secret decoy_key_;
};

TEST_P(HomeFaultTest, CreateStore) {
  ForEachFault(
      mode(), [&] { Reset(); }, [&](FaultInjector& faults) { return Create(faults); },
      [&](const Status& status, const FaultInjector&) { Check(status); });
}

INSTANTIATE_TEST_SUITE_P(Modes, HomeFaultTest,
                         ::testing::Values(FaultMode::kFail, FaultMode::kCrash),
                         [](const auto& info) { return testing::FaultModeName(info.param); });

}  // namespace
}  // namespace waypost::store
