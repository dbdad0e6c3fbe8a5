// Command registration. Each Add*Commands() adds its subcommands to the app;
// the subcommand that parses sets `chosen`, which main() then runs.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace waypost::cli {

using Action = std::function<Status(Context&)>;

void AddContactCommands(CLI::App& app, Action& chosen);  // init whoami relays invite join contacts
void AddMessageCommands(CLI::App& app, Action& chosen);  // checkin send inbox confirm
void AddNetworkCommands(CLI::App& app, Action& chosen);  // sync relay

}  // namespace waypost::cli
