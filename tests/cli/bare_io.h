// An Io for tests of cli::Context alone (progress lines, colour): nothing to
// read, no terminal, no relay, a fake clock, and a given environment. The
// transcripts (transcript.h) are the tests of whole commands.
#pragma once

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "cli/run.h"
#include "core/clock.h"
#include "core/random.h"
#include "tests/cli/memory_network.h"

namespace waypost::cli::testing {

class BareIo {
 public:
  struct Terminals {
    bool stderr_is_terminal = false;
    bool stdout_is_terminal = false;
  };

  explicit BareIo(Terminals terminals, std::map<std::string, std::string> env = {})
      : env_(std::move(env)),
        io_{in_,
            out_,
            err_,
            clock_,
            random_,
            terminal_,
            /*stdin_is_terminal=*/false,
            terminals.stderr_is_terminal,
            network_,
            [this](std::string_view name) -> std::optional<std::string> {
              const auto it = env_.find(std::string(name));
              if (it == env_.end()) return std::nullopt;
              return it->second;
            },
            terminals.stdout_is_terminal} {}

  Io& io() { return io_; }
  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }

 private:
  class NoTerminal final : public Terminal {
   public:
    Result<Secret> ReadLine(std::string_view, size_t, bool, std::string_view no_terminal) override {
      return Status::InvalidArgument(std::string(no_terminal));
    }
  };

  std::map<std::string, std::string> env_;
  std::istringstream in_;
  std::ostringstream out_, err_;
  FakeClock clock_;
  SeededRandom random_{1};
  NoTerminal terminal_;
  ::waypost::testing::MemoryNetwork network_;
  Io io_;
};

}  // namespace waypost::cli::testing
