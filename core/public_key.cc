#include "core/public_key.h"

#include <algorithm>

namespace waypost {

Result<PublicKey> PublicKey::From(ByteView bytes) {
  if (bytes.size() != kSize) return Status::InvalidArgument("a public key is 32 bytes");
  PublicKey key;
  std::copy(bytes.begin(), bytes.end(), key.bytes_.begin());
  return key;
}

}  // namespace waypost
