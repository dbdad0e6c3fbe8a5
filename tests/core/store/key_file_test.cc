#include "core/store/key_file.h"

#include <gtest/gtest.h>
#include <sodium.h>
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

// The record that starts at `at` (0 or KeyFile::kSecondCopy) of `file`.
Bytes RecordAt(const Bytes& file, size_t at) {
  auto begin = file.begin() + static_cast<long>(at);
  return Bytes(begin, begin + static_cast<long>(KeyFile::kRecordSize));
}

// Recomputes the checksum of the record at `at`, so that an edit reads as a
// whole record and not as a torn write.
void Reseal(Bytes& file, size_t at) {
  constexpr size_t kSummed = KeyFile::kRecordSize - KeyFile::kChecksumSize;
  crypto_generichash(file.data() + at + kSummed, KeyFile::kChecksumSize, file.data() + at, kSummed,
                     nullptr, 0);
}

// Applies `edit` to both copies of the record, each resealed.
template <typename Edit>
Bytes EditBoth(Bytes file, Edit edit) {
  for (size_t at : {size_t{0}, KeyFile::kSecondCopy}) {
    edit(file.data() + at);
    Reseal(file, at);
  }
  return file;
}

ino_t InodeOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
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
  EXPECT_EQ(KeyFile::kFileSize, 8192u);
  EXPECT_EQ(std::memcmp(file.data(), "WAYPOSTK", 8), 0);
  // Two equal copies of the record, zeros everywhere else.
  EXPECT_EQ(RecordAt(file, 0), RecordAt(file, KeyFile::kSecondCopy));
  for (size_t i = 0; i < file.size(); ++i) {
    const bool in_record =
        i < KeyFile::kRecordSize ||
        (i >= KeyFile::kSecondCopy && i < KeyFile::kSecondCopy + KeyFile::kRecordSize);
    if (!in_record) {
      ASSERT_EQ(file[i], 0) << i;
    }
  }
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

// The file is changed in place, in its one inode, whatever the change:
// a replaced file's old blocks would keep the old slots (key_file.h).
TEST_F(KeyFileTest, EveryChangeKeepsTheInode) {
  const ino_t inode = InodeOf(path_);
  ASSERT_NE(inode, 0u);
  ASSERT_OK(KeyFile::SetSlot(path_, 0, Pass("changed"), db_key_, random_));
  EXPECT_EQ(InodeOf(path_), inode);
  ASSERT_OK(KeyFile::SetSlot(path_, 2, Pass("duress"), RandomKey(random_), random_));
  EXPECT_EQ(InodeOf(path_), inode);
  ASSERT_OK(KeyFile::StageSlot(path_, 0, Pass("rotated"), RandomKey(random_), random_));
  EXPECT_EQ(InodeOf(path_), inode);
  ASSERT_OK(KeyFile::Settle(path_, 1));
  EXPECT_EQ(InodeOf(path_), inode);
  ASSERT_OK(KeyFile::ClearSlot(path_, 2, random_));
  EXPECT_EQ(InodeOf(path_), inode);
  EXPECT_EQ(ReadAll(path_).size(), KeyFile::kFileSize);
}

// StageSlot writes the second copy only: the new slot is in force, and the
// first copy still holds the old one until Settle (key rotation, passwd.h).
TEST_F(KeyFileTest, AStagedSlotIsInForceAndTheOldOneStaysUntilSettled) {
  const Bytes before = ReadAll(path_);
  const Secret next_key = RandomKey(random_);
  ASSERT_OK(KeyFile::StageSlot(path_, 0, Pass("next"), next_key, random_));
  const Bytes staged = ReadAll(path_);
  EXPECT_EQ(RecordAt(staged, 0), RecordAt(before, 0));
  EXPECT_NE(RecordAt(staged, KeyFile::kSecondCopy), RecordAt(before, KeyFile::kSecondCopy));

  ASSERT_OK_AND_ASSIGN(auto with_next, KeyFile::UnlockAll(path_, Pass("next")));
  ASSERT_EQ(with_next.size(), 1u);
  EXPECT_EQ(with_next[0].copy, 1);
  EXPECT_TRUE(with_next[0].settle);
  EXPECT_TRUE(ConstantTimeEqual(with_next[0].db_key.view(), next_key.view()));
  ASSERT_OK_AND_ASSIGN(auto with_old, KeyFile::UnlockAll(path_, Pass("normal")));
  ASSERT_EQ(with_old.size(), 1u);
  EXPECT_EQ(with_old[0].copy, 0);
  EXPECT_EQ(with_old[0].slot, 0);
  EXPECT_TRUE(with_old[0].settle);
  EXPECT_TRUE(ConstantTimeEqual(with_old[0].db_key.view(), db_key_.view()));

  ASSERT_OK(KeyFile::Settle(path_, 1));
  const Bytes settled = ReadAll(path_);
  EXPECT_EQ(RecordAt(settled, 0), RecordAt(settled, KeyFile::kSecondCopy));
  EXPECT_EQ(KeyFile::Unlock(path_, Pass("normal")).status().code(), Status::Code::kWrongPassphrase);
  ASSERT_OK_AND_ASSIGN(auto settled_next, KeyFile::UnlockAll(path_, Pass("next")));
  ASSERT_EQ(settled_next.size(), 1u);
  EXPECT_FALSE(settled_next[0].settle);
}

TEST_F(KeyFileTest, SettlingOnTheFirstCopyUndoesAStagedChange) {
  const Bytes before = ReadAll(path_);
  ASSERT_OK(KeyFile::StageSlot(path_, 0, Pass("next"), RandomKey(random_), random_));
  ASSERT_OK(KeyFile::Settle(path_, 0));
  EXPECT_EQ(ReadAll(path_), before);
  EXPECT_EQ(KeyFile::Unlock(path_, Pass("next")).status().code(), Status::Code::kWrongPassphrase);
  ASSERT_OK(KeyFile::Settle(path_, 0));  // already settled: nothing to do
  EXPECT_EQ(ReadAll(path_), before);
}

// Another passphrase's slot is the same in both copies: it opens once and
// needs no settling, whichever way the staged change goes.
TEST_F(KeyFileTest, APassphraseTheChangeDoesNotTouchIsSettled) {
  ASSERT_OK(KeyFile::SetSlot(path_, 2, Pass("duress"), RandomKey(random_), random_));
  ASSERT_OK(KeyFile::StageSlot(path_, 0, Pass("next"), RandomKey(random_), random_));
  ASSERT_OK_AND_ASSIGN(auto duress, KeyFile::UnlockAll(path_, Pass("duress")));
  ASSERT_EQ(duress.size(), 1u);
  EXPECT_EQ(duress[0].slot, 2);
  EXPECT_FALSE(duress[0].settle);
}

// Which copy is right is known only once a key has opened a database
// (home.h), so no other write may pick one in the meantime.
TEST_F(KeyFileTest, WritesAreRefusedWhileTheCopiesDiffer) {
  ASSERT_OK(KeyFile::StageSlot(path_, 0, Pass("next"), RandomKey(random_), random_));
  const Bytes staged = ReadAll(path_);
  Status refused = KeyFile::SetSlot(path_, 1, Pass("other"), db_key_, random_);
  EXPECT_STATUS(refused, Status::Code::kCorrupt);
  EXPECT_NE(refused.message().find("a crash interrupted"), std::string::npos) << refused.message();
  EXPECT_STATUS(KeyFile::ClearSlot(path_, 1, random_), Status::Code::kCorrupt);
  EXPECT_STATUS(KeyFile::StageSlot(path_, 1, Pass("other"), db_key_, random_),
                Status::Code::kCorrupt);
  EXPECT_EQ(ReadAll(path_), staged);
}

// A crash while the second copy was being written tears it: the first copy
// is in force, and the next write repairs the file.
TEST_F(KeyFileTest, ATornSecondCopyLeavesTheFirstInForce) {
  Bytes file = ReadAll(path_);
  file[KeyFile::kSecondCopy + 100] ^= 0x5a;
  WriteAll(path_, file);
  ASSERT_OK_AND_ASSIGN(auto opened, KeyFile::UnlockAll(path_, Pass("normal")));
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].copy, 0);
  EXPECT_TRUE(opened[0].settle);
  EXPECT_TRUE(ConstantTimeEqual(opened[0].db_key.view(), db_key_.view()));
  EXPECT_STATUS(KeyFile::Settle(path_, 1), Status::Code::kCorrupt);  // torn: cannot win
  ASSERT_OK(KeyFile::Settle(path_, 0));
  const Bytes repaired = ReadAll(path_);
  EXPECT_EQ(RecordAt(repaired, 0), RecordAt(repaired, KeyFile::kSecondCopy));
}

// A crash while the first copy was being written: the second, whole, is in
// force; a write first repairs the first copy, so that the second is never
// rewritten while it is the only whole one.
TEST_F(KeyFileTest, ATornFirstCopyIsRepairedBeforeTheSecondIsRewritten) {
  Bytes file = ReadAll(path_);
  file[100] ^= 0x5a;
  WriteAll(path_, file);
  ASSERT_OK_AND_ASSIGN(auto opened, KeyFile::UnlockAll(path_, Pass("normal")));
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].copy, 1);
  EXPECT_TRUE(opened[0].settle);
  ASSERT_OK(KeyFile::SetSlot(path_, 1, Pass("other"), db_key_, random_));
  const Bytes after = ReadAll(path_);
  EXPECT_EQ(RecordAt(after, 0), RecordAt(after, KeyFile::kSecondCopy));
  EXPECT_OK(KeyFile::Unlock(path_, Pass("normal")));
  EXPECT_OK(KeyFile::Unlock(path_, Pass("other")));
}

TEST_F(KeyFileTest, BothCopiesTornIsCorrupt) {
  Bytes file = ReadAll(path_);
  file[100] ^= 1;
  file[KeyFile::kSecondCopy + 200] ^= 1;
  WriteAll(path_, file);
  EXPECT_STATUS(KeyFile::Unlock(path_, Pass("normal")).status(), Status::Code::kCorrupt);
  EXPECT_STATUS(KeyFile::SetSlot(path_, 1, Pass("x"), db_key_, random_), Status::Code::kCorrupt);
  EXPECT_EQ(ReadAll(path_), file);
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
  expect_corrupt(EditBoth(good, [](uint8_t* r) { r[9] = 3; }), "unknown version");
  expect_corrupt(EditBoth(good, [](uint8_t* r) { r[0] = 'X'; }), "wrong magic");
  // Resealed, so only the costs are wrong:
  // opslimit 0 is a downgrade attempt, memlimit 2^64-1 a memory bomb.
  expect_corrupt(EditBoth(good, [](uint8_t* r) { std::memset(r + 28, 0, 8); }),
                 "implausible opslimit");
  expect_corrupt(EditBoth(good, [](uint8_t* r) { std::memset(r + 36, 0xff, 8); }),
                 "implausible memlimit");
}

TEST_F(KeyFileTest, FlippedSlotByteIsWrongPassphraseNotCrash) {
  // Inside slot 0's MAC and ciphertext, in both copies, resealed.
  WriteAll(path_, EditBoth(ReadAll(path_), [](uint8_t* r) { r[KeyFile::kHeaderSize + 30] ^= 1; }));
  EXPECT_EQ(KeyFile::Unlock(path_, Pass("normal")).status().code(), Status::Code::kWrongPassphrase);
}

TEST_F(KeyFileTest, AnUnsupportedVersionIsNamed) {
  WriteAll(path_, EditBoth(ReadAll(path_), [](uint8_t* r) { r[9] = 1; }));
  Status status = KeyFile::Unlock(path_, Pass("normal")).status();
  EXPECT_STATUS(status, Status::Code::kCorrupt);
  EXPECT_NE(status.message().find("unsupported version 1"), std::string::npos) << status.message();
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
