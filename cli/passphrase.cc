#include "cli/passphrase.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace waypost::cli {
namespace {

constexpr size_t kMaxPassphrase = 1024;

// Drops one trailing newline (files written by `echo`).
Secret Trimmed(const char* data, size_t len) {
  if (len > 0 && data[len - 1] == '\n') --len;
  if (len > 0 && data[len - 1] == '\r') --len;
  return Secret::From(ByteView(reinterpret_cast<const uint8_t*>(data), len));
}

Result<Secret> FromFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("cannot read passphrase file " + path + ": " + std::strerror(errno));
  Secret buf(kMaxPassphrase + 1);
  size_t len = 0;
  while (len < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += size_t(n);
  }
  ::close(fd);
  if (len > kMaxPassphrase) return Status::InvalidArgument("passphrase file is too long");
  return Trimmed(reinterpret_cast<const char*>(buf.data()), len);
}

Result<Secret> Prompt(const char* question) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return Status::InvalidArgument(
        "no passphrase: set WAYPOST_PASSPHRASE, use --passphrase-file, or run on a terminal");
  }
  termios old{};
  const bool is_tty = tcgetattr(fd, &old) == 0;
  if (is_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, question, std::strlen(question));
  Secret buf(kMaxPassphrase + 1);
  size_t len = 0;
  char c;
  while (len < buf.size() && ::read(fd, &c, 1) == 1 && c != '\n') buf.data()[len++] = uint8_t(c);
  if (is_tty) tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  if (len > kMaxPassphrase) return Status::InvalidArgument("passphrase is too long");
  return Trimmed(reinterpret_cast<const char*>(buf.data()), len);
}

Status CheckStrength(const Secret& p) {
  if (p.size() < kMinPassphraseChars) {
    return Status::InvalidArgument(
        "passphrase too short: use at least 12 characters (`waypost init "
        "--suggest-passphrase` prints a random one)");
  }
  return Status::Ok();
}

}  // namespace

Result<Secret> ReadPassphrase(const std::optional<std::string>& file) {
  if (file) return FromFile(*file);
  if (const char* env = std::getenv("WAYPOST_PASSPHRASE")) return Trimmed(env, std::strlen(env));
  return Prompt("Passphrase: ");
}

Result<Secret> ReadNewPassphrase(const std::optional<std::string>& file, bool fallback_to_current) {
  if (const char* env = std::getenv("WAYPOST_NEW_PASSPHRASE")) {
    Secret p = Trimmed(env, std::strlen(env));
    WAYPOST_RETURN_IF_ERROR(CheckStrength(p));
    return p;
  }
  if (fallback_to_current && (file || std::getenv("WAYPOST_PASSPHRASE"))) {
    WAYPOST_ASSIGN_OR_RETURN(Secret p, ReadPassphrase(file));
    WAYPOST_RETURN_IF_ERROR(CheckStrength(p));
    return p;
  }
  WAYPOST_ASSIGN_OR_RETURN(Secret first, Prompt("New passphrase: "));
  WAYPOST_RETURN_IF_ERROR(CheckStrength(first));
  WAYPOST_ASSIGN_OR_RETURN(Secret second, Prompt("Repeat new passphrase: "));
  if (!ConstantTimeEqual(first.view(), second.view())) {
    return Status::InvalidArgument("the two passphrases differ");
  }
  return first;
}

}  // namespace waypost::cli
