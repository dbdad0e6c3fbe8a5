// RunCli: the whole command line as a function, so that it runs in-process
// in the tests (tests/cli/, transcripts) as well as from main().
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/network.h"
#include "cli/terminal.h"
#include "core/clock.h"
#include "core/random.h"

namespace waypost::cli {

// Everything the command line touches outside itself.
struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  const Clock& clock;
  Random& random;
  Terminal& terminal;
  // Whether `in` is a terminal: text a user types is then asked for on the
  // terminal; otherwise it is read from `in` (Context::ReadText).
  bool stdin_is_terminal = false;
  // Whether `err` is a terminal: live progress (`sync`) is drawn there then.
  bool stderr_is_terminal = false;
  Network& network;
  // The value of an environment variable, or nullopt if it is unset.
  std::function<std::optional<std::string>(std::string_view)> getenv;
  // Whether `out` is a terminal: `board` is coloured then (Context::Colour).
  bool stdout_is_terminal = false;
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // one "waypost: error:" line on err
inline constexpr int kExitUsage = 2;

// Runs `waypost ARGS...` (`args` without the program name) and returns its
// exit code.
int RunCli(const std::vector<std::string>& args, Io& io);

}  // namespace waypost::cli
