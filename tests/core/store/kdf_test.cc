#include "core/store/kdf.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

namespace waypost::store {
namespace {

TEST(KdfTest, ProfilesMatchLibsodiumAndDesignFloor) {
  KdfParams interactive = ParamsFor(KdfProfile::kInteractive);
  EXPECT_EQ(interactive.opslimit, 2u);
  EXPECT_EQ(interactive.memlimit, uint64_t{64} << 20);
  KdfParams moderate = ParamsFor(KdfProfile::kModerate);
  EXPECT_EQ(moderate.opslimit, 3u);                   // SECURITY.md: at least 3 passes
  EXPECT_EQ(moderate.memlimit, uint64_t{256} << 20);  // and 256 MiB
  KdfParams sensitive = ParamsFor(KdfProfile::kSensitive);
  EXPECT_EQ(sensitive.opslimit, 4u);
  EXPECT_EQ(sensitive.memlimit, uint64_t{1} << 30);
  EXPECT_EQ(kDefaultKdfProfile, KdfProfile::kModerate);
}

TEST(KdfTest, NamesRoundTrip) {
  for (KdfProfile p : {KdfProfile::kInteractive, KdfProfile::kModerate, KdfProfile::kSensitive}) {
    EXPECT_EQ(ParseKdfProfile(KdfProfileName(p)), p);
  }
  EXPECT_FALSE(ParseKdfProfile("fast").has_value());
  EXPECT_FALSE(ParseKdfProfile("").has_value());
  EXPECT_FALSE(ParseKdfProfile("Moderate").has_value());
}

TEST(KdfTest, RejectsImplausibleParams) {
  EXPECT_FALSE(PlausibleParams({1, uint64_t{64} << 20}));
  EXPECT_FALSE(PlausibleParams({2, uint64_t{8} << 20}));
  EXPECT_FALSE(PlausibleParams({1000, uint64_t{64} << 20}));
  EXPECT_FALSE(PlausibleParams({3, uint64_t{1} << 40}));
  Bytes salt(kSaltSize, 7);
  EXPECT_EQ(DeriveWrapKey(Secret::FromString("pw"), salt, {1, 1024}).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(
      DeriveWrapKey(Secret::FromString("pw"), Bytes(15, 0), ParamsFor(KdfProfile::kInteractive))
          .status()
          .code(),
      Status::Code::kInvalidArgument);
}

TEST(KdfTest, DeterministicPerPassphraseAndSalt) {
  const KdfParams params = ParamsFor(KdfProfile::kInteractive);
  Bytes salt(kSaltSize, 1);
  Bytes other_salt(kSaltSize, 2);
  auto a = DeriveWrapKey(Secret::FromString("correct horse"), salt, params);
  auto b = DeriveWrapKey(Secret::FromString("correct horse"), salt, params);
  auto c = DeriveWrapKey(Secret::FromString("correct horsf"), salt, params);
  auto d = DeriveWrapKey(Secret::FromString("correct horse"), other_salt, params);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(a->size(), kWrapKeySize);
  EXPECT_TRUE(ConstantTimeEqual(a->view(), b->view()));
  EXPECT_FALSE(ConstantTimeEqual(a->view(), c->view()));
  EXPECT_FALSE(ConstantTimeEqual(a->view(), d->view()));
}

// The kB of locked memory, from /proc/self/status (VmLck).
long LockedKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmLck:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

bool MayLockInteractive() {
  if (geteuid() == 0) return true;
  struct rlimit limit {};
  return getrlimit(RLIMIT_MEMLOCK, &limit) == 0 &&
         (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= (uint64_t{128} << 20));
}

int g_hook_calls = 0;
void CountHook() { ++g_hook_calls; }

// Where the limits allow it the derivation runs locked, gives the same key,
// and leaves new memory unlocked afterwards (MCL_FUTURE ended).
TEST(KdfMemoryTest, LockedWhereAllowedAndNewMemoryIsNotLockedAfterwards) {
  if (!MayLockInteractive()) GTEST_SKIP() << "RLIMIT_MEMLOCK is below 128 MiB here";
  SetKdfMemoryLocking(true);
  g_hook_calls = 0;
  SetUnlockedKdfHook(&CountHook);
  const Bytes salt(kSaltSize, 3);
  auto locked = DeriveWrapKey(Secret::FromString("pw"), salt, ParamsFor(KdfProfile::kInteractive));
  ASSERT_TRUE(locked.ok());
  EXPECT_TRUE(LastDerivationWasLocked());
  EXPECT_EQ(g_hook_calls, 0);

  const long before = LockedKb();
  ASSERT_GE(before, 0);
  constexpr size_t kSize = size_t{32} << 20;
  void* fresh = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(fresh, MAP_FAILED);
  std::memset(fresh, 1, kSize);
  EXPECT_LT(LockedKb() - before, long{kSize >> 10}) << "new mappings are still locked";
  munmap(fresh, kSize);

  SetKdfMemoryLocking(false);
  auto unlocked =
      DeriveWrapKey(Secret::FromString("pw"), salt, ParamsFor(KdfProfile::kInteractive));
  SetKdfMemoryLocking(true);
  SetUnlockedKdfHook(nullptr);
  ASSERT_TRUE(unlocked.ok());
  EXPECT_TRUE(ConstantTimeEqual(locked->view(), unlocked->view()));
}

// Where it cannot lock, the hook hears of it (the CLI warns about swap).
TEST(KdfMemoryTest, AnUnlockedDerivationCallsTheHook) {
  SetKdfMemoryLocking(false);
  g_hook_calls = 0;
  SetUnlockedKdfHook(&CountHook);
  auto key = DeriveWrapKey(Secret::FromString("pw"), Bytes(kSaltSize, 4),
                           ParamsFor(KdfProfile::kInteractive));
  SetKdfMemoryLocking(true);
  SetUnlockedKdfHook(nullptr);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(LastDerivationWasLocked());
  EXPECT_EQ(g_hook_calls, 1);
}

}  // namespace
}  // namespace waypost::store
