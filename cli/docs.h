// The man page and the bash completion, generated from the same CLI11
// definition that parses the command line (cli/app.h), at build time by
// `waypost_gen_docs` (cli/gen_docs.cc): a command or option added to the
// code is in both without anyone writing it twice.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace waypost::cli {

// One command as the docs list it: its words ("codes add") and its app.
struct CommandEntry {
  std::string path;
  const CLI::App* app = nullptr;
};

// Every command that runs something, depth first in definition order:
// "init", ..., "codes list", "codes add", ... (groups such as "codes" that
// only hold others are not listed themselves).
std::vector<CommandEntry> Commands(const CLI::App& app);

// waypost(1) in roff: NAME, SYNOPSIS, DESCRIPTION, GLOBAL OPTIONS, a
// subsection per command ("waypost codes add") with its options, then the
// environment, the rule about text on the command line, exit status, files.
std::string ManPage(const CLI::App& app, const std::string& version);

// A bash completion script: commands, subcommands, options, durations after
// the options that take one, directories after --home. It only completes
// words; it never runs waypost and never reads a store.
std::string BashCompletion(const CLI::App& app);

}  // namespace waypost::cli
