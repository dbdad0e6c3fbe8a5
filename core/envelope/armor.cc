// Armored text (armor.h). Dearmor takes three steps: find every prefix; read
// the characters of each piece with what phones and mail add taken out
// (whitespace, invisible characters, quote marks); then tell from the count
// of those characters alone where the piece ends and whether it is whole,
// since the text carries no length and no checksum.
#include "core/envelope/armor.h"

#include <array>
#include <optional>
#include <string>
#include <utility>

#include "core/envelope/format.h"
#include "core/text.h"

namespace waypost::envelope {
namespace {

using Kind = ArmorPiece::Kind;

constexpr size_t kPrefixSize = kArmorPrefix.size();
// Chat apps and phones capitalize the first letter of a message, or all of
// it; the base64url after the colon is never touched that way.
constexpr std::array<std::string_view, 3> kPrefixes = {kArmorPrefix, "Wp1:", "WP1:"};

// One visible character of a piece. Only alphabet characters are kept, so
// nothing else of the text can leak into a message.
struct Symbol {
  char c = 0;                 // the character if it is in the alphabet, else 0
  bool break_before = false;  // whitespace (or a quote mark) came right before it
};
using Symbols = std::vector<Symbol>;

bool InAlphabet(char32_t cp) {
  return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ||
         cp == '-' || cp == '_';
}

bool IsLineBreak(char32_t cp) {
  return cp == '\n' || cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

// Whitespace of any script, and the invisible characters that apps insert
// to wrap or join text: the soft hyphen, zero-width spaces and joiners,
// direction marks, the word joiner and the byte order mark.
bool IsIgnorable(char32_t cp) {
  if (cp < 0x80) return IsAsciiSpace(static_cast<char>(cp));
  return cp == 0x85 || cp == 0xA0 || cp == 0xAD || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x2060 ||
         cp == 0x3000 || cp == 0xFEFF;
}

// Where each piece's prefix starts, in order.
std::vector<size_t> FindPrefixes(std::string_view text) {
  std::vector<size_t> starts;
  for (size_t i = 0; i + kPrefixSize <= text.size(); ++i) {
    for (std::string_view prefix : kPrefixes) {
      if (text.compare(i, kPrefixSize, prefix) == 0) {
        starts.push_back(i);
        i += kPrefixSize - 1;
        break;
      }
    }
  }
  return starts;
}

// The visible characters of `text` (one piece, after its prefix), each
// code point counting once: a letter replaced by "é" is one bad character,
// not two. A '>' where a line starts is e-mail quoting, not text.
Symbols ReadSymbols(std::string_view text) {
  Symbols out;
  bool line_start = false;  // a piece starts mid-line, right after "wp1:"
  bool gap = false;
  for (size_t i = 0; i < text.size();) {
    const auto [cp, length] = DecodeUtf8At(text, i);
    i += length;
    if (IsIgnorable(cp)) {
      gap = true;
      line_start = line_start || IsLineBreak(cp);
    } else if (cp == '>' && line_start) {
      gap = true;
    } else {
      out.push_back(Symbol{InAlphabet(cp) ? static_cast<char>(cp) : '\0', gap});
      gap = false;
      line_start = false;
    }
  }
  return out;
}

size_t TextLength(size_t bucket) { return ArmoredLength(bucket) - kPrefixSize; }

// True if a whole piece may end after `length` symbols: the text ends
// there, or whitespace or a character outside the alphabet follows.
bool CanEndAt(const Symbols& s, size_t length) {
  return length == s.size() || s[length].break_before || s[length].c == '\0';
}

size_t FirstOutsideAlphabet(const Symbols& s) {
  size_t i = 0;
  while (i < s.size() && s[i].c != '\0') ++i;
  return i;
}

std::string Characters(size_t n) {
  return std::to_string(n) + (n == 1 ? " character" : " characters");
}

// Names a symbol as the user counts it in the armored text: from the "w"
// of the prefix, 1-based, whitespace not counted.
std::string CharacterAt(size_t index) {
  return "character " + std::to_string(kPrefixSize + index + 1);
}

ArmorPiece Damaged(std::string detail) {
  return ArmorPiece{Kind::kDamaged, Bytes(), 0, std::move(detail)};
}

// The first `length` symbols (all in the alphabet, a bucket's length) as
// an envelope.
ArmorPiece DecodeWhole(const Symbols& s, size_t length) {
  std::string text;
  text.reserve(length);
  for (size_t i = 0; i < length; ++i) text.push_back(s[i].c);
  std::optional<Bytes> bytes = FromBase64Url(text);
  // Every bucket's length decodes; what can fail is the unused low bits of
  // the last character, which Armor always leaves zero.
  if (!bytes) return Damaged(CharacterAt(length - 1) + " is damaged");
  if (!ParseHeader(*bytes).ok()) return Damaged("its envelope version is unknown");
  return ArmorPiece{Kind::kEnvelope, std::move(*bytes), 0, ""};
}

// A piece that is no bucket's length, judged by its `count` characters.
ArmorPiece ByLength(size_t count) {
  const size_t smallest = TextLength(kBucketSizes.front());
  if (count < smallest) return ArmorPiece{Kind::kIncomplete, Bytes(), smallest - count, ""};
  // Between two sizes it is a whole piece with text glued on, or a longer
  // one cut short: the user is told both, since only they can see which.
  size_t below = smallest;
  for (size_t bucket : kBucketSizes) {
    const size_t length = TextLength(bucket);
    if (length > count) {
      return Damaged("its length fits no envelope: " + Characters(count - below) +
                     " more than one size, " + std::to_string(length - count) +
                     " fewer than the next");
    }
    below = length;
  }
  return Damaged("it is " + Characters(count - below) + " longer than the largest envelope");
}

// True if the bad symbol at `i` sits inside the piece rather than after its
// end: a bucket's length could end beyond it, or it is glued between
// alphabet characters ("ab!cd", a replaced or inserted character).
bool IsInside(const Symbols& s, size_t i) {
  for (size_t bucket : kBucketSizes) {
    const size_t length = TextLength(bucket);
    if (length > i && length <= s.size() && CanEndAt(s, length)) return true;
  }
  return !s[i].break_before && i + 1 < s.size() && s[i + 1].c != '\0' && !s[i + 1].break_before;
}

ArmorPiece Classify(const Symbols& s) {
  const size_t bad = FirstOutsideAlphabet(s);
  // The longest whole piece wins, so that a line break that happens to fall
  // at a smaller bucket's length does not cut a long piece short. One that
  // does not decode gives way to a shorter one: words after a piece, read
  // into a longer one by chance, seldom end in the 4 zero bits that every
  // bucket but the smallest ends in (1 time in 16).
  std::optional<ArmorPiece> undecodable;
  for (auto bucket = kBucketSizes.rbegin(); bucket != kBucketSizes.rend(); ++bucket) {
    const size_t length = TextLength(*bucket);
    if (length > bad || !CanEndAt(s, length)) continue;
    ArmorPiece piece = DecodeWhole(s, length);
    if (piece.kind == Kind::kEnvelope) return piece;
    if (!undecodable) undecodable = std::move(piece);
  }
  if (undecodable) return std::move(*undecodable);
  if (bad < s.size() && IsInside(s, bad)) {
    return Damaged(CharacterAt(bad) + " is not part of armored text");
  }
  return ByLength(bad);
}

}  // namespace

std::string Armor(ByteView envelope) { return std::string(kArmorPrefix) + ToBase64Url(envelope); }

size_t ArmoredLength(size_t size) { return kPrefixSize + (size * 4 + 2) / 3; }

Dearmored Dearmor(std::string_view text) {
  Dearmored out;
  if (text.size() > kMaxArmorInput) {
    out.too_long = true;
    return out;
  }
  const std::vector<size_t> starts = FindPrefixes(text);
  for (size_t k = 0; k < starts.size(); ++k) {
    const size_t begin = starts[k] + kPrefixSize;
    const size_t end = k + 1 < starts.size() ? starts[k + 1] : text.size();
    out.pieces.push_back(Classify(ReadSymbols(text.substr(begin, end - begin))));
  }
  return out;
}

}  // namespace waypost::envelope
