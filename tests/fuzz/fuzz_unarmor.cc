// Armored text arrives by SMS, chat and e-mail, mangled on the way: any
// text must read into pieces without a crash or a read past its end. Each
// whole piece must be an envelope's size and armor back to text that reads
// as the same bytes, and a piece appended on a line of its own must not
// change how the pieces before it read.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/envelope/armor.h"
#include "core/envelope/format.h"

namespace {

using waypost::envelope::ArmorPiece;
using waypost::envelope::Dearmored;

bool SamePiece(const ArmorPiece& a, const ArmorPiece& b) {
  return a.kind == b.kind && a.envelope == b.envelope && a.missing == b.missing &&
         a.detail == b.detail;
}

void CheckPiece(const ArmorPiece& piece) {
  namespace env = waypost::envelope;
  using Kind = ArmorPiece::Kind;
  const size_t smallest = env::ArmoredLength(env::kBucketSizes.front());
  switch (piece.kind) {
    case Kind::kEnvelope: {
      if (!env::ParseHeader(piece.envelope).ok()) std::abort();
      const Dearmored again = env::Dearmor(env::Armor(piece.envelope));
      if (again.pieces.size() != 1 || !SamePiece(again.pieces[0], piece)) std::abort();
      break;
    }
    case Kind::kIncomplete:
      if (piece.missing == 0 || piece.missing > smallest - env::kArmorPrefix.size()) std::abort();
      if (!piece.envelope.empty() || !piece.detail.empty()) std::abort();
      break;
    case Kind::kDamaged:
      if (piece.detail.empty() || !piece.envelope.empty() || piece.missing != 0) std::abort();
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace env = waypost::envelope;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Dearmored d = env::Dearmor(text);
  if (d.too_long != (size > env::kMaxArmorInput)) std::abort();
  for (const ArmorPiece& piece : d.pieces) CheckPiece(piece);

  // A whole envelope on its own line after the text: the pieces before it
  // read the same, and it reads as itself.
  if (d.too_long) return 0;
  waypost::Bytes extra(env::kBucketSizes.front(), 0x5A);
  extra[0] = env::kVersion;
  const std::string appended = std::string(text) + "\n" + env::Armor(extra);
  if (appended.size() > env::kMaxArmorInput) return 0;
  const Dearmored more = env::Dearmor(appended);
  if (more.pieces.size() != d.pieces.size() + 1) std::abort();
  for (size_t i = 0; i < d.pieces.size(); ++i) {
    if (!SamePiece(more.pieces[i], d.pieces[i])) std::abort();
  }
  if (more.pieces.back().kind != ArmorPiece::Kind::kEnvelope ||
      more.pieces.back().envelope != extra) {
    std::abort();
  }
  return 0;
}
