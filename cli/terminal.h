// Terminal: where prompts go and answers come from, apart from stdin and
// stdout (which may be pipes). DevTty uses /dev/tty; tests answer prompts
// from a script (tests/cli/).
#pragma once

#include <string_view>

#include "core/secret.h"
#include "core/status.h"

namespace waypost::cli {

class Terminal {
 public:
  virtual ~Terminal() = default;
  // Shows `prompt` and reads one line, without its newline, into guarded
  // memory; what is typed is shown only if `echo`. InvalidArgument saying
  // `no_terminal` when there is no terminal, or "the answer is too long"
  // past `max_size` bytes.
  virtual Result<Secret> ReadLine(std::string_view prompt, size_t max_size, bool echo,
                                  std::string_view no_terminal) = 0;
};

class DevTty final : public Terminal {
 public:
  Result<Secret> ReadLine(std::string_view prompt, size_t max_size, bool echo,
                          std::string_view no_terminal) override;
};

}  // namespace waypost::cli
