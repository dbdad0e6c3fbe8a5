// Armored text (core/envelope/armor.h): lengths, round trips, and what
// phones, chat apps and mail do to a pasted piece.
#include "core/envelope/armor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/format.h"
#include "core/envelope/keys.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "tests/kit/fake_envelope.h"
#include "tests/kit/status.h"

namespace waypost::envelope {
namespace {

using Kind = ArmorPiece::Kind;

constexpr uint32_t kExpiry = 1'800'000'000;
constexpr size_t kSmallest = kBucketSizes.front();

// An envelope as a relay sees it: a real header and random bytes. Dearmor
// does not authenticate, so it needs nothing more.
Bytes EnvelopeOf(size_t size, uint32_t seed = 1) {
  RecipientTag tag;
  tag.fill(static_cast<uint8_t>(seed));
  return testing::FakeEnvelope(tag, kExpiry, seed, size);
}

// Each piece in a few words: "envelope 117", "incomplete 56", "damaged:
// <detail>". Tests compare these lists, so a failure shows every piece.
std::vector<std::string> Summary(std::string_view text) {
  const Dearmored d = Dearmor(text);
  std::vector<std::string> out;
  if (d.too_long) out.push_back("too long");
  for (const ArmorPiece& p : d.pieces) {
    switch (p.kind) {
      case Kind::kEnvelope:
        out.push_back("envelope " + std::to_string(p.envelope.size()));
        break;
      case Kind::kIncomplete:
        out.push_back("incomplete " + std::to_string(p.missing));
        break;
      case Kind::kDamaged:
        out.push_back("damaged: " + p.detail);
        break;
    }
  }
  return out;
}

using Pieces = std::vector<std::string>;

// `text` with `separator` after every `n` characters (bytes: ASCII text).
std::string Every(std::string_view text, size_t n, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < text.size(); i += n) {
    if (i > 0) out += separator;
    out += text.substr(i, n);
  }
  return out;
}

// The only piece of `text`, which must be a whole envelope.
Bytes OnlyEnvelope(std::string_view text) {
  const Dearmored d = Dearmor(text);
  EXPECT_EQ(d.pieces.size(), 1u);
  if (d.pieces.size() != 1 || d.pieces[0].kind != Kind::kEnvelope) return {};
  return d.pieces[0].envelope;
}

TEST(ArmorTest, SmallestBucketIsOneSms) {
  const std::string armored = Armor(EnvelopeOf(kSmallest));
  EXPECT_EQ(armored.size(), 160u);
  EXPECT_EQ(armored.substr(0, 5), "wp1:A");  // version 0x01 always starts "A"
  EXPECT_EQ(armored.find_first_of(" \r\n"), std::string::npos);
}

TEST(ArmorTest, ArmoredLengthOfEveryBucket) {
  const std::vector<size_t> expected = {160, 346, 1370, 5466, 21850};
  for (size_t i = 0; i < kBucketSizes.size(); ++i) {
    EXPECT_EQ(ArmoredLength(kBucketSizes[i]), expected[i]) << kBucketSizes[i];
    EXPECT_EQ(Armor(EnvelopeOf(kBucketSizes[i])).size(), expected[i]) << kBucketSizes[i];
  }
}

TEST(ArmorTest, RoundTripEveryBucket) {
  for (size_t size : kBucketSizes) {
    for (uint32_t seed : {1u, 2u, 3u}) {
      const Bytes env = EnvelopeOf(size, seed);
      EXPECT_EQ(OnlyEnvelope(Armor(env)), env) << size << " seed " << seed;
    }
  }
}

// The whole path: a real check-in, sealed, sent as text, mangled, opened.
TEST(ArmorTest, SealedCheckInSurvivesTextAndOpens) {
  SeededRandom random(5);
  const noise::KeyPair sender = noise::KeyPair::Generate(random);
  const noise::KeyPair recipient = noise::KeyPair::Generate(random);
  const Secret psk = PskFrom(Secret::From(Bytes(kKeySize, 0x22)));
  const std::string body = "crossed the ford";
  SealRequest seal;
  seal.sender = &sender;
  seal.recipient_public = recipient.public_key;
  seal.psk = &psk;
  seal.expires_at = kExpiry;
  seal.body = AsBytes(body);
  ASSERT_OK_AND_ASSIGN(const Bytes env, Seal(seal, random));
  const std::string armored = Armor(env);
  ASSERT_EQ(armored.size(), 160u);

  const Bytes back = OnlyEnvelope("Ok: " + Every(armored, 40, "\r\n") + "\r\n");
  ASSERT_EQ(back, env);
  OpenRequest open;
  open.recipient = &recipient;
  open.sender_public = sender.public_key;
  open.psk = &psk;
  ASSERT_OK_AND_ASSIGN(const Opened opened, Open(open, back));
  EXPECT_EQ(AsString(opened.body), body);
}

TEST(ArmorTest, SurvivesWhitespaceAndJunkAroundIt) {
  const std::string nbsp = "\xC2\xA0", zwsp = "\xE2\x80\x8B", bom = "\xEF\xBB\xBF";
  for (size_t size : kBucketSizes) {
    const Bytes env = EnvelopeOf(size);
    const std::string a = Armor(env);
    for (const std::string& text : {
             Every(a, 10, " "),  // puts a space exactly after a 117-byte piece
             Every(a, 64, "\r\n"),
             Every(a, 7, "\t"),
             Every(a, 5, nbsp),
             "wp1:" + Every(a.substr(4), 1, zwsp),  // the prefix must stay whole
             "  \n" + a + "\n\n",
             bom + "Here it is: " + a + " thanks",
             "Here it is:\n" + Every(a, 30, "\n") + "\nthanks!\n-- \nAna",
             "(" + a + ").",
             "wp1: " + a.substr(4),
         }) {
      EXPECT_EQ(OnlyEnvelope(text), env) << size << ": " << text.substr(0, 80);
    }
  }
}

TEST(ArmorTest, EmailQuoteMarks) {
  const Bytes env = EnvelopeOf(256);
  const std::string a = Armor(env);
  EXPECT_EQ(OnlyEnvelope("> " + Every(a, 70, "\n> ")), env);
  EXPECT_EQ(OnlyEnvelope(">> " + Every(a, 70, "\r\n>> ")), env);
  EXPECT_EQ(OnlyEnvelope("> > " + Every(a, 70, "\n> >")), env);
  EXPECT_EQ(OnlyEnvelope("On Monday Ana wrote:\n>\n>" + Every(a, 70, "\n>") + "\n>\n"), env);
  // Inside a line '>' is no quote mark.
  std::string inside = a;
  inside.insert(50, ">");
  EXPECT_EQ(Summary(inside), Pieces{"damaged: character 51 is not part of armored text"});
}

TEST(ArmorTest, TruncatedAtEveryLength) {
  const std::string a = Armor(EnvelopeOf(kSmallest));
  for (size_t k = 1; k < a.size(); ++k) {
    const std::string cut = a.substr(0, k);
    if (k < kArmorPrefix.size()) {
      EXPECT_EQ(Summary(cut), Pieces{}) << k;  // no whole prefix, no piece
    } else {
      EXPECT_EQ(Summary(cut), Pieces{"incomplete " + std::to_string(a.size() - k)}) << k;
    }
  }
  // Words after a cut piece are not counted as piece.
  EXPECT_EQ(Summary(a.substr(0, 100) + "."), Pieces{"incomplete 60"});
  EXPECT_EQ(Summary(a.substr(0, 100) + "... right?"), Pieces{"incomplete 60"});
}

TEST(ArmorTest, PastedPairs) {
  const Bytes first = EnvelopeOf(kSmallest, 1), second = EnvelopeOf(kSmallest, 2);
  const std::string a = Armor(first), b = Armor(second);
  for (const std::string& text : {a + b, a + "\n" + b, a + " and " + b, Every(a + b, 10, " ")}) {
    const Dearmored d = Dearmor(text);
    ASSERT_EQ(Summary(text), (Pieces{"envelope 117", "envelope 117"})) << text;
    EXPECT_EQ(d.pieces[0].envelope, first);
    EXPECT_EQ(d.pieces[1].envelope, second);
  }
  // The first lost its end: it must not swallow the second.
  for (size_t k : {4u, 5u, 80u, 159u}) {
    const std::string text = a.substr(0, k) + b;
    EXPECT_EQ(Summary(text), (Pieces{"incomplete " + std::to_string(160 - k), "envelope 117"}))
        << k;
    EXPECT_EQ(Dearmor(text).pieces[1].envelope, second);
  }
  // Mixed sizes, the long one first.
  const std::string mixed = Armor(EnvelopeOf(1024)) + "\n" + a;
  EXPECT_EQ(Summary(mixed), (Pieces{"envelope 1024", "envelope 117"}));
}

TEST(ArmorTest, CharacterOutsideAlphabetIsDamagedAndNotQuoted) {
  const std::string a = Armor(EnvelopeOf(kSmallest));
  // '!', '$', "é", an emoji, U+FFFD, and a byte that is no UTF-8.
  for (std::string_view bad : {"!", "$", "\xC3\xA9", "\xF0\x9F\x98\x80", "\xEF\xBF\xBD", "\xFF"}) {
    for (size_t i = kArmorPrefix.size(); i < a.size(); ++i) {
      const std::string text = a.substr(0, i) + std::string(bad) + a.substr(i + 1);
      EXPECT_EQ(Summary(text + " thanks"), Pieces{"damaged: character " + std::to_string(i + 1) +
                                                  " is not part of armored text"})
          << "at " << i;
    }
  }
  // The same inside a longer piece, past the smallest bucket's length.
  const std::string b = Armor(EnvelopeOf(256));
  EXPECT_EQ(Summary(b.substr(0, 200) + "!" + b.substr(201)),
            Pieces{"damaged: character 201 is not part of armored text"});
}

TEST(ArmorTest, InsertedCharacters) {
  const std::string a = Armor(EnvelopeOf(kSmallest));
  EXPECT_EQ(Summary(a.substr(0, 60) + "\xF0\x9F\x98\x80" + a.substr(60)),
            Pieces{"damaged: character 61 is not part of armored text"});
  EXPECT_EQ(Summary(a.substr(0, 60) + "x" + a.substr(60)),
            Pieces{"damaged: its length fits no envelope: 1 character more than one size, "
                   "185 fewer than the next"});
  // Text glued on with no space reads the same way.
  EXPECT_EQ(Summary(a + "thanks"),
            Pieces{"damaged: its length fits no envelope: 6 characters more than one size, "
                   "180 fewer than the next"});
  const std::string beyond = Armor(EnvelopeOf(kMaxEnvelopeSize)) + "abcdefghij";
  EXPECT_EQ(Summary(beyond),
            Pieces{"damaged: it is 10 characters longer than the largest envelope"});
}

// Dearmor cannot tell a changed alphabet character: opening will.
TEST(ArmorTest, AlphabetCharacterReplacedStillReadsButDiffers) {
  const Bytes env = EnvelopeOf(kSmallest);
  const std::string a = Armor(env);
  for (size_t i = kArmorPrefix.size() + 1; i < a.size(); ++i) {
    std::string text = a;
    // 'Q' and 'R' both keep the version bits the second character holds.
    text[i] = text[i] == 'Q' ? 'R' : 'Q';
    const Bytes back = OnlyEnvelope(text);
    EXPECT_EQ(back.size(), env.size()) << i;
    EXPECT_NE(back, env) << i;
  }
  // The first character holds the version.
  std::string version = a;
  version[4] = 'B';
  EXPECT_EQ(Summary(version), Pieces{"damaged: its envelope version is unknown"});
}

// 256 bytes leave 4 unused bits in the last character, always zero: it is
// one of A, Q, g and w.
TEST(ArmorTest, LastCharacterWithUnusedBitsSetIsDamaged) {
  const Bytes env = EnvelopeOf(256);
  const std::string a = Armor(env);
  ASSERT_EQ(a.size(), 346u);
  const char last = a.back();
  ASSERT_NE(std::string_view("AQgw").find(last), std::string_view::npos);
  std::string unused_bits = a;
  unused_bits.back() = static_cast<char>(last + 1);  // B, R, h or x
  EXPECT_EQ(Summary(unused_bits), Pieces{"damaged: character 346 is damaged"});
  std::string used_bits = a;
  used_bits.back() = last == 'A' ? 'Q' : 'A';
  const Bytes back = OnlyEnvelope(used_bits);
  EXPECT_EQ(back.size(), 256u);
  EXPECT_NE(back, env);
}

TEST(ArmorTest, PrefixCapitalizedByPhones) {
  const Bytes env = EnvelopeOf(kSmallest);
  const std::string rest = Armor(env).substr(kArmorPrefix.size());
  EXPECT_EQ(OnlyEnvelope("Wp1:" + rest), env);
  EXPECT_EQ(OnlyEnvelope("WP1:" + rest), env);
  EXPECT_EQ(OnlyEnvelope("WP1: " + rest + " THANKS"), env);
  EXPECT_EQ(Summary("wP1:" + rest), Pieces{});
  EXPECT_EQ(Summary("wp1;" + rest), Pieces{});
}

TEST(ArmorTest, TextWithoutPiecesGivesNone) {
  EXPECT_EQ(Summary(""), Pieces{});
  EXPECT_EQ(Summary("see you at the hut"), Pieces{});
  EXPECT_EQ(Summary(Armor(EnvelopeOf(kSmallest)).substr(kArmorPrefix.size())), Pieces{});
  EXPECT_EQ(Summary("wp1:"), Pieces{"incomplete 156"});
  EXPECT_EQ(Summary("wp1: \n"), Pieces{"incomplete 156"});
  EXPECT_EQ(Summary("wp1:wp1:"), (Pieces{"incomplete 156", "incomplete 156"}));
}

TEST(ArmorTest, TooLongIsRefusedWhole) {
  const std::string a = Armor(EnvelopeOf(kSmallest));
  std::string text = a + std::string(kMaxArmorInput - a.size(), ' ');
  EXPECT_EQ(Summary(text), Pieces{"envelope 117"});
  text.push_back(' ');
  const Dearmored d = Dearmor(text);
  EXPECT_TRUE(d.too_long);
  EXPECT_TRUE(d.pieces.empty());
}

}  // namespace
}  // namespace waypost::envelope
