// The POSIX Env (env.h), and the one place where an errno becomes a Status.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/env.h"

namespace waypost {
namespace {

// The errno values that a method's contract (env.h) gives a code of their
// own. Every other errno is IoError.
enum ErrnoCases : unsigned {
  kOnlyIoError = 0,
  kMissingIsNotFound = 1u << 0,     // ENOENT
  kNotDirIsNotFound = 1u << 1,      // ENOTDIR: a parent is not a directory
  kTakenIsAlreadyExists = 1u << 2,  // EEXIST
};

// The one translation of an errno into a Status: "<what> <path>: <reason>".
Status ErrnoStatus(int err, const char* what, const std::string& path,
                   unsigned cases = kOnlyIoError) {
  if (((cases & kMissingIsNotFound) != 0 && err == ENOENT) ||
      ((cases & kNotDirIsNotFound) != 0 && err == ENOTDIR)) {
    return Status::NotFound("no file at " + path);
  }
  if ((cases & kTakenIsAlreadyExists) != 0 && err == EEXIST) {
    return Status::AlreadyExists(path + " already exists");
  }
  return Status::IoError(std::string(what) + " " + path + ": " + std::strerror(err));
}

class PosixWritableFile final : public WritableFile {
 public:
  // `write_what` names a failed write: "cannot write" for a new file,
  // "cannot overwrite" for one destroyed in place.
  PosixWritableFile(int fd, std::string path, const char* write_what)
      : fd_(fd), path_(std::move(path)), write_what_(write_what) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  const std::string& path() const override { return path_; }

  Status WriteAt(uint64_t offset, ByteView data) override {
    for (size_t done = 0; done < data.size();) {
      const ssize_t n =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus(errno, write_what_, path_);
      if (n == 0) return ErrnoStatus(EIO, write_what_, path_);  // would loop forever
      done += static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fsync(fd_) != 0) return ErrnoStatus(errno, "cannot sync", path_);
    return Status::Ok();
  }

  Status Close() override {
    const int fd = std::exchange(fd_, -1);
    if (fd >= 0 && ::close(fd) != 0) return ErrnoStatus(errno, "cannot close", path_);
    return Status::Ok();
  }

 private:
  int fd_;
  const std::string path_;
  const char* const write_what_;
};

class PosixEnv final : public Env {
 public:
  bool FileExists(const std::string& path) override {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }

  Result<Bytes> ReadSmallFile(const std::string& path, size_t max_size) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "cannot open", path, kMissingIsNotFound);
    Result<Bytes> out = ReadUpTo(fd, path, max_size);
    ::close(fd);
    return out;
  }

  Result<Secret> ReadSecretFile(const std::string& path, size_t max_size) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "cannot open", path, kMissingIsNotFound);
    Secret buf(max_size + 1);  // one more, to tell "too large" from "full"
    size_t len = 0;
    Status status = Status::Ok();
    while (len < buf.size()) {
      const ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) status = ErrnoStatus(errno, "cannot read", path);
      if (n <= 0) break;
      len += static_cast<size_t>(n);
    }
    ::close(fd);
    WAYPOST_RETURN_IF_ERROR(status);
    if (len > max_size) return Status::Corrupt(path + " is larger than expected");
    return Secret::From(ByteView(buf.data(), len));
  }

  Result<std::unique_ptr<WritableFile>> NewTempFile(const std::string& path) override {
    std::string tmp = path + ".tmp-XXXXXX";
    const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "cannot create temporary file next to", path);
    if (::fchmod(fd, 0600) != 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());  // "on failure nothing is created"
      return ErrnoStatus(err, "cannot chmod", tmp);
    }
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, tmp, "cannot write"));
  }

  Result<std::unique_ptr<WritableFile>> OpenForOverwrite(const std::string& path,
                                                         uint64_t* size) override {
    // O_NOFOLLOW: a symbolic link fails with ELOOP instead of being followed.
    // O_NONBLOCK: a FIFO without a reader fails with ENXIO instead of waiting.
    const int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && (errno == ELOOP || errno == ENXIO)) return std::unique_ptr<WritableFile>();
    if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
    std::unique_ptr<WritableFile> file(new PosixWritableFile(fd, path, "cannot overwrite"));
    struct stat st;
    if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
    if (!S_ISREG(st.st_mode)) return std::unique_ptr<WritableFile>();
    *size = static_cast<uint64_t>(st.st_size);
    return file;
  }

  Status LinkFile(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) == 0) return Status::Ok();
    return ErrnoStatus(errno, "cannot move into place", to, kTakenIsAlreadyExists);
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) == 0) return Status::Ok();
    return ErrnoStatus(errno, "cannot remove", path, kMissingIsNotFound);
  }

  Status SyncDir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "cannot open directory", dir);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus(err, "cannot sync directory", dir);
    return Status::Ok();
  }

  Status CreateDirs(const std::string& path, unsigned mode) override {
    if (path.empty()) return Status::InvalidArgument("empty directory path");
    for (size_t pos = 1; pos <= path.size(); ++pos) {
      if (pos != path.size() && path[pos] != '/') continue;
      const std::string prefix = path.substr(0, pos);
      // EEXIST: something is there already; the stat below checks what.
      if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "cannot create directory", prefix);
      }
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
    if (!S_ISDIR(st.st_mode)) return Status::IoError(path + " exists and is not a directory");
    return Status::Ok();
  }

  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) {
      return ErrnoStatus(errno, "cannot list", dir, kMissingIsNotFound | kNotDirIsNotFound);
    }
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(handle)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(handle);
    return names;
  }

 private:
  static Result<Bytes> ReadUpTo(int fd, const std::string& path, size_t max_size) {
    Bytes out;
    uint8_t buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus(errno, "cannot read", path);
      if (n == 0) return out;
      if (out.size() + static_cast<size_t>(n) > max_size) {
        return Status::Corrupt(path + " is larger than expected");
      }
      out.insert(out.end(), buf, buf + n);
    }
  }
};

}  // namespace

Env& Env::Default() {
  static PosixEnv* const env = new PosixEnv();  // never destroyed: see env.h
  return *env;
}

}  // namespace waypost
