// CipherState (Noise §5.1): a key k and a nonce n.
//
// Used twice: inside the handshake (via SymmetricState) and, after Split(), as
// the two transport ciphers. Not thread-safe; one owner per direction.
//
// Contracts:
//  - Without a key, EncryptWithAd/DecryptWithAd pass bytes through unchanged,
//    as the spec requires during the early handshake. Transport ciphers from
//    Split() always have a key.
//  - n advances only after a successful operation. After a failure (bad tag,
//    limit, exhausted nonce) the state is exactly as before, so a correct
//    message can still be decrypted.
//  - Nonce 2^64-1 is reserved; using it is LimitExceeded. Start a new session
//    long before that.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::noise {

class CipherState {
 public:
  CipherState() = default;
  CipherState(CipherState&&) noexcept = default;
  CipherState& operator=(CipherState&&) noexcept = default;

  // Sets k (exactly kKeyLen bytes) and resets n to 0. An empty key clears k.
  [[nodiscard]] Status InitializeKey(ByteView key);
  bool HasKey() const { return !key_.empty(); }
  // For out-of-order transports that carry n explicitly. Reusing a nonce with
  // the same key breaks confidentiality; the caller must prevent that.
  void SetNonce(uint64_t n) { n_ = n; }
  uint64_t nonce() const { return n_; }

  // ENCRYPT(k, n++, ad, plaintext). LimitExceeded if the result would exceed
  // kMaxMessageLen or n is exhausted.
  [[nodiscard]] Result<Bytes> EncryptWithAd(ByteView ad, ByteView plaintext);
  // DECRYPT(k, n, ad, ciphertext); n++ only on success. AuthFailed on a bad
  // or truncated message.
  [[nodiscard]] Result<Bytes> DecryptWithAd(ByteView ad, ByteView ciphertext);

  // §4.2 REKEY: k = first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero bytes).
  // n is unchanged. Both peers must rekey at the same point in the stream.
  [[nodiscard]] Status Rekey();

 private:
  Secret key_;
  uint64_t n_ = 0;
};

}  // namespace waypost::noise
