#include "core/store/internal/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace waypost::store::internal {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::IoError(what + " " + path + ": " + std::strerror(errno));
}

std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteAll(int fd, ByteView data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot write", path);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot sync directory", dir);
  return Status::Ok();
}

// Creates, fills and syncs the temporary file; returns its path.
Result<std::string> WriteTemp(const std::string& path, ByteView data) {
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Errno("cannot create temporary file next to", path);
  Status status = Status::Ok();
  if (::fchmod(fd, 0600) != 0) status = Errno("cannot chmod", tmp);
  if (status.ok()) status = WriteAll(fd, data, tmp);
  if (status.ok() && ::fsync(fd) != 0) status = Errno("cannot sync", tmp);
  if (::close(fd) != 0 && status.ok()) status = Errno("cannot close", tmp);
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return tmp;
}

}  // namespace

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

Result<Bytes> ReadSmallFile(const std::string& path, size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no file at " + path);
    return Errno("cannot open", path);
  }
  Bytes out;
  uint8_t buf[4096];
  Status status = Status::Ok();
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = Errno("cannot read", path);
      break;
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_size) {
      status = Status::Corrupt(path + " is larger than expected");
      break;
    }
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  if (!status.ok()) return status;
  return out;
}

Status WriteFileAtomically(const std::string& path, ByteView data, WriteMode mode) {
  if (mode == WriteMode::kCreateNew && PathExists(path)) {
    return Status::AlreadyExists(path + " already exists");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(path, data));
  int rc = mode == WriteMode::kCreateNew ? ::link(tmp.c_str(), path.c_str())
                                         : ::rename(tmp.c_str(), path.c_str());
  int saved = errno;
  // After link() the data lives on under `path`; after a failure it is junk.
  if (mode == WriteMode::kCreateNew || rc != 0) ::unlink(tmp.c_str());
  if (rc != 0) {
    errno = saved;
    if (saved == EEXIST) return Status::AlreadyExists(path + " already exists");
    return Errno("cannot move into place", path);
  }
  return SyncDir(DirOf(path));
}

Status MakeDirs(const std::string& path, unsigned mode) {
  if (path.empty()) return Status::InvalidArgument("empty directory path");
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return Errno("cannot create directory", prefix);
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Errno("cannot stat", path);
  if (!S_ISDIR(st.st_mode)) return Status::IoError(path + " exists and is not a directory");
  return Status::Ok();
}

}  // namespace waypost::store::internal
