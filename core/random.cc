#include "core/random.h"

#include <sodium.h>

#include <cstring>

namespace waypost {

void SystemRandom::Fill(std::span<uint8_t> out) {
  static const bool sodium_ready = sodium_init() >= 0;
  if (!sodium_ready) std::abort();
  randombytes_buf(out.data(), out.size());
}

SeededRandom::SeededRandom(uint64_t seed) { std::memcpy(key_, &seed, sizeof seed); }

void SeededRandom::Fill(std::span<uint8_t> out) {
  uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {};
  std::memcpy(nonce, &counter_, sizeof counter_);
  ++counter_;
  crypto_stream_chacha20(out.data(), out.size(), nonce, key_);
}

}  // namespace waypost
