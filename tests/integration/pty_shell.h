// An interactive shell on a pseudo-terminal, driven as a person at a
// keyboard would drive it: type a line, wait for what the screen shows. For
// tests of what an interactive session leaves behind (shell history).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "tests/integration/process.h"

namespace waypost::testing {

class PtyShell {
 public:
  PtyShell() = default;
  ~PtyShell();
  PtyShell(const PtyShell&) = delete;
  PtyShell& operator=(const PtyShell&) = delete;

  // Starts `bash --norc --noprofile -i` on a new pseudo-terminal, with this
  // process's environment changed by `env`. False (and *error) on failure.
  bool Start(const EnvChanges& env, std::string* error);

  // Types `line` and Enter.
  void Type(const std::string& line);
  // Reads what the terminal shows until `text` appears; returns everything
  // read since the last Expect (up to and including `text`), or nullopt
  // after `timeout` or when the shell is gone.
  std::optional<std::string> Expect(const std::string& text,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Types `line`, then waits until the shell has run it; returns what the
  // terminal showed meanwhile, and says in *ok whether it exited 0.
  std::optional<std::string> Run(const std::string& line, bool* ok = nullptr);
  // Types `exit` and waits for the shell to end (so it writes its history).
  bool Exit(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffered_;
  int runs_ = 0;
};

}  // namespace waypost::testing
