// Every write of the key file, failed or crashed at each of its steps
// (docs/storage.md §2, "Writes are atomic"): afterwards the file is the old
// image or the new one, never missing and never a mix, and a temporary file
// is left only by a crash or a failed removal that the error names; it holds
// nothing or the whole new image.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <functional>
#include <string>

#include "core/store/key_file.h"
#include "tests/kit/fault_util.h"
#include "tests/kit/fault_env.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

using testing::FaultEnv;
using testing::FaultInjector;
using testing::FaultMode;
using testing::ForEachFault;
using testing::IsTempOf;
using testing::ReadAll;
using testing::SortedEntries;
using testing::TempDir;
using testing::WriteAll;

Secret Pass(std::string_view s) { return Secret::FromString(s); }

Secret RandomKey(Random& random) {
  Secret key(KeyFile::kDbKeySize);
  random.Fill(key.span());
  return key;
}

ByteView Slot(const Bytes& image, int slot) {
  return ByteView(image).subspan(KeyFile::kHeaderSize + KeyFile::kSlotSize * size_t(slot),
                                 KeyFile::kSlotSize);
}

class KeyFileFaultTest : public ::testing::TestWithParam<FaultMode> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_OK(KeyFile::Create(path_, Pass("normal"), KdfProfile::kInteractive, key_, random_));
    ASSERT_OK(KeyFile::SetSlot(path_, 1, Pass("duress"), other_key_, random_));
    old_ = ReadAll(path_);
  }

  FaultMode mode() const { return GetParam(); }

  // The directory as SetUp left it (with `keep_old`) or empty.
  void Reset(bool keep_old) {
    for (const std::string& name : SortedEntries(dir_.path())) {
      std::filesystem::remove(dir_.File(name));
    }
    if (keep_old) {
      WriteAll(path_, old_);
      ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
    }
  }

  // True if `passphrase` opens slot `slot` of `image` and gives `key`.
  bool Opens(const Bytes& image, const char* passphrase, int slot, const Secret& key) {
    const std::string copy = scratch_.File("copy");
    WriteAll(copy, image);
    auto unlocked = KeyFile::Unlock(copy, Pass(passphrase));
    return unlocked.ok() && unlocked->slot == slot &&
           ConstantTimeEqual(unlocked->db_key.view(), key.view());
  }

  // True if `image` is `old_` with only slot `slot` changed.
  bool OnlySlotChanged(const Bytes& image, int slot) {
    if (image.size() != KeyFile::kFileSize) return false;
    if (std::memcmp(image.data(), old_.data(), KeyFile::kHeaderSize) != 0) return false;
    for (int i = 0; i < KeyFile::kSlots; ++i) {
      const bool same =
          std::equal(Slot(image, i).begin(), Slot(image, i).end(), Slot(old_, i).begin());
      if (same == (i == slot)) return false;
    }
    return true;
  }

  // The invariant after one run. `is_new` recognises the new image; before
  // the run the key file held `old_`, or nothing if `had_old` is false.
  void CheckOutcome(const Status& status, bool had_old,
                    const std::function<bool(const Bytes&)>& is_new) {
    const bool exists = Env::Default().FileExists(path_);
    const Bytes now = ReadAll(path_);
    const bool still_old = had_old ? (exists && now == old_) : !exists;
    const bool became_new = exists && is_new(now);
    EXPECT_TRUE(still_old || became_new) << "the key file is neither the old nor the new image";
    if (status.ok()) {
      EXPECT_TRUE(became_new);
    }
    if (!status.ok() && mode() == FaultMode::kFail) {
      // Only a failed directory sync after the rename leaves the new image,
      // and the message then says so.
      const bool says_replaced = status.message().rfind(path_ + " was replaced, but ", 0) == 0;
      EXPECT_EQ(became_new, says_replaced) << status.message();
    }
    for (const std::string& name : SortedEntries(dir_.path())) {
      if (name == "waypost.key") continue;
      // Without a crash, only a temporary file whose removal failed, and
      // the error names it.
      if (mode() == FaultMode::kFail) {
        EXPECT_NE(status.message().find(name), std::string::npos) << "unreported leftover " << name;
      }
      EXPECT_TRUE(IsTempOf(name, "waypost.key")) << name;
      const Bytes left = ReadAll(dir_.File(name));
      EXPECT_TRUE(left.empty() || is_new(left)) << name << " holds something else";
    }
  }

  TempDir dir_;
  TempDir scratch_;
  std::string path_ = dir_.File("waypost.key");
  SystemRandom random_;
  Secret key_ = RandomKey(random_);
  Secret other_key_ = RandomKey(random_);
  Bytes old_;
};

TEST_P(KeyFileFaultTest, Create) {
  auto is_new = [&](const Bytes& image) { return Opens(image, "normal", 0, key_); };
  ForEachFault(
      mode(), [&] { Reset(/*keep_old=*/false); },
      [&](FaultInjector& faults) {
        FaultEnv env(faults);
        return KeyFile::Create(path_, Pass("normal"), KdfProfile::kInteractive, key_, random_, env);
      },
      [&](const Status& status, const FaultInjector&) { CheckOutcome(status, false, is_new); });
}

TEST_P(KeyFileFaultTest, SetSlot) {
  Secret new_key = RandomKey(random_);
  auto is_new = [&](const Bytes& image) {
    return OnlySlotChanged(image, 2) && Opens(image, "spare", 2, new_key);
  };
  ForEachFault(
      mode(), [&] { Reset(/*keep_old=*/true); },
      [&](FaultInjector& faults) {
        FaultEnv env(faults);
        return KeyFile::SetSlot(path_, 2, Pass("spare"), new_key, random_, "", env);
      },
      [&](const Status& status, const FaultInjector&) { CheckOutcome(status, true, is_new); });
}

TEST_P(KeyFileFaultTest, SetSlotRewritingAUsedSlot) {
  auto is_new = [&](const Bytes& image) {
    return OnlySlotChanged(image, 0) && Opens(image, "changed", 0, key_);
  };
  ForEachFault(
      mode(), [&] { Reset(/*keep_old=*/true); },
      [&](FaultInjector& faults) {
        FaultEnv env(faults);
        return KeyFile::SetSlot(path_, 0, Pass("changed"), key_, random_, "", env);
      },
      [&](const Status& status, const FaultInjector&) {
        CheckOutcome(status, true, is_new);
        // Whatever happened, exactly one of the two passphrases opens slot 0.
        const Bytes now = ReadAll(path_);
        EXPECT_NE(Opens(now, "normal", 0, key_), Opens(now, "changed", 0, key_));
      });
}

TEST_P(KeyFileFaultTest, ClearSlot) {
  auto is_new = [&](const Bytes& image) {
    return OnlySlotChanged(image, 1) && Opens(image, "normal", 0, key_);
  };
  ForEachFault(
      mode(), [&] { Reset(/*keep_old=*/true); },
      [&](FaultInjector& faults) {
        FaultEnv env(faults);
        return KeyFile::ClearSlot(path_, 1, random_, env);
      },
      [&](const Status& status, const FaultInjector&) { CheckOutcome(status, true, is_new); });
}

// The exact sequence of a replace, as docs/storage.md §2 describes it.
TEST(KeyFileWrites, ReplaceIsTempWriteSyncRenameSyncDir) {
  TempDir dir;
  SystemRandom random;
  const std::string path = dir.File("waypost.key");
  ASSERT_OK(
      KeyFile::Create(path, Pass("normal"), KdfProfile::kInteractive, RandomKey(random), random));
  FaultInjector faults;
  FaultEnv env(faults);
  ASSERT_OK(KeyFile::ClearSlot(path, 3, random, env));
  ASSERT_EQ(faults.log().size(), 5u) << faults.LogText();
  const std::string tmp = faults.log()[1].path;
  EXPECT_TRUE(IsTempOf(tmp.substr(dir.path().size() + 1), "waypost.key")) << tmp;
  EXPECT_EQ(faults.LogText(), "create " + path + "\nwrite " + tmp + "\nsync " + tmp + "\nrename " +
                                  path + "\nsyncdir " + dir.path() + "\n");
}

INSTANTIATE_TEST_SUITE_P(Modes, KeyFileFaultTest,
                         ::testing::Values(FaultMode::kFail, FaultMode::kCrash),
                         [](const auto& info) { return testing::FaultModeName(info.param); });

}  // namespace
}  // namespace waypost::store
