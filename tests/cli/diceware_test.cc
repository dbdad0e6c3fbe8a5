// The passphrase suggestion: the EFF long word list as compiled in, and
// words drawn from it uniformly (cli/diceware.h).
#include "cli/diceware.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace waypost::cli {
namespace {

// Hands out the bytes it was given, then fails the test if asked for more.
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  void Fill(std::span<uint8_t> out) override {
    for (uint8_t& b : out) {
      if (next_ >= bytes_.size()) {
        ADD_FAILURE() << "asked for more random bytes than scripted";
        b = 0;
        continue;
      }
      b = bytes_[next_++];
    }
  }
  size_t used() const { return next_; }

 private:
  std::vector<uint8_t> bytes_;
  size_t next_ = 0;
};

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

TEST(DicewareTest, ListHas7776DistinctLowercaseWords) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < kDicewareWords; ++i) {
    const std::string_view w = DicewareWord(i);
    ASSERT_FALSE(w.empty()) << i;
    EXPECT_TRUE(std::all_of(w.begin(), w.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || c == '-';
    })) << w;
    EXPECT_TRUE(seen.insert(w).second) << "repeated: " << w;
  }
  EXPECT_EQ(seen.size(), 7776u);
  EXPECT_THROW(DicewareWord(kDicewareWords), std::out_of_range);
}

// Word for word the file the build read (cmake/eff_wordlist.cmake): its
// lines are "DDDDD<TAB>word", from abacus to zoom.
TEST(DicewareTest, ListIsTheEffFile) {
  EXPECT_EQ(DicewareWord(0), "abacus");
  EXPECT_EQ(DicewareWord(kDicewareWords - 1), "zoom");
  std::ifstream file(WAYPOST_EFF_WORDLIST);
  if (!file) GTEST_SKIP() << "no " << WAYPOST_EFF_WORDLIST << " to compare with";
  size_t i = 0;
  for (std::string dice, word; file >> dice >> word; ++i) {
    ASSERT_LT(i, kDicewareWords);
    EXPECT_EQ(DicewareWord(i), word) << dice;
  }
  EXPECT_EQ(i, kDicewareWords);
}

TEST(DicewareTest, SixWordsBySingleSpaces) {
  SeededRandom random(1);
  const std::string p = SuggestPassphrase(random);
  const std::vector<std::string> words = Split(p);
  EXPECT_EQ(words.size(), 6u);
  EXPECT_EQ(p.find("  "), std::string::npos);
  EXPECT_NE(p.front(), ' ');
  EXPECT_NE(p.back(), ' ');
  EXPECT_EQ(Split(SuggestPassphrase(random, 8)).size(), 8u);
  EXPECT_EQ(SuggestionBits(), "77.5");
  EXPECT_EQ(SuggestionBits(7), "90.4");
}

// Two bytes a word, big-endian; 62208 = 8 * 7776 and above is drawn again.
TEST(DicewareTest, DrawRejectsTheBiasedTail) {
  ScriptedRandom edges({0x00, 0x00, 0x1E, 0x60, 0xF2, 0xFF, 0xF3, 0x00, 0xFF, 0xFF, 0x1E, 0x5F});
  EXPECT_EQ(DrawWordIndex(edges), 0u);     // 0
  EXPECT_EQ(DrawWordIndex(edges), 0u);     // 7776 wraps to 0
  EXPECT_EQ(DrawWordIndex(edges), 7775u);  // 62207, the last accepted
  EXPECT_EQ(DrawWordIndex(edges), 7775u);  // 62208 and 65535 redrawn, then 7775
  EXPECT_EQ(edges.used(), 12u);
}

// With seeded randomness, every index is reached and none falls outside the
// list; the counts stay near uniform (each expected 100 times).
TEST(DicewareTest, DrawIsUniformEnough) {
  SeededRandom random(7);
  std::vector<int> counts(kDicewareWords);
  for (size_t n = 0; n < 100 * kDicewareWords; ++n) {
    const size_t i = DrawWordIndex(random);
    ASSERT_LT(i, kDicewareWords);
    ++counts[i];
  }
  EXPECT_GT(*std::min_element(counts.begin(), counts.end()), 50);
  EXPECT_LT(*std::max_element(counts.begin(), counts.end()), 160);
  // A chi-squared statistic far outside what 7775 degrees of freedom give
  // (mean 7775, standard deviation about 125) would mean a bias.
  double chi2 = 0;
  for (int c : counts) chi2 += (c - 100.0) * (c - 100.0) / 100.0;
  EXPECT_LT(chi2, 7775 + 6 * 125);
  EXPECT_GT(chi2, 7775 - 6 * 125);
}

}  // namespace
}  // namespace waypost::cli
