// `panic --yes`, failed or crashed at every step (docs/storage.md §2.2).
// After a transient failure no copy of the key file opens any more: each is
// overwritten even when its unlink fails, and unlinked even when its
// overwrite fails. After a crash, waypost.key goes first, so nothing else is
// touched while it still opens. Either way a rerun finishes the job.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/store/home.h"
#include "core/store/key_file.h"
#include "core/store/panic.h"
#include "tests/core/store/notes.h"
#include "tests/kit/fault_env.h"
#include "tests/kit/fault_util.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

using testing::CopyDir;
using testing::FaultEnv;
using testing::FaultInjector;
using testing::FaultMode;
using testing::FaultOp;
using testing::ForEachFault;
using testing::ReadAll;
using testing::SortedEntries;
using testing::TempDir;
using testing::WriteAll;
using testing::WriteNote;

Secret Pass(std::string_view s) { return Secret::FromString(s); }

// A store (main and decoy databases, a duress slot) with two leftover copies
// of its key file, as interrupted writes leave them, and one unrelated file.
class PanicFaultTest : public ::testing::TestWithParam<FaultMode> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    {
      ASSERT_OK_AND_ASSIGN(CreatedStore created,
                           CreateStore(home_, Pass("normal"), KdfProfile::kInteractive, random_));
      WriteNote(created.main, "main");
      WriteNote(created.decoy, "decoy");
      ASSERT_OK(KeyFile::SetSlot(KeyFilePath(home_), (created.main_slot + 1) % KeyFile::kSlots,
                                 Pass("duress"), created.decoy_key, random_));
    }
    const Bytes key = ReadAll(KeyFilePath(home_));
    WriteAll(home_ + "/waypost.key.tmp-Ab12Cd", key);
    WriteAll(home_ + "/waypost.key.tmp-Zz99Yy", key);
    WriteAll(home_ + "/unrelated.txt", Bytes{'k', 'e', 'e', 'p'});
    CopyDir(home_, pristine_);
    entries_ = SortedEntries(home_);
  }

  FaultMode mode() const { return GetParam(); }

  // The names of the copies of the key file that still unlock.
  std::vector<std::string> OpeningKeyFiles() {
    std::vector<std::string> out;
    for (const std::string& name : SortedEntries(home_)) {
      if (name.rfind("waypost.key", 0) != 0) continue;
      if (KeyFile::Unlock(home_ + "/" + name, Pass("normal")).ok()) out.push_back(name);
    }
    return out;
  }

  void Check() {
    const std::vector<std::string> opening = OpeningKeyFiles();
    if (mode() == FaultMode::kFail) {
      EXPECT_TRUE(opening.empty()) << ::testing::PrintToString(opening);
    } else if (std::find(opening.begin(), opening.end(), "waypost.key") != opening.end()) {
      // The crash came before the first write to waypost.key: all is as it was.
      EXPECT_EQ(SortedEntries(home_), entries_);
      EXPECT_EQ(opening.size(), 3u);
    }
    // A rerun finishes the job, and a third says there is no store.
    Status rerun = Panic(home_, random_);
    EXPECT_TRUE(rerun.ok() || rerun.code() == Status::Code::kNotFound) << rerun.ToString();
    EXPECT_EQ(SortedEntries(home_), std::vector<std::string>{"unrelated.txt"});
    EXPECT_STATUS(Panic(home_, random_), Status::Code::kNotFound);
    EXPECT_STATUS(OpenStore(home_, Pass("normal")), Status::Code::kNotFound);
  }

  TempDir dir_;
  std::string home_ = dir_.File("home");
  std::string pristine_ = dir_.File("pristine");
  std::vector<std::string> entries_;
  SystemRandom random_;
};

TEST_P(PanicFaultTest, Panic) {
  ForEachFault(
      mode(), [&] { CopyDir(pristine_, home_); },
      [&](FaultInjector& faults) {
        FaultEnv env(faults);
        return Panic(home_, random_, env);
      },
      [&](const Status&, const FaultInjector&) { Check(); });
}

// The order of docs/storage.md §2.2: waypost.key overwritten twice and
// unlinked before anything else, then the other copies, then the databases.
TEST(PanicOrder, KeyFileFirstThenCopiesThenDatabases) {
  TempDir dir;
  SystemRandom random;
  const std::string home = dir.File("home");
  { ASSERT_OK(CreateStore(home, Pass("normal"), KdfProfile::kInteractive, random)); }
  WriteAll(home + "/waypost.key.tmp-Zz99Yy", ReadAll(KeyFilePath(home)));
  FaultInjector faults;
  FaultEnv env(faults);
  ASSERT_OK(Panic(home, random, env));
  const std::string key = KeyFilePath(home);
  const std::string copy = home + "/waypost.key.tmp-Zz99Yy";
  // 8192 bytes: two 4096-byte writes per pass.
  auto shred = [](const std::string& f) {
    const std::string pass = "write " + f + "\nwrite " + f + "\nsync " + f + "\n";
    return pass + pass + "remove " + f + "\n";
  };
  const std::string expected_start = shred(key) + shred(copy) + "syncdir " + home + "\n";
  const std::string log = faults.LogText();
  EXPECT_EQ(log.substr(0, expected_start.size()), expected_start) << log;
  EXPECT_EQ(faults.count(FaultOp::kRemove), 4);  // 2 key files, 2 databases
  EXPECT_EQ(faults.count(FaultOp::kSyncDir), 2);
  EXPECT_EQ(faults.log().back().op, FaultOp::kSyncDir);
}

INSTANTIATE_TEST_SUITE_P(Modes, PanicFaultTest,
                         ::testing::Values(FaultMode::kFail, FaultMode::kCrash),
                         [](const auto& info) { return testing::FaultModeName(info.param); });

}  // namespace
}  // namespace waypost::store
