// Live progress (Context::Progress): drawn in place on a terminal, never
// written when stderr is a file or a pipe, and cleared before any other
// line so that warnings and errors stay readable.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "cli/context.h"
#include "cli/run.h"
#include "core/clock.h"
#include "core/random.h"
#include "tests/cli/memory_network.h"

namespace waypost::cli {
namespace {

class NoTerminal final : public Terminal {
 public:
  Result<Secret> ReadLine(std::string_view, size_t, bool, std::string_view no_terminal) override {
    return Status::InvalidArgument(std::string(no_terminal));
  }
};

std::string StderrOf(bool stderr_is_terminal) {
  std::istringstream in;
  std::ostringstream out, err;
  FakeClock clock;
  SeededRandom random(1);
  NoTerminal terminal;
  testing::MemoryNetwork network;
  Io io{in,      out,
        err,     clock,
        random,  terminal,
        false,   stderr_is_terminal,
        network, [](std::string_view) { return std::optional<std::string>(); }};
  Context ctx(Globals{}, io);
  ctx.Progress("relay.test:7447: up 4 (1.2 KiB), down 0 (0.6 KiB)");
  ctx.Progress("relay.test:7447: up 8 (2.4 KiB), down 0 (0.6 KiB)");
  ctx.Note("waypost: warning: something");
  ctx.Progress("relay.test:7447: up 12 (3.6 KiB), down 1 (1.1 KiB)");
  ctx.EndProgress();
  ctx.EndProgress();  // twice clears once
  return err.str();
}

TEST(ProgressTest, OnATerminalTheLineIsRedrawnAndClearedBeforeOtherLines) {
  EXPECT_EQ(StderrOf(true),
            "\r\033[Krelay.test:7447: up 4 (1.2 KiB), down 0 (0.6 KiB)"
            "\r\033[Krelay.test:7447: up 8 (2.4 KiB), down 0 (0.6 KiB)"
            "\r\033[Kwaypost: warning: something\n"
            "\r\033[Krelay.test:7447: up 12 (3.6 KiB), down 1 (1.1 KiB)"
            "\r\033[K");
}

TEST(ProgressTest, ElsewhereNothingButTheOtherLines) {
  EXPECT_EQ(StderrOf(false), "waypost: warning: something\n");
}

}  // namespace
}  // namespace waypost::cli
