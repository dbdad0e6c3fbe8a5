// Terminal: where prompts go and answers come from, apart from stdin and
// stdout (which may be pipes). DevTty uses /dev/tty; tests answer prompts
// from a script (tests/cli/).
#pragma once

#include <functional>
#include <string_view>

#include "core/secret.h"
#include "core/status.h"

namespace waypost::cli {

// Whether an answer read so far goes on in another line.
using MoreLines = std::function<bool(std::string_view answer_so_far)>;

class Terminal {
 public:
  virtual ~Terminal() = default;
  // Shows `prompt` and reads one line, without its newline, into guarded
  // memory; what is typed is shown only if `echo`. InvalidArgument saying
  // `no_terminal` when there is no terminal, or "the answer is too long"
  // past `max_size` bytes.
  virtual Result<Secret> ReadLine(std::string_view prompt, size_t max_size, bool echo,
                                  std::string_view no_terminal) = 0;
  // ReadLine() for an answer that may span lines (a pasted code that a chat
  // or an e-mail wrapped): after each line, while `more` says the answer so
  // far goes on, shows `more_prompt` and reads another, until an empty
  // line. The lines are joined by '\n'; `max_size` bounds the whole. Lines
  // pasted ahead are kept for the next read, never discarded in between.
  // By default, ReadLine() once per line.
  virtual Result<Secret> ReadLines(std::string_view prompt, std::string_view more_prompt,
                                   size_t max_size, bool echo, std::string_view no_terminal,
                                   const MoreLines& more);
};

class DevTty final : public Terminal {
 public:
  Result<Secret> ReadLine(std::string_view prompt, size_t max_size, bool echo,
                          std::string_view no_terminal) override;
  // One no-echo session for all the lines: typed-ahead input is flushed
  // before the first prompt and after the last line, not in between.
  Result<Secret> ReadLines(std::string_view prompt, std::string_view more_prompt, size_t max_size,
                           bool echo, std::string_view no_terminal, const MoreLines& more) override;
};

}  // namespace waypost::cli
