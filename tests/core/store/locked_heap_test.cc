// The locked heap (core/store/locked_heap.h): SQLite's allocator in a
// node's process. Freed blocks are wiped before anything else can have them,
// memory is locked where the system allows, and a node's store really
// allocates from it.
#include "core/store/locked_heap.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/store/database.h"
#include "tests/kit/status.h"
#include "tests/kit/temp_dir.h"

namespace waypost::store {
namespace {

const sqlite3_mem_methods& Heap() { return LockedHeapMethods(); }

// Whether this process may lock what the heap maps (root, or a high limit).
bool MayLockPlenty() {
  struct rlimit limit {};
  return geteuid() == 0 ||
         (getrlimit(RLIMIT_MEMLOCK, &limit) == 0 &&
          (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= (size_t{256} << 20)));
}

// VmLck from /proc/self/status, in bytes.
size_t LockedBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmLck:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

bool AllZero(const unsigned char* p, size_t n) {
  return std::all_of(p, p + n, [](unsigned char b) { return b == 0; });
}

TEST(LockedHeapTest, AFreedBlockIsWipedAndComesBackEmpty) {
  for (int size : {1, 100, 256, 300, 4096 + 200, 65536}) {
    auto* p = static_cast<unsigned char*>(Heap().xMalloc(size));
    ASSERT_NE(p, nullptr);
    int capacity = Heap().xSize(p);
    ASSERT_GE(capacity, size);
    std::memset(p, 0xA5, static_cast<size_t>(capacity));
    Heap().xFree(p);
    // The block stays mapped on its free list; past the list's link (its
    // first word) nothing of the old contents remains.
    EXPECT_TRUE(AllZero(p + sizeof(void*), static_cast<size_t>(capacity) - sizeof(void*))) << size;
    auto* again = static_cast<unsigned char*>(Heap().xMalloc(size));
    EXPECT_EQ(again, p) << "the same class hands back its last freed block";
    EXPECT_TRUE(AllZero(again, static_cast<size_t>(capacity))) << size;
    Heap().xFree(again);
  }
}

TEST(LockedHeapTest, ReallocKeepsTheContentsAndWipesTheOldBlock) {
  auto* small = static_cast<unsigned char*>(Heap().xMalloc(40));
  ASSERT_NE(small, nullptr);
  int small_capacity = Heap().xSize(small);
  for (int i = 0; i < small_capacity; ++i) small[i] = static_cast<unsigned char>(i + 1);
  // Within its capacity the block stays where it is.
  EXPECT_EQ(Heap().xRealloc(small, small_capacity), small);
  auto* grown = static_cast<unsigned char*>(Heap().xRealloc(small, 5000));
  ASSERT_NE(grown, nullptr);
  ASSERT_NE(grown, small);
  for (int i = 0; i < small_capacity; ++i) ASSERT_EQ(grown[i], static_cast<unsigned char>(i + 1));
  EXPECT_TRUE(AllZero(small + sizeof(void*), static_cast<size_t>(small_capacity) - sizeof(void*)));
  auto* large = static_cast<unsigned char*>(Heap().xRealloc(grown, 200000));
  ASSERT_NE(large, nullptr);
  EXPECT_EQ(large[4999], grown[4999]);
  Heap().xFree(large);
}

TEST(LockedHeapTest, SizesRoundUpByAQuarterAtMost) {
  for (int n = 1; n <= 300000; n += (n < 1024 ? 1 : 97)) {
    int rounded = Heap().xRoundup(n);
    ASSERT_GE(rounded, n);
    ASSERT_LE(rounded, n + n / 4 + 4096) << n;
    if (n % 7 == 0) {  // what xRoundup promises is what xMalloc gives
      void* p = Heap().xMalloc(n);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(Heap().xSize(p), rounded) << n;
      Heap().xFree(p);
    }
  }
}

TEST(LockedHeapTest, LargeBlocksAreMappedOnTheirOwnAndReturned) {
  LockedHeapStats before = GetLockedHeapStats();
  void* p = Heap().xMalloc(300000);
  ASSERT_NE(p, nullptr);
  LockedHeapStats during = GetLockedHeapStats();
  EXPECT_GE(during.large_bytes - before.large_bytes, size_t{300000});
  if (MayLockPlenty()) {
    EXPECT_EQ(during.large_locked_bytes - before.large_locked_bytes,
              during.large_bytes - before.large_bytes);
  }
  Heap().xFree(p);
  LockedHeapStats after = GetLockedHeapStats();
  EXPECT_EQ(after.large_bytes, before.large_bytes);
  EXPECT_EQ(after.large_locked_bytes, before.large_locked_bytes);
  EXPECT_EQ(after.blocks_in_use, before.blocks_in_use);
}

TEST(LockedHeapTest, ThreadsShareItSafely) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      std::vector<unsigned char*> held;
      for (int i = 0; i < 5000; ++i) {
        int size = 1 + (i * 37 + t * 101) % 9000;
        auto* p = static_cast<unsigned char*>(Heap().xMalloc(size));
        ASSERT_NE(p, nullptr);
        std::memset(p, t + 1, static_cast<size_t>(size));
        held.push_back(p);
        if (held.size() > 50) {
          unsigned char* old = held.front();
          held.erase(held.begin());
          ASSERT_EQ(old[0], t + 1) << "another thread wrote into this block";
          Heap().xFree(old);
        }
      }
      for (unsigned char* p : held) Heap().xFree(p);
    });
  }
  for (auto& thread : threads) thread.join();
}

TEST(LockedHeapTest, ANodeStoreAllocatesFromItLocked) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(Database db,
                       Database::Open(dir.File("node.db"), Secret::From(Bytes(32, 7))));
  ASSERT_TRUE(LockedHeapInstalled());
  ASSERT_OK(db.Exec("CREATE TABLE t (x BLOB);"));
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK(db.Run("INSERT INTO t (x) VALUES (?);", Bytes(500, static_cast<uint8_t>(i))));
  }
  LockedHeapStats stats = GetLockedHeapStats();
  EXPECT_GT(stats.blocks_in_use, 0u) << "SQLite allocates elsewhere";
  EXPECT_GT(stats.chunk_bytes, 0u);
  if (MayLockPlenty()) {
    EXPECT_EQ(stats.locked_chunk_bytes, stats.chunk_bytes);
    EXPECT_GE(LockedBytes(), stats.locked_chunk_bytes) << "the kernel does not count them locked";
  } else {
    GTEST_LOG_(INFO) << "RLIMIT_MEMLOCK too low to check locking: " << stats.locked_chunk_bytes
                     << " of " << stats.chunk_bytes << " bytes locked";
  }
}

}  // namespace
}  // namespace waypost::store
