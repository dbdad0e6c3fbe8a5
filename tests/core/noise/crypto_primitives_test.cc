// Known answers for the primitives, so a failing handshake vector can be
// told apart from a broken building block.
#include "core/noise/crypto_primitives.h"

#include <gtest/gtest.h>

#include "tests/core/noise/noise_test_util.h"
#include "tests/kit/status.h"

namespace waypost::noise {
namespace {

using testing::Hex;

Bytes Key64() {
  Bytes key(64);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  return key;
}

// Expected values from Python: hmac.new(key, data, hashlib.blake2b).
TEST(CryptoPrimitivesTest, HmacIsRfc2104NotKeyedBlake2b) {
  uint8_t out[kHashLen];
  HmacHash(Key64(), {AsBytes("way"), AsBytes("post")}, out);
  EXPECT_EQ(ToHex(ByteView(out, kHashLen)),
            "68d509445d0728413ad32d29b63a8d05f9f079aa4780f4a31f528c7e39bac4df"
            "34d17d095e2d4aa40d84652893cd08229e19f734ae70e237ffe5ba5597e5d0bb");
}

TEST(CryptoPrimitivesTest, HkdfThreeOutputs) {
  HkdfOutputs out = Hkdf(Key64(), AsBytes("ikm"), 3);
  EXPECT_EQ(ToHex(out.out1.view()),
            "26e13c279f04f79d2802e0d1c73c411339dcdb41dadc6420e2c4cfcfa9c311f5"
            "6aeb66894b83562172c4a64556dda81e796a5ecffaca891d240d1d801a3921aa");
  EXPECT_EQ(ToHex(out.out2.view()),
            "f04fb652ce80a27aacf4728aa77c7c8b1a6f5524ba9414100616ef01aa105fc9"
            "9536577da9f6006fbd7cc740ff504ece4221f2f7f26448d271373932022dfb9f");
  EXPECT_EQ(ToHex(out.out3.view()),
            "fc27a1c88e3abcc9f46b193c0e3fd371fc22810eaa646d1e9b6b5c80561d8c9d"
            "01e5860a75e9d2f6aaed14cc03673de5907146f20a123c5ef303ef2f7fead1d2");
  EXPECT_TRUE(Hkdf(Key64(), AsBytes("ikm"), 2).out3.empty());
}

// RFC 7748 §6.1.
TEST(CryptoPrimitivesTest, X25519Rfc7748) {
  const Bytes alice = Hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const Bytes bob_pub = Hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  EXPECT_EQ(ToHex(DhPublicKey(alice)),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  auto shared = Dh(alice, bob_pub);
  ASSERT_OK(shared);
  EXPECT_EQ(ToHex(shared->view()),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

TEST(CryptoPrimitivesTest, LowOrderPointIsAuthFailure) {
  const Bytes alice = Hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  EXPECT_EQ(Dh(alice, Bytes(kDhLen, 0)).status().code(), Status::Code::kAuthFailed);
}

TEST(CryptoPrimitivesTest, NonceIsLittleEndianAfterFourZeroBytes) {
  // Encrypting with n = 1 must equal IETF ChaCha20-Poly1305 with nonce
  // 00000000 01000000 00000000; check by decrypting with n = 1 only.
  const Bytes key(kKeyLen, 7);
  Bytes sealed = AeadEncrypt(key, 1, {}, AsBytes("n"));
  EXPECT_OK(AeadDecrypt(key, 1, {}, sealed));
  EXPECT_FALSE(AeadDecrypt(key, uint64_t{1} << 56, {}, sealed).ok());
}

}  // namespace
}  // namespace waypost::noise
