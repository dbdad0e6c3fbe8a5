#include "core/noise/crypto_primitives.h"

#include <sodium.h>

#include <cstring>

namespace waypost::noise {
namespace {

using HashState = crypto_generichash_state;

void HashInit(HashState* state) { crypto_generichash_init(state, nullptr, 0, kHashLen); }
void HashUpdate(HashState* state, ByteView data) {
  crypto_generichash_update(state, data.data(), data.size());
}
void HashFinal(HashState* state, uint8_t* out) { crypto_generichash_final(state, out, kHashLen); }

std::array<uint8_t, 12> NoiseNonce(uint64_t n) {
  std::array<uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<uint8_t>(n >> (8 * i));
  return nonce;
}

}  // namespace

Digest Hash(std::initializer_list<ByteView> parts) {
  HashState state;
  HashInit(&state);
  for (ByteView part : parts) HashUpdate(&state, part);
  Digest out;
  HashFinal(&state, out.data());
  return out;
}

void HmacHash(ByteView key, std::initializer_list<ByteView> parts, uint8_t out[kHashLen]) {
  uint8_t block[kBlockLen] = {};
  if (key.size() > kBlockLen) {
    // RFC 2104: long keys are hashed first. Noise keys (64 bytes) never are.
    Digest hashed = Hash({key});
    std::memcpy(block, hashed.data(), hashed.size());
    sodium_memzero(hashed.data(), hashed.size());
  } else if (!key.empty()) {
    std::memcpy(block, key.data(), key.size());
  }
  uint8_t pad[kBlockLen];
  uint8_t inner[kHashLen];
  HashState state;

  for (size_t i = 0; i < kBlockLen; ++i) pad[i] = block[i] ^ 0x36;
  HashInit(&state);
  HashUpdate(&state, ByteView(pad, kBlockLen));
  for (ByteView part : parts) HashUpdate(&state, part);
  HashFinal(&state, inner);

  for (size_t i = 0; i < kBlockLen; ++i) pad[i] = block[i] ^ 0x5c;
  HashInit(&state);
  HashUpdate(&state, ByteView(pad, kBlockLen));
  HashUpdate(&state, ByteView(inner, kHashLen));
  HashFinal(&state, out);

  sodium_memzero(block, sizeof block);
  sodium_memzero(pad, sizeof pad);
  sodium_memzero(inner, sizeof inner);
  sodium_memzero(&state, sizeof state);
}

HkdfOutputs Hkdf(ByteView chaining_key, ByteView ikm, int num_outputs) {
  Secret temp_key(kHashLen);
  HmacHash(chaining_key, {ikm}, temp_key.data());

  HkdfOutputs outs{Secret(kHashLen), Secret(kHashLen), Secret()};
  const uint8_t one = 0x01, two = 0x02, three = 0x03;
  HmacHash(temp_key.view(), {ByteView(&one, 1)}, outs.out1.data());
  HmacHash(temp_key.view(), {outs.out1.view(), ByteView(&two, 1)}, outs.out2.data());
  if (num_outputs == 3) {
    outs.out3 = Secret(kHashLen);
    HmacHash(temp_key.view(), {outs.out2.view(), ByteView(&three, 1)}, outs.out3.data());
  }
  return outs;
}

Bytes DhPublicKey(ByteView private_key) {
  Bytes pub(kDhLen);
  crypto_scalarmult_base(pub.data(), private_key.data());
  return pub;
}

Result<Secret> Dh(ByteView private_key, ByteView public_key) {
  if (private_key.size() != kDhLen || public_key.size() != kDhLen) {
    return Status::InvalidArgument("X25519 keys must be 32 bytes");
  }
  Secret shared(kDhLen);
  if (crypto_scalarmult(shared.data(), private_key.data(), public_key.data()) != 0) {
    return Status::AuthFailed();
  }
  return shared;
}

Bytes AeadEncrypt(ByteView key, uint64_t n, ByteView ad, ByteView plaintext) {
  Bytes out(plaintext.size() + kTagLen);
  const auto nonce = NoiseNonce(n);
  unsigned long long out_len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &out_len, plaintext.data(),
                                            plaintext.size(), ad.data(), ad.size(), nullptr,
                                            nonce.data(), key.data());
  out.resize(out_len);
  return out;
}

Result<Bytes> AeadDecrypt(ByteView key, uint64_t n, ByteView ad, ByteView ciphertext) {
  if (ciphertext.size() < kTagLen) return Status::AuthFailed();
  Bytes out(ciphertext.size() - kTagLen);
  const auto nonce = NoiseNonce(n);
  unsigned long long out_len = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &out_len, nullptr, ciphertext.data(),
                                                ciphertext.size(), ad.data(), ad.size(),
                                                nonce.data(), key.data()) != 0) {
    return Status::AuthFailed();
  }
  out.resize(out_len);
  return out;
}

}  // namespace waypost::noise
