// Spawning real processes for the integration tests: run a command to
// completion (stdout, stderr, exit code, with a timeout), or start a
// long-running one (a relay) and read its first stdout line.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace waypost::testing {

// Environment changes applied on top of this process's environment: a value
// sets the variable, nullopt removes it.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

// This process's environment with `changes` applied, as NAME=VALUE strings.
std::vector<std::string> BuildEnv(const EnvChanges& changes);

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  int signal = 0;      // the signal that ended it, if any
  bool timed_out = false;
  std::string out;
  std::string err;

  // stderr split into lines (no trailing empty line).
  std::vector<std::string> ErrLines() const;
  // A one-line summary for assertion messages.
  std::string Describe() const;
};

// Runs argv[0] (a path, not searched in PATH) with argv, the environment
// changed by `env`, `input` on stdin. Kills it (SIGKILL) after `timeout`.
RunResult RunProcess(const std::vector<std::string>& argv, const EnvChanges& env = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(30),
              const std::string& input = "");

// A long-running child. Its stdout is a pipe this object reads; its stderr
// goes to a file (so a chatty child never blocks on a full pipe).
class Process {
 public:
  Process() = default;
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts the child. Returns false (and sets *error) if spawning failed.
  bool Start(const std::vector<std::string>& argv, const EnvChanges& env,
             const std::string& stderr_path, std::string* error);

  // The next line on the child's stdout (without the newline), or nullopt if
  // none arrived within `timeout` or stdout closed.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);

  // True while the child has not exited. Reaps it if it has.
  bool Alive();

  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status as
  // RunProcess() reports it (exit_code / signal). Safe to call more than once.
  RunResult Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  pid_t pid() const { return pid_; }

 private:
  void Reap(int status);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffered_;
  bool exited_ = false;
  RunResult result_;
};

}  // namespace waypost::testing
