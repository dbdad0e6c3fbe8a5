#include "tests/integration/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <thread>

extern char** environ;

namespace waypost::testing {

std::vector<std::string> BuildEnv(const EnvChanges& changes) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [name, value] : changes) {
    if (value) {
      vars[name] = *value;
    } else {
      vars.erase(name);
    }
  }
  std::vector<std::string> out;
  out.reserve(vars.size());
  for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : int(left.count());
}

void Decode(int status, RunResult& r) {
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.exit_code = -1;
    r.signal = WTERMSIG(status);
  }
}

// Waits for `pid` until `deadline`; true and *status set if it exited.
bool WaitUntil(pid_t pid, Clock::time_point deadline, int* status) {
  while (true) {
    const pid_t got = ::waitpid(pid, status, WNOHANG);
    if (got == pid) return true;
    if (got < 0 && errno != EINTR) return true;  // already reaped elsewhere
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::vector<std::string> RunResult::ErrLines() const {
  std::vector<std::string> lines;
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string RunResult::Describe() const {
  std::ostringstream s;
  s << "exit=" << exit_code;
  if (signal) s << " signal=" << signal;
  if (timed_out) s << " TIMED OUT";
  s << "\n--- stdout ---\n" << out << "\n--- stderr ---\n" << err;
  return s.str();
}

RunResult RunProcess(const std::vector<std::string>& argv_in, const EnvChanges& env,
              std::chrono::milliseconds timeout, const std::string& input) {
  ::signal(SIGPIPE, SIG_IGN);  // a child that exits early must not kill us
  RunResult r;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return r;
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return r;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return r;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  std::vector<std::string> args = argv_in;
  std::vector<std::string> envs = BuildEnv(env);
  std::vector<char*> argp = Pointers(args);
  std::vector<char*> envp = Pointers(envs);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  int in_fd = in_pipe[1], out_fd = out_pipe[0], err_fd = err_pipe[0];
  if (rc != 0) {
    CloseFd(in_fd);
    CloseFd(out_fd);
    CloseFd(err_fd);
    r.err = std::string("posix_spawn failed: ") + std::strerror(rc);
    return r;
  }

  size_t written = 0;
  if (input.empty()) CloseFd(in_fd);
  const Clock::time_point deadline = Clock::now() + timeout;
  char buf[8192];
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3];
    int n = 0;
    int out_i = -1, err_i = -1, in_i = -1;
    if (out_fd >= 0) { out_i = n; fds[n++] = {out_fd, POLLIN, 0}; }
    if (err_fd >= 0) { err_i = n; fds[n++] = {err_fd, POLLIN, 0}; }
    if (in_fd >= 0) { in_i = n; fds[n++] = {in_fd, POLLOUT, 0}; }
    const int ms = RemainingMs(deadline);
    if (ms == 0) {
      r.timed_out = true;
      break;
    }
    const int ready = ::poll(fds, nfds_t(n), ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    auto drain = [&](int idx, int& fd, std::string& sink) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      const ssize_t got = ::read(fd, buf, sizeof buf);
      if (got > 0) {
        sink.append(buf, size_t(got));
      } else if (got == 0 || errno != EINTR) {
        CloseFd(fd);
      }
    };
    drain(out_i, out_fd, r.out);
    drain(err_i, err_fd, r.err);
    if (in_i >= 0 && (fds[in_i].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t put = ::write(in_fd, input.data() + written, input.size() - written);
      if (put > 0) written += size_t(put);
      if (put < 0 && errno != EINTR && errno != EAGAIN) CloseFd(in_fd);
      if (written == input.size()) CloseFd(in_fd);
    }
  }
  CloseFd(in_fd);
  CloseFd(out_fd);
  CloseFd(err_fd);

  int status = 0;
  if (r.timed_out || !WaitUntil(pid, deadline, &status)) {
    r.timed_out = true;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  Decode(status, r);
  if (r.timed_out) r.exit_code = -1;
  return r;
}

Process::~Process() { Stop(); }

Process::Process(Process&& other) noexcept { *this = std::move(other); }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = other.pid_;
    out_fd_ = other.out_fd_;
    buffered_ = std::move(other.buffered_);
    exited_ = other.exited_;
    result_ = other.result_;
    other.pid_ = -1;
    other.out_fd_ = -1;
    other.exited_ = false;
  }
  return *this;
}

bool Process::Start(const std::vector<std::string>& argv_in, const EnvChanges& env,
                    const std::string& stderr_path, std::string* error) {
  ::signal(SIGPIPE, SIG_IGN);
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    if (error) *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  std::vector<std::string> args = argv_in;
  std::vector<std::string> envs = BuildEnv(env);
  std::vector<char*> argp = Pointers(args);
  std::vector<char*> envp = Pointers(envs);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    if (error) *error = std::string("posix_spawn: ") + std::strerror(rc);
    return false;
  }
  pid_ = pid;
  out_fd_ = out_pipe[0];
  exited_ = false;
  buffered_.clear();
  result_ = RunResult{};
  return true;
}

std::optional<std::string> Process::ReadLine(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  char buf[4096];
  while (true) {
    const size_t nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    if (out_fd_ < 0) return std::nullopt;
    const int ms = RemainingMs(deadline);
    if (ms == 0) return std::nullopt;
    pollfd fd{out_fd_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    const ssize_t got = ::read(out_fd_, buf, sizeof buf);
    if (got > 0) {
      buffered_.append(buf, size_t(got));
    } else if (got == 0 || errno != EINTR) {
      CloseFd(out_fd_);
    }
  }
}

void Process::Reap(int status) {
  exited_ = true;
  Decode(status, result_);
}

bool Process::Alive() {
  if (pid_ < 0 || exited_) return false;
  int status = 0;
  const pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == pid_) {
    Reap(status);
    return false;
  }
  return got == 0;
}

RunResult Process::Stop(std::chrono::milliseconds grace) {
  if (pid_ >= 0 && !exited_) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      Reap(status);
    } else {
      ::kill(pid_, SIGTERM);
      if (WaitUntil(pid_, Clock::now() + grace, &status)) {
        Reap(status);
      } else {
        result_.timed_out = true;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        Reap(status);
      }
    }
  }
  CloseFd(out_fd_);
  return result_;
}

}  // namespace waypost::testing
