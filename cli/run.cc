// Parses, dispatches, and turns a Status into the one "waypost: error:"
// line and an exit code (README, "Global options").
#include "cli/run.h"

#include <CLI/CLI.hpp>
#include <ostream>

#include "cli/commands.h"
#include "cli/context.h"

namespace waypost::cli {
namespace {

std::string DefaultHome(const Io& io) {
  if (auto h = io.getenv("WAYPOST_HOME"); h && !h->empty()) return *h;
  if (auto x = io.getenv("XDG_DATA_HOME"); x && !x->empty()) return *x + "/waypost";
  if (auto home = io.getenv("HOME"); home && !home->empty()) {
    return *home + "/.local/share/waypost";
  }
  return ".waypost";
}

}  // namespace

int RunCli(const std::vector<std::string>& args, Io& io) {
  CLI::App app{"Waypost: end-to-end encrypted check-ins for field teams", "waypost"};
  app.require_subcommand(1);
  app.fallthrough(true);
  Globals globals;
  std::string home;
  app.add_option("--home", home, "Node directory (default $WAYPOST_HOME, else the XDG data dir)");
  app.add_option("--passphrase-file", globals.passphrase_file, "Read the passphrase from FILE");
  app.add_flag("--json", globals.json, "Print JSON for reading commands");

  Action chosen;
  AddContactCommands(app, chosen);
  AddMessageCommands(app, chosen);
  AddNetworkCommands(app, chosen);
  AddKeyCommands(app, chosen);
  AddPanicCommand(app, chosen);
  AddSettingsCommands(app, chosen);
  AddDuressCommands(app, chosen);
  AddCodeCommands(app, chosen);
  AddDeskCommands(app, chosen);

  std::vector<const char*> argv = {"waypost"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(int(argv.size()), argv.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, io.out, io.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, io.out, io.err);
  } catch (const CLI::ParseError& e) {
    io.err << "waypost: error: " << e.what() << "\n"
           << "waypost: run `waypost --help` for usage\n";
    return kExitUsage;
  }
  globals.home = home.empty() ? DefaultHome(io) : home;

  Context ctx(std::move(globals), io);
  const Status status = chosen ? chosen(ctx) : Status::Internal("no command");
  io.out.flush();
  if (!status.ok()) {
    io.err << "waypost: error: " << status.message() << "\n";
    io.err.flush();
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace waypost::cli
