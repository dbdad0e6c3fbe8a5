// No text on the command line (README, "No text on the command line"):
// shell history and /proc/PID/cmdline would keep a note, a message or an
// invite code given as an argument, so the forms that would take one refuse
// it and say why. Codes, names and options stay arguments. Also the CLI's
// own wording for a number out of range (WithinRange).
#include <exception>
#include <string>

#include "cli/commands.h"

namespace waypost::cli {
namespace {

std::string Why(const std::string& what) {
  return what +
         " on the command line would stay in your shell history and be readable by other "
         "programs in /proc";
}

}  // namespace

Result<Secret> ReadNoteIfAsked(Context& ctx, const std::string& note) {
  if (note.empty()) return Secret();
  return ctx.ReadText("note", "Note: ", kMaxNoteSize);
}

CLI::Option* AddNoteOption(CLI::App* command, std::string& note) {
  return command
      ->add_option("--note", note, "-: read a short note, typed at the prompt or piped on stdin")
      ->type_name("-")
      ->check(
          [](const std::string& value) {
            return value == "-" ? std::string()
                                : Why("a note") +
                                      "; use --note - and type it at the prompt, or pipe it "
                                      "on stdin";
          },
          "");
}

void RefuseTextArgument(CLI::App* command, const std::string& name, const std::string& what,
                        const std::string& how) {
  command
      ->add_option_function<std::string>(
          name,
          [what, how](const std::string&) { throw CLI::ValidationError(Why(what) + "; " + how); })
      ->group("");
}

CLI::Validator WithinRange(long long lo, long long hi) {
  const std::string says = "must be from " + std::to_string(lo) + " to " + std::to_string(hi);
  return CLI::Validator(
      [lo, hi, says](std::string& value) -> std::string {
        long long n = 0;
        size_t used = 0;
        try {
          n = std::stoll(value, &used);
        } catch (const std::exception&) {
          return says;
        }
        return used == value.size() && n >= lo && n <= hi ? std::string() : says;
      },
      "[" + std::to_string(lo) + "-" + std::to_string(hi) + "]");
}

}  // namespace waypost::cli
