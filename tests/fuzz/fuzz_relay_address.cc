// Relay addresses come from invites and the command line: parse or fail,
// and whatever parses must format back to something that parses the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/sync/relay_address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = waypost::sync::ParseRelayAddress(text);
  if (!parsed.ok()) return 0;
  auto again = waypost::sync::ParseRelayAddress(waypost::sync::FormatRelayAddress(*parsed));
  if (!again.ok() || !(*again == *parsed)) std::abort();
  return 0;
}
