#include "core/text.h"

#include <algorithm>
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

bool IsOtherSpace(uint32_t cp) {
  return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

}  // namespace

bool NonAsciiIsVisible(std::string_view text) {
  for (size_t i = 0, length = 0; i < text.size(); i += length) {
    const uint32_t cp = CodePointAt(text, i, &length);
    if (cp < 0x80) continue;
    if (cp <= 0x9F || IsOtherSpace(cp) || IsInvisibleFormatting(cp)) return false;
  }
  return true;
}

bool HasInvisibleFormatting(std::string_view text) {
  for (size_t i = 0, length = 0; i < text.size(); i += length) {
    if (IsInvisibleFormatting(CodePointAt(text, i, &length))) return true;
  }
  return false;
}

std::optional<size_t> CountChars(std::string_view text) {
  if (!IsValidUtf8(text)) return std::nullopt;
  return CountCharsLoosely(text);
}

size_t CountCharsLoosely(std::string_view text) {
  size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Status CheckTextLength(std::string_view text, std::string_view what, TextLimit limit) {
  const std::optional<size_t> chars = CountChars(text);
  const std::string w(what);
  if (!chars) return Status::InvalidArgument(w + " must be valid UTF-8 text");
  const std::string most = " is at most " + std::to_string(limit.max_chars) + " characters";
  if (*chars < limit.min_chars) {
    return Status::InvalidArgument(limit.min_chars == 1
                                       ? w + " cannot be empty"
                                       : w + " is at least " + std::to_string(limit.min_chars) +
                                             " characters");
  }
  if (*chars > limit.max_chars) return Status::InvalidArgument(w + most);
  if (limit.max_bytes != 0 && text.size() > limit.max_bytes) {
    return Status::InvalidArgument(w + most + " and at most " + std::to_string(limit.max_bytes) +
                                   " bytes (letters of many scripts take 2 to 4 bytes each)");
  }
  return Status::Ok();
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string NearestWord(std::string_view word, const std::vector<std::string>& names) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& name : names) {
    if (word.size() >= 3 && (name.rfind(word, 0) == 0 || word.rfind(name, 0) == 0)) return name;
    const size_t d = EditDistance(word, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best;
}

std::string_view TrimSpace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";  // IsAsciiSpace()
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace waypost
