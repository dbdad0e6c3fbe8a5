#include "core/noise/key_pair.h"

#include "core/noise/crypto_primitives.h"
#include "core/noise/noise_constants.h"

namespace waypost::noise {

KeyPair KeyPair::Generate(Random& random) {
  Secret private_key(kDhLen);
  random.Fill(private_key.span());
  Bytes public_key = DhPublicKey(private_key.view());
  return KeyPair{std::move(public_key), std::move(private_key)};
}

Result<KeyPair> KeyPair::FromPrivate(ByteView private_key) {
  if (private_key.size() != kDhLen) {
    return Status::InvalidArgument("an X25519 private key must be 32 bytes");
  }
  return KeyPair{DhPublicKey(private_key), Secret::From(private_key)};
}

}  // namespace waypost::noise
