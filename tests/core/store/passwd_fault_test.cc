// `passwd` and `passwd --rotate`, failed or crashed at every file-system
// step and, for the rotation, at every write, sync and journal deletion of
// SQLite's rekey too (docs/storage.md §2.1). Afterwards the old or the new
// passphrase opens the main store, never both and never neither, and the
// duress passphrase still opens the decoy. After a crash the first open
// settles the key file (home.h), so "both" is checked in that order: the
// old passphrase first, as a user who has forgotten the change would.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/store/home.h"
#include "core/store/key_file.h"
#include "core/store/passwd.h"
#include "tests/kit/fault_env.h"
#include "tests/kit/fault_util.h"
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

// A store whose main database holds kMarker (kOld, its main slot) and whose
// decoy holds kDecoyMarker (kDuress, the next slot); saved once, put back
// before each run.
class PasswdFaultTest : public ::testing::TestWithParam<FaultMode> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    {
      ASSERT_OK_AND_ASSIGN(CreatedStore created,
                           CreateStore(home_, Pass(kOld), KdfProfile::kInteractive, random_));
      ASSERT_OK(created.main.Exec(Note(kMarker)));
      ASSERT_OK(created.decoy.Exec(Note(kDecoyMarker)));
      ASSERT_OK(KeyFile::SetSlot(KeyFilePath(home_), (created.main_slot + 1) % KeyFile::kSlots,
                                 Pass(kDuress), created.decoy_key, random_));
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

  // Files beyond the store's own: nothing but a rollback journal after a
  // crash. The key file is written in place and leaves no other file. (A journal whose header was
  // never synced is not "hot": SQLite ignores it, and the next write transaction in that database
  // replaces it; docs/storage.md §1.)
  void ExpectNoStrayFiles(const Status& status) {
    for (const std::string& name : SortedEntries(home_)) {
      if (std::find(entries_.begin(), entries_.end(), name) != entries_.end()) continue;
      const bool journal = name == "waypost-a.db-journal" || name == "waypost-b.db-journal";
      EXPECT_TRUE(journal && mode() == FaultMode::kCrash) << name;
      (void)status;
    }
  }

  // Without a crash: the new passphrase works exactly when the run
  // succeeded, or when the rotation stood and only its clean-up failed, and
  // the message says so.
  void ExpectOutcomeOfAFailure(const Status& status, bool new_opens) {
    const bool says_stood = status.message().rfind("the database was re-encrypted, but ", 0) == 0;
    EXPECT_EQ(new_opens, status.ok() || says_stood) << status.ToString();
  }

  // The key file's two copies are equal.
  bool Settled() {
    const Bytes file = ReadAll(KeyFilePath(home_));
    return file.size() == KeyFile::kFileSize &&
           std::equal(file.begin(), file.begin() + long(KeyFile::kRecordSize),
                      file.begin() + long(KeyFile::kSecondCopy));
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

TEST_P(PasswdFaultTest, RotateKeyWithFaultsInFilesAndInTheDatabase) {
  ForEachFault(
      mode(), [&] { Reset(); },
      [&](FaultInjector& faults) {
        ScopedFaultVfs vfs(faults);
        FaultEnv env(faults);
        return RotateKey(home_, Pass(kOld), Pass(kNew), random_, nullptr, env);
      },
      [&](const Status& status, const FaultInjector&) {
        const bool new_opens = ExpectOneOpens();
        if (mode() == FaultMode::kFail) {
          ExpectOutcomeOfAFailure(status, new_opens);
        }
        EXPECT_TRUE(Settled());
        ExpectNoStrayFiles(status);
      },
      // After the rekey commits, SQLite zeroes the PERSIST journal's header
      // and syncs it, and goes on if that sync fails: the commit is already
      // durable. RotateKey then overwrites and syncs that journal itself
      // (WipeLeftoverJournal) before the key file settles, so a failure
      // there is caught; the log must show that later sync.
      [](const FaultInjector& faults) {
        const auto& log = faults.log();
        auto failed = std::find_if(log.begin(), log.end(), [](const auto& e) { return e.failed; });
        if (failed == log.end() || failed->op != testing::FaultOp::kSync) return false;
        const std::string path = failed->path;
        if (path.size() < 8 || path.compare(path.size() - 8, 8, "-journal") != 0) return false;
        return std::any_of(failed + 1, log.end(), [&](const auto& e) {
          return e.op == testing::FaultOp::kSync && e.path == path && !e.failed;
        });
      });
}

// The open that finishes a rotation interrupted after its rekey (settling
// the key file, wiping the rekey's journal), itself failed or crashed at
// each step: the new passphrase still opens the store, and the next open
// finishes the job.
TEST_P(PasswdFaultTest, AnOpenFinishingAnInterruptedRotation) {
  {
    const std::string saved = dir_.File("saved");
    RotateFault crash = [&](RotateStep step) {
      if (step != RotateStep::kVerify) return Status::Ok();
      CopyDir(home_, saved);  // the files as a crash here would leave them
      return Status::IoError("crash");
    };
    ASSERT_FALSE(RotateKey(home_, Pass(kOld), Pass(kNew), random_, crash).ok());
    CopyDir(saved, pristine_);
    Reset();
    ASSERT_FALSE(Settled());
  }
  ForEachFault(
      mode(), [&] { Reset(); },
      [&](FaultInjector& faults) {
        ScopedFaultVfs vfs(faults);
        FaultEnv env(faults);
        return OpenStore(home_, Pass(kNew), env).status();
      },
      [&](const Status& status, const FaultInjector&) {
        if (mode() == FaultMode::kFail && status.ok()) {
          EXPECT_TRUE(Settled());
        }
        EXPECT_TRUE(ExpectOneOpens());
        EXPECT_TRUE(Settled());
        EXPECT_EQ(SortedEntries(home_), entries_);  // the journal is gone
      });
}

INSTANTIATE_TEST_SUITE_P(Modes, PasswdFaultTest,
                         ::testing::Values(FaultMode::kFail, FaultMode::kCrash),
                         [](const auto& info) { return testing::FaultModeName(info.param); });

}  // namespace
}  // namespace waypost::store
