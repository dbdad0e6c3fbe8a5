// FrameReader must accept any bytes in any chunking without crashing, and
// never yield a frame that is empty or longer than a Noise message.
#include <cstdint>
#include <cstdlib>

#include "core/sync/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t chunk = 1 + data[0] % 64;  // the first byte picks the chunk size
  waypost::sync::FrameReader reader;
  for (size_t i = 1; i < size; i += chunk) {
    reader.Append(waypost::ByteView(data + i, std::min(chunk, size - i)));
    while (true) {
      auto frame = reader.Next();
      if (!frame.ok() || !frame->has_value()) break;
      if ((*frame)->empty() || (*frame)->size() > 65535) std::abort();
    }
  }
  return 0;
}
