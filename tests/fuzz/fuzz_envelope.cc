// Arbitrary bytes offered as an envelope: parsing and opening must fail
// cleanly (a forger cannot produce a valid one without the keys).
#include <cstdint>
#include <cstdlib>

#include "core/envelope/envelope.h"
#include "core/random.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static waypost::SeededRandom random(7);
  static waypost::noise::KeyPair recipient = waypost::noise::KeyPair::Generate(random);
  static waypost::noise::KeyPair sender = waypost::noise::KeyPair::Generate(random);
  static waypost::Secret psk = waypost::Secret(32);
  const waypost::ByteView env(data, size);
  (void)waypost::envelope::ParseHeader(env);
  for (auto pattern : {waypost::envelope::Pattern::kContact, waypost::envelope::Pattern::kJoin}) {
    waypost::envelope::OpenRequest req;
    req.pattern = pattern;
    req.recipient = &recipient;
    req.sender_public = sender.public_key;
    req.psk = &psk;
    if (waypost::envelope::Open(req, env).ok()) std::abort();
  }
  return 0;
}
