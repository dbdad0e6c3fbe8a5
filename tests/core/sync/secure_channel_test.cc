#include "core/sync/secure_channel.h"

#include <gtest/gtest.h>

#include <random>

#include "core/sync/constants.h"
#include "tests/core/sync/sync_test_util.h"
#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

using test_util::RawInitiator;

// Two channel ends joined in memory, with seeded random chunking.
class ChannelPair {
 public:
  explicit ChannelPair(uint64_t seed = 1)
      : random_(seed),
        relay_key_(noise::KeyPair::Generate(random_)),
        client_(SecureChannel::Initiator(relay_key_.public_key, random_)),
        relay_(SecureChannel::Responder(relay_key_, random_)),
        rng_(static_cast<uint32_t>(seed)) {}

  // Delivers everything queued, both ways, until quiet or an error.
  Status Flush() {
    while (true) {
      Bytes a = client_.TakeOutput();
      Bytes b = relay_.TakeOutput();
      if (a.empty() && b.empty()) return Status::Ok();
      WAYPOST_RETURN_IF_ERROR(Deliver(a, relay_));
      WAYPOST_RETURN_IF_ERROR(Deliver(b, client_));
    }
  }

  Status Deliver(ByteView bytes, SecureChannel& to) {
    std::uniform_int_distribution<size_t> chunk(1, 700);
    for (size_t i = 0; i < bytes.size();) {
      const size_t n = std::min(chunk(rng_), bytes.size() - i);
      WAYPOST_RETURN_IF_ERROR(to.Feed(bytes.subspan(i, n)));
      i += n;
    }
    return Status::Ok();
  }

  Status Handshake() {
    WAYPOST_RETURN_IF_ERROR(relay_.Start());
    WAYPOST_RETURN_IF_ERROR(client_.Start());
    return Flush();
  }

  SeededRandom random_;
  noise::KeyPair relay_key_;
  SecureChannel client_;
  SecureChannel relay_;
  std::mt19937 rng_;
};

TEST(SecureChannelTest, HandshakeThenMessagesBothWays) {
  ChannelPair p;
  ASSERT_OK(p.Handshake());
  ASSERT_TRUE(p.client_.established());
  ASSERT_TRUE(p.relay_.established());
  std::vector<Bytes> sent;
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{508}, size_t{509}, size_t{70000}, size_t{200000}}) {
    sent.push_back(Bytes(size, static_cast<uint8_t>(size)));
    ASSERT_OK(p.client_.Send(sent.back()));
    ASSERT_OK(p.relay_.Send(sent.back()));
  }
  ASSERT_OK(p.Flush());
  for (const Bytes& m : sent) {
    EXPECT_EQ(p.relay_.NextMessage(), m);
    EXPECT_EQ(p.client_.NextMessage(), m);
  }
  EXPECT_FALSE(p.relay_.NextMessage());
  EXPECT_EQ(p.client_.bytes_sent(), p.relay_.bytes_received());
  EXPECT_EQ(p.relay_.bytes_sent(), p.client_.bytes_received());
}

TEST(SecureChannelTest, PadsToUniformSizes) {
  EXPECT_EQ(SecureChannel::PaddedSize(0), kMinPaddedSize);
  EXPECT_EQ(SecureChannel::PaddedSize(252), 256u);
  EXPECT_EQ(SecureChannel::PaddedSize(253), 288u);  // 256 + 256/8
  EXPECT_EQ(SecureChannel::PaddedSize(284), 288u);
  EXPECT_EQ(SecureChannel::PaddedSize(285), 320u);
  EXPECT_EQ(SecureChannel::PaddedSize(508), 512u);
  EXPECT_EQ(SecureChannel::PaddedSize(509), 576u);  // 512 + 512/8
  EXPECT_EQ(SecureChannel::PaddedSize(1020), 1024u);
  EXPECT_EQ(SecureChannel::PaddedSize(1021), 1152u);  // 1024 + 1024/8
  EXPECT_EQ(SecureChannel::PaddedSize(kMaxAppMessage), kMaxAppMessage + kMaxAppMessage / 8);
  // Never more than an eighth over what it carries, above the 256 floor.
  for (size_t length = 253; length < 300'000; length = length * 9 / 8 + 7) {
    const size_t padded = SecureChannel::PaddedSize(length);
    EXPECT_GE(padded, length + kAppLengthSize);
    EXPECT_LE(padded * 8, (length + kAppLengthSize) * 9) << length;
  }
  ChannelPair p;
  ASSERT_OK(p.Handshake());
  ASSERT_OK(p.client_.Send(Bytes(3, 1)));
  const size_t small = p.client_.TakeOutput().size();
  ASSERT_OK(p.client_.Send(Bytes(250, 1)));
  EXPECT_EQ(p.client_.TakeOutput().size(), small);
  EXPECT_EQ(small, kFrameHeaderSize + kMinPaddedSize + kNoiseTagSize);
}

TEST(SecureChannelTest, PinningRejectsAnotherRelayKey) {
  SeededRandom random(2);
  noise::KeyPair real = noise::KeyPair::Generate(random);
  noise::KeyPair expected = noise::KeyPair::Generate(random);
  SecureChannel client = SecureChannel::Initiator(expected.public_key, random);
  SecureChannel relay = SecureChannel::Responder(real, random);
  ASSERT_OK(relay.Start());
  ASSERT_OK(client.Start());
  ASSERT_OK(relay.Feed(client.TakeOutput()));
  Status s = client.Feed(relay.TakeOutput());
  EXPECT_EQ(s.code(), Status::Code::kAuthFailed);
  EXPECT_FALSE(client.established());
  EXPECT_TRUE(client.TakeOutput().empty()) << "no message 2 to an impostor";
  EXPECT_EQ(client.Send(Bytes{1}).code(), Status::Code::kAuthFailed) << "stays failed";
}

TEST(SecureChannelTest, FlippedBitInHandshakeIsAuthFailed) {
  SeededRandom random(3);
  noise::KeyPair key = noise::KeyPair::Generate(random);
  SecureChannel client = SecureChannel::Initiator(key.public_key, random);
  SecureChannel relay = SecureChannel::Responder(key, random);
  ASSERT_OK(relay.Start());
  ASSERT_OK(client.Start());
  ASSERT_OK(relay.Feed(client.TakeOutput()));
  Bytes message1 = relay.TakeOutput();
  message1[40] ^= 0x01;  // inside the encrypted static key
  EXPECT_EQ(client.Feed(message1).code(), Status::Code::kAuthFailed);
}

TEST(SecureChannelTest, FlippedBitInTransportFrameIsAuthFailed) {
  for (size_t position : {size_t{2}, size_t{100}, size_t{2 + kMinPaddedSize + 15}}) {
    ChannelPair p(4);
    ASSERT_OK(p.Handshake());
    ASSERT_OK(p.client_.Send(Bytes(10, 7)));
    Bytes wire = p.client_.TakeOutput();
    wire[position] ^= 0x80;
    Status s = p.Deliver(wire, p.relay_);
    EXPECT_EQ(s.code(), Status::Code::kAuthFailed) << position;
    EXPECT_EQ(s.message(), Status::AuthFailed().message());
    EXPECT_FALSE(p.relay_.NextMessage());
  }
}

TEST(SecureChannelTest, RefusesToSendOverLimit) {
  ChannelPair p;
  ASSERT_OK(p.Handshake());
  EXPECT_EQ(p.client_.Send(Bytes(kMaxAppMessage + 1)).code(), Status::Code::kLimitExceeded);
}

TEST(SecureChannelTest, GarbageBeforeHandshakeFails) {
  SeededRandom random(5);
  noise::KeyPair key = noise::KeyPair::Generate(random);
  SecureChannel relay = SecureChannel::Responder(key, random);
  ASSERT_OK(relay.Start());
  Bytes garbage(200);
  random.Fill(garbage);
  garbage[0] = 0;
  garbage[1] = 10;  // a 10-byte frame: too short for an ephemeral key
  EXPECT_FALSE(relay.Feed(garbage).ok());
  EXPECT_FALSE(relay.established());
}

// The tests below drive the responder with a hand-played initiator.
class RawPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(relay_.Start());
    ASSERT_OK(relay_.Feed(raw_.Message0()));
    ASSERT_OK(relay_.Feed(raw_.Message2(relay_.TakeOutput())));
    ASSERT_TRUE(relay_.established());
  }

  SeededRandom random_{6};
  noise::KeyPair key_ = noise::KeyPair::Generate(random_);
  SecureChannel relay_ = SecureChannel::Responder(key_, random_);
  RawInitiator raw_{random_};
};

TEST_F(RawPeerTest, OversizedAnnouncementIsProtocolError) {
  Bytes wire = raw_.Transport(Bytes{0x00, 0x80, 0x00, 0x01, 0, 0, 0});  // 8 MiB + 1
  Status s = relay_.Feed(wire);
  EXPECT_EQ(s.code(), Status::Code::kProtocol);
}

TEST_F(RawPeerTest, NonZeroPaddingIsProtocolError) {
  Bytes body{1, 2, 3};
  Bytes wire = raw_.AppMessage(2, body, kMinPaddedSize);  // announces 2: byte 3 is "padding"
  EXPECT_EQ(relay_.Feed(wire).code(), Status::Code::kProtocol);
}

TEST_F(RawPeerTest, ReassemblesAcrossTransportMessages) {
  Bytes body(100000, 0x5A);
  ASSERT_OK(relay_.Feed(raw_.AppMessage(100000, body, 131072)));
  EXPECT_EQ(relay_.NextMessage(), body);
}

// Rekeying is deterministic: a peer that rekeys after every 1024th message
// stays in step with us, and a peer that never rekeys falls out at 1025.
TEST_F(RawPeerTest, FollowsPeerRekeyEvery1024Messages) {
  for (int i = 0; i < 1100; ++i) {
    ASSERT_OK(relay_.Feed(raw_.AppMessage(1, Bytes{uint8_t(i)}, kMinPaddedSize))) << i;
    ASSERT_EQ(relay_.NextMessage(), Bytes{uint8_t(i)});
  }
  EXPECT_EQ(relay_.transport_received(), 1100u);
}

TEST_F(RawPeerTest, PeerThatSkipsRekeyFailsAt1025) {
  Bytes plain(512, 0);
  plain[3] = 1;
  for (uint64_t i = 0; i < kRekeyInterval; ++i) {
    ASSERT_OK(relay_.Feed(raw_.Transport(plain, /*rekey=*/false))) << i;
  }
  EXPECT_EQ(relay_.Feed(raw_.Transport(plain, /*rekey=*/false)).code(), Status::Code::kAuthFailed);
}

TEST(SecureChannelTest, ManyMessagesBothWaysAcrossRekeys) {
  ChannelPair p(7);
  ASSERT_OK(p.Handshake());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) {
      Bytes m{uint8_t(i), uint8_t(i >> 8), uint8_t(round)};
      ASSERT_OK(p.client_.Send(m));
      ASSERT_OK(p.relay_.Send(m));
    }
    ASSERT_OK(p.Flush());
    for (int i = 0; i < 1000; ++i) {
      Bytes m{uint8_t(i), uint8_t(i >> 8), uint8_t(round)};
      ASSERT_EQ(p.relay_.NextMessage(), m);
      ASSERT_EQ(p.client_.NextMessage(), m);
    }
  }
  EXPECT_EQ(p.client_.transport_sent(), 3000u);
  EXPECT_EQ(p.relay_.transport_received(), 3000u);
}

}  // namespace
}  // namespace waypost::sync
