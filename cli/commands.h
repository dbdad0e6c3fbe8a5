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
void AddCodeCommands(CLI::App& app, Action& chosen);      // codes list, add, remove
void AddDeskCommands(CLI::App& app, Action& chosen);      // expect, status
void AddOfflineCommands(CLI::App& app, Action& chosen);   // bundle export, import; armor, unarmor
void AddTeamCommands(CLI::App& app, Action& chosen);      // team export, revoke

// One SMS: what a coded check-in armors to (docs/protocol.md §7).
inline constexpr size_t kSmsCharacters = 160;
// `armor`, `checkin --armor`, `confirm --armor`: the text alone on stdout,
// its length in SMS terms on stderr.
Status PrintArmored(Context& ctx, ByteView envelope);

// No text on the command line (README): `--note` takes only "-", which
// reads the note (Context::ReadText). RefuseTextArgument adds the
// positional argument that would have carried text (`name`), hidden from
// the help, which refuses any value with the reason: a usage error.
CLI::Option* AddNoteOption(CLI::App* command, std::string& note);
void RefuseTextArgument(CLI::App* command, const std::string& name, const std::string& what,
                        const std::string& how);
inline constexpr size_t kMaxNoteSize = 8192;
// The note an AddNoteOption asked for (`note` is "-"): read at the prompt or
// from stdin; an empty note when the option was not given.
Result<Secret> ReadNoteIfAsked(Context& ctx, const std::string& note);

// A check that a number lies in [lo, hi], in our words ("--days: must be
// from 1 to 60"): CLI11's own range message changed between the releases in
// Debian 12 and 13, and transcripts show it.
CLI::Validator WithinRange(long long lo, long long hi);

// `init --suggest-passphrase` and `passwd --suggest-passphrase`.
Status RunSuggestPassphrase(Context& ctx);

// `inbox` and `board`: a line per open alert, with what to do about it.
Status PrintOpenAlerts(Context& ctx, node::Node& node);

// What a helper whose sign-up with `coordinator` failed should do
// (docs/protocol.md §5.3); `contacts`, `checkin` and `sync` say it.
std::string SignUpFailedAdvice(const std::string& coordinator);

}  // namespace waypost::cli
