// Durable file updates for the store, built on Env (core/env.h), which does
// every file-system call and translates every errno.
#pragma once

#include <string>

#include "core/bytes.h"
#include "core/env.h"
#include "core/random.h"
#include "core/status.h"

namespace waypost::store::internal {

// True if anything is at `path` (Env::FileExists on Env::Default()).
bool PathExists(const std::string& path);

// The directory part of `path`: "." when it has none.
std::string DirOf(const std::string& path);

// Creates the file at `path`, which must be free, with `data`: writes a
// temporary file beside it (Env::NewTempFile, mode 0600), syncs it, links it
// into place (link() never clobbers an existing file), removes the temporary
// name and syncs the directory (docs/storage.md §2). The link is the one
// moment the file appears, whole.
//
// After a crash, nothing is at `path` or all of `data` is; the temporary
// file may remain, whole or in part. After an error: AlreadyExists if
// something was at `path`; otherwise nothing is at `path` and the temporary
// file is gone, unless removing one of them failed as well.
Status WriteFileAtomically(Env& env, const std::string& path, ByteView data);

// Overwrites the file at `path` in place, in its own blocks: a pass of
// `random` bytes then fsync, unless `random` is null, then a pass of zeros
// then fsync. A symbolic link, a FIFO or anything else that is not a regular
// file is left alone (OK). On flash or copy-on-write file systems the old
// blocks may survive this (SECURITY.md).
Status OverwriteInPlace(Env& env, const std::string& path, Random* random);

}  // namespace waypost::store::internal
