// Live progress (Context::Progress): drawn in place on a terminal, never
// written when stderr is a file or a pipe, and cleared before any other
// line so that warnings and errors stay readable.
#include <gtest/gtest.h>

#include <string>

#include "cli/context.h"
#include "tests/cli/bare_io.h"

namespace waypost::cli {
namespace {

std::string StderrOf(bool stderr_is_terminal) {
  testing::BareIo bare({.stderr_is_terminal = stderr_is_terminal});
  Context ctx(Globals{}, bare.io());
  ctx.Progress("relay.test:7447: up 4 (1.2 KiB), down 0 (0.6 KiB)");
  ctx.Progress("relay.test:7447: up 8 (2.4 KiB), down 0 (0.6 KiB)");
  ctx.Note("waypost: warning: something");
  ctx.Progress("relay.test:7447: up 12 (3.6 KiB), down 1 (1.1 KiB)");
  ctx.EndProgress();
  ctx.EndProgress();  // twice clears once
  return bare.err();
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
