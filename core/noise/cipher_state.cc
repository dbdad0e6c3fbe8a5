#include "core/noise/cipher_state.h"

#include "core/noise/crypto_primitives.h"
#include "core/noise/noise_constants.h"

namespace waypost::noise {

Status CipherState::InitializeKey(ByteView key) {
  if (!key.empty() && key.size() != kKeyLen) {
    return Status::InvalidArgument("a Noise cipher key must be 32 bytes");
  }
  key_ = Secret::From(key);
  n_ = 0;
  return Status::Ok();
}

Result<Bytes> CipherState::EncryptWithAd(ByteView ad, ByteView plaintext) {
  if (!HasKey()) {
    if (plaintext.size() > kMaxMessageLen) return Status::LimitExceeded("Noise message too long");
    return Bytes(plaintext.begin(), plaintext.end());
  }
  if (plaintext.size() > kMaxMessageLen - kTagLen) {
    return Status::LimitExceeded("Noise message too long");
  }
  if (n_ == kMaxNonce) return Status::LimitExceeded("Noise nonce exhausted");
  Bytes out = AeadEncrypt(key_.view(), n_, ad, plaintext);
  ++n_;
  return out;
}

Result<Bytes> CipherState::DecryptWithAd(ByteView ad, ByteView ciphertext) {
  if (ciphertext.size() > kMaxMessageLen) return Status::LimitExceeded("Noise message too long");
  if (!HasKey()) return Bytes(ciphertext.begin(), ciphertext.end());
  if (n_ == kMaxNonce) return Status::LimitExceeded("Noise nonce exhausted");
  WAYPOST_ASSIGN_OR_RETURN(Bytes plaintext, AeadDecrypt(key_.view(), n_, ad, ciphertext));
  ++n_;
  return plaintext;
}

Status CipherState::Rekey() {
  if (!HasKey()) return Status::InvalidArgument("Rekey needs a key");
  const uint8_t zeros[kKeyLen] = {};
  Bytes block = AeadEncrypt(key_.view(), kMaxNonce, ByteView(), ByteView(zeros, kKeyLen));
  key_ = Secret::From(ByteView(block.data(), kKeyLen));
  Wipe(block);
  return Status::Ok();
}

}  // namespace waypost::noise
