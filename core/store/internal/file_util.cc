#include "core/store/internal/file_util.h"

#include <memory>
#include <utility>

namespace waypost::store::internal {
namespace {

// Creates, fills, syncs and closes the temporary file; returns its path. On
// failure it is removed again (a crash may leave it: docs/storage.md §2).
Result<std::string> WriteTemp(Env& env, const std::string& path, ByteView data) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env.NewTempFile(path));
  const std::string tmp = file->path();
  Status status = file->WriteAt(0, data);
  if (status.ok()) status = file->Sync();
  Status closed = file->Close();
  if (status.ok()) status = std::move(closed);
  if (!status.ok()) {
    (void)env.RemoveFile(tmp);  // best effort: the first error is the one to report
    return status;
  }
  return tmp;
}

// link() never clobbers an existing `path`. Once linked, the temporary name
// is removed and the directory synced; if either fails, `path` is removed
// again, so that a failed create leaves nothing behind (key_file.h) and no
// second copy of a key file outlives a failure unnoticed.
Status LinkIntoPlace(Env& env, const std::string& tmp, const std::string& path) {
  Status status = env.LinkFile(tmp, path);
  if (!status.ok()) {
    (void)env.RemoveFile(tmp);
    return status;
  }
  status = env.RemoveFile(tmp);
  if (status.ok()) status = env.SyncDir(DirOf(path));
  if (!status.ok()) (void)env.RemoveFile(path);
  return status;
}

}  // namespace

bool PathExists(const std::string& path) { return Env::Default().FileExists(path); }

std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteFileAtomically(Env& env, const std::string& path, ByteView data, WriteMode mode) {
  if (mode == WriteMode::kCreateNew && env.FileExists(path)) {
    return Status::AlreadyExists(path + " already exists");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(env, path, data));
  if (mode == WriteMode::kCreateNew) return LinkIntoPlace(env, tmp, path);
  bool moved = false;
  Status status = MoveIntoPlace(env, tmp, path, &moved);
  if (!moved) (void)env.RemoveFile(tmp);
  return status;
}

Status MoveIntoPlace(Env& env, const std::string& from, const std::string& to, bool* moved) {
  *moved = false;
  WAYPOST_RETURN_IF_ERROR(env.RenameFile(from, to));
  *moved = true;
  Status synced = env.SyncDir(DirOf(to));
  if (synced.ok()) return synced;
  return Status::IoError(to + " was replaced, but " + synced.message());
}

}  // namespace waypost::store::internal
