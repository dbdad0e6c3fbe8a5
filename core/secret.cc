#include "core/secret.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

namespace waypost {
namespace {

// Small secrets (keys, chain keys, hashes: at most kSlotSize bytes) come from
// slots carved out of large sodium_malloc() regions: locked against swapping
// and fenced by guard pages like any guarded allocation, but one region per
// kSlotsPerRegion secrets instead of an mmap, mprotect and mlock per secret.
// That system-call work cost about 38 microseconds per Secret, several per
// sealed or opened envelope. A freed slot is wiped at once and reused;
// regions are kept for the life of the process. Larger secrets (passphrases,
// database keys in text form) still get a guarded allocation each.
// SECURITY.md, "The process", says what this gives up.
constexpr size_t kSlotSize = 64;
constexpr size_t kSlotsPerRegion = 1024;  // 64 KiB per region

class SlotPool {
 public:
  uint8_t* Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) Grow();
    uint8_t* slot = free_.back();
    free_.pop_back();
    return slot;
  }

  void Give(uint8_t* slot) {
    sodium_memzero(slot, kSlotSize);
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(slot);
  }

 private:
  void Grow() {
    auto* region = static_cast<uint8_t*>(sodium_malloc(kSlotSize * kSlotsPerRegion));
    if (region == nullptr) std::abort();
    std::memset(region, 0, kSlotSize * kSlotsPerRegion);
    free_.reserve(free_.size() + kSlotsPerRegion);
    for (size_t i = kSlotsPerRegion; i-- > 0;) free_.push_back(region + i * kSlotSize);
  }

  std::mutex mu_;
  std::vector<uint8_t*> free_;
};

SlotPool& Pool() {
  // Never destroyed: Secrets with static storage may outlive any other static.
  static SlotPool* pool = new SlotPool();
  return *pool;
}

void Release(uint8_t* data, size_t size) {
  if (data == nullptr) return;
  if (size <= kSlotSize) {
    Pool().Give(data);
  } else {
    sodium_free(data);  // wipes before freeing
  }
}

}  // namespace

Secret::Secret(size_t size) : size_(size) {
  // sodium_malloc needs sodium_init; a magic static makes it once, safely.
  static const bool sodium_ready = sodium_init() >= 0;
  if (!sodium_ready) std::abort();
  if (size == 0) return;
  if (size <= kSlotSize) {
    data_ = Pool().Take();  // already zero
    return;
  }
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
    Release(data_, size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Secret::~Secret() { Release(data_, size_); }

void Wipe(void* p, size_t n) {
  if (p != nullptr && n > 0) sodium_memzero(p, n);
}

}  // namespace waypost
