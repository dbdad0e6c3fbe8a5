// Terminal safety for text that peers wrote (names, notes, messages).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// True if `text` is well-formed UTF-8 (no overlongs, surrogates, or code
// points past U+10FFFF). Protobuf string fields must be; so must our JSON.
inline bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= text.size()) return false;
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// True if `text` (valid UTF-8) holds a character that changes how the text
// around it is shown while showing nothing itself: the bidirectional
// embeddings, overrides, isolates and marks (U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069), the zero-width ones (U+200B-U+200D,
// U+2060-U+2064, U+FEFF), the soft hyphen (U+00AD), and the invisible
// fillers (U+115F, U+1160, U+180E, U+3164, U+FFA0). With them one name can
// pose as another, or reverse what follows it, on a screen.
bool HasInvisibleFormatting(std::string_view text);

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

}  // namespace waypost
