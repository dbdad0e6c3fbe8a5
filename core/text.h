// Terminal safety for text that peers wrote (names, notes, messages).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace waypost {

// The length in bytes of the control character starting at text[i] (C0,
// DEL, or a C1 character as UTF-8: 0xC2 0x80..0x9F), or 0 if there is none.
// Such characters can start terminal escape sequences.
inline size_t ControlCharAt(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x20 || c == 0x7F) return 1;
  if (c == 0xC2 && i + 1 < text.size()) {
    const auto next = static_cast<unsigned char>(text[i + 1]);
    if (next >= 0x80 && next <= 0x9F) return 2;
  }
  return 0;
}

// The code point at text[i] (i < text.size()) and its length in bytes;
// U+FFFD and 1 for a byte that starts no well-formed sequence (an
// overlong, a surrogate, past U+10FFFF, or cut short).
inline std::pair<char32_t, size_t> DecodeUtf8At(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return {c, 1};
  size_t n = 0;
  char32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 1, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 2, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 3, cp = c & 0x07;
  } else {
    return {0xFFFD, 1};
  }
  if (i + n >= text.size()) return {0xFFFD, 1};
  for (size_t k = 1; k <= n; ++k) {
    const auto cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1};
  return {cp, n + 1};
}

// True if `text` is well-formed UTF-8 (no overlongs, surrogates, or code
// points past U+10FFFF). Protobuf string fields must be; so must our JSON.
inline bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto [cp, len] = DecodeUtf8At(text, i);
    // A real U+FFFD takes three bytes; one byte means a bad sequence.
    if (cp == 0xFFFD && len == 1) return false;
    i += len;
  }
  return true;
}

// The number of characters (Unicode code points) in `text`, or nullopt if
// it is not valid UTF-8. Limits a person reads ("at most 32 characters")
// count these, not bytes: a Korean syllable is 3 bytes, an emoji 4, and a
// letter with a combining accent 2 characters.
std::optional<size_t> CountChars(std::string_view text);

// CountChars() for bytes that need not be UTF-8 (a passphrase read from a
// file): every byte that does not continue a UTF-8 sequence starts a
// character.
size_t CountCharsLoosely(std::string_view text);

// The bounds of a piece of text a person types: `min_chars` to `max_chars`
// characters and, where the wire or the store needs it, at most `max_bytes`
// bytes of UTF-8 (0: only the 4 bytes per character that UTF-8 allows).
struct TextLimit {
  size_t min_chars = 1;
  size_t max_chars = 0;
  size_t max_bytes = 0;
};

// Ok if `text` is valid UTF-8 within `limit`. Otherwise InvalidArgument
// naming `what` ("a code") and the limit: "a code is at most 32
// characters"; the byte bound is named only when it is the one exceeded.
Status CheckTextLength(std::string_view text, std::string_view what, TextLimit limit);

// True if `text` (valid UTF-8) holds a character that changes how the text
// around it is shown while showing nothing itself: the bidirectional
// embeddings, overrides, isolates and marks (U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069), the zero-width ones (U+200B-U+200D,
// U+2060-U+2064, U+FEFF), the soft hyphen (U+00AD), and the invisible
// fillers (U+115F, U+1160, U+180E, U+3164, U+FFA0). With them one name can
// pose as another, or reverse what follows it, on a screen.
bool HasInvisibleFormatting(std::string_view text);

// True if no character of `text` (valid UTF-8) beyond ASCII is a C1 control,
// a space of another script (U+00A0, U+1680, U+2000-U+200A, U+2028,
// U+2029, U+202F, U+205F, U+3000) or invisible formatting: text that must be
// one visible word, such as a check-in code in any script.
bool NonAsciiIsVisible(std::string_view text);

// Optimal string alignment distance, in bytes: insertions, deletions and
// substitutions, with a swap of two neighbours counted as one ("stauts" is
// one from "status").
size_t EditDistance(std::string_view a, std::string_view b);

// The entry of `names` nearest to `word`, as a guess at what a person meant:
// one it begins (or that begins it, for words of 3 bytes or more), or one
// within a third of its length in edits (at least 2); "" if none is near
// enough to be worth suggesting.
std::string NearestWord(std::string_view word, const std::vector<std::string>& names);

// `text` without ASCII whitespace at either end.
std::string_view TrimSpace(std::string_view text);

// True for the ASCII whitespace TrimSpace() drops: space, tab, CR, LF, VT, FF.
constexpr bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

}  // namespace waypost
