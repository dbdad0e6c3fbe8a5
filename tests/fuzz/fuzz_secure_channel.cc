// A relay's first contact with a stranger: the responder side of the
// transport fed arbitrary bytes in arbitrary chunks must fail cleanly.
#include <cstdint>

#include "core/random.h"
#include "core/sync/secure_channel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static waypost::SeededRandom random(11);
  static waypost::noise::KeyPair relay = waypost::noise::KeyPair::Generate(random);
  if (size < 1) return 0;
  auto channel = waypost::sync::SecureChannel::Responder(relay, random);
  if (!channel.Start().ok()) return 0;
  const size_t chunk = 1 + data[0] % 97;
  for (size_t i = 1; i < size; i += chunk) {
    if (!channel.Feed(waypost::ByteView(data + i, std::min(chunk, size - i))).ok()) break;
    (void)channel.TakeOutput();
    while (channel.NextMessage()) {
    }
  }
  return 0;
}
