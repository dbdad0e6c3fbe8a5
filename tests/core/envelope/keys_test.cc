// The envelope key schedule (core/envelope/keys.h): tags, the one-way chain,
// PSKs, hints and fingerprints.
#include "core/envelope/keys.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "core/random.h"

namespace waypost::envelope {
namespace {

Secret KeyOf(uint8_t fill) { return Secret::From(Bytes(kKeySize, fill)); }
Bytes Raw(const Secret& s) { return Bytes(s.view().begin(), s.view().end()); }

TEST(EpochTest, OneEpochPerDay) {
  EXPECT_EQ(EpochOf(0), 0);
  EXPECT_EQ(EpochOf(kEpochSeconds - 1), 0);
  EXPECT_EQ(EpochOf(kEpochSeconds), 1);
  EXPECT_EQ(EpochOf(1'800'000'000), 1'800'000'000 / 86'400);
  EXPECT_EQ(EpochOf(-5), 0);  // a broken clock never yields a negative epoch
}

TEST(TagTest, DiffersPerEpochAndPerKey) {
  const Secret a = KeyOf(1);
  const Secret b = KeyOf(2);
  std::set<RecipientTag> seen;
  for (Epoch e = 20'000; e < 20'030; ++e) {
    EXPECT_TRUE(seen.insert(TagFor(a, e)).second) << "epoch " << e;
    EXPECT_TRUE(seen.insert(TagFor(b, e)).second) << "epoch " << e;
  }
  EXPECT_EQ(TagFor(a, 20'000), TagFor(KeyOf(1), 20'000));  // deterministic
}

TEST(TagTest, JoinTagIsSeparateFromEpochTags) {
  const Secret k = KeyOf(7);
  EXPECT_EQ(JoinTagFor(k), JoinTagFor(KeyOf(7)));
  EXPECT_NE(JoinTagFor(k), JoinTagFor(KeyOf(8)));
  for (Epoch e = 0; e < 3; ++e) EXPECT_NE(JoinTagFor(k), TagFor(k, e));
}

TEST(ChainTest, RatchetIsDeterministicAndMoves) {
  const Secret base = KeyOf(3);
  const Secret r1 = Ratchet(base);
  EXPECT_EQ(r1.size(), kKeySize);
  EXPECT_EQ(Raw(r1), Raw(Ratchet(KeyOf(3))));
  EXPECT_NE(Raw(r1), Raw(base));
  EXPECT_NE(Raw(Ratchet(r1)), Raw(r1));
}

TEST(ChainTest, ChainAtIsNRatchets) {
  const Secret base = KeyOf(4);
  const Epoch e = 20'500;
  EXPECT_EQ(Raw(ChainAt(base, e, e)), Raw(base));
  Secret step = base.Clone();
  for (int n = 1; n <= 20; ++n) {
    step = Ratchet(step);
    EXPECT_EQ(Raw(ChainAt(base, e, e + n)), Raw(step)) << "n = " << n;
  }
  // Going from an intermediate point gives the same key: the chain is a line.
  EXPECT_EQ(Raw(ChainAt(ChainAt(base, e, e + 5), e + 5, e + 20)), Raw(step));
}

TEST(ChainTest, PskHintAndChainAreDistinct) {
  const Secret chain = KeyOf(5);
  const Secret psk = PskFrom(chain);
  EXPECT_EQ(psk.size(), kKeySize);
  EXPECT_EQ(Raw(psk), Raw(PskFrom(KeyOf(5))));
  EXPECT_NE(Raw(psk), Raw(chain));
  EXPECT_NE(Raw(psk), Raw(Ratchet(chain)));
  EXPECT_NE(Raw(psk), Raw(PskFrom(Ratchet(chain))));
}

TEST(HintTest, DependsOnEphemeralAndChain) {
  const Secret chain = KeyOf(6);
  const Bytes e1(32, 0x11);
  Bytes e2 = e1;
  e2[31] ^= 1;
  EXPECT_EQ(HintFor(chain, e1), HintFor(KeyOf(6), e1));
  EXPECT_NE(HintFor(chain, e1), HintFor(chain, e2));
  EXPECT_NE(HintFor(chain, e1), HintFor(Ratchet(chain), e1));
  EXPECT_NE(HintFor(chain, e1), HintFor(KeyOf(9), e1));
}

// SafetyNumber(32 × 0x01, 32 × 0x02), computed apart from this code with
// Python's hashlib.blake2b from the recipe in docs/protocol.md §10.
constexpr const char* kKnownSafetyNumber =
    "06744 43784 10372 04006 08678 44155 50352 80694 29682 91198 77776 31878";

TEST(FingerprintTest, TenGroupsOfFourHex) {
  SeededRandom random(1);
  Bytes key(32);
  random.Fill(key);
  const std::string fp = Fingerprint(key);
  ASSERT_EQ(fp.size(), 10 * 4 + 9) << fp;
  for (size_t i = 0; i < fp.size(); ++i) {
    if (i % 5 == 4) {
      EXPECT_EQ(fp[i], ' ') << fp;
    } else {
      EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(fp[i]))) << fp;
      EXPECT_FALSE(std::isupper(static_cast<unsigned char>(fp[i]))) << fp;
    }
  }
  EXPECT_EQ(fp, Fingerprint(key));
  key[0] ^= 1;
  EXPECT_NE(fp, Fingerprint(key));
}

// docs/protocol.md §10: both sides compute the same number from the pair,
// and any other key gives another number.
TEST(SafetyNumberTest, TwelveGroupsOfFiveDigitsTheSameOnBothSides) {
  SeededRandom random(2);
  Bytes alice(32), coord(32);
  random.Fill(alice);
  random.Fill(coord);
  const std::string number = SafetyNumber(alice, coord);
  ASSERT_EQ(number.size(), 12 * 5 + 11) << number;
  for (size_t i = 0; i < number.size(); ++i) {
    if (i % 6 == 5) {
      EXPECT_EQ(number[i], ' ') << number;
    } else {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(number[i]))) << number;
    }
  }
  EXPECT_EQ(SafetyNumber(coord, alice), number);
  Bytes other = coord;
  other[31] ^= 0x80;
  EXPECT_NE(SafetyNumber(alice, other), number);
  EXPECT_NE(SafetyNumber(other, alice), number);
  EXPECT_NE(SafetyNumber(alice, alice), number);
}

// The derivation is a contract between two builds that must agree: a
// change to it is a protocol change (keys of 32 bytes 0x01 and 0x02).
TEST(SafetyNumberTest, KnownPair) {
  const Bytes a(32, 0x01), b(32, 0x02);
  EXPECT_EQ(SafetyNumber(a, b), SafetyNumber(b, a));
  EXPECT_EQ(SafetyNumber(a, b), kKnownSafetyNumber);
}

}  // namespace
}  // namespace waypost::envelope
