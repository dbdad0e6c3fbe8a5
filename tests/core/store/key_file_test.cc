#include "core/store/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

constexpr KdfProfile kFast = KdfProfile::kInteractive;

Secret Pass(std::string_view s) { return Secret::FromString(s); }

Secret RandomKey(Random& random) {
  Secret key(KeyFile::kDbKeySize);
  random.Fill(key.span());
  return key;
}

Bytes SlotBytes(const Bytes& file, int slot) {
  auto begin = file.begin() + static_cast<long>(KeyFile::kHeaderSize + KeyFile::kSlotSize * slot);
  return Bytes(begin, begin + static_cast<long>(KeyFile::kSlotSize));
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    db_key_ = RandomKey(random_);
    ASSERT_OK(KeyFile::Create(path_, Pass("normal"), kFast, db_key_, random_));
  }

  TempDir dir_;
  std::string path_ = dir_.File("waypost.key");
  SystemRandom random_;
  Secret db_key_;
};

TEST_F(KeyFileTest, UnlocksSlotZeroWithTheRightPassphrase) {
  auto unlocked = KeyFile::Unlock(path_, Pass("normal"));
  ASSERT_OK(unlocked);
  EXPECT_EQ(unlocked->slot, 0);
  EXPECT_TRUE(ConstantTimeEqual(unlocked->db_key.view(), db_key_.view()));
}

TEST_F(KeyFileTest, HasFixedSizeModeAndNoPlaintextKey) {
  Bytes file = ReadAll(path_);
  EXPECT_EQ(file.size(), KeyFile::kFileSize);
  EXPECT_EQ(KeyFile::kFileSize, 332u);
  EXPECT_EQ(std::memcmp(file.data(), "WAYPOSTK", 8), 0);
  EXPECT_FALSE(testing::Contains(file, db_key_.view()));
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(KeyFileTest, WrongPassphraseLeavesFileUnchanged) {
  Bytes before = ReadAll(path_);
  for (int i = 0; i < 5; ++i) {
    auto unlocked = KeyFile::Unlock(path_, Pass("wrong"));
    EXPECT_EQ(unlocked.status().code(), Status::Code::kWrongPassphrase);
  }
  EXPECT_EQ(KeyFile::Unlock(path_, Pass("")).status().code(), Status::Code::kWrongPassphrase);
  EXPECT_EQ(ReadAll(path_), before);
}

TEST_F(KeyFileTest, CreateRefusesToOverwrite) {
  Bytes before = ReadAll(path_);
  Status s = KeyFile::Create(path_, Pass("other"), kFast, db_key_, random_);
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(ReadAll(path_), before);
}

TEST_F(KeyFileTest, CreateRejectsBadArguments) {
  EXPECT_EQ(KeyFile::Create(dir_.File("a"), Pass(""), kFast, db_key_, random_).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(KeyFile::Create(dir_.File("b"), Pass("x"), kFast, Secret(16), random_).code(),
            Status::Code::kInvalidArgument);
  EXPECT_TRUE(ReadAll(dir_.File("a")).empty());
  EXPECT_NE(::access(dir_.File("a").c_str(), F_OK), 0);
}

TEST_F(KeyFileTest, MoreSlotsKeepTheSizeAndEachOpensItsOwn) {
  const Bytes before = ReadAll(path_);
  Secret duress_key = RandomKey(random_);
  ASSERT_OK(KeyFile::SetSlot(path_, 1, Pass("duress"), duress_key, random_));
  ASSERT_OK(KeyFile::SetSlot(path_, 3, Pass("spare"), db_key_, random_));
  const Bytes after = ReadAll(path_);
  EXPECT_EQ(after.size(), before.size());
  // Header (salt, costs) and untouched slots are kept byte for byte.
  EXPECT_TRUE(std::equal(before.begin(), before.begin() + KeyFile::kHeaderSize, after.begin()));
  EXPECT_EQ(SlotBytes(after, 0), SlotBytes(before, 0));
  EXPECT_EQ(SlotBytes(after, 2), SlotBytes(before, 2));
  EXPECT_NE(SlotBytes(after, 1), SlotBytes(before, 1));

  auto normal = KeyFile::Unlock(path_, Pass("normal"));
  auto duress = KeyFile::Unlock(path_, Pass("duress"));
  auto spare = KeyFile::Unlock(path_, Pass("spare"));
  ASSERT_TRUE(normal.ok() && duress.ok() && spare.ok());
  EXPECT_EQ(normal->slot, 0);
  EXPECT_EQ(duress->slot, 1);
  EXPECT_EQ(spare->slot, 3);
  EXPECT_TRUE(ConstantTimeEqual(duress->db_key.view(), duress_key.view()));
  EXPECT_TRUE(ConstantTimeEqual(spare->db_key.view(), db_key_.view()));
  // Rewrites leave no temporary files behind.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

// With `write_to`, the changed image goes to a new file and the original
// stays as it was (key rotation, passwd.h).
TEST_F(KeyFileTest, SetSlotCanWriteTheResultToANewFile) {
  const Bytes before = ReadAll(path_);
  const std::string copy = dir_.File("waypost.key.rotating");
  Secret other_key = RandomKey(random_);
  ASSERT_OK(KeyFile::SetSlot(path_, 1, Pass("next"), other_key, random_, copy));

  EXPECT_EQ(ReadAll(path_), before);
  EXPECT_EQ(KeyFile::Unlock(path_, Pass("next")).status().code(), Status::Code::kWrongPassphrase);

  const Bytes written = ReadAll(copy);
  ASSERT_EQ(written.size(), KeyFile::kFileSize);
  EXPECT_TRUE(std::equal(before.begin(), before.begin() + KeyFile::kHeaderSize, written.begin()));
  EXPECT_NE(SlotBytes(written, 1), SlotBytes(before, 1));
  for (int slot : {0, 2, 3}) EXPECT_EQ(SlotBytes(written, slot), SlotBytes(before, slot)) << slot;
  struct stat st;
  ASSERT_EQ(::stat(copy.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto next = KeyFile::Unlock(copy, Pass("next"));
  ASSERT_OK(next);
  EXPECT_EQ(next->slot, 1);
  EXPECT_TRUE(ConstantTimeEqual(next->db_key.view(), other_key.view()));
  auto normal = KeyFile::Unlock(copy, Pass("normal"));
  ASSERT_OK(normal);
  EXPECT_EQ(normal->slot, 0);
  EXPECT_TRUE(ConstantTimeEqual(normal->db_key.view(), db_key_.view()));
  // The original and the new file, and no temporary files.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 2);
}

TEST_F(KeyFileTest, SetSlotNeverOverwritesItsTarget) {
  const Bytes before = ReadAll(path_);
  const std::string taken = dir_.File("taken");
  WriteAll(taken, Bytes{'k', 'e', 'e', 'p'});
  EXPECT_EQ(KeyFile::SetSlot(path_, 1, Pass("next"), db_key_, random_, taken).code(),
            Status::Code::kAlreadyExists);
  EXPECT_EQ(ReadAll(taken), (Bytes{'k', 'e', 'e', 'p'}));
  // The key file itself is "anything there" too.
  EXPECT_EQ(KeyFile::SetSlot(path_, 1, Pass("next"), db_key_, random_, path_).code(),
            Status::Code::kAlreadyExists);
  EXPECT_EQ(ReadAll(path_), before);

  // Other failures leave nothing at the target.
  const std::string target = dir_.File("target");
  EXPECT_EQ(KeyFile::SetSlot(path_, 4, Pass("next"), db_key_, random_, target).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(KeyFile::SetSlot(dir_.File("nope.key"), 1, Pass("x"), db_key_, random_, target).code(),
            Status::Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(target));
  EXPECT_EQ(ReadAll(path_), before);
}

TEST_F(KeyFileTest, ChangePassphraseByRewritingTheSlot) {
  ASSERT_OK(KeyFile::SetSlot(path_, 0, Pass("new"), db_key_, random_));
  EXPECT_EQ(KeyFile::Unlock(path_, Pass("normal")).status().code(), Status::Code::kWrongPassphrase);
  auto unlocked = KeyFile::Unlock(path_, Pass("new"));
  ASSERT_OK(unlocked);
  EXPECT_EQ(unlocked->slot, 0);
  EXPECT_EQ(ReadAll(path_).size(), KeyFile::kFileSize);
}

TEST_F(KeyFileTest, ClearSlotRevokesAPassphrase) {
  ASSERT_OK(KeyFile::SetSlot(path_, 2, Pass("duress"), db_key_, random_));
  ASSERT_OK(KeyFile::ClearSlot(path_, 2, random_));
  EXPECT_EQ(KeyFile::Unlock(path_, Pass("duress")).status().code(), Status::Code::kWrongPassphrase);
  EXPECT_OK(KeyFile::Unlock(path_, Pass("normal")));
  EXPECT_EQ(ReadAll(path_).size(), KeyFile::kFileSize);
}

TEST_F(KeyFileTest, SlotIndexIsChecked) {
  EXPECT_EQ(KeyFile::SetSlot(path_, 4, Pass("x"), db_key_, random_).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(KeyFile::SetSlot(path_, -1, Pass("x"), db_key_, random_).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(KeyFile::ClearSlot(path_, 4, random_).code(), Status::Code::kInvalidArgument);
}

TEST_F(KeyFileTest, UnusedSlotsAreRandomAndDifferBetweenStores) {
  std::string other = dir_.File("other.key");
  ASSERT_OK(KeyFile::Create(other, Pass("normal"), kFast, db_key_, random_));
  Bytes a = ReadAll(path_);
  Bytes b = ReadAll(other);
  const Bytes zeros(KeyFile::kSlotSize, 0);
  for (int slot = 0; slot < KeyFile::kSlots; ++slot) {
    EXPECT_NE(SlotBytes(a, slot), SlotBytes(b, slot)) << slot;
    EXPECT_NE(SlotBytes(a, slot), zeros) << slot;
  }
  // Per-store salts differ too, so the same passphrase gives different wrap keys.
  EXPECT_FALSE(std::equal(a.begin() + 12, a.begin() + 28, b.begin() + 12));
}

TEST_F(KeyFileTest, DeterministicRandomGivesReproducibleFile) {
  SeededRandom r1(42), r2(42);
  ASSERT_OK(KeyFile::Create(dir_.File("x.key"), Pass("pw"), kFast, db_key_, r1));
  ASSERT_OK(KeyFile::Create(dir_.File("y.key"), Pass("pw"), kFast, db_key_, r2));
  EXPECT_EQ(ReadAll(dir_.File("x.key")), ReadAll(dir_.File("y.key")));
}

TEST_F(KeyFileTest, MissingFileIsNotFound) {
  EXPECT_EQ(KeyFile::Unlock(dir_.File("nope.key"), Pass("normal")).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(KeyFile::SetSlot(dir_.File("nope.key"), 1, Pass("x"), db_key_, random_).code(),
            Status::Code::kNotFound);
}

TEST_F(KeyFileTest, DamagedFilesAreCorrupt) {
  const Bytes good = ReadAll(path_);
  auto expect_corrupt = [&](const Bytes& contents, const char* what) {
    WriteAll(path_, contents);
    EXPECT_EQ(KeyFile::Unlock(path_, Pass("normal")).status().code(), Status::Code::kCorrupt)
        << what;
  };
  expect_corrupt(Bytes(good.begin(), good.end() - 1), "truncated by one byte");
  expect_corrupt(Bytes(), "empty");
  Bytes longer = good;
  longer.push_back(0);
  expect_corrupt(longer, "one byte too long");
  expect_corrupt(Bytes(KeyFile::kFileSize, 0x41), "garbage of the right size");
  Bytes bad_version = good;
  bad_version[9] = 2;
  expect_corrupt(bad_version, "unknown version");
  Bytes cheap = good;
  std::memset(cheap.data() + 28, 0, 8);  // opslimit 0: a downgrade attempt
  expect_corrupt(cheap, "implausible opslimit");
  Bytes huge = good;
  std::memset(huge.data() + 36, 0xff, 8);  // memlimit 2^64-1: a memory bomb
  expect_corrupt(huge, "implausible memlimit");
}

TEST_F(KeyFileTest, FlippedSlotByteIsWrongPassphraseNotCrash) {
  Bytes file = ReadAll(path_);
  file[KeyFile::kHeaderSize + 30] ^= 1;  // inside slot 0's MAC/ciphertext
  WriteAll(path_, file);
  EXPECT_EQ(KeyFile::Unlock(path_, Pass("normal")).status().code(), Status::Code::kWrongPassphrase);
}

}  // namespace
}  // namespace waypost::store

namespace waypost::store {
namespace {

// Distinct byte values among a slot's 72 bytes: uniform random bytes give
// about 62 on average and fewer than 45 with negligible probability, while
// anything structured (zeros, a counter, a repeated key) gives far fewer.
size_t DistinctBytes(const Bytes& b) {
  bool seen[256] = {};
  size_t n = 0;
  for (uint8_t c : b) n += seen[c] ? 0 : (seen[c] = true, 1);
  return n;
}

// Issue 3: with 1, 2 or 4 slots in use, key files have the same size, the
// same header apart from the random salt, and slots that all look random,
// so nothing tells how many passphrases a store carries.
TEST(KeyFileLookAlike, OneTwoOrFourSlotsInUseLookTheSame) {
  TempDir dir;
  SystemRandom random;
  Secret db_key = RandomKey(random);
  std::vector<Bytes> files;
  for (int used : {1, 2, 4}) {
    const std::string path = dir.File("key-" + std::to_string(used));
    ASSERT_OK(KeyFile::Create(path, Pass("passphrase 0"), kFast, db_key, random));
    for (int slot = 1; slot < used; ++slot) {
      ASSERT_OK(
          KeyFile::SetSlot(path, slot, Pass("passphrase " + std::to_string(slot)), db_key, random));
    }
    files.push_back(ReadAll(path));
  }
  constexpr size_t kSaltOffset = 12;  // magic 8, version 2, slot count 2
  std::vector<Bytes> slots;
  for (const Bytes& f : files) {
    ASSERT_EQ(f.size(), KeyFile::kFileSize);
    // Everything in the header but the salt is the same for every file.
    EXPECT_TRUE(std::equal(f.begin(), f.begin() + kSaltOffset, files[0].begin()));
    EXPECT_TRUE(std::equal(f.begin() + kSaltOffset + kSaltSize, f.begin() + KeyFile::kHeaderSize,
                           files[0].begin() + kSaltOffset + kSaltSize));
    for (int s = 0; s < KeyFile::kSlots; ++s) slots.push_back(SlotBytes(f, s));
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    EXPECT_GE(DistinctBytes(slots[i]), 45u) << "slot " << i % 4 << " of file " << i / 4;
    for (size_t j = i + 1; j < slots.size(); ++j) {
      // No two slots share a nonce (the first 24 bytes) or any content.
      EXPECT_FALSE(
          std::equal(slots[i].begin(), slots[i].begin() + KeyFile::kNonceSize, slots[j].begin()));
    }
  }
}

}  // namespace
}  // namespace waypost::store
