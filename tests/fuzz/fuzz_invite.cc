// Invite codes arrive by SMS, chat and paper: any text must decode or fail.
#include <cstdint>
#include <string_view>

#include "core/node/invite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)waypost::node::DecodeInvite(text);
  std::string prefixed = "wpi1:" + std::string(text);
  (void)waypost::node::DecodeInvite(prefixed);
  return 0;
}
