#include "core/store/locked_heap.h"

#include <sodium.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace waypost::store {
namespace {

constexpr size_t kHeader = 16;  // keeps blocks 16-byte aligned, as malloc's
constexpr size_t kChunkSize = size_t{256} << 10;
constexpr size_t kSmallClasses = 16;  // 16, 32, ... 256
constexpr size_t kClasses = kSmallClasses + 8 * 4;
constexpr size_t kMaxClassSize = size_t{64} << 10;
constexpr uint32_t kLarge = UINT32_MAX;

constexpr size_t ClassSize(size_t c) {
  if (c < kSmallClasses) return (c + 1) * 16;
  size_t k = 8 + (c - kSmallClasses) / 4;
  size_t j = (c - kSmallClasses) % 4;
  return (size_t{1} << k) + (j + 1) * (size_t{1} << (k - 2));
}
static_assert(ClassSize(kSmallClasses - 1) == 256);
static_assert(ClassSize(kSmallClasses) == 320);
static_assert(ClassSize(kClasses - 1) == kMaxClassSize);

// The class of the smallest block that holds `n` bytes, 0 < n <= 64 KiB.
size_t ClassOf(size_t n) {
  if (n <= 256) return (n + 15) / 16 - 1;
  size_t k = 63 - static_cast<size_t>(__builtin_clzll(n - 1));  // 2^k < n <= 2^(k+1)
  size_t step = size_t{1} << (k - 2);
  size_t j = (n - (size_t{1} << k) + step - 1) / step - 1;
  return kSmallClasses + (k - 8) * 4 + j;
}

struct Header {
  uint32_t klass;   // a size class, or kLarge
  uint32_t locked;  // kLarge: whether the mapping is locked
  uint64_t length;  // the block's capacity; for kLarge, the mapping's length
};
static_assert(sizeof(Header) == kHeader);

struct State {
  std::mutex mutex;
  std::array<void*, kClasses> free_lists{};  // of user pointers; next in the first word
  unsigned char* chunk = nullptr;
  size_t chunk_left = 0;
  LockedHeapStats stats;
  bool installed = false;
};

State& GetState() {
  static State& state = *new State;  // never destroyed: SQLite may free at exit
  return state;
}

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

// A private anonymous mapping, kept out of core dumps; locked if the system
// agrees. nullptr if it cannot be mapped.
unsigned char* MapLocked(size_t length, bool* locked) {
  void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  (void)madvise(p, length, MADV_DONTDUMP);
  *locked = mlock(p, length) == 0;
  return static_cast<unsigned char*>(p);
}

Header* HeaderOf(void* user) {
  return reinterpret_cast<Header*>(static_cast<unsigned char*>(user) - kHeader);
}

void* AllocLarge(State& s, size_t n) {
  size_t length = (n + kHeader + PageSize() - 1) / PageSize() * PageSize();
  bool locked = false;
  unsigned char* block = MapLocked(length, &locked);
  if (block == nullptr) return nullptr;
  auto* header = reinterpret_cast<Header*>(block);
  header->klass = kLarge;
  header->locked = locked ? 1 : 0;
  header->length = length;
  s.stats.large_bytes += length;
  if (locked) s.stats.large_locked_bytes += length;
  ++s.stats.blocks_in_use;
  return block + kHeader;
}

void* AllocSmall(State& s, size_t n) {
  size_t c = ClassOf(n);
  if (void* user = s.free_lists[c]; user != nullptr) {
    std::memcpy(&s.free_lists[c], user, sizeof(void*));
    std::memset(user, 0, sizeof(void*));
    ++s.stats.blocks_in_use;
    return user;
  }
  size_t need = kHeader + ClassSize(c);
  if (s.chunk_left < need) {
    bool locked = false;
    unsigned char* chunk = MapLocked(kChunkSize, &locked);
    if (chunk == nullptr) return nullptr;
    s.stats.chunk_bytes += kChunkSize;
    if (locked) s.stats.locked_chunk_bytes += kChunkSize;
    s.chunk = chunk;  // the old chunk's tail, too small for this block, stays unused
    s.chunk_left = kChunkSize;
  }
  auto* header = reinterpret_cast<Header*>(s.chunk);
  header->klass = static_cast<uint32_t>(c);
  header->locked = 0;  // chunks are counted as a whole
  header->length = ClassSize(c);
  s.chunk += need;
  s.chunk_left -= need;
  ++s.stats.blocks_in_use;
  return reinterpret_cast<unsigned char*>(header) + kHeader;
}

void* Malloc(int size) {
  size_t n = size > 0 ? static_cast<size_t>(size) : 1;
  State& s = GetState();
  std::lock_guard lock(s.mutex);
  return n > kMaxClassSize ? AllocLarge(s, n) : AllocSmall(s, n);
}

void Free(void* user) {
  if (user == nullptr) return;
  Header* header = HeaderOf(user);
  State& s = GetState();
  if (header->klass == kLarge) {
    size_t length = header->length;
    bool locked = header->locked != 0;
    sodium_memzero(header, length);
    (void)munmap(header, length);  // unlocks it too
    std::lock_guard lock(s.mutex);
    s.stats.large_bytes -= length;
    if (locked) s.stats.large_locked_bytes -= length;
    --s.stats.blocks_in_use;
    return;
  }
  sodium_memzero(user, header->length);
  std::lock_guard lock(s.mutex);
  std::memcpy(user, &s.free_lists[header->klass], sizeof(void*));
  s.free_lists[header->klass] = user;
  --s.stats.blocks_in_use;
}

int Size(void* user) {
  if (user == nullptr) return 0;
  Header* header = HeaderOf(user);
  size_t capacity = header->klass == kLarge ? header->length - kHeader : header->length;
  return static_cast<int>(capacity);
}

void* Realloc(void* user, int size) {
  if (user == nullptr) return Malloc(size);
  if (size > 0 && static_cast<size_t>(size) <= static_cast<size_t>(Size(user))) return user;
  void* grown = Malloc(size);
  if (grown == nullptr) return nullptr;  // SQLite keeps the old block
  std::memcpy(grown, user, static_cast<size_t>(Size(user)));
  Free(user);  // wiped
  return grown;
}

int Roundup(int size) {
  size_t n = size > 0 ? static_cast<size_t>(size) : 1;
  if (n <= kMaxClassSize) return static_cast<int>(ClassSize(ClassOf(n)));
  return static_cast<int>((n + kHeader + PageSize() - 1) / PageSize() * PageSize() - kHeader);
}

int Init(void*) { return SQLITE_OK; }
void Shutdown(void*) {}

const sqlite3_mem_methods kMethods = {Malloc,  Free, Realloc,  Size,
                                      Roundup, Init, Shutdown, nullptr};

}  // namespace

bool InstallLockedHeap() {
  State& s = GetState();
  {
    std::lock_guard lock(s.mutex);
    if (s.installed) return true;
  }
  // SQLITE_MISUSE once SQLite was initialized: then nothing changes.
  if (sqlite3_config(SQLITE_CONFIG_MALLOC, &kMethods) != SQLITE_OK) return false;
  std::lock_guard lock(s.mutex);
  s.installed = true;
  return true;
}

bool LockedHeapInstalled() {
  State& s = GetState();
  std::lock_guard lock(s.mutex);
  return s.installed;
}

const sqlite3_mem_methods& LockedHeapMethods() { return kMethods; }

LockedHeapStats GetLockedHeapStats() {
  State& s = GetState();
  std::lock_guard lock(s.mutex);
  return s.stats;
}

}  // namespace waypost::store
