#include "core/store/kdf.h"

#include <gtest/gtest.h>
#include <sodium.h>

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

}  // namespace
}  // namespace waypost::store
