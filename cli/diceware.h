// Random passphrase suggestions in the diceware style: words drawn uniformly
// and independently from the EFF long word list, joined by single spaces.
//
// The list is the Electronic Frontier Foundation's (7,776 words, CC BY 3.0;
// README, "Passphrases"), compiled in at build time from Debian's `diceware`
// package by cmake/eff_wordlist.cmake: it is never read at run time. Each
// word adds log2(7776) = 12.92 bits, so the default 6 words are 77.5 bits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/random.h"

namespace waypost::cli {

inline constexpr size_t kDicewareWords = 7776;  // 6^5: one word per roll of five dice
inline constexpr int kSuggestedWords = 6;

// The word at `index` (< kDicewareWords), in the list's own (alphabetical)
// order; for tests of the list itself.
std::string_view DicewareWord(size_t index);

// An index below kDicewareWords, uniform: two bytes from `random` at a time,
// and a draw in the incomplete last 65536 mod 7776 is drawn again, so no
// index is likelier than another (no modulo bias).
size_t DrawWordIndex(Random& random);

// `words` words drawn from `random`, joined by single spaces.
std::string SuggestPassphrase(Random& random, int words = kSuggestedWords);

// The strength of `words` drawn words in bits, rounded down to one decimal
// ("77.5" for 6), so it never overstates.
std::string SuggestionBits(int words = kSuggestedWords);

namespace internal {
// Generated from the word list (cmake/eff_wordlist.cmake).
extern const std::array<std::string_view, kDicewareWords> kEffWords;
}  // namespace internal

}  // namespace waypost::cli
