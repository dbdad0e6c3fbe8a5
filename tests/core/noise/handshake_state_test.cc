// HandshakeState with generated keys: real handshakes, tampering, wrong keys
// and misuse. The byte-exact checks live in noise_vectors_test.cc.
#include "core/noise/handshake_state.h"

#include <gtest/gtest.h>

#include "core/noise/noise_constants.h"
#include "tests/kit/status.h"

namespace waypost::noise {
namespace {

constexpr char kXX[] = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
constexpr char kXXpsk3[] = "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b";
constexpr char kKpsk0[] = "Noise_Kpsk0_25519_ChaChaPoly_BLAKE2b";

Secret Psk(uint8_t fill) { return Secret::From(Bytes(kPskLen, fill)); }

// Two parties with their own static keys and a shared deterministic Random.
class HandshakeStateTest : public ::testing::Test {
 protected:
  HandshakeConfig Config(const char* protocol, bool initiator) {
    HandshakeConfig c;
    c.protocol_name = protocol;
    c.initiator = initiator;
    c.prologue = Bytes{'w', 'p'};
    c.local_static = (initiator ? alice_ : bob_).Clone();
    c.random = &random_;
    return c;
  }
  static HandshakeState Make(HandshakeConfig config) {
    auto state = HandshakeState::Create(std::move(config));
    EXPECT_OK(state);
    return std::move(state).value();
  }
  // Sends one message from `from` to `to`, returning the reader's result.
  static Result<Bytes> Relay(HandshakeState& from, HandshakeState& to, std::string_view text) {
    WAYPOST_ASSIGN_OR_RETURN(Bytes message, from.WriteMessage(AsBytes(text)));
    return to.ReadMessage(message);
  }

  SeededRandom random_{7};
  KeyPair alice_ = KeyPair::Generate(random_);
  KeyPair bob_ = KeyPair::Generate(random_);
};

TEST_F(HandshakeStateTest, XXWithGeneratedKeysWorksBothWays) {
  HandshakeState init = Make(Config(kXX, true));
  HandshakeState resp = Make(Config(kXX, false));
  EXPECT_TRUE(init.IsMyTurn());
  EXPECT_FALSE(resp.IsMyTurn());
  ASSERT_EQ(AsString(*Relay(init, resp, "m0")), "m0");
  ASSERT_EQ(AsString(*Relay(resp, init, "m1")), "m1");
  ASSERT_EQ(AsString(*Relay(init, resp, "m2")), "m2");
  ASSERT_TRUE(init.IsComplete() && resp.IsComplete());
  EXPECT_EQ(ToHex(init.HandshakeHash()), ToHex(resp.HandshakeHash()));
  EXPECT_EQ(*init.RemoteStatic(), bob_.public_key);
  EXPECT_EQ(*resp.RemoteStatic(), alice_.public_key);

  auto [i_send, i_recv] = std::move(init.Split()).value();
  auto [r_recv, r_send] = std::move(resp.Split()).value();
  auto to_resp = r_recv.DecryptWithAd({}, *i_send.EncryptWithAd({}, AsBytes("ping")));
  auto to_init = i_recv.DecryptWithAd({}, *r_send.EncryptWithAd({}, AsBytes("pong")));
  ASSERT_TRUE(to_resp.ok() && to_init.ok());
  EXPECT_EQ(AsString(*to_resp), "ping");
  EXPECT_EQ(AsString(*to_init), "pong");
}

TEST_F(HandshakeStateTest, FlippedBitIsRejectedAndKillsTheHandshake) {
  for (size_t position : {size_t{0}, size_t{40}, size_t{95}, size_t{97}}) {
    HandshakeState init = Make(Config(kXX, true));
    HandshakeState resp = Make(Config(kXX, false));
    ASSERT_OK(Relay(init, resp, "m0"));
    Bytes m1 = *resp.WriteMessage(AsBytes("m1"));
    m1[position] ^= 0x01;
    EXPECT_EQ(init.ReadMessage(m1).status().code(), Status::Code::kAuthFailed) << position;
    EXPECT_FALSE(init.WriteMessage({}).ok());
    EXPECT_FALSE(init.Split().ok());
  }
}

TEST_F(HandshakeStateTest, TruncatedOrPaddedMessageIsRejected) {
  HandshakeState init = Make(Config(kXX, true));
  HandshakeState resp = Make(Config(kXX, false));
  Bytes m0 = *init.WriteMessage({});
  EXPECT_EQ(resp.ReadMessage(ByteView(m0).first(31)).status().code(), Status::Code::kProtocol);

  for (size_t cut : {size_t{1}, size_t{16}, size_t{40}, size_t{70}}) {
    HandshakeState i2 = Make(Config(kXX, true));
    HandshakeState r2 = Make(Config(kXX, false));
    ASSERT_OK(Relay(i2, r2, "m0"));
    Bytes m1 = *r2.WriteMessage(AsBytes("m1"));
    EXPECT_FALSE(i2.ReadMessage(ByteView(m1).first(m1.size() - cut)).ok()) << cut;
  }
  HandshakeState i3 = Make(Config(kXX, true));
  HandshakeState r3 = Make(Config(kXX, false));
  ASSERT_OK(Relay(i3, r3, "m0"));
  Bytes m1 = *r3.WriteMessage(AsBytes("m1"));
  m1.push_back(0);  // one trailing byte: the whole message must be consumed
  EXPECT_EQ(i3.ReadMessage(m1).status().code(), Status::Code::kAuthFailed);
}

TEST_F(HandshakeStateTest, XXpsk3WithWrongPskFails) {
  HandshakeConfig ic = Config(kXXpsk3, true);
  ic.psks.push_back(Psk(1));
  HandshakeConfig rc = Config(kXXpsk3, false);
  rc.psks.push_back(Psk(2));
  HandshakeState init = Make(std::move(ic));
  HandshakeState resp = Make(std::move(rc));
  ASSERT_OK(Relay(init, resp, ""));
  ASSERT_OK(Relay(resp, init, ""));
  EXPECT_EQ(Relay(init, resp, "").status().code(), Status::Code::kAuthFailed);
}

class OneWayTest : public HandshakeStateTest {
 protected:
  HandshakeConfig Kpsk0(bool initiator, uint8_t psk) {
    HandshakeConfig c = Config(kKpsk0, initiator);
    c.remote_static = initiator ? bob_.public_key : alice_.public_key;
    c.psks.push_back(Psk(psk));
    return c;
  }
};

TEST_F(OneWayTest, Kpsk0WithGeneratedKeysWorks) {
  HandshakeState sender = Make(Kpsk0(true, 9));
  HandshakeState receiver = Make(Kpsk0(false, 9));
  Bytes envelope = *sender.WriteMessage(AsBytes("sealed"));
  EXPECT_EQ(envelope.size(), kDhLen + 6 + kTagLen);
  auto payload = receiver.ReadMessage(envelope);
  ASSERT_OK(payload);
  EXPECT_EQ(AsString(*payload), "sealed");
  ASSERT_TRUE(sender.IsComplete() && receiver.IsComplete());
  EXPECT_FALSE(receiver.IsMyTurn());
  auto [s_send, s_unused] = std::move(sender.Split()).value();
  auto [r_recv, r_unused] = std::move(receiver.Split()).value();
  auto more = r_recv.DecryptWithAd({}, *s_send.EncryptWithAd({}, AsBytes("more")));
  ASSERT_OK(more);
  EXPECT_EQ(AsString(*more), "more");
}

TEST_F(OneWayTest, Kpsk0WithWrongPskOrWrongSenderFails) {
  HandshakeState sender = Make(Kpsk0(true, 9));
  HandshakeState receiver = Make(Kpsk0(false, 8));
  EXPECT_EQ(Relay(sender, receiver, "x").status().code(), Status::Code::kAuthFailed);

  HandshakeConfig impostor = Kpsk0(true, 9);
  impostor.local_static = KeyPair::Generate(random_);
  HandshakeState forged = Make(std::move(impostor));
  HandshakeState receiver2 = Make(Kpsk0(false, 9));
  EXPECT_EQ(Relay(forged, receiver2, "x").status().code(), Status::Code::kAuthFailed);
}

TEST_F(HandshakeStateTest, LowOrderEphemeralIsAuthFailure) {
  HandshakeConfig rc;
  rc.protocol_name = "Noise_NN_25519_ChaChaPoly_BLAKE2b";
  rc.random = &random_;
  HandshakeState resp = Make(std::move(rc));
  ASSERT_OK(resp.ReadMessage(Bytes(kDhLen, 0)));  // NN message 0 is unauthenticated
  EXPECT_EQ(resp.WriteMessage({}).status().code(), Status::Code::kAuthFailed);  // ee is zero
}

TEST_F(HandshakeStateTest, MisuseIsRejected) {
  HandshakeState init = Make(Config(kXX, true));
  HandshakeState resp = Make(Config(kXX, false));
  EXPECT_EQ(resp.WriteMessage({}).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(init.ReadMessage(Bytes(32)).status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(init.Split().ok());
  EXPECT_EQ(init.WriteMessage(Bytes(kMaxMessageLen)).status().code(), Status::Code::kLimitExceeded);
  EXPECT_EQ(resp.ReadMessage(Bytes(kMaxMessageLen + 1)).status().code(),
            Status::Code::kLimitExceeded);
}

TEST_F(HandshakeStateTest, CreateChecksTheConfigAgainstThePattern) {
  HandshakeConfig no_rs = Config("Noise_IK_25519_ChaChaPoly_BLAKE2b", true);
  EXPECT_EQ(HandshakeState::Create(std::move(no_rs)).status().code(),
            Status::Code::kInvalidArgument);
  HandshakeConfig no_psk = Config(kXXpsk3, true);
  EXPECT_EQ(HandshakeState::Create(std::move(no_psk)).status().code(),
            Status::Code::kInvalidArgument);
  HandshakeConfig short_psk = Config(kXXpsk3, true);
  short_psk.psks.push_back(Secret::From(Bytes(16, 1)));
  EXPECT_EQ(HandshakeState::Create(std::move(short_psk)).status().code(),
            Status::Code::kInvalidArgument);
  HandshakeConfig no_s = Config(kXX, true);
  no_s.local_static.reset();
  EXPECT_EQ(HandshakeState::Create(std::move(no_s)).status().code(),
            Status::Code::kInvalidArgument);
  HandshakeConfig no_random = Config(kXX, true);
  no_random.random = nullptr;
  EXPECT_EQ(HandshakeState::Create(std::move(no_random)).status().code(),
            Status::Code::kInvalidArgument);
  HandshakeConfig bad_name = Config("Noise_XX_25519_AESGCM_BLAKE2b", true);
  EXPECT_EQ(HandshakeState::Create(std::move(bad_name)).status().code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace waypost::noise
