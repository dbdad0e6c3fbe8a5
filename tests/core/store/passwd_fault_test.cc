// `passwd` and `passwd --rotate`, failed or crashed at every file-system
// step and, for the rotation, at every write, sync and journal deletion of
// SQLite's rekey too (docs/storage.md §2.1). Afterwards the old or the new
// passphrase opens the main store (after RecoverRotation, which `passwd`
// runs first, when a crash interrupted a rotation), never both and never
// neither, and the duress passphrase still opens the decoy.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/store/home.h"
#include "core/store/key_file.h"
#include "core/store/passwd.h"
#include "tests/kit/fault_util.h"
#include "tests/kit/fault_env.h"
#include "tests/kit/fault_vfs.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

using testing::CopyDir;
using testing::FaultEnv;
using testing::FaultInjector;
using testing::FaultMode;
using testing::ForEachFault;
using testing::IsTempOf;
using testing::ReadAll;
using testing::ScopedFaultVfs;
using testing::SortedEntries;
using testing::TempDir;

constexpr char kOld[] = "old passphrase here";
constexpr char kNew[] = "new passphrase here";
constexpr char kDuress[] = "duress passphrase here";
constexpr char kMarker[] = "main row 5d0e";
constexpr char kDecoyMarker[] = "decoy row 77b1";

Secret Pass(std::string_view s) { return Secret::FromString(s); }

std::string Note(std::string_view row) {
  return "CREATE TABLE t(x TEXT); INSERT INTO t VALUES('" + std::string(row) + "');";
}

// A store whose main database holds kMarker (kOld, slot 0) and whose decoy
// holds kDecoyMarker (kDuress, slot 1); saved once, put back before each run.
class PasswdFaultTest : public ::testing::TestWithParam<FaultMode> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    {
      ASSERT_OK_AND_ASSIGN(CreatedStore created,
                           CreateStore(home_, Pass(kOld), KdfProfile::kInteractive, random_));
      ASSERT_OK(created.main.Exec(Note(kMarker)));
      ASSERT_OK(created.decoy.Exec(Note(kDecoyMarker)));
      ASSERT_OK(KeyFile::SetSlot(KeyFilePath(home_), 1, Pass(kDuress), created.decoy_key, random_));
    }
    CopyDir(home_, pristine_);
    entries_ = SortedEntries(home_);
  }

  FaultMode mode() const { return GetParam(); }
  void Reset() { CopyDir(pristine_, home_); }

  // The marker row that `passphrase` opens, or the error.
  std::string ReadMarker(const char* passphrase) {
    auto opened = OpenStore(home_, Pass(passphrase));
    if (!opened.ok()) return "error: " + opened.status().ToString();
    auto stmt = opened->db.Prepare("SELECT x FROM t;");
    if (!stmt.ok()) return "error: " + stmt.status().ToString();
    auto row = stmt->Step();
    if (!row.ok() || !*row) return "no row";
    return stmt->ColumnText(0);
  }

  // Exactly one of kOld and kNew opens the main store, kDuress the decoy.
  // Returns true if it is kNew.
  bool ExpectOneOpens() {
    const bool old_opens = ReadMarker(kOld) == kMarker;
    const bool new_opens = ReadMarker(kNew) == kMarker;
    EXPECT_NE(old_opens, new_opens) << "old: " << ReadMarker(kOld) << "; new: " << ReadMarker(kNew);
    EXPECT_EQ(ReadMarker(kDuress), kDecoyMarker);
    return new_opens;
  }

  // Files beyond the store's own: only temporary key files and rollback
  // journals, and only after a crash or a failed removal that `status`
  // names. (A journal whose header was never synced is not "hot": SQLite
  // ignores it, and the next write transaction in that database replaces
  // it; docs/storage.md §1.)
  void ExpectNoStrayFiles(const Status& status) {
    for (const std::string& name : SortedEntries(home_)) {
      if (std::find(entries_.begin(), entries_.end(), name) != entries_.end()) continue;
      const bool journal = name == "waypost-a.db-journal" || name == "waypost-b.db-journal";
      EXPECT_TRUE(IsTempOf(name, "waypost.key") || IsTempOf(name, "waypost.key.rotating") ||
                  (journal && mode() == FaultMode::kCrash))
          << name;
      if (mode() == FaultMode::kFail) {
        EXPECT_NE(status.message().find(name), std::string::npos) << "unreported leftover " << name;
      }
    }
  }

  // Without a crash: the new passphrase works exactly when the run
  // succeeded, or when only the final directory sync failed and the
  // message says the key file was replaced.
  void ExpectOutcomeOfAFailure(const Status& status, bool new_opens) {
    const bool says_replaced =
        status.message().rfind(KeyFilePath(home_) + " was replaced, but ", 0) == 0;
    EXPECT_EQ(new_opens, status.ok() || says_replaced) << status.ToString();
  }

  TempDir dir_;
  std::string home_ = dir_.File("home");
  std::string pristine_ = dir_.File("pristine");
  std::vector<std::string> entries_;
  SystemRandom random_;
};

TEST_P(PasswdFaultTest, ChangePassphrase) {
  ForEachFault(
      mode(), [&] { Reset(); },
      [&](FaultInjector& faults) {
        FaultEnv env(faults);
        return ChangePassphrase(home_, Pass(kOld), Pass(kNew), random_, env);
      },
      [&](const Status& status, const FaultInjector&) {
        const bool new_opens = ExpectOneOpens();
        if (mode() == FaultMode::kFail) {
          ExpectOutcomeOfAFailure(status, new_opens);
        }
        ExpectNoStrayFiles(status);
      });
}

// After a crash, `passwd` first resolves an interrupted rotation with the
// passphrase it is given: here, whichever of the two the user tries first.
void Recover(const std::string& home) {
  Result<Recovery> with_old = RecoverRotation(home, Pass(kOld));
  if (with_old.ok()) return;
  // Only the new passphrase can finish a rotation whose rekey took effect.
  EXPECT_STATUS(with_old, Status::Code::kCorrupt);
  Result<Recovery> with_new = RecoverRotation(home, Pass(kNew));
  ASSERT_OK(with_new);
  EXPECT_EQ(*with_new, Recovery::kCompleted);
}

TEST_P(PasswdFaultTest, RotateKeyWithFaultsInFilesAndInTheDatabase) {
  ForEachFault(
      mode(), [&] { Reset(); },
      [&](FaultInjector& faults) {
        ScopedFaultVfs vfs(faults);
        FaultEnv env(faults);
        return RotateKey(home_, Pass(kOld), Pass(kNew), random_, nullptr, env);
      },
      [&](const Status& status, const FaultInjector&) {
        if (mode() == FaultMode::kCrash) {
          ASSERT_NO_FATAL_FAILURE(Recover(home_));
        }
        EXPECT_FALSE(Env::Default().FileExists(RotationTempPath(home_)));
        const bool new_opens = ExpectOneOpens();
        if (mode() == FaultMode::kFail) {
          ExpectOutcomeOfAFailure(status, new_opens);
        }
        ExpectNoStrayFiles(status);
      });
}

// RecoverRotation itself, failed or crashed at each step, on the state a
// crash just before the final rename leaves (only waypost.key.rotating opens
// the main store): it never removes the only key, and a rerun completes.
TEST_P(PasswdFaultTest, RecoverRotationAfterACrashBeforeTheRename) {
  {
    FaultInjector crash;
    crash.Crash(testing::FaultOp::kRename, 1);
    ScopedFaultVfs vfs(crash);  // so that nothing rekeys the database back
    FaultEnv env(crash);
    ASSERT_FALSE(RotateKey(home_, Pass(kOld), Pass(kNew), random_, nullptr, env).ok());
    ASSERT_TRUE(Env::Default().FileExists(RotationTempPath(home_)));
    CopyDir(home_, pristine_);
  }
  ForEachFault(
      mode(), [&] { Reset(); },
      [&](FaultInjector& faults) {
        FaultEnv env(faults);
        return RecoverRotation(home_, Pass(kNew), env).status();
      },
      [&](const Status&, const FaultInjector&) {
        const bool installed = !Env::Default().FileExists(RotationTempPath(home_));
        EXPECT_EQ(ReadMarker(kNew) == kMarker, installed);
        ASSERT_OK_AND_ASSIGN(Recovery rerun, RecoverRotation(home_, Pass(kNew)));
        EXPECT_EQ(rerun, installed ? Recovery::kNothingToDo : Recovery::kCompleted);
        EXPECT_TRUE(ExpectOneOpens());
      });
}

INSTANTIATE_TEST_SUITE_P(Modes, PasswdFaultTest,
                         ::testing::Values(FaultMode::kFail, FaultMode::kCrash),
                         [](const auto& info) { return testing::FaultModeName(info.param); });

}  // namespace
}  // namespace waypost::store
