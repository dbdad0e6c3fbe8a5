// Secret byte buffers in libsodium-guarded memory.
//
// A Secret lives in sodium_malloc() memory: guard pages around it, locked
// against swapping where the OS allows, and wiped when the Secret is
// destroyed. Secrets of up to 64 bytes share guarded regions, a slot each
// (secret.cc); larger ones get a guarded allocation of their own. It is
// move-only so no stray copy outlives it. Use it for every key, passphrase
// and pre-shared key; plain Bytes are for public data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.h"

namespace waypost {

class Secret {
 public:
  Secret() = default;
  // Zero-filled secret of `size` bytes. Aborts if guarded memory is exhausted,
  // since continuing would leave key material in ordinary memory.
  explicit Secret(size_t size);
  // Copies `bytes` into guarded memory. The caller wipes its own copy.
  static Secret From(ByteView bytes);
  static Secret FromString(std::string_view s) { return From(AsBytes(s)); }

  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret();

  Secret Clone() const { return From(view()); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteView view() const { return ByteView(data_, size_); }
  std::span<uint8_t> span() { return std::span<uint8_t>(data_, size_); }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Wipes ordinary memory that briefly held a secret (e.g. a decoded buffer).
void Wipe(void* p, size_t n);
inline void Wipe(Bytes& b) {
  Wipe(b.data(), b.size());
  b.clear();
}
inline void Wipe(std::string& s) {
  Wipe(s.data(), s.size());
  s.clear();
}

}  // namespace waypost
