// Random passphrase suggestions in the diceware style: words drawn uniformly
// and independently from a fixed list of 4096 short English words, joined by
// spaces. 4096 = 2^12, so each word adds exactly 12 bits: 6 words are 72 bits,
// 7 words 84. The list is compiled in (diceware.cc says how it was made); each
// word takes 12 uniform bits from the injected Random (libsodium's in the
// program), so there is no modulo bias.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/random.h"

namespace waypost::cli {

inline constexpr size_t kDicewareWords = 4096;
inline constexpr int kDicewareBitsPerWord = 12;
inline constexpr int kSuggestedWords = 6;  // 72 bits

// The word at `index` (< kDicewareWords); for tests of the list itself.
std::string_view DicewareWord(size_t index);

// `words` words drawn from `random`, joined by single spaces.
std::string SuggestPassphrase(Random& random, int words = kSuggestedWords);

}  // namespace waypost::cli
