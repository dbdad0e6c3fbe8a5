// CipherState behaviour the vectors do not reach: failures, Rekey, nonces.
#include "core/noise/cipher_state.h"

#include <gtest/gtest.h>

#include "core/noise/crypto_primitives.h"
#include "core/noise/noise_constants.h"
#include "tests/kit/status.h"

namespace waypost::noise {
namespace {

const Bytes kKey(kKeyLen, 0x42);
const Bytes kAd = {1, 2, 3};

// A sender and receiver keyed alike: the fixture's small language.
class CipherStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(sender_.InitializeKey(kKey));
    ASSERT_OK(receiver_.InitializeKey(kKey));
  }
  Bytes Seal(std::string_view text) {
    auto sealed = sender_.EncryptWithAd(kAd, AsBytes(text));
    EXPECT_OK(sealed);
    return sealed.ok() ? *sealed : Bytes();
  }
  CipherState sender_, receiver_;
};

TEST_F(CipherStateTest, RoundTripAdvancesBothNonces) {
  Bytes sealed = Seal("hello");
  EXPECT_EQ(sealed.size(), 5 + kTagLen);
  auto opened = receiver_.DecryptWithAd(kAd, sealed);
  ASSERT_OK(opened);
  EXPECT_EQ(AsString(*opened), "hello");
  EXPECT_EQ(sender_.nonce(), 1u);
  EXPECT_EQ(receiver_.nonce(), 1u);
}

TEST_F(CipherStateTest, FailedDecryptDoesNotAdvanceNonce) {
  Bytes sealed = Seal("hello");
  Bytes tampered = sealed;
  tampered[0] ^= 0x01;
  auto bad = receiver_.DecryptWithAd(kAd, tampered);
  EXPECT_EQ(bad.status().code(), Status::Code::kAuthFailed);
  EXPECT_EQ(receiver_.nonce(), 0u);
  EXPECT_EQ(receiver_.DecryptWithAd(Bytes{9}, sealed).status().code(),
            Status::Code::kAuthFailed);  // wrong ad
  EXPECT_EQ(receiver_.DecryptWithAd(kAd, ByteView(sealed).first(kTagLen - 1)).status().code(),
            Status::Code::kAuthFailed);  // shorter than a tag
  auto good = receiver_.DecryptWithAd(kAd, sealed);
  ASSERT_OK(good);
  EXPECT_EQ(AsString(*good), "hello");
}

TEST_F(CipherStateTest, RekeyAgreesAndOldKeyFails) {
  ASSERT_OK(sender_.Rekey());
  Bytes sealed = Seal("after rekey");
  EXPECT_FALSE(receiver_.DecryptWithAd(kAd, sealed).ok());  // still the old key
  ASSERT_OK(receiver_.Rekey());
  auto opened = receiver_.DecryptWithAd(kAd, sealed);
  ASSERT_OK(opened);
  EXPECT_EQ(AsString(*opened), "after rekey");
}

TEST_F(CipherStateTest, RekeyFollowsSpecDefinition) {
  // §4.2: REKEY(k) = ENCRYPT(k, 2^64-1, zerolen, zeros)[:32]; n is unchanged.
  Bytes block = AeadEncrypt(kKey, kMaxNonce, {}, Bytes(kKeyLen, 0));
  CipherState expected;
  ASSERT_OK(expected.InitializeKey(ByteView(block).first(kKeyLen)));
  Seal("advance n");
  ASSERT_OK(sender_.Rekey());
  EXPECT_EQ(sender_.nonce(), 1u);
  expected.SetNonce(1);
  EXPECT_EQ(Seal("x"), *expected.EncryptWithAd(kAd, AsBytes("x")));
}

TEST_F(CipherStateTest, NonceExhaustionIsAnError) {
  sender_.SetNonce(kMaxNonce - 1);
  receiver_.SetNonce(kMaxNonce - 1);
  Bytes last = Seal("last");
  ASSERT_OK(receiver_.DecryptWithAd(kAd, last));
  EXPECT_EQ(sender_.EncryptWithAd(kAd, AsBytes("x")).status().code(), Status::Code::kLimitExceeded);
  EXPECT_EQ(receiver_.DecryptWithAd(kAd, last).status().code(), Status::Code::kLimitExceeded);
  EXPECT_EQ(sender_.nonce(), kMaxNonce);
}

TEST_F(CipherStateTest, SetNonceAllowsOutOfOrderDelivery) {
  Bytes first = Seal("one");
  Bytes second = Seal("two");
  receiver_.SetNonce(1);
  ASSERT_OK(receiver_.DecryptWithAd(kAd, second));
  receiver_.SetNonce(0);
  ASSERT_OK(receiver_.DecryptWithAd(kAd, first));
}

TEST_F(CipherStateTest, MessageSizeLimit) {
  Bytes max_plain(kMaxMessageLen - kTagLen, 0);
  EXPECT_OK(sender_.EncryptWithAd({}, max_plain));
  max_plain.push_back(0);
  EXPECT_EQ(sender_.EncryptWithAd({}, max_plain).status().code(), Status::Code::kLimitExceeded);
  EXPECT_EQ(receiver_.DecryptWithAd({}, Bytes(kMaxMessageLen + 1)).status().code(),
            Status::Code::kLimitExceeded);
}

TEST(CipherStateNoKeyTest, PassesThroughWithoutKey) {
  CipherState cipher;
  EXPECT_FALSE(cipher.HasKey());
  auto out = cipher.EncryptWithAd(kAd, AsBytes("clear"));
  ASSERT_OK(out);
  EXPECT_EQ(AsString(*out), "clear");
  EXPECT_EQ(cipher.nonce(), 0u);
  EXPECT_FALSE(cipher.Rekey().ok());
  EXPECT_FALSE(cipher.InitializeKey(Bytes(31)).ok());
}

}  // namespace
}  // namespace waypost::noise
