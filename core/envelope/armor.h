// Armored text (docs/protocol.md §7): one envelope as one line of text that
// survives SMS, chat apps and e-mail.
//
//   "wp1:" || base64url(envelope), unpadded (RFC 4648 §5)
//
// The 117-byte bucket armors to 160 characters, one SMS (format.h). Nothing
// else is added: a check-in has no room for a checksum, and none is needed,
// since every envelope is authenticated when it is opened. What Dearmor can
// tell on its own, without keys, is whether a piece is whole (its length is
// a bucket size) and whether it holds only the alphabet.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"

namespace waypost::envelope {

inline constexpr std::string_view kArmorPrefix = "wp1:";
// The most text Dearmor reads: every bucket's worth several times over.
// Longer input is refused whole (Dearmored::too_long).
inline constexpr size_t kMaxArmorInput = size_t{1} << 20;

// The text form of one envelope. The caller passes a whole envelope
// (ParseHeader accepts it); the result is one line with no line break,
// ArmoredLength(envelope.size()) characters long. Other bytes are not
// checked: they armor to text that Dearmor calls incomplete or damaged.
std::string Armor(ByteView envelope);

// The characters Armor gives for an envelope of `size` bytes, prefix
// included: 160 for the smallest bucket.
size_t ArmoredLength(size_t size);

// What one "wp1:" piece of pasted text was.
//
// Dearmor sees only characters, so it judges a piece by their count (the
// "length" below: base64url characters after the prefix, whitespace not
// counted). A piece ends at the next prefix, at the end of the text, or
// earlier where a bucket's length is followed by whitespace or by a
// character outside the alphabet, so that words after a piece ("wp1:...
// thanks!") are not read into it. Where several bucket lengths could end
// it, the longest whose characters are all in the alphabet and decode wins.
struct ArmorPiece {
  enum class Kind {
    kEnvelope,    // whole: `envelope` holds its bytes (not yet authenticated)
    kIncomplete,  // shorter than the smallest envelope: cut off at the end
    kDamaged,     // whole-length but not readable, or a length no envelope
                  // has (see `detail`)
  };
  Kind kind = Kind::kEnvelope;
  Bytes envelope;      // kEnvelope only: one of kBucketSizes long
  size_t missing = 0;  // kIncomplete: characters lost from the end
  // kDamaged only: what is wrong, for the user. Never quotes the text; a
  // position counts from the "w" of the prefix, 1-based, whitespace not
  // counted, as in Armor's output. One of:
  //   "character N is not part of armored text"  (a character outside the
  //       alphabet inside the piece: replaced, or inserted)
  //   "character N is damaged"  (the last character has bits set that
  //       Armor never sets)
  //   "its envelope version is unknown"
  //   "its length fits no envelope: N characters more than one size, M
  //       fewer than the next"  (a whole piece with text glued on, or a
  //       longer one cut short: only the user can tell which)
  //   "it is N characters longer than the largest envelope"
  std::string detail;
};

struct Dearmored {
  std::vector<ArmorPiece> pieces;  // in the order they appear
  bool too_long = false;           // more than kMaxArmorInput: nothing read
};

// Reads every "wp1:" piece out of pasted text. The prefix may also be
// "Wp1:" or "WP1:", as phones and chat apps capitalize it; no other case,
// and nothing inside the prefix itself.
// Tolerates what phones, chat apps and mail do to text: any whitespace
// (also no-break, zero-width and other invisible spaces, and line breaks)
// before, after and inside a piece; ">" quote marks at the start of a line,
// nested or not; several pieces pasted one after another, with or without
// anything between them. Text before the first prefix is ignored; text with
// no prefix at all gives no pieces. Never fails, never reads past `text`.
//
// What cannot be told apart without keys: a long piece cut to exactly a
// smaller bucket's length reads as a whole smaller envelope, and one cut
// short and followed by more text may read as damaged. Either way opening
// it fails, and the user asks for the text again.
Dearmored Dearmor(std::string_view text);

}  // namespace waypost::envelope
