// Ring signatures (core/team/ring_signature.h): a member of the ring can
// sign, nobody else can, any change to ring, message or signature is the one
// AuthFailed, hostile rings are InvalidArgument, and two signatures share no
// value a relay could link them by.
#include "core/team/ring_signature.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace waypost::team {
namespace {

using Code = Status::Code;
using Scalar = std::array<uint8_t, kRingScalarSize>;

const ByteView kMessage = AsBytes("check in: all well");

// The group order L = 2^252 + 27742317777372353535851937790883648493,
// little-endian.
constexpr Scalar kOrder = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                           0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

struct Team {
  std::vector<RingKeyPair> keys;
  std::vector<RingPoint> ring;
};

Team MakeTeam(size_t n, Random& random) {
  Team team;
  for (size_t i = 0; i < n; ++i) {
    team.keys.push_back(RingKeyPair::Generate(random));
    team.ring.push_back(team.keys.back().public_key);
  }
  return team;
}

Team MakeTeam(size_t n, uint64_t seed) {
  SeededRandom random(seed);
  return MakeTeam(n, random);
}

Bytes Sign(const Team& team, size_t signer, ByteView message, uint64_t seed = 7) {
  SeededRandom random(seed);
  Result<Bytes> signature = RingSign(team.ring, team.keys[signer], message, random);
  EXPECT_TRUE(signature.ok()) << signature.status().ToString();
  return signature.value_or(Bytes());
}

Code VerifyCode(const std::vector<RingPoint>& ring, ByteView message, ByteView signature) {
  return RingVerify(ring, message, signature).code();
}

// Little-endian s + L: the same residue in a non-canonical encoding. Every
// canonical s is below L < 2^253, so the sum fits in 32 bytes.
void AddOrder(uint8_t* s) {
  unsigned carry = 0;
  for (size_t i = 0; i < kRingScalarSize; ++i) {
    const unsigned sum = s[i] + kOrder[i] + carry;
    s[i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
  }
}

RingPoint PointFromHex(const std::string& hex) {
  RingPoint point{};
  const Bytes bytes = FromHex(hex).value();
  std::copy(bytes.begin(), bytes.end(), point.begin());
  return point;
}

// What a relay can recompute from a signature: every R_i = s_i·G + c_i·P_i,
// hashing as the header specifies (MatchesAnIndependentImplementation pins
// that hash).
std::vector<Bytes> Commitments(const std::vector<RingPoint>& ring, ByteView message,
                               ByteView signature) {
  Bytes prefix(AsBytes("waypost ring v1").begin(), AsBytes("waypost ring v1").end());
  PutU32(prefix, static_cast<uint32_t>(ring.size()));
  for (const RingPoint& p : ring) Append(prefix, p);
  PutU32(prefix, static_cast<uint32_t>(message.size()));
  Append(prefix, message);
  std::vector<Bytes> commitments;
  Scalar c;
  std::copy_n(signature.begin(), kRingScalarSize, c.begin());
  for (size_t i = 0; i < ring.size(); ++i) {
    uint8_t sg[32], cp[32], digest[64];
    Bytes r(32);
    EXPECT_EQ(crypto_scalarmult_ristretto255_base(sg, signature.data() + 32 * (i + 1)), 0);
    EXPECT_EQ(crypto_scalarmult_ristretto255(cp, c.data(), ring[i].data()), 0);
    crypto_core_ristretto255_add(r.data(), sg, cp);
    commitments.push_back(r);
    Bytes input = prefix;
    Append(input, r);
    crypto_generichash(digest, sizeof digest, input.data(), input.size(), nullptr, 0);
    crypto_core_ristretto255_scalar_reduce(c.data(), digest);
  }
  EXPECT_TRUE(std::equal(c.begin(), c.end(), signature.begin()));  // the ring closes
  return commitments;
}

TEST(RingSignatureTest, EverySignerOfASmallRingCanSign) {
  for (size_t n : {1u, 2u, 3u, 10u}) {
    const Team team = MakeTeam(n, n);
    for (size_t signer = 0; signer < n; ++signer) {
      const Bytes signature = Sign(team, signer, kMessage);
      EXPECT_EQ(signature.size(), RingSignatureSize(n));
      EXPECT_TRUE(RingVerify(team.ring, kMessage, signature).ok()) << n << " " << signer;
    }
  }
}

TEST(RingSignatureTest, LargeRingsSignAndVerify) {
  const Team hundred = MakeTeam(100, 100);
  for (size_t signer : {0u, 37u, 99u}) {
    EXPECT_TRUE(RingVerify(hundred.ring, kMessage, Sign(hundred, signer, kMessage)).ok());
  }
  const Team largest = MakeTeam(kMaxRing, 1024);
  EXPECT_TRUE(RingVerify(largest.ring, kMessage, Sign(largest, 217, kMessage)).ok());
}

TEST(RingSignatureTest, AnEmptyMessageSignsToo) {
  const Team team = MakeTeam(3, 3);
  const Bytes signature = Sign(team, 2, ByteView());
  EXPECT_TRUE(RingVerify(team.ring, ByteView(), signature).ok());
  EXPECT_EQ(VerifyCode(team.ring, AsBytes("x"), signature), Code::kAuthFailed);
}

// The expected bytes come from an independent pure-Python implementation
// (RFC 9496 ristretto255 arithmetic, hashlib BLAKE2b, ChaCha20 standing in
// for SeededRandom), written from the header's description alone. One
// SeededRandom(1) stream draws the three keys, then α, s_2 and s_0.
TEST(RingSignatureTest, MatchesAnIndependentImplementation) {
  SeededRandom random(1);
  const Team team = MakeTeam(3, random);
  EXPECT_EQ(team.ring[0],
            PointFromHex("643fc07679bccc4e89dad60aefeb892bfba0665e8e3a89b259adf4234737e070"));
  EXPECT_EQ(team.ring[1],
            PointFromHex("74a2dee6f45e2f123e1d78c92f1c0a3eed2fc24e025f73b31b1430635b86d57b"));
  EXPECT_EQ(team.ring[2],
            PointFromHex("362f98ff2d63128f002f5df38bb69ad418e8abd96446581e483ff67258789524"));
  EXPECT_EQ(ToHex(team.keys[1].secret.view()),
            "fadeb9e457d5a6ec7eff7452c25f49156a3a01e423136caa4c442567b36c4e0c");
  const Result<Bytes> signature = RingSign(team.ring, team.keys[1], kMessage, random);
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(ToHex(*signature),
            "4ff7d94e90df9217d28936acae954cbe14de85620514cbdf645e5a2784fd890f"
            "7e10f2d7079c604d9af312e997cacd62546fa2a6fb17c8285c66e4c915630703"
            "0293f5d4ce3ee74f67e5d53222c131a1a147db129d1cde92b308f338e4804a07"
            "7033e98986629892fdad504d241cd2501082fc538169a3df661d15b57b7c2d0b");
  EXPECT_TRUE(RingVerify(team.ring, kMessage, *signature).ok());
}

TEST(RingSignatureTest, TheSameRandomnessGivesTheSameSignature) {
  const Team team = MakeTeam(4, 1);
  EXPECT_EQ(Sign(team, 2, kMessage, 1), Sign(team, 2, kMessage, 1));
  EXPECT_NE(Sign(team, 2, kMessage, 1), Sign(team, 2, kMessage, 2));
}

TEST(RingSignatureTest, AnotherMessageFails) {
  const Team team = MakeTeam(5, 5);
  const Bytes signature = Sign(team, 1, kMessage);
  EXPECT_EQ(VerifyCode(team.ring, AsBytes("check in: all well."), signature), Code::kAuthFailed);
  EXPECT_EQ(VerifyCode(team.ring, AsBytes("check in: all welL"), signature), Code::kAuthFailed);
  EXPECT_EQ(VerifyCode(team.ring, ByteView(), signature), Code::kAuthFailed);
}

TEST(RingSignatureTest, AnotherRingFails) {
  const Team team = MakeTeam(5, 5);
  const Team others = MakeTeam(2, 55);
  const Bytes signature = Sign(team, 1, kMessage);
  std::vector<RingPoint> swapped = team.ring;
  swapped[3] = others.ring[0];
  EXPECT_EQ(VerifyCode(swapped, kMessage, signature), Code::kAuthFailed);
  std::vector<RingPoint> reordered = team.ring;
  std::swap(reordered[0], reordered[4]);
  EXPECT_EQ(VerifyCode(reordered, kMessage, signature), Code::kAuthFailed);
  std::vector<RingPoint> added = team.ring;
  added.push_back(others.ring[1]);
  EXPECT_EQ(VerifyCode(added, kMessage, signature), Code::kAuthFailed);
  std::vector<RingPoint> removed = team.ring;
  removed.erase(removed.begin() + 2);
  EXPECT_EQ(VerifyCode(removed, kMessage, signature), Code::kAuthFailed);
}

TEST(RingSignatureTest, EveryFlippedBitOfASmallRingSignatureFails) {
  const Team team = MakeTeam(3, 3);
  const Bytes signature = Sign(team, 0, kMessage);
  for (size_t i = 0; i < signature.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes flipped = signature;
      flipped[i] ^= static_cast<uint8_t>(1 << bit);
      EXPECT_EQ(VerifyCode(team.ring, kMessage, flipped), Code::kAuthFailed) << i << ":" << bit;
    }
  }
}

TEST(RingSignatureTest, AFlippedBitInAnyScalarOfALargerRingSignatureFails) {
  const Team team = MakeTeam(20, 20);
  const Bytes signature = Sign(team, 13, kMessage);
  for (size_t scalar = 0; scalar <= team.ring.size(); ++scalar) {
    for (size_t offset : {0u, 17u, 31u}) {
      Bytes flipped = signature;
      flipped[kRingScalarSize * scalar + offset] ^= 0x01;
      EXPECT_EQ(VerifyCode(team.ring, kMessage, flipped), Code::kAuthFailed) << scalar;
    }
  }
}

TEST(RingSignatureTest, ATruncatedOrExtendedSignatureFails) {
  const Team team = MakeTeam(4, 4);
  const Bytes signature = Sign(team, 3, kMessage);
  for (size_t cut : {1u, 31u, 32u, 33u}) {
    const Bytes shorter(signature.begin(), signature.end() - cut);
    EXPECT_EQ(VerifyCode(team.ring, kMessage, shorter), Code::kAuthFailed) << cut;
  }
  for (size_t extra : {1u, 32u}) {
    Bytes longer = signature;
    longer.resize(signature.size() + extra, 0);
    EXPECT_EQ(VerifyCode(team.ring, kMessage, longer), Code::kAuthFailed) << extra;
  }
  EXPECT_EQ(VerifyCode(team.ring, kMessage, ByteView()), Code::kAuthFailed);
}

// s + L acts on the group exactly as s does, so only the canonical-scalar
// check stands between it and a second valid encoding of one signature.
TEST(RingSignatureTest, ANonCanonicalScalarFails) {
  const Team team = MakeTeam(3, 3);
  const Bytes signature = Sign(team, 1, kMessage);
  for (size_t scalar = 0; scalar <= team.ring.size(); ++scalar) {
    Bytes shifted = signature;
    uint8_t* s = shifted.data() + kRingScalarSize * scalar;
    AddOrder(s);
    uint8_t wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES] = {};
    std::copy_n(s, kRingScalarSize, wide);
    uint8_t reduced[kRingScalarSize];
    crypto_core_ristretto255_scalar_reduce(reduced, wide);
    ASSERT_TRUE(std::equal(reduced, reduced + kRingScalarSize,
                           signature.begin() + kRingScalarSize * scalar));
    EXPECT_EQ(VerifyCode(team.ring, kMessage, shifted), Code::kAuthFailed) << scalar;
  }
}

TEST(RingSignatureTest, ZeroScalarsFail) {
  const Team team = MakeTeam(2, 2);
  EXPECT_EQ(VerifyCode(team.ring, kMessage, Bytes(RingSignatureSize(2), 0)), Code::kAuthFailed);
  Bytes zero_challenge = Sign(team, 0, kMessage);
  std::fill_n(zero_challenge.begin(), kRingScalarSize, 0);
  EXPECT_EQ(VerifyCode(team.ring, kMessage, zero_challenge), Code::kAuthFailed);
}

TEST(RingSignatureTest, AKeyOutsideTheRingCannotSign) {
  const Team team = MakeTeam(4, 4);
  SeededRandom random(44);
  const RingKeyPair outsider = RingKeyPair::Generate(random);
  const Result<Bytes> signature = RingSign(team.ring, outsider, kMessage, random);
  EXPECT_EQ(signature.status().code(), Code::kInvalidArgument);
}

// The outsider signs for a ring of its own making, one member swapped for
// itself; the relay checks against the real ring.
TEST(RingSignatureTest, ASignatureForAnotherRingDoesNotVerify) {
  const Team team = MakeTeam(4, 4);
  SeededRandom random(44);
  const RingKeyPair outsider = RingKeyPair::Generate(random);
  std::vector<RingPoint> forged = team.ring;
  forged[2] = outsider.public_key;
  const Result<Bytes> signature = RingSign(forged, outsider, kMessage, random);
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(RingVerify(forged, kMessage, *signature).ok());
  EXPECT_EQ(VerifyCode(team.ring, kMessage, *signature), Code::kAuthFailed);
}

void ExpectRingRefused(const std::vector<RingPoint>& ring, const RingKeyPair& key,
                       const std::string& why) {
  SeededRandom random(9);
  EXPECT_EQ(RingSign(ring, key, kMessage, random).status().code(), Code::kInvalidArgument) << why;
  const Bytes signature(RingSignatureSize(ring.size()), 1);
  EXPECT_EQ(VerifyCode(ring, kMessage, signature), Code::kInvalidArgument) << why;
}

// libsodium 1.0.18 decodes the all-zero identity as a valid point; the ring
// refuses it all the same, since any scalar is its secret.
TEST(RingSignatureTest, RefusesRingPointsThatAreNotMembersKeys) {
  const Team team = MakeTeam(3, 3);
  std::vector<Bytes> bad = {Bytes(32, 0), Bytes(32, 0xff), Bytes{1}, Bytes{2}};
  bad[2].resize(32, 0);
  bad[3].resize(32, 0);
  SeededRandom random(10);
  while (bad.size() < 10) {
    Bytes candidate(32);
    random.Fill(candidate);
    if (crypto_core_ristretto255_is_valid_point(candidate.data()) != 1) bad.push_back(candidate);
  }
  for (const Bytes& point : bad) {
    std::vector<RingPoint> ring = team.ring;
    std::copy(point.begin(), point.end(), ring[1].begin());
    ExpectRingRefused(ring, team.keys[0], ToHex(point));
  }
}

TEST(RingSignatureTest, RefusesDuplicateMembers) {
  const Team team = MakeTeam(4, 4);
  std::vector<RingPoint> ring = team.ring;
  ring.push_back(ring[1]);
  ExpectRingRefused(ring, team.keys[0], "duplicate of another signer");
  ExpectRingRefused(ring, team.keys[1], "duplicate of the signer");
}

TEST(RingSignatureTest, RefusesEmptyAndOversizedRings) {
  const Team team = MakeTeam(kMaxRing + 1, 1025);
  ExpectRingRefused(team.ring, team.keys[0], "over kMaxRing");
  ExpectRingRefused({}, team.keys[0], "empty");
}

// A relay sees many admissions. Nothing in them may stay constant for one
// member: no scalar, and no 8-byte run at any offset, recurs anywhere.
TEST(RingSignatureTest, SignaturesShareNoValueAcrossSignersOrSignings) {
  const Team team = MakeTeam(8, 8);
  SeededRandom random(88);
  std::vector<Bytes> signatures;
  for (size_t signer : {2u, 5u}) {
    for (int round = 0; round < 20; ++round) {
      Result<Bytes> signature = RingSign(team.ring, team.keys[signer], kMessage, random);
      ASSERT_TRUE(signature.ok());
      signatures.push_back(std::move(signature).value());
    }
  }
  std::set<Bytes> scalars;
  std::set<Bytes> windows;
  size_t scalar_count = 0;
  size_t window_count = 0;
  for (const Bytes& s : signatures) {
    for (size_t off = 0; off < s.size(); off += kRingScalarSize, ++scalar_count) {
      scalars.insert(Bytes(s.begin() + off, s.begin() + off + kRingScalarSize));
    }
    for (size_t off = 0; off + 8 <= s.size(); ++off, ++window_count) {
      windows.insert(Bytes(s.begin() + off, s.begin() + off + 8));
    }
  }
  EXPECT_EQ(scalars.size(), scalar_count);
  EXPECT_EQ(windows.size(), window_count);
  // Nor may anything the relay can compute: a reused nonce α would show as
  // a repeated commitment α·G.
  std::set<Bytes> commitments;
  for (const Bytes& s : signatures) {
    for (Bytes& r : Commitments(team.ring, kMessage, s)) commitments.insert(std::move(r));
  }
  EXPECT_EQ(commitments.size(), signatures.size() * team.ring.size());
}

TEST(RingSignatureTest, FromSecretRebuildsAGeneratedKey) {
  SeededRandom random(12);
  const RingKeyPair generated = RingKeyPair::Generate(random);
  const Result<RingKeyPair> rebuilt = RingKeyPair::FromSecret(generated.secret.view());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(rebuilt->public_key, generated.public_key);
  const std::vector<RingPoint> ring = {MakeTeam(1, 13).ring[0], generated.public_key};
  const Result<Bytes> signature = RingSign(ring, *rebuilt, kMessage, random);
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(RingVerify(ring, kMessage, *signature).ok());
}

TEST(RingSignatureTest, FromSecretRefusesWhatIsNotANonzeroCanonicalScalar) {
  SeededRandom random(12);
  const RingKeyPair generated = RingKeyPair::Generate(random);
  Bytes shifted(generated.secret.view().begin(), generated.secret.view().end());
  AddOrder(shifted.data());
  Bytes order_plus_one(kOrder.begin(), kOrder.end());
  order_plus_one[0] += 1;
  const std::vector<Bytes> bad = {
      Bytes(),        Bytes(31, 1),    Bytes(33, 1),
      Bytes(64, 1),   Bytes(32, 0),    Bytes(kOrder.begin(), kOrder.end()),
      order_plus_one, Bytes(32, 0xff), shifted};
  for (const Bytes& secret : bad) {
    EXPECT_EQ(RingKeyPair::FromSecret(secret).status().code(), Code::kInvalidArgument)
        << ToHex(secret);
  }
}

}  // namespace
}  // namespace waypost::team
