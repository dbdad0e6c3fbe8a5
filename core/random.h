// Randomness, injected. Production uses the OS generator through libsodium;
// tests inject fixed bytes (e.g. the Noise vectors' ephemeral keys).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace waypost {

class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
};

class SystemRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override;
};

// Deterministic stream from a seed (ChaCha20 keystream). Tests only.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed);
  void Fill(std::span<uint8_t> out) override;

 private:
  uint8_t key_[32] = {};
  uint64_t counter_ = 0;
};

}  // namespace waypost
