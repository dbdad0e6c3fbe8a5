#include "cli/qr.h"

#include <qrencode.h>

#include <memory>

namespace waypost::cli {
namespace {

constexpr int kQuietZone = 2;

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

}  // namespace

Result<std::string> RenderQr(std::string_view text) {
  std::string input(text);
  std::unique_ptr<QRcode, QrFree> qr(
      QRcode_encodeString8bit(input.c_str(), /*version=*/0, QR_ECLEVEL_M));
  if (!qr) return Status::InvalidArgument("the text is too long for a QR code");
  const int w = qr->width;
  // Dark module at (x, y), with the quiet zone around the symbol.
  auto dark = [&](int x, int y) {
    x -= kQuietZone;
    y -= kQuietZone;
    if (x < 0 || y < 0 || x >= w || y >= w) return false;
    return (qr->data[y * w + x] & 1) != 0;
  };
  const int size = w + 2 * kQuietZone;
  std::string out;
  for (int y = 0; y < size; y += 2) {
    for (int x = 0; x < size; ++x) {
      const bool top_light = !dark(x, y);
      const bool bottom_light = y + 1 < size ? !dark(x, y + 1) : false;
      if (top_light && bottom_light) {
        out += "\u2588";  // full block
      } else if (top_light) {
        out += "\u2580";  // upper half
      } else if (bottom_light) {
        out += "\u2584";  // lower half
      } else {
        out += ' ';
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace waypost::cli
