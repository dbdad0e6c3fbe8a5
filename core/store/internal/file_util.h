// Small POSIX file helpers for the store. Every errno is translated here.
#pragma once

#include <cstddef>
#include <string>

#include "core/bytes.h"
#include "core/status.h"

namespace waypost::store::internal {

bool PathExists(const std::string& path);

// Reads a whole regular file of at most `max_size` bytes.
// Errors: NotFound (missing), Corrupt (larger than max_size), IoError.
Result<Bytes> ReadSmallFile(const std::string& path, size_t max_size);

enum class WriteMode {
  kCreateNew,       // fail with AlreadyExists if `path` exists
  kReplaceExisting  // atomically replace whatever is at `path`
};

// Writes `data` to a temporary file in the same directory with mode 0600,
// fsyncs it, moves it into place (link() for kCreateNew, so an existing file
// is never clobbered; rename() otherwise), then fsyncs the directory. After a
// crash `path` holds either the old contents or the new, never a mix. On
// failure the temporary file is removed.
Status WriteFileAtomically(const std::string& path, ByteView data, WriteMode mode);

// mkdir -p; directories it creates get `mode`.
Status MakeDirs(const std::string& path, unsigned mode);

}  // namespace waypost::store::internal
