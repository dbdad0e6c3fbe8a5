// The heap SQLCipher allocates from in a node's process: locked against
// swapping, and wiped the moment a block is freed.
//
// A node's decrypted pages hold names, notes, codes and keys, so SQLite's
// memory must never reach swap and must not linger once freed. SQLCipher's
// own answer (`cipher_memory_security`) makes an mlock and an munlock system
// call for every allocation, some 660 per envelope a sync opens, which was
// most of a coordinator's sync. This heap locks memory 256 KiB at a time
// instead and keeps freed blocks, wiped, for reuse (docs/storage.md §4.0,
// SECURITY.md "The process").
//
// Layout: blocks of 48 size classes (16-byte steps up to 256 bytes, then
// four steps per doubling up to 64 KiB) are carved from locked chunks and
// kept on a free list per class once freed; a larger block is a locked
// mapping of its own, wiped and unmapped when freed. Memory in the free
// lists is not returned to the system before the process ends: a node's
// processes are short-lived (one command), and a relay does not use this
// heap. Where RLIMIT_MEMLOCK refuses a lock, memory stays usable, unlocked,
// as with SQLCipher's own mlock calls; LockedHeapStats() tells.
//
// Thread-safe (one mutex).
#pragma once

#include <sqlcipher/sqlite3.h>

#include <cstddef>

namespace waypost::store {

// Makes this heap SQLite's allocator (SQLITE_CONFIG_MALLOC). Only possible
// before SQLite is first initialized in the process (the first connection
// opened); false if it was too late, and then nothing changed. Idempotent:
// true again once installed.
bool InstallLockedHeap();
bool LockedHeapInstalled();

// The allocator itself, for tests that drive it directly.
const sqlite3_mem_methods& LockedHeapMethods();

struct LockedHeapStats {
  size_t chunk_bytes = 0;         // mapped for small blocks
  size_t locked_chunk_bytes = 0;  // of which the system agreed to lock
  size_t large_bytes = 0;         // mapped for blocks above 64 KiB, now
  size_t large_locked_bytes = 0;  // of which locked
  size_t blocks_in_use = 0;
};
LockedHeapStats GetLockedHeapStats();

}  // namespace waypost::store
