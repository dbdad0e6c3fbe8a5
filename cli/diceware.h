// Random passphrase suggestions in the diceware style: words drawn uniformly
// and independently from a fixed list of 4096 short English words, joined by
// spaces. 4096 = 2^12, so each word adds exactly 12 bits: 6 words are 72 bits,
// 7 words 84. The list is compiled in (diceware.cc says how it was made); the
// choice uses libsodium's randombytes_uniform, which has no modulo bias.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace waypost::cli {

inline constexpr size_t kDicewareWords = 4096;
inline constexpr int kDicewareBitsPerWord = 12;
inline constexpr int kSuggestedWords = 6;  // 72 bits

// The word at `index` (< kDicewareWords); for tests of the list itself.
std::string_view DicewareWord(size_t index);

// `words` random words joined by single spaces. Needs sodium_init().
std::string SuggestPassphrase(int words = kSuggestedWords);

}  // namespace waypost::cli
