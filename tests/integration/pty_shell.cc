#include "tests/integration/pty_shell.h"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace waypost::testing {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

PtyShell::~PtyShell() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (fd_ >= 0) ::close(fd_);
}

bool PtyShell::Start(const EnvChanges& env, std::string* error) {
  std::vector<std::string> envs = BuildEnv(env);
  int fd = -1;
  const pid_t pid = ::forkpty(&fd, nullptr, nullptr, nullptr);
  if (pid < 0) {
    if (error) *error = std::string("forkpty: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    std::vector<char*> envp;
    for (std::string& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    char bash[] = "/bin/bash", norc[] = "--norc", noprofile[] = "--noprofile", i[] = "-i";
    char* argv[] = {bash, norc, noprofile, i, nullptr};
    ::execve(argv[0], argv, envp.data());
    ::_exit(127);
  }
  pid_ = pid;
  fd_ = fd;
  return true;
}

void PtyShell::Type(const std::string& line) {
  const std::string keys = line + "\n";
  size_t done = 0;
  while (done < keys.size()) {
    const ssize_t n = ::write(fd_, keys.data() + done, keys.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += size_t(n);
  }
}

std::optional<std::string> PtyShell::Expect(const std::string& text,
                                            std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    const size_t at = buffered_.find(text);
    if (at != std::string::npos) {
      std::string shown = buffered_.substr(0, at + text.size());
      buffered_.erase(0, at + text.size());
      return shown;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, int(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // the shell is gone (EIO on a closed pty)
    buffered_.append(buf, size_t(n));
  }
}

std::optional<std::string> PtyShell::Run(const std::string& line, bool* ok) {
  // The typed marker and the one the shell prints differ ($((...)) is
  // expanded), so the echo of the typed line never matches.
  const int n = 1000 + ++runs_;
  Type(line + "; echo \"@@$?:$((" + std::to_string(n - 1) + "+1))@@\"");
  const std::string end = ":" + std::to_string(n) + "@@";
  const std::optional<std::string> shown = Expect(end);
  if (ok != nullptr) {
    const std::string zero = "@@0" + end;
    *ok = shown && shown->size() >= zero.size() &&
          shown->compare(shown->size() - zero.size(), zero.size(), zero) == 0;
  }
  return shown;
}

bool PtyShell::Exit(std::chrono::milliseconds timeout) {
  Type("exit");
  const Clock::time_point deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    (void)Expect("\x01never", std::chrono::milliseconds(100));  // keep the pty drained
  }
  return false;
}

}  // namespace waypost::testing
