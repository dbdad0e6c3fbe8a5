// The passphrase suggestion (see diceware.h). The words themselves are in
// the generated eff_wordlist.cc (cmake/eff_wordlist.cmake).
#include "cli/diceware.h"

#include <cmath>
#include <cstdio>

namespace waypost::cli {
namespace {

// The largest multiple of 7776 that 16 bits reach: 8 * 7776. A draw at or
// above it would favour the first 65536 - 62208 indices, so it is redrawn
// (about 1 draw in 20).
constexpr uint32_t kAcceptBelow = 65536 - 65536 % kDicewareWords;

}  // namespace

std::string_view DicewareWord(size_t index) { return internal::kEffWords.at(index); }

size_t DrawWordIndex(Random& random) {
  for (;;) {
    uint8_t bytes[2];
    random.Fill(bytes);
    const uint32_t draw = uint32_t{bytes[0]} << 8 | bytes[1];
    if (draw < kAcceptBelow) return draw % kDicewareWords;
  }
}

std::string SuggestPassphrase(Random& random, int words) {
  std::string out;
  for (int i = 0; i < words; ++i) {
    if (i > 0) out += ' ';
    out += DicewareWord(DrawWordIndex(random));
  }
  return out;
}

std::string SuggestionBits(int words) {
  const double tenths = std::floor(words * std::log2(double(kDicewareWords)) * 10);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", tenths / 10);
  return buf;
}

}  // namespace waypost::cli
