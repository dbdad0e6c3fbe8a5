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

}  // namespace
}  // namespace waypost
