#include "core/text.h"

#include <gtest/gtest.h>

namespace waypost {
namespace {

TEST(TextTest, ValidUtf8) {
  for (std::string_view ok : {"", "plain ascii", "ünïcødé", "✓ check", "\xF0\x9F\x98\x80 emoji",
                              "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  }
}

TEST(TextTest, InvalidUtf8) {
  for (std::string_view bad : {"\xFF", "a\x80", "\xC3", "\xE2\x9C", "\xC0\xAF" /* overlong */,
                               "\xE0\x80\xAF" /* overlong */, "\xED\xA0\x80" /* surrogate */,
                               "\xF4\x90\x80\x80" /* > U+10FFFF */, "\xF8\x88\x80\x80\x80"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << testing::PrintToString(std::string(bad));
  }
}

TEST(TextTest, ControlCharacters) {
  EXPECT_EQ(ControlCharAt("\x1b[2J", 0), 1u);
  EXPECT_EQ(ControlCharAt("a\x7f", 1), 1u);
  EXPECT_EQ(ControlCharAt("\xc2\x9b"
                          "31m",
                          0),
            2u);                                // C1 CSI
  EXPECT_EQ(ControlCharAt("\xc2\xa0", 0), 0u);  // no-break space is fine
  EXPECT_EQ(ControlCharAt("ü", 0), 0u);
  EXPECT_EQ(ControlCharAt("a", 0), 0u);
  EXPECT_EQ(ControlCharAt("\xc2", 0), 0u);  // truncated: not a control character
}

// Each invisible formatting character alone, and inside a name, at its
// start and at its end; ordinary letters of other scripts pass.
TEST(TextTest, InvisibleFormatting) {
  for (const char* invisible :
       {"\u00AD", "\u061C", "\u115F", "\u1160", "\u180E", "\u200B", "\u200C", "\u200D", "\u200E",
        "\u200F", "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2060", "\u2061", "\u2062",
        "\u2063", "\u2064", "\u2066", "\u2067", "\u2068", "\u2069", "\u3164", "\uFEFF", "\uFFA0"}) {
    const std::string c = invisible;
    SCOPED_TRACE(testing::PrintToString(c));
    EXPECT_TRUE(HasInvisibleFormatting(c));
    EXPECT_TRUE(HasInvisibleFormatting("Ami" + c + "ra"));
    EXPECT_TRUE(HasInvisibleFormatting(c + "Amira"));
    EXPECT_TRUE(HasInvisibleFormatting("Amira" + c));
  }
  for (const char* fine :
       {"Amira", "아미라", "أميرة", "Zoë", "Łukasz", "Amira 2", "😀", "\u2010-hyphen", "\u2065"}) {
    EXPECT_FALSE(HasInvisibleFormatting(fine)) << fine;
  }
}

TEST(TextTest, CountCharsCountsCodePoints) {
  EXPECT_EQ(CountChars(""), 0u);
  EXPECT_EQ(CountChars("abc"), 3u);
  EXPECT_EQ(CountChars("안녕하세요"), 5u);                        // Korean: 3 bytes each
  EXPECT_EQ(CountChars("مرحبا"), 5u);                             // Arabic: 2 bytes each
  EXPECT_EQ(CountChars("e\xCC\x81"), 2u);                         // e + combining acute
  EXPECT_EQ(CountChars("\xF0\x9F\x98\x80!"), 2u);                 // an emoji is 4 bytes
  EXPECT_EQ(CountChars("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD"), 2u);  // emoji + skin tone
  EXPECT_EQ(CountChars("\xFF"), std::nullopt);
  EXPECT_EQ(CountChars("\xEA\xB0"), std::nullopt);  // cut short
  EXPECT_EQ(CountCharsLoosely("\xFF\xFE"), 2u);
  EXPECT_EQ(CountCharsLoosely("비밀번호"), 4u);
}

TEST(TextTest, CheckTextLengthStatesTheLimit) {
  const TextLimit code{1, 4, 0};
  EXPECT_TRUE(CheckTextLength("가나다라", "a code", code).ok());
  EXPECT_EQ(CheckTextLength("가나다라마", "a code", code).message(),
            "a code is at most 4 characters");
  EXPECT_EQ(CheckTextLength("", "a code", code).message(), "a code cannot be empty");
  EXPECT_EQ(CheckTextLength("\xFF", "a code", code).message(), "a code must be valid UTF-8 text");
  EXPECT_EQ(CheckTextLength("ab", "a word", {3, 4, 0}).message(),
            "a word is at least 3 characters");
  // The byte bound is named only when it is the one met.
  const TextLimit tight{1, 4, 8};
  EXPECT_TRUE(CheckTextLength("abcd", "a tag", tight).ok());
  EXPECT_EQ(CheckTextLength("가나다", "a tag", tight).message(),
            "a tag is at most 4 characters and at most 8 bytes (letters of many scripts take 2 "
            "to 4 bytes each)");
}

TEST(TextTest, NonAsciiIsVisible) {
  for (const char* fine : {"need-help", "가나다", "وصلنا", "café", "\xF0\x9F\x91\x8D"}) {
    EXPECT_TRUE(NonAsciiIsVisible(fine)) << fine;
  }
  for (const char* bad : {"a\u00A0b", "a\u2003b", "a\u3000b", "a\u200Bb",
                          "a\xC2\x85"
                          "b"}) {
    EXPECT_FALSE(NonAsciiIsVisible(bad)) << testing::PrintToString(std::string(bad));
  }
}

}  // namespace
}  // namespace waypost
