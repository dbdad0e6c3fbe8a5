#include "cli/terminal.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace waypost::cli {

Result<Secret> DevTty::ReadLine(std::string_view prompt, size_t max_size, bool echo,
                                std::string_view no_terminal) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::InvalidArgument(std::string(no_terminal));
  termios old{};
  const bool is_tty = !echo && tcgetattr(fd, &old) == 0;
  if (is_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  Secret buf(max_size + 1);
  size_t len = 0;
  char c;
  while (len < buf.size() && ::read(fd, &c, 1) == 1 && c != '\n') buf.data()[len++] = uint8_t(c);
  if (is_tty) tcsetattr(fd, TCSAFLUSH, &old);
  if (!echo) (void)!::write(fd, "\n", 1);  // the Enter that was not shown
  ::close(fd);
  if (len > max_size) return Status::InvalidArgument("the answer is too long");
  if (len > 0 && buf.data()[len - 1] == '\r') --len;
  return Secret::From(ByteView(buf.data(), len));
}

}  // namespace waypost::cli
