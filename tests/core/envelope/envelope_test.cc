// Sealing and opening envelopes (core/envelope/envelope.h) and the wire
// format around them (core/envelope/format.h).
#include "core/envelope/envelope.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "proto/waypost.pb.h"
#include "tests/kit/status.h"

namespace waypost::envelope {
namespace {

constexpr uint32_t kExpiry = 1'800'000'000;

// A coded check-in as Node sends it: code plus send time, no note.
std::string CheckInBody(std::string_view code, std::string_view note = "") {
  pb::Body body;
  body.mutable_checkin()->set_code(std::string(code));
  body.mutable_checkin()->set_note(std::string(note));
  body.set_sent_at(1'800'000'000);
  return body.SerializeAsString();
}

class EnvelopeTest : public ::testing::Test {
 protected:
  // A contact envelope from sender_ to recipient_ under chain_'s PSK.
  Result<Bytes> SealContact(ByteView body) {
    SealRequest req;
    req.pattern = Pattern::kContact;
    req.sender = &sender_;
    req.recipient_public = recipient_.public_key;
    req.psk = &psk_;
    req.tag = TagFor(tag_key_, 20'000);
    req.hint_chain = &chain_;
    req.expires_at = kExpiry;
    req.body = body;
    return Seal(req, random_);
  }
  Result<Bytes> SealJoin(ByteView body) {
    SealRequest req;
    req.pattern = Pattern::kJoin;
    req.sender = &sender_;
    req.recipient_public = recipient_.public_key;
    req.psk = &invite_secret_;
    req.tag = JoinTagFor(invite_secret_);
    req.expires_at = kExpiry;
    req.body = body;
    return Seal(req, random_);
  }
  Result<Opened> OpenContact(ByteView env) {
    return OpenWith(recipient_, sender_.public_key, psk_, env);
  }
  static Result<Opened> OpenWith(const noise::KeyPair& recipient, ByteView sender_public,
                                 const Secret& psk, ByteView env) {
    OpenRequest req;
    req.pattern = Pattern::kContact;
    req.recipient = &recipient;
    req.sender_public = sender_public;
    req.psk = &psk;
    return Open(req, env);
  }
  Result<Opened> OpenJoin(ByteView env, const Secret& psk) {
    OpenRequest req;
    req.pattern = Pattern::kJoin;
    req.recipient = &recipient_;
    req.psk = &psk;
    return Open(req, env);
  }
  Bytes MustSeal(ByteView body) {
    Result<Bytes> env = SealContact(body);
    EXPECT_OK(env);
    return env.ok() ? *env : Bytes();
  }

  SeededRandom random_{42};
  noise::KeyPair sender_ = noise::KeyPair::Generate(random_);
  noise::KeyPair recipient_ = noise::KeyPair::Generate(random_);
  noise::KeyPair stranger_ = noise::KeyPair::Generate(random_);
  Secret tag_key_ = Secret::From(Bytes(kKeySize, 0x21));
  Secret chain_ = Secret::From(Bytes(kKeySize, 0x22));
  Secret psk_ = PskFrom(chain_);
  Secret invite_secret_ = Secret::From(Bytes(kKeySize, 0x23));
};

void ExpectAuthFailed(const Result<Opened>& r, const std::string& what) {
  ASSERT_FALSE(r.ok()) << what << ": opened";
  EXPECT_EQ(r.status().code(), Status::Code::kAuthFailed) << what << ": " << r.status().ToString();
}

TEST_F(EnvelopeTest, ContactRoundTrip) {
  const std::string body = CheckInBody("crossed", "at the border");
  const Bytes env = MustSeal(AsBytes(body));
  Result<Opened> opened = OpenContact(env);
  ASSERT_OK(opened);
  EXPECT_EQ(AsString(opened->body), body);
  EXPECT_EQ(opened->sender_public, sender_.public_key);
}

TEST_F(EnvelopeTest, JoinRoundTripRevealsSenderStaticKey) {
  const std::string body = "join request body";
  Result<Bytes> env = SealJoin(AsBytes(body));
  ASSERT_OK(env);
  Result<Opened> opened = OpenJoin(*env, invite_secret_);
  ASSERT_OK(opened);
  EXPECT_EQ(AsString(opened->body), body);
  EXPECT_EQ(opened->sender_public, sender_.public_key);
  // The static key travels encrypted: it is nowhere in the clear.
  const Bytes& pub = sender_.public_key;
  EXPECT_EQ(std::search(env->begin(), env->end(), pub.begin(), pub.end()), env->end());
}

TEST_F(EnvelopeTest, JoinWithWrongInviteSecretFails) {
  Result<Bytes> env = SealJoin(AsBytes(std::string("hello")));
  ASSERT_OK(env);
  ExpectAuthFailed(OpenJoin(*env, Secret::From(Bytes(kKeySize, 0x24))), "wrong invite secret");
}

TEST_F(EnvelopeTest, PatternsDoNotCrossOpen) {
  const Bytes contact = MustSeal(AsBytes(std::string("x")));
  ExpectAuthFailed(OpenJoin(contact, psk_), "contact envelope as join");
  Result<Bytes> join = SealJoin(AsBytes(std::string("x")));
  ASSERT_OK(join);
  ExpectAuthFailed(OpenContact(*join), "join envelope as contact");
}

TEST_F(EnvelopeTest, HeaderCarriesTagHintAndExpiry) {
  const Bytes env = MustSeal(AsBytes(std::string("x")));
  Result<Header> h = ParseHeader(env);
  ASSERT_OK(h);
  EXPECT_EQ(env[0], kVersion);
  EXPECT_EQ(h->tag, TagFor(tag_key_, 20'000));
  EXPECT_EQ(h->hint, HintFor(chain_, EphemeralOf(env)));
  EXPECT_EQ(h->expires_at, kExpiry);
}

TEST_F(EnvelopeTest, CheckInFitsSmallestBucketAndArmorsTo160Chars) {
  for (const std::string& body : {CheckInBody("crossed"), CheckInBody("ok"),
                                  CheckInBody("crossed", "at the border, all well")}) {
    const Bytes env = MustSeal(AsBytes(body));
    EXPECT_EQ(env.size(), kBucketSizes.front()) << "body of " << body.size() << " bytes";
    const std::string armored = "wp1:" + ToBase64Url(env);
    EXPECT_LE(armored.size(), 160u) << armored;
    EXPECT_EQ(ParseHeader(env).status().code(), Status::Code::kOk);
  }
}

TEST_F(EnvelopeTest, EverySealedSizeIsABucket) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{51}, size_t{52}, size_t{190}, size_t{191},
                   size_t{958}, size_t{959}, size_t{4030}, size_t{4031}, size_t{16318}}) {
    const Bytes env = MustSeal(Bytes(n, 0x5a));
    EXPECT_NE(std::find(kBucketSizes.begin(), kBucketSizes.end(), env.size()), kBucketSizes.end())
        << n << " -> " << env.size();
    EXPECT_EQ(env.size(), BucketFor(n).value()) << n;
  }
}

// For each bucket, the largest body that fits it fills it exactly and one
// more byte moves to the next bucket.
TEST_F(EnvelopeTest, BucketBoundaries) {
  for (size_t i = 0; i < kBucketSizes.size(); ++i) {
    const size_t max_body = kBucketSizes[i] - kHeaderSize - kNoiseOverhead - 1;
    EXPECT_EQ(MustSeal(Bytes(max_body, 1)).size(), kBucketSizes[i]);
    const size_t join_max = kBucketSizes[i] - kHeaderSize - kJoinNoiseOverhead - 1;
    Result<Bytes> join = SealJoin(Bytes(join_max, 1));
    ASSERT_OK(join);
    EXPECT_EQ(join->size(), kBucketSizes[i]);
    if (i + 1 < kBucketSizes.size()) {
      EXPECT_EQ(MustSeal(Bytes(max_body + 1, 1)).size(), kBucketSizes[i + 1]);
    }
  }
}

TEST_F(EnvelopeTest, TooLargeIsLimitExceeded) {
  const size_t max_body = kMaxEnvelopeSize - kHeaderSize - kNoiseOverhead - 1;
  Result<Bytes> big = SealContact(Bytes(max_body + 1, 1));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), Status::Code::kLimitExceeded);
  Result<Bytes> huge = SealContact(Bytes(100'000, 1));
  EXPECT_EQ(huge.status().code(), Status::Code::kLimitExceeded);
  const size_t join_max = kMaxEnvelopeSize - kHeaderSize - kJoinNoiseOverhead - 1;
  EXPECT_EQ(SealJoin(Bytes(join_max + 1, 1)).status().code(), Status::Code::kLimitExceeded);
  EXPECT_OK(SealJoin(Bytes(join_max, 1)));
}

TEST_F(EnvelopeTest, PaddingHidesLengthWithinBucket) {
  const size_t max_small = kBucketSizes[0] - kHeaderSize - kNoiseOverhead - 1;
  for (size_t n = 0; n <= max_small; ++n) {
    const Bytes body(n, 0x33);
    const Bytes env = MustSeal(body);
    EXPECT_EQ(env.size(), kBucketSizes[0]) << n;
    Result<Opened> opened = OpenContact(env);
    ASSERT_OK(opened) << n;
    EXPECT_EQ(opened->body, body) << n;
  }
}

// Bodies that look like padding (trailing zeros, the 0x80 marker) come back
// exactly: unpadding strips only what Pad added.
TEST_F(EnvelopeTest, PaddingLookalikeBodiesRoundTrip) {
  for (const Bytes& body : {Bytes{}, Bytes{0x00}, Bytes{0x80}, Bytes{0x80, 0x00},
                            Bytes{0x01, 0x80, 0x00, 0x00}, Bytes(51, 0x00), Bytes(51, 0x80)}) {
    const Bytes env = MustSeal(body);
    Result<Opened> opened = OpenContact(env);
    ASSERT_OK(opened);
    EXPECT_EQ(opened->body, body) << ToHex(body);
  }
}

TEST_F(EnvelopeTest, EveryFlippedBitFails) {
  const Bytes env = MustSeal(AsBytes(CheckInBody("crossed")));
  ASSERT_EQ(env.size(), 117u);
  ASSERT_OK(OpenContact(env));
  for (size_t i = 0; i < env.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = env;
      bad[i] ^= uint8_t(1 << bit);
      const std::string what = "byte " + std::to_string(i) + " bit " + std::to_string(bit);
      ExpectAuthFailed(OpenContact(bad), what);
      if (i == 0) {
        EXPECT_EQ(ParseHeader(bad).status().code(), Status::Code::kCorrupt) << what;
      }
    }
  }
}

TEST_F(EnvelopeTest, JoinEnvelopeEveryFlippedByteFails) {
  Result<Bytes> env = SealJoin(AsBytes(std::string("join")));
  ASSERT_OK(env);
  for (size_t i = 0; i < env->size(); ++i) {
    Bytes bad = *env;
    bad[i] ^= 0x01;
    ExpectAuthFailed(OpenJoin(bad, invite_secret_), "byte " + std::to_string(i));
  }
}

TEST_F(EnvelopeTest, TruncatedOrExtendedFails) {
  const Bytes env = MustSeal(Bytes(300, 7));  // the 1024 bucket
  ASSERT_EQ(env.size(), 1024u);
  for (size_t n = 0; n < env.size(); ++n) {
    ExpectAuthFailed(OpenContact(ByteView(env).first(n)), "truncated to " + std::to_string(n));
  }
  Bytes longer = env;
  longer.push_back(0);
  ExpectAuthFailed(OpenContact(longer), "one byte longer");
  // Cut down to a smaller bucket size: a valid size, still not authentic.
  ExpectAuthFailed(OpenContact(ByteView(env).first(256)), "cut to the 256 bucket");
  EXPECT_TRUE(EphemeralOf(ByteView(env).first(10)).empty());
}

TEST_F(EnvelopeTest, WrongRecipientKeyFails) {
  const Bytes env = MustSeal(AsBytes(CheckInBody("crossed")));
  ExpectAuthFailed(OpenWith(stranger_, sender_.public_key, psk_, env), "stranger");
}

TEST_F(EnvelopeTest, WrongPskFails) {
  const Bytes env = MustSeal(AsBytes(CheckInBody("crossed")));
  ExpectAuthFailed(OpenWith(recipient_, sender_.public_key, PskFrom(Ratchet(chain_)), env),
                   "next epoch's psk");
  ExpectAuthFailed(OpenWith(recipient_, sender_.public_key, chain_, env), "chain key as psk");
}

TEST_F(EnvelopeTest, WrongExpectedSenderFails) {
  const Bytes env = MustSeal(AsBytes(CheckInBody("crossed")));
  ExpectAuthFailed(OpenWith(recipient_, stranger_.public_key, psk_, env), "other sender");
  // The stranger, knowing the PSK, still cannot pose as the sender.
  SealRequest req;
  req.sender = &stranger_;
  req.recipient_public = recipient_.public_key;
  req.psk = &psk_;
  req.hint_chain = &chain_;
  req.expires_at = kExpiry;
  const std::string body = CheckInBody("crossed");
  req.body = AsBytes(body);
  Result<Bytes> forged = Seal(req, random_);
  ASSERT_OK(forged);
  ExpectAuthFailed(OpenContact(*forged), "forged by a stranger with the psk");
}

TEST_F(EnvelopeTest, FreshEphemeralButStableContentId) {
  const std::string body = CheckInBody("crossed");
  const Bytes a = MustSeal(AsBytes(body));
  const Bytes b = MustSeal(AsBytes(body));
  EXPECT_NE(a, b);
  EXPECT_NE(Bytes(EphemeralOf(a).begin(), EphemeralOf(a).end()),
            Bytes(EphemeralOf(b).begin(), EphemeralOf(b).end()));
  EXPECT_NE(ParseHeader(a)->hint, ParseHeader(b)->hint);  // the hint follows the ephemeral
  EXPECT_NE(ComputeContentId(a), ComputeContentId(b));
  const Bytes a_copy = a;
  EXPECT_EQ(ComputeContentId(a), ComputeContentId(a_copy));
  Bytes a_flipped = a;
  a_flipped[60] ^= 1;
  EXPECT_NE(ComputeContentId(a), ComputeContentId(a_flipped));
}

TEST(FormatTest, ParseHeaderRejectsOddSizes) {
  for (size_t n : {size_t{0}, size_t{17}, size_t{116}, size_t{118}, size_t{16385}}) {
    Bytes env(n, kVersion);
    EXPECT_EQ(ParseHeader(env).status().code(), Status::Code::kCorrupt) << n;
  }
}

TEST(FormatTest, BucketForSmallestFit) {
  EXPECT_EQ(BucketFor(0), 117u);
  EXPECT_EQ(BucketFor(117 - kHeaderSize - kNoiseOverhead - 1), 117u);
  EXPECT_EQ(BucketFor(117 - kHeaderSize - kNoiseOverhead), 256u);
  EXPECT_EQ(BucketFor(16384 - kHeaderSize - kNoiseOverhead), std::nullopt);
}

}  // namespace
}  // namespace waypost::envelope
