// SymmetricState (Noise §5.2): the chaining key ck, the handshake hash h and
// the handshake's CipherState. Owned by one HandshakeState; not thread-safe.
//
// After any failed call the handshake must be abandoned: h or ck may already
// have absorbed part of the input.
#pragma once

#include <string_view>
#include <utility>

#include "core/bytes.h"
#include "core/noise/cipher_state.h"
#include "core/noise/crypto_primitives.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::noise {

class SymmetricState {
 public:
  // InitializeSymmetric(protocol_name): h = name zero-padded to HASHLEN (or
  // HASH(name) if longer), ck = h, no key.
  explicit SymmetricState(std::string_view protocol_name);
  SymmetricState(SymmetricState&&) noexcept = default;
  SymmetricState& operator=(SymmetricState&&) noexcept = default;

  // ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k[:32]).
  [[nodiscard]] Status MixKey(ByteView input_key_material);
  // h = HASH(h || data). Runs even for empty data.
  void MixHash(ByteView data);
  // ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h); key = temp_k[:32].
  [[nodiscard]] Status MixKeyAndHash(ByteView input_key_material);

  // The current h; after the last message, the channel-binding value.
  ByteView GetHandshakeHash() const { return ByteView(h_.data(), h_.size()); }
  bool HasKey() const { return cipher_.HasKey(); }

  // Encrypts with ad = h, then MixHash(ciphertext).
  [[nodiscard]] Result<Bytes> EncryptAndHash(ByteView plaintext);
  // Decrypts with ad = h, then MixHash(ciphertext). AuthFailed on a bad tag.
  [[nodiscard]] Result<Bytes> DecryptAndHash(ByteView ciphertext);

  // Two CipherStates keyed from HKDF(ck, "", 2): first is initiator->responder.
  [[nodiscard]] Result<std::pair<CipherState, CipherState>> Split() const;

 private:
  CipherState cipher_;
  Secret ck_;
  Digest h_{};
};

}  // namespace waypost::noise
