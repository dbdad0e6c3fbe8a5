#include "core/secret.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace waypost {

Secret::Secret(size_t size) : size_(size) {
  // sodium_malloc needs sodium_init; a magic static makes it once, safely.
  static const bool sodium_ready = sodium_init() >= 0;
  if (!sodium_ready) std::abort();
  if (size == 0) return;
  data_ = static_cast<uint8_t*>(sodium_malloc(size));
  if (data_ == nullptr) std::abort();
  std::memset(data_, 0, size);
}

Secret Secret::From(ByteView bytes) {
  Secret s(bytes.size());
  if (!bytes.empty()) std::memcpy(s.data_, bytes.data(), bytes.size());
  return s;
}

Secret::Secret(Secret&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Secret::~Secret() {
  if (data_ != nullptr) sodium_free(data_);  // wipes before freeing
}

void Wipe(void* p, size_t n) {
  if (p != nullptr && n > 0) sodium_memzero(p, n);
}

}  // namespace waypost
