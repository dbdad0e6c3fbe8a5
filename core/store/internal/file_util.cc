#include "core/store/internal/file_util.h"

#include <algorithm>
#include <array>
#include <memory>
#include <span>
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

// One pass over the whole file: `random` bytes, or zeros when it is null;
// then fsync.
Status OverwritePass(WritableFile& file, uint64_t size, Random* random) {
  std::array<uint8_t, 4096> buf{};
  for (uint64_t done = 0; done < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size - done, buf.size()));
    if (random != nullptr) random->Fill(std::span<uint8_t>(buf.data(), n));
    WAYPOST_RETURN_IF_ERROR(file.WriteAt(done, ByteView(buf.data(), n)));
    done += n;
  }
  return file.Sync();
}

}  // namespace

Status OverwriteInPlace(Env& env, const std::string& path, Random* random) {
  uint64_t size = 0;
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env.OpenForOverwrite(path, &size));
  if (file == nullptr) return Status::Ok();
  Status status = random != nullptr ? OverwritePass(*file, size, random) : Status::Ok();
  if (status.ok()) status = OverwritePass(*file, size, nullptr);
  Status closed = file->Close();
  return status.ok() ? closed : status;
}

bool PathExists(const std::string& path) { return Env::Default().FileExists(path); }

std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteFileAtomically(Env& env, const std::string& path, ByteView data) {
  if (env.FileExists(path)) return Status::AlreadyExists(path + " already exists");
  WAYPOST_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(env, path, data));
  return LinkIntoPlace(env, tmp, path);
}

}  // namespace waypost::store::internal
