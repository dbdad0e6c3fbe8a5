// How many terminal columns text takes, so that tables align whatever
// script a name or a note is written in (README, "Tables"): a Korean,
// Chinese or Japanese character takes two columns, an Arabic vowel mark or
// a combining accent none.
//
// The widths follow Unicode's East Asian Width property (Wide and Fullwidth:
// 2) and its general categories (Mn, Me and the format characters Cf: 0),
// as terminals draw them; an ambiguous-width character counts as 1. Text
// need not be valid UTF-8: each byte that starts no valid sequence counts as
// one column, as the replacement character a terminal draws for it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace waypost::cli {

// The columns one code point takes: 0 (a control, a combining mark, a
// zero-width or format character), 1, or 2 (East Asian Wide or Fullwidth,
// and emoji drawn as pictures).
int CodePointWidth(char32_t cp);

// The columns `text` takes on a terminal, summed over its code points.
size_t DisplayWidth(std::string_view text);

// `text` if it fits in `width` columns; otherwise as much of it as fits in
// `width - 1`, cut between characters (a combining mark stays with the
// character before it), then "…". Never more than `width` columns.
std::string TruncateToWidth(std::string_view text, size_t width);

// `text` with spaces after it up to `width` columns (none if wider).
std::string PadToWidth(std::string_view text, size_t width);

}  // namespace waypost::cli
