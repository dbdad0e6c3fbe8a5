// Terminal: where prompts go and answers come from, apart from stdin and
// stdout (which may be a pipe). DevTty uses /dev/tty, with echo off for
// secrets; tests answer prompts from a script (tests/cli/).
#pragma once

#include <string_view>

#include "core/secret.h"
#include "core/status.h"

namespace waypost::cli {

class Terminal {
 public:
  virtual ~Terminal() = default;
  // Shows `prompt` and reads one line, without echo. The line is at most
  // `max_size` bytes (else InvalidArgument) and loses its newline.
  // InvalidArgument saying `no_terminal` when there is no terminal.
  virtual Result<Secret> ReadSecret(std::string_view prompt, size_t max_size,
                                    std::string_view no_terminal) = 0;
};

class DevTty final : public Terminal {
 public:
  Result<Secret> ReadSecret(std::string_view prompt, size_t max_size,
                            std::string_view no_terminal) override;
};

}  // namespace waypost::cli
