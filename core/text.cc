#include "core/text.h"

#include <cstdint>

namespace waypost {
namespace {

// The code point at text[i] (valid UTF-8), and its length in bytes.
uint32_t CodePointAt(std::string_view text, size_t i, size_t* length) {
  const auto c = static_cast<unsigned char>(text[i]);
  size_t n = 0;
  uint32_t cp = c;
  if (c >= 0xF0) {
    n = 3, cp = c & 0x07;
  } else if (c >= 0xE0) {
    n = 2, cp = c & 0x0F;
  } else if (c >= 0xC0) {
    n = 1, cp = c & 0x1F;
  }
  for (size_t k = 1; k <= n && i + k < text.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  }
  *length = n + 1;
  return cp;
}

bool IsInvisibleFormatting(uint32_t cp) {
  return cp == 0x00AD || cp == 0x061C || cp == 0x115F || cp == 0x1160 || cp == 0x180E ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x3164 ||
         cp == 0xFEFF || cp == 0xFFA0;
}

}  // namespace

bool HasInvisibleFormatting(std::string_view text) {
  for (size_t i = 0, length = 0; i < text.size(); i += length) {
    if (IsInvisibleFormatting(CodePointAt(text, i, &length))) return true;
  }
  return false;
}

}  // namespace waypost
