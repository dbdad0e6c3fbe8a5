// Every write of the key file, failed or crashed at each of its steps
// (docs/storage.md §2): afterwards the file opens as before or as after,
// never neither. Create links a whole temporary file into place; every other
// write is in place, in the one inode, and leaves no other file. A failed
// in-place write is undone; a crashed one leaves the copies old and old, new
// and old (second and first: the new record in force), or new and new.
// A torn write, which the fault seam cannot make, is built byte by byte.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstring>
#include <functional>
#include <string>

#include "core/store/key_file.h"
#include "tests/kit/fault_env.h"
#include "tests/kit/fault_util.h"
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

Bytes RecordAt(const Bytes& image, size_t at) {
  auto begin = image.begin() + static_cast<long>(at);
  return Bytes(begin, begin + static_cast<long>(KeyFile::kRecordSize));
}

// A settled file whose two copies are `record`.
Bytes ImageOf(const Bytes& record) {
  Bytes image(KeyFile::kFileSize, 0);
  std::copy(record.begin(), record.end(), image.begin());
  std::copy(record.begin(), record.end(), image.begin() + long(KeyFile::kSecondCopy));
  return image;
}

ino_t InodeOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

class KeyFileFaultTest : public ::testing::TestWithParam<FaultMode> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_OK(KeyFile::Create(path_, Pass("normal"), KdfProfile::kInteractive, key_, random_));
    ASSERT_OK(KeyFile::SetSlot(path_, 1, Pass("duress"), other_key_, random_));
    old_ = ReadAll(path_);
    inode_ = InodeOf(path_);
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
      inode_ = InodeOf(path_);
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

  // True if the settled file `image` is `old_` with only slot `slot` changed.
  bool OnlySlotChanged(const Bytes& image, int slot) {
    if (image.size() != KeyFile::kFileSize) return false;
    if (RecordAt(image, 0) != RecordAt(image, KeyFile::kSecondCopy)) return false;
    if (std::memcmp(image.data(), old_.data(), KeyFile::kHeaderSize) != 0) return false;
    for (int i = 0; i < KeyFile::kSlots; ++i) {
      const bool same =
          std::equal(Slot(image, i).begin(), Slot(image, i).end(), Slot(old_, i).begin());
      if (same == (i == slot)) return false;
    }
    return true;
  }

  // Create's invariant: nothing at the path, or the whole new file; a
  // temporary file only after a crash or a failed removal that the error
  // names, holding nothing or the new image.
  void CheckCreated(const Status& status, const std::function<bool(const Bytes&)>& is_new) {
    const bool exists = Env::Default().FileExists(path_);
    if (exists) {
      EXPECT_TRUE(is_new(ReadAll(path_))) << "a key file that is not the new one";
    }
    // A crash after the link leaves the whole file; a failure removes it.
    if (mode() == FaultMode::kFail || status.ok()) {
      EXPECT_EQ(exists, status.ok()) << status.message();
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

  // The invariant of an in-place write. `is_new` recognises the new file
  // (settled). Same inode, same size, nothing beside it; a failure leaves
  // the old file, a crash one of the three states in the header comment.
  void CheckInPlace(const Status& status, const std::function<bool(const Bytes&)>& is_new) {
    EXPECT_EQ(SortedEntries(dir_.path()), std::vector<std::string>{"waypost.key"});
    EXPECT_EQ(InodeOf(path_), inode_);
    const Bytes now = ReadAll(path_);
    ASSERT_EQ(now.size(), KeyFile::kFileSize);
    const Bytes first = RecordAt(now, 0);
    const Bytes second = RecordAt(now, KeyFile::kSecondCopy);
    const Bytes old_record = RecordAt(old_, 0);
    const bool first_new = first != old_record && is_new(ImageOf(first));
    const bool second_new = second != old_record && is_new(ImageOf(second));
    EXPECT_TRUE(first == old_record || first_new);
    EXPECT_TRUE(second == old_record || second_new);
    if (status.ok()) {
      EXPECT_TRUE(first_new && second_new && first == second);
    } else if (mode() == FaultMode::kFail) {
      EXPECT_EQ(now, old_) << "a failed write was not undone: " << status.message();
    } else {
      EXPECT_FALSE(first_new && !second_new) << "the new record only in the first copy";
    }
  }

  TempDir dir_;
  TempDir scratch_;
  std::string path_ = dir_.File("waypost.key");
  SystemRandom random_;
  Secret key_ = RandomKey(random_);
  Secret other_key_ = RandomKey(random_);
  Bytes old_;
  ino_t inode_ = 0;
};

TEST_P(KeyFileFaultTest, Create) {
  auto is_new = [&](const Bytes& image) { return Opens(image, "normal", 0, key_); };
  ForEachFault(
      mode(), [&] { Reset(/*keep_old=*/false); },
      [&](FaultInjector& faults) {
        FaultEnv env(faults);
        return KeyFile::Create(path_, Pass("normal"), KdfProfile::kInteractive, key_, random_, env);
      },
      [&](const Status& status, const FaultInjector&) { CheckCreated(status, is_new); });
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
        return KeyFile::SetSlot(path_, 2, Pass("spare"), new_key, random_, env);
      },
      [&](const Status& status, const FaultInjector&) { CheckInPlace(status, is_new); });
}

TEST_P(KeyFileFaultTest, SetSlotRewritingAUsedSlot) {
  auto is_new = [&](const Bytes& image) {
    return OnlySlotChanged(image, 0) && Opens(image, "changed", 0, key_);
  };
  ForEachFault(
      mode(), [&] { Reset(/*keep_old=*/true); },
      [&](FaultInjector& faults) {
        FaultEnv env(faults);
        return KeyFile::SetSlot(path_, 0, Pass("changed"), key_, random_, env);
      },
      [&](const Status& status, const FaultInjector&) {
        CheckInPlace(status, is_new);
        // Whatever happened, one of the two passphrases opens slot 0.
        const Bytes now = ReadAll(path_);
        EXPECT_TRUE(Opens(now, "normal", 0, key_) || Opens(now, "changed", 0, key_));
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
      [&](const Status& status, const FaultInjector&) { CheckInPlace(status, is_new); });
}

// The exact sequence of an in-place write, as docs/storage.md §2 describes
// it: the second copy, fsync, the first copy, fsync; in one inode, with no
// other file created, linked or removed.
TEST(KeyFileWrites, AnInPlaceWriteIsSecondCopySyncFirstCopySync) {
  TempDir dir;
  SystemRandom random;
  const std::string path = dir.File("waypost.key");
  ASSERT_OK(
      KeyFile::Create(path, Pass("normal"), KdfProfile::kInteractive, RandomKey(random), random));
  FaultInjector faults;
  FaultEnv env(faults);
  ASSERT_OK(KeyFile::ClearSlot(path, 3, random, env));
  EXPECT_EQ(faults.LogText(),
            "write " + path + "\nsync " + path + "\nwrite " + path + "\nsync " + path + "\n");
  faults.Reset();
  ASSERT_OK(KeyFile::StageSlot(path, 1, Pass("next"), RandomKey(random), random, env));
  EXPECT_EQ(faults.LogText(), "write " + path + "\nsync " + path + "\n");
  faults.Reset();
  ASSERT_OK(KeyFile::Settle(path, 1, env));
  EXPECT_EQ(faults.LogText(), "write " + path + "\nsync " + path + "\n");
}

// A write torn at any byte, in either copy: the old passphrase opens while
// the second copy is incomplete, the new one from the moment it is whole.
TEST(KeyFileWrites, AWriteTornAtAnyByteOpensAsBeforeOrAsAfter) {
  TempDir dir;
  SystemRandom random;
  const std::string path = dir.File("waypost.key");
  const Secret key = RandomKey(random);
  ASSERT_OK(KeyFile::Create(path, Pass("old"), KdfProfile::kInteractive, key, random));
  const Bytes before = ReadAll(path);
  ASSERT_OK(KeyFile::SetSlot(path, 0, Pass("new"), key, random));
  const Bytes after = ReadAll(path);
  const Bytes old_record = RecordAt(before, 0);
  const Bytes new_record = RecordAt(after, 0);
  ASSERT_NE(old_record, new_record);

  auto opens_with = [&](const Bytes& image) -> std::string {
    WriteAll(path, image);
    const bool old_opens = KeyFile::Unlock(path, Pass("old")).ok();
    const bool new_opens = KeyFile::Unlock(path, Pass("new")).ok();
    return std::string(old_opens ? "old" : "") + (new_opens ? "new" : "");
  };
  auto torn = [](const Bytes& from, const Bytes& to, size_t written) {
    Bytes record = from;
    std::copy(to.begin(), to.begin() + long(written), record.begin());
    return record;
  };
  // Every boundary of the record's fields, and bytes within them (each
  // point costs two Argon2id derivations).
  for (size_t written : std::vector<size_t>{0, 1, 8, 43, 44, 100, 115, 116, 331, 332, 363, 364}) {
    // First the second copy is written, the first still old.
    Bytes image = ImageOf(old_record);
    ASSERT_EQ(KeyFile::kRecordSize, 364u);
    const Bytes second = torn(old_record, new_record, written);
    std::copy(second.begin(), second.end(), image.begin() + long(KeyFile::kSecondCopy));
    // Whole only once every byte that differs is written (the last checksum
    // byte may happen to be the same: then 363 bytes already make it whole).
    EXPECT_EQ(opens_with(image), second == new_record ? "oldnew" : "old") << written;
    // Then the first, the second whole and new.
    image = ImageOf(new_record);
    const Bytes first = torn(old_record, new_record, written);
    std::copy(first.begin(), first.end(), image.begin());
    // Until a byte differs, the first copy is still the old record.
    EXPECT_EQ(opens_with(image), first == old_record ? "oldnew" : "new") << written;
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, KeyFileFaultTest,
                         ::testing::Values(FaultMode::kFail, FaultMode::kCrash),
                         [](const auto& info) { return testing::FaultModeName(info.param); });

}  // namespace
}  // namespace waypost::store
