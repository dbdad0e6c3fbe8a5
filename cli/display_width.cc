#include "cli/display_width.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "core/text.h"

namespace waypost::cli {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Characters that take no column of their own: combining marks (Mn, Me),
// the format characters (Cf) and the Hangul jamo that join a syllable
// (medial vowels and final consonants). Sorted, not overlapping.
constexpr Range kZeroWidth[] = {
    {0x00AD, 0x00AD},  // soft hyphen
    {0x0300, 0x036F},  // combining diacritical marks
    {0x0483, 0x0489},  // Cyrillic
    {0x0591, 0x05BD},  // Hebrew points
    {0x05BF, 0x05BF},   {0x05C1, 0x05C2},   {0x05C4, 0x05C5},   {0x05C7, 0x05C7},
    {0x0600, 0x0605},  // Arabic number signs (Cf)
    {0x0610, 0x061A},  // Arabic marks
    {0x061C, 0x061C},  // Arabic letter mark
    {0x064B, 0x065F},  // Arabic harakat: fatha, damma, kasra, shadda, sukun, ...
    {0x0670, 0x0670},  // superscript alef
    {0x06D6, 0x06DD},   {0x06DF, 0x06E4},   {0x06E7, 0x06E8},   {0x06EA, 0x06ED},
    {0x070F, 0x070F},   {0x0711, 0x0711},   {0x0730, 0x074A},  // Syriac
    {0x07A6, 0x07B0},                                          // Thaana
    {0x07EB, 0x07F3},   {0x0816, 0x0819},   {0x081B, 0x0823},   {0x0825, 0x0827},
    {0x0829, 0x082D},   {0x0859, 0x085B},   {0x0890, 0x0891},   {0x0898, 0x089F},
    {0x08CA, 0x0902},  // Arabic extended marks, Devanagari signs
    {0x093A, 0x093A},   {0x093C, 0x093C},   {0x0941, 0x0948},   {0x094D, 0x094D},
    {0x0951, 0x0957},   {0x0962, 0x0963},   {0x0981, 0x0981},   {0x09BC, 0x09BC},
    {0x09C1, 0x09C4},   {0x09CD, 0x09CD},   {0x09E2, 0x09E3},   {0x0A01, 0x0A02},
    {0x0A3C, 0x0A3C},   {0x0A41, 0x0A51},   {0x0A70, 0x0A71},   {0x0A75, 0x0A75},
    {0x0A81, 0x0A82},   {0x0ABC, 0x0ABC},   {0x0AC1, 0x0AC8},   {0x0ACD, 0x0ACD},
    {0x0B01, 0x0B01},   {0x0B3C, 0x0B3C},   {0x0B3F, 0x0B3F},   {0x0B41, 0x0B44},
    {0x0B4D, 0x0B4D},   {0x0BC0, 0x0BC0},   {0x0BCD, 0x0BCD},   {0x0C3E, 0x0C40},
    {0x0C46, 0x0C56},   {0x0CBC, 0x0CBC},   {0x0CCC, 0x0CCD},   {0x0D41, 0x0D44},
    {0x0D4D, 0x0D4D},   {0x0DCA, 0x0DCA},   {0x0DD2, 0x0DD6},   {0x0E31, 0x0E31},
    {0x0E34, 0x0E3A},   {0x0E47, 0x0E4E},                      // Thai
    {0x0EB1, 0x0EB1},   {0x0EB4, 0x0EBC},   {0x0EC8, 0x0ECE},  // Lao
    {0x0F18, 0x0F19},   {0x0F35, 0x0F35},   {0x0F37, 0x0F37},   {0x0F39, 0x0F39},
    {0x0F71, 0x0F7E},   {0x0F80, 0x0F84},   {0x0F86, 0x0F87},   {0x0F8D, 0x0FBC},
    {0x102D, 0x1030},   {0x1032, 0x1037},   {0x1039, 0x103A},  // Myanmar
    {0x1160, 0x11FF},  // Hangul jamo: medial vowels and final consonants
    {0x135D, 0x135F},   {0x1712, 0x1714},   {0x17B4, 0x17B5},   {0x17B7, 0x17BD},
    {0x17C6, 0x17C6},   {0x17C9, 0x17D3},   {0x180B, 0x180F},   {0x1A7F, 0x1A7F},
    {0x1AB0, 0x1AFF},  // combining diacritical marks extended
    {0x1DC0, 0x1DFF},  // combining diacritical marks supplement
    {0x200B, 0x200F},  // zero width space, non-joiner, joiner; direction marks
    {0x202A, 0x202E},  // bidirectional embeddings and overrides
    {0x2060, 0x2064},   {0x2066, 0x206F},   {0x20D0, 0x20FF},  // combining marks for symbols
    {0x2CEF, 0x2CF1},   {0x2DE0, 0x2DFF},   {0x302A, 0x302D},   {0x3099, 0x309A},
    {0xA66F, 0xA672},   {0xA674, 0xA67D},   {0xA69E, 0xA69F},   {0xA6F0, 0xA6F1},
    {0xA8E0, 0xA8F1},   {0xD7B0, 0xD7FF},  // Hangul jamo extended-B: medial, final
    {0xFB1E, 0xFB1E},   {0xFE00, 0xFE0F},  // variation selectors
    {0xFE20, 0xFE2F},                      // combining half marks
    {0xFEFF, 0xFEFF},                      // zero width no-break space
    {0xFFF9, 0xFFFB},   {0x101FD, 0x101FD}, {0x1D167, 0x1D169}, {0x1D173, 0x1D182},
    {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD}, {0x1E8D0, 0x1E8D6}, {0x1E944, 0x1E94A},
    {0xE0000, 0xE0FFF},  // tags, variation selectors supplement
};

// East Asian Wide and Fullwidth, and the emoji terminals draw two columns
// wide. Sorted, not overlapping.
constexpr Range kWide[] = {
    {0x1100, 0x115F},  // Hangul jamo: initial consonants
    {0x231A, 0x231B},
    {0x2329, 0x232A},
    {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},
    {0x25FD, 0x25FE},
    {0x2614, 0x2615},
    {0x2648, 0x2653},
    {0x267F, 0x267F},
    {0x2693, 0x2693},
    {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},
    {0x26BD, 0x26BE},
    {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},
    {0x26EA, 0x26EA},
    {0x26F2, 0x26F3},
    {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},
    {0x26FD, 0x26FD},
    {0x2705, 0x2705},
    {0x270A, 0x270B},
    {0x2728, 0x2728},
    {0x274C, 0x274C},
    {0x274E, 0x274E},
    {0x2753, 0x2755},
    {0x2757, 0x2757},
    {0x2795, 0x2797},
    {0x27B0, 0x27B0},
    {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},
    {0x2B50, 0x2B50},
    {0x2B55, 0x2B55},
    {0x2E80, 0x3029},  // CJK radicals, ideographic
                       // description, CJK punctuation
    {0x302E, 0x303E},
    {0x3041, 0x3098},  // hiragana
    {0x309B, 0x33FF},  // katakana, bopomofo, Hangul compatibility jamo, CJK
    {0x3400, 0x4DBF},  // CJK extension A
    {0x4E00, 0x9FFF},  // CJK unified ideographs
    {0xA000, 0xA4CF},  // Yi
    {0xA960, 0xA97F},  // Hangul jamo extended-A
    {0xAC00, 0xD7A3},  // Hangul syllables
    {0xF900, 0xFAFF},  // CJK compatibility ideographs
    {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},  // vertical forms, small forms
    {0xFF00, 0xFF60},  // fullwidth forms
    {0xFFE0, 0xFFE6},
    {0x16FE0, 0x16FE4},
    {0x17000, 0x18CFF},
    {0x1AFF0, 0x1B2FF},  // Tangut, kana
    {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A},
    {0x1F200, 0x1F202},
    {0x1F210, 0x1F23B},
    {0x1F240, 0x1F248},
    {0x1F250, 0x1F251},
    {0x1F260, 0x1F265},
    {0x1F300, 0x1F64F},  // pictographs, emoticons
    {0x1F680, 0x1F6FF},  // transport and map symbols
    {0x1F7E0, 0x1F7EB},
    {0x1F90C, 0x1F9FF},  // supplemental symbols and pictographs
    {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD},  // CJK extensions B to F
    {0x30000, 0x3FFFD},  // CJK extension G
};

constexpr bool Sorted(const Range* begin, const Range* end) {
  for (const Range* r = begin; r != end; ++r) {
    if (r->first > r->last || (r != begin && std::prev(r)->last >= r->first)) return false;
  }
  return true;
}
static_assert(Sorted(std::begin(kZeroWidth), std::end(kZeroWidth)));
static_assert(Sorted(std::begin(kWide), std::end(kWide)));

bool In(const Range* begin, const Range* end, char32_t cp) {
  const Range* r = std::upper_bound(begin, end, cp,
                                    [](char32_t c, const Range& range) { return c < range.first; });
  return r != begin && cp <= std::prev(r)->last;
}

}  // namespace

int CodePointWidth(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;  // C0, DEL, C1
  if (cp < 0x300) return cp == 0xAD ? 0 : 1;
  if (In(std::begin(kZeroWidth), std::end(kZeroWidth), cp)) return 0;
  return In(std::begin(kWide), std::end(kWide), cp) ? 2 : 1;
}

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto [cp, len] = DecodeUtf8At(text, i);
    width += static_cast<size_t>(CodePointWidth(cp));
    i += len;
  }
  return width;
}

std::string TruncateToWidth(std::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return "";
  // Keep whole characters while they fit in one column less than `width`,
  // for the ellipsis; a zero-width mark goes with the character before it.
  size_t used = 0;
  size_t end = 0;
  for (size_t i = 0; i < text.size();) {
    const auto [cp, len] = DecodeUtf8At(text, i);
    const auto w = static_cast<size_t>(CodePointWidth(cp));
    if (w > 0 && used + w > width - 1) break;
    used += w;
    i += len;
    end = i;
  }
  return std::string(text.substr(0, end)) + "\u2026";
}

std::string PadToWidth(std::string_view text, size_t width) {
  const size_t have = DisplayWidth(text);
  return std::string(text) + std::string(have < width ? width - have : 0, ' ');
}

}  // namespace waypost::cli
