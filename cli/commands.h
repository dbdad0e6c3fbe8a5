// Command registration. Each Add*Commands() adds its subcommands to the app;
// the subcommand that parses sets `chosen`, which RunCli then runs.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/context.h"

namespace waypost::cli {

using Action = std::function<Status(Context&)>;

void AddContactCommands(CLI::App& app, Action& chosen);   // init whoami relays invite join contacts
void AddMessageCommands(CLI::App& app, Action& chosen);   // checkin send inbox confirm
void AddNetworkCommands(CLI::App& app, Action& chosen);   // sync relay
void AddKeyCommands(CLI::App& app, Action& chosen);       // passwd
void AddPanicCommand(CLI::App& app, Action& chosen);      // panic
void AddSettingsCommands(CLI::App& app, Action& chosen);  // settings
void AddDuressCommands(CLI::App& app, Action& chosen);    // duress set, board, ack

// `init --suggest-passphrase` and `passwd --suggest-passphrase`.
Status RunSuggestPassphrase(Context& ctx);

// `inbox` and `board`: a line per open duress alert, with the advice.
Status PrintOpenAlerts(Context& ctx, node::Node& node);

}  // namespace waypost::cli
