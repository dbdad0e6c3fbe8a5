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
  EXPECT_EQ(ControlCharAt("\xc2\x9b" "31m", 0), 2u);  // C1 CSI
  EXPECT_EQ(ControlCharAt("\xc2\xa0", 0), 0u);        // no-break space is fine
  EXPECT_EQ(ControlCharAt("ü", 0), 0u);
  EXPECT_EQ(ControlCharAt("a", 0), 0u);
  EXPECT_EQ(ControlCharAt("\xc2", 0), 0u);  // truncated: not a control character
}

}  // namespace
}  // namespace waypost
