// Crypto-shredding (panic.h). Plain POSIX calls only: no SQLite, no locks,
// nothing that could wait on another process.
#include "core/store/panic.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "core/store/home.h"

namespace waypost::store {
namespace {

// Suffixes SQLite may put beside the database: write-ahead log, its shared
// memory index, the rollback journal, and super-journals ("-mj" + random).
constexpr std::array<std::string_view, 4> kDatabaseSideFiles = {"-wal", "-shm", "-journal", "-mj"};

// Remembers the first failure; later steps still run.
class FirstError {
 public:
  void Note(const Status& status) {
    if (status_.ok() && !status.ok()) status_ = status;
  }
  void Errno(const std::string& what, const std::string& path) {
    Note(Status::IoError(what + " " + path + ": " + std::strerror(errno)));
  }
  const Status& status() const { return status_; }

 private:
  Status status_ = Status::Ok();
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// waypost.key itself, or a copy beside it: "waypost.key.tmp-XXXXXX" from an
// interrupted atomic write (file_util.cc), "waypost.key.rotating" from an
// interrupted `passwd --rotate` (passwd.h). Any "waypost.key.*" counts, so a
// copy named by a later feature is not missed.
bool IsKeyFileCopy(std::string_view name) {
  return name == kKeyFileName || StartsWith(name, std::string(kKeyFileName) + ".");
}

// Either database (home.h: the main store and the decoy) or a side file.
bool IsDatabaseFile(std::string_view name) {
  return std::any_of(kDatabaseFileNames.begin(), kDatabaseFileNames.end(), [&](std::string_view db) {
    if (name == db) return true;
    return std::any_of(kDatabaseSideFiles.begin(), kDatabaseSideFiles.end(), [&](auto suffix) {
      return StartsWith(name, std::string(db) + std::string(suffix));
    });
  });
}

struct Victims {
  std::vector<std::string> key_files;  // waypost.key first
  std::vector<std::string> db_files;
};

// Lists the store's files by name only (readdir does not open them).
Result<Victims> ListVictims(const std::string& home) {
  DIR* dir = ::opendir(home.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::NotFound("no store at " + home);
    return Status::IoError("cannot list " + home + ": " + std::strerror(errno));
  }
  Victims v;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (IsKeyFileCopy(name)) v.key_files.push_back(home + "/" + name);
    if (IsDatabaseFile(name)) v.db_files.push_back(home + "/" + name);
  }
  ::closedir(dir);
  // The live key file matters most: it goes first.
  std::stable_partition(v.key_files.begin(), v.key_files.end(),
                        [&](const std::string& p) { return p == KeyFilePath(home); });
  return v;
}

Status WriteFully(int fd, const std::string& path, off_t size, Random* random) {
  std::array<uint8_t, 4096> buf{};
  for (off_t done = 0; done < size;) {
    const size_t n =
        static_cast<size_t>(std::min<off_t>(size - done, static_cast<off_t>(buf.size())));
    if (random != nullptr) random->Fill(std::span<uint8_t>(buf.data(), n));
    const ssize_t w = ::pwrite(fd, buf.data(), n, done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return Status::IoError("cannot overwrite " + path + ": " + std::strerror(errno));
    done += w;
  }
  if (::fsync(fd) != 0) return Status::IoError("cannot sync " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

// Random bytes, fsync, zeros, fsync. On flash or copy-on-write file systems
// the old blocks may survive this; the overwrite is defence in depth, and
// SECURITY.md says why the key file's small size is what really counts.
Status Overwrite(const std::string& path, Random& random) {
  // O_NOFOLLOW: a symlink planted under this name is unlinked, not followed.
  // O_NONBLOCK: a FIFO planted here cannot make us wait.
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP || errno == ENXIO) return Status::Ok();  // not a regular file
    return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  Status status = Status::Ok();
  if (::fstat(fd, &st) != 0) {
    status = Status::IoError("cannot stat " + path + ": " + std::strerror(errno));
  } else if (S_ISREG(st.st_mode)) {
    status = WriteFully(fd, path, st.st_size, &random);
    if (status.ok()) status = WriteFully(fd, path, st.st_size, nullptr);
  }
  ::close(fd);
  return status;
}

void Unlink(const std::string& path, FirstError& errors) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) errors.Errno("cannot remove", path);
}

void SyncDir(const std::string& dir, FirstError& errors) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errors.Errno("cannot open directory", dir);
  if (::fsync(fd) != 0) errors.Errno("cannot sync directory", dir);
  ::close(fd);
}

}  // namespace

Status Panic(const std::string& home, Random& random) {
  WAYPOST_ASSIGN_OR_RETURN(Victims victims, ListVictims(home));
  if (victims.key_files.empty() && victims.db_files.empty()) {
    return Status::NotFound("no store at " + home);
  }
  FirstError errors;
  // 1. The key. Even if the overwrite fails, the unlink still goes ahead:
  //    without its name the file cannot be unlocked by any later `waypost`.
  for (const std::string& path : victims.key_files) {
    errors.Note(Overwrite(path, random));
    Unlink(path, errors);
  }
  SyncDir(home, errors);
  // 2. The database. It is ciphertext under a key that no longer exists, so
  //    it is only unlinked; overwriting megabytes would cost time a helper at
  //    a checkpoint may not have, and on flash it would not reliably reach
  //    the old blocks anyway. Unlinking works even while another process has
  //    the file open or locked.
  for (const std::string& path : victims.db_files) Unlink(path, errors);
  SyncDir(home, errors);
  return errors.status();
}

}  // namespace waypost::store
