// The whole command line as one CLI11 definition: the global options,
// `--version` and every command. RunCli parses with it; the man pages and the
// bash completion are generated from it (cli/docs.h), so --help, the man
// pages and the completion cannot drift apart.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/context.h"

namespace waypost::cli {

inline constexpr char kAppDescription[] = "Waypost: end-to-end encrypted check-ins for field teams";

// Defines everything on `app`. Parsing fills `globals` and `home` (--home as
// given, "" if not) and sets `chosen` to the command's action.
void DefineCli(CLI::App& app, Globals& globals, std::string& home, Action& chosen);

// "waypost 0.1.0", then the SQLCipher, SQLite and libsodium in use.
std::string VersionText();

// What `waypost` alone prints: the few commands each role needs.
std::string Guide();

// Nullopt if the command words in `args` name commands `app` has; else the
// one error line for the first that does not, with the nearest command
// suggested: "unknown command 'statu'; did you mean 'status'? ...".
std::optional<std::string> CheckCommandWords(const CLI::App& app,
                                             const std::vector<std::string>& args);

}  // namespace waypost::cli
