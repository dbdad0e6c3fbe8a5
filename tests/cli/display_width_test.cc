// Display width (cli/display_width.h): how many terminal columns text in
// any script takes, and cutting it to fit without splitting a character.
#include "cli/display_width.h"

#include <gtest/gtest.h>

#include <string>

namespace waypost::cli {
namespace {

TEST(DisplayWidthTest, AsciiIsOneColumnEach) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("Amira"), 5u);
  EXPECT_EQ(DisplayWidth("need-help [TEST]"), 16u);
}

TEST(DisplayWidthTest, KoreanChineseAndJapaneseAreTwoColumnsEach) {
  EXPECT_EQ(DisplayWidth("김민준"), 6u);              // Hangul syllables
  EXPECT_EQ(DisplayWidth("王小明"), 6u);              // CJK ideographs
  EXPECT_EQ(DisplayWidth("すずき"), 6u);              // hiragana
  EXPECT_EQ(DisplayWidth("ＡＢ"), 4u);                // fullwidth forms
  EXPECT_EQ(DisplayWidth("김 Kim"), 6u);              // mixed
  EXPECT_EQ(DisplayWidth("\u1100\u1161\u11A8"), 2u);  // 각 as conjoining jamo
}

TEST(DisplayWidthTest, ArabicLettersAreOneColumnAndTheirVowelMarksNone) {
  EXPECT_EQ(DisplayWidth("أمل"), 3u);
  // "مُحَمَّد": four letters, with damma, fatha, shadda and fatha on them.
  EXPECT_EQ(DisplayWidth("\u0645\u064F\u062D\u064E\u0645\u0651\u064E\u062F"), 4u);
  EXPECT_EQ(DisplayWidth("\u0627\u0670"), 1u);  // superscript alef
}

TEST(DisplayWidthTest, CombiningAccentsAndZeroWidthCharactersTakeNoColumn) {
  EXPECT_EQ(DisplayWidth("e\u0301"), 1u);               // é as e and an accent
  EXPECT_EQ(DisplayWidth("Zoe\u0308 Ren\u0303e"), 8u);  // Zoë Reñe
  EXPECT_EQ(DisplayWidth("a\u200Bb\u200Dc"), 3u);       // zero width space and joiner
  EXPECT_EQ(DisplayWidth("\u202Eabc"), 3u);             // a direction override
  EXPECT_EQ(DisplayWidth("a\tb"), 2u);                  // a control character
}

TEST(DisplayWidthTest, EmojiAreTwoColumns) {
  EXPECT_EQ(DisplayWidth("\U0001F600"), 2u);  // grinning face
  EXPECT_EQ(DisplayWidth("ok \u2705"), 5u);   // check mark button
}

TEST(DisplayWidthTest, EachBadByteCountsAsOneReplacementCharacter) {
  EXPECT_EQ(DisplayWidth("\xFF"), 1u);
  EXPECT_EQ(DisplayWidth("a\xC3"), 2u);             // cut short
  EXPECT_EQ(DisplayWidth("\xC0\xAF"), 2u);          // overlong "/": two bad bytes
  EXPECT_EQ(DisplayWidth("\xED\xA0\x80"), 3u);      // a surrogate
  EXPECT_EQ(DisplayWidth("\xE2\x82"), 2u);          // a three-byte sequence cut short
  EXPECT_EQ(DisplayWidth("\xEA\xB9\x80\xFF"), 3u);  // 김, then a bad byte
}

TEST(DisplayWidthTest, TruncateKeepsWholeCharactersAndMarksTheCut) {
  EXPECT_EQ(TruncateToWidth("Amira", 5), "Amira");
  EXPECT_EQ(TruncateToWidth("Amira", 4), "Ami…");
  EXPECT_EQ(TruncateToWidth("Amira", 1), "…");
  EXPECT_EQ(TruncateToWidth("Amira", 0), "");
  // A wide character that would straddle the limit is left out whole.
  EXPECT_EQ(TruncateToWidth("김민준박서연", 6), "김민…");
  EXPECT_EQ(DisplayWidth(TruncateToWidth("김민준박서연", 6)), 5u);
  EXPECT_EQ(TruncateToWidth("김민준박서연", 7), "김민준…");
  // An accent goes with its letter, kept or cut.
  EXPECT_EQ(TruncateToWidth("e\u0301e\u0301e\u0301", 3), "e\u0301e\u0301e\u0301");
  EXPECT_EQ(TruncateToWidth("e\u0301e\u0301e\u0301", 2), "e\u0301…");
  EXPECT_EQ(TruncateToWidth("\u0645\u064F\u062D\u064E\u0645\u0651\u064E\u062F", 3),
            "\u0645\u064F\u062D\u064E…");
  // Never half of a multi-byte sequence.
  const std::string cut = TruncateToWidth("\U0001F600\U0001F600\U0001F600", 4);
  EXPECT_EQ(cut, "\U0001F600…");
}

TEST(DisplayWidthTest, PadFillsToTheColumnsNotTheBytes) {
  EXPECT_EQ(PadToWidth("김", 4), "김  ");
  EXPECT_EQ(PadToWidth("e\u0301", 3), "e\u0301  ");
  EXPECT_EQ(PadToWidth("Amira", 3), "Amira");
}

}  // namespace
}  // namespace waypost::cli
