#include "core/noise/handshake_pattern.h"

#include <gtest/gtest.h>

#include "tests/kit/status.h"

namespace waypost::noise {
namespace {

using T = Token;
using Messages = std::vector<std::vector<Token>>;

TEST(HandshakePatternTest, ParsesXX) {
  auto name = ParseProtocolName("Noise_XX_25519_ChaChaPoly_BLAKE2b");
  ASSERT_OK(name);
  EXPECT_EQ(name->pattern.messages,
            (Messages{{T::kE}, {T::kE, T::kEe, T::kS, T::kEs}, {T::kS, T::kSe}}));
  EXPECT_TRUE(name->pattern.initiator_premessage.empty());
  EXPECT_FALSE(name->pattern.has_psk);
  EXPECT_FALSE(name->pattern.one_way);
}

TEST(HandshakePatternTest, PremessagesOfKAndIK) {
  auto k = LookUpPattern("K");
  ASSERT_OK(k);
  EXPECT_EQ(k->initiator_premessage, std::vector<Token>{T::kS});
  EXPECT_EQ(k->responder_premessage, std::vector<Token>{T::kS});
  EXPECT_EQ(k->messages, (Messages{{T::kE, T::kEs, T::kSs}}));
  EXPECT_TRUE(k->one_way);
  auto ik = LookUpPattern("IK");
  ASSERT_OK(ik);
  EXPECT_TRUE(ik->initiator_premessage.empty());
  EXPECT_EQ(ik->responder_premessage, std::vector<Token>{T::kS});
}

TEST(HandshakePatternTest, PskPlacementFollowsSection9) {
  auto xx3 = LookUpPattern("XXpsk3");
  ASSERT_OK(xx3);
  EXPECT_EQ(xx3->messages.back(), (std::vector<Token>{T::kS, T::kSe, T::kPsk}));
  EXPECT_EQ(xx3->psk_count, 1);

  auto k0 = LookUpPattern("Kpsk0");
  ASSERT_OK(k0);
  EXPECT_EQ(k0->messages, (Messages{{T::kPsk, T::kE, T::kEs, T::kSs}}));

  auto nn = LookUpPattern("NNpsk0+psk2");
  ASSERT_OK(nn);
  EXPECT_EQ(nn->messages, (Messages{{T::kPsk, T::kE}, {T::kE, T::kEe, T::kPsk}}));
  EXPECT_EQ(nn->psk_count, 2);
  EXPECT_TRUE(nn->has_psk);
}

TEST(HandshakePatternTest, AllRequiredPatternsExist) {
  for (const char* p : {"N", "K", "X", "NN", "NK", "NX", "KN", "KK", "KX", "XN", "XK", "XX", "IN",
                        "IK", "IX", "Npsk0", "Xpsk1", "IKpsk2"}) {
    EXPECT_OK(LookUpPattern(p)) << p;
  }
}

TEST(HandshakePatternTest, RejectsWhatWeDoNotImplement) {
  for (const char* name :
       {"Noise_XX_448_ChaChaPoly_BLAKE2b", "Noise_XX_25519_AESGCM_BLAKE2b",
        "Noise_XX_25519_ChaChaPoly_SHA256", "Noise_ZZ_25519_ChaChaPoly_BLAKE2b",
        "Noise_XXpsk4_25519_ChaChaPoly_BLAKE2b", "Noise_XXfallback_25519_ChaChaPoly_BLAKE2b",
        "Noise_XXps_25519_ChaChaPoly_BLAKE2b", "Noise_XXpsk_25519_ChaChaPoly_BLAKE2b",
        "Noise_Npsk2_25519_ChaChaPoly_BLAKE2b", "NoisePSK_XX_25519_ChaChaPoly_BLAKE2b",
        "Noise_XX_25519_ChaChaPoly", "", "Noise_XX_25519_ChaChaPoly_BLAKE2b_extra"}) {
    auto parsed = ParseProtocolName(name);
    EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument) << name;
  }
}

}  // namespace
}  // namespace waypost::noise
