#include "cli/terminal.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace waypost::cli {
namespace {

constexpr char kTooLong[] = "the answer is too long";

using ReadOne = std::function<Result<Secret>(std::string_view prompt, size_t max_size)>;

// The loop both Terminal::ReadLines and DevTty share: lines from
// `read_one`, joined by '\n', while `more` asks for them.
Result<Secret> JoinLines(std::string_view prompt, std::string_view more_prompt, size_t max_size,
                         const MoreLines& more, const ReadOne& read_one) {
  Secret all(max_size);
  size_t len = 0;
  for (std::string_view p = prompt;; p = more_prompt) {
    WAYPOST_ASSIGN_OR_RETURN(Secret line, read_one(p, max_size - len));
    if (len > 0 && line.empty()) break;  // Enter alone ends a continued answer
    if (len > 0) {
      if (len + 1 + line.size() > max_size) return Status::InvalidArgument(kTooLong);
      all.data()[len++] = '\n';
    }
    if (!line.empty()) std::memcpy(all.data() + len, line.data(), line.size());
    len += line.size();
    if (!more || !more(std::string_view(reinterpret_cast<const char*>(all.data()), len))) {
      break;
    }
  }
  return Secret::From(ByteView(all.data(), len));
}

// /dev/tty for one answer, with echo off unless `echo`, restored when done.
class TtySession {
 public:
  explicit TtySession(bool echo) : fd_(::open("/dev/tty", O_RDWR | O_CLOEXEC)) {
    quiet_ = fd_ >= 0 && !echo && tcgetattr(fd_, &old_) == 0;
    if (quiet_) {
      termios quiet = old_;
      quiet.c_lflag &= ~tcflag_t(ECHO);
      tcsetattr(fd_, TCSAFLUSH, &quiet);
    }
  }
  ~TtySession() {
    if (quiet_) tcsetattr(fd_, TCSAFLUSH, &old_);
    if (fd_ >= 0) ::close(fd_);
  }
  TtySession(const TtySession&) = delete;
  TtySession& operator=(const TtySession&) = delete;

  bool open() const { return fd_ >= 0; }

  // Shows `prompt` and reads one line, without its "\n" or "\r\n".
  Result<Secret> ReadOne(std::string_view prompt, size_t max_size, bool echo) {
    (void)!::write(fd_, prompt.data(), prompt.size());
    Secret buf(max_size + 1);
    size_t len = 0;
    char c;
    while (len < buf.size() && ::read(fd_, &c, 1) == 1 && c != '\n') buf.data()[len++] = uint8_t(c);
    if (!echo) (void)!::write(fd_, "\n", 1);  // the Enter that was not shown
    if (len > max_size) return Status::InvalidArgument(kTooLong);
    if (len > 0 && buf.data()[len - 1] == '\r') --len;
    return Secret::From(ByteView(buf.data(), len));
  }

 private:
  int fd_;
  bool quiet_ = false;
  termios old_{};
};

}  // namespace

Result<Secret> Terminal::ReadLines(std::string_view prompt, std::string_view more_prompt,
                                   size_t max_size, bool echo, std::string_view no_terminal,
                                   const MoreLines& more) {
  return JoinLines(prompt, more_prompt, max_size, more, [&](std::string_view p, size_t max) {
    return ReadLine(p, max, echo, no_terminal);
  });
}

Result<Secret> DevTty::ReadLine(std::string_view prompt, size_t max_size, bool echo,
                                std::string_view no_terminal) {
  return ReadLines(prompt, "", max_size, echo, no_terminal, nullptr);
}

Result<Secret> DevTty::ReadLines(std::string_view prompt, std::string_view more_prompt,
                                 size_t max_size, bool echo, std::string_view no_terminal,
                                 const MoreLines& more) {
  TtySession tty(echo);
  if (!tty.open()) return Status::InvalidArgument(std::string(no_terminal));
  return JoinLines(prompt, more_prompt, max_size, more,
                   [&](std::string_view p, size_t max) { return tty.ReadOne(p, max, echo); });
}

}  // namespace waypost::cli
