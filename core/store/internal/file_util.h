// Durable file updates for the store, built on Env (core/env.h), which does
// every file-system call and translates every errno.
#pragma once

#include <string>

#include "core/bytes.h"
#include "core/env.h"
#include "core/status.h"

namespace waypost::store::internal {

// True if anything is at `path` (Env::FileExists on Env::Default()).
bool PathExists(const std::string& path);

// The directory part of `path`: "." when it has none.
std::string DirOf(const std::string& path);

enum class WriteMode {
  kCreateNew,       // fail with AlreadyExists if `path` exists
  kReplaceExisting  // atomically replace whatever is at `path`
};

// Writes `data` to a temporary file beside `path` (Env::NewTempFile, mode
// 0600), syncs it, moves it into place (link() for kCreateNew, so an
// existing file is never clobbered; rename() otherwise), then syncs the
// directory (docs/storage.md §2, "Writes are atomic").
//
// After a crash, `path` holds the old contents or the new, never a mix; the
// temporary file may remain, whole or in part.
// After an error:
//   - kCreateNew: nothing is at `path` and the temporary file is gone,
//     unless removing one of them failed as well.
//   - kReplaceExisting: `path` holds the old contents; or, when only the
//     final directory sync failed, the new ones, and the message begins
//     "<path> was replaced, but" (a power loss might still bring the old
//     contents back).
Status WriteFileAtomically(Env& env, const std::string& path, ByteView data, WriteMode mode);

// rename(from, to), then syncs the directory of `to`. `*moved` tells whether
// the rename took effect, even when the sync then failed; that error's
// message begins "<to> was replaced, but".
Status MoveIntoPlace(Env& env, const std::string& from, const std::string& to, bool* moved);

}  // namespace waypost::store::internal
