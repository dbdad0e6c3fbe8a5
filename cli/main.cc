// waypost: the command line (DESIGN §4.4). Parses, dispatches, and turns a
// Status into the one "waypost: error:" line and exit code.
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <google/protobuf/stubs/logging.h>

#include "cli/commands.h"
#include "cli/context.h"

namespace {

// Before anything secret is in memory: no core dumps, no ptrace by others.
void HardenProcess() {
  umask(077);  // every file we create is ours alone
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
}

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  HardenProcess();
  // Errors reach the user once, as "waypost: error:"; protobuf's own log
  // (e.g. on a peer's malformed string) would add stray stderr lines.
  google::protobuf::SetLogHandler(nullptr);
  if (sodium_init() < 0) {
    std::fprintf(stderr, "waypost: error: libsodium failed to initialise\n");
    return kExitFailure;
  }

  CLI::App app{"Waypost: end-to-end encrypted check-ins for field teams", "waypost"};
  app.require_subcommand(1);
  app.fallthrough(true);
  waypost::cli::Globals globals;
  std::string home;
  app.add_option("--home", home, "Node directory (default $WAYPOST_HOME, else the XDG data dir)");
  app.add_option("--passphrase-file", globals.passphrase_file, "Read the passphrase from FILE");
  app.add_flag("--json", globals.json, "Print JSON for reading commands");

  waypost::cli::Action chosen;
  waypost::cli::AddContactCommands(app, chosen);
  waypost::cli::AddMessageCommands(app, chosen);
  waypost::cli::AddNetworkCommands(app, chosen);
  waypost::cli::AddKeyCommands(app, chosen);
  waypost::cli::AddPanicCommand(app, chosen);
  waypost::cli::AddSettingsCommands(app, chosen);
  waypost::cli::AddDuressCommands(app, chosen);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "waypost: error: %s\n", e.what());
    std::fprintf(stderr, "waypost: run `waypost --help` for usage\n");
    return kExitUsage;
  }
  globals.home = home.empty() ? waypost::cli::DefaultHome() : home;

  waypost::cli::Context ctx(std::move(globals));
  waypost::Status status = chosen ? chosen(ctx) : waypost::Status::Internal("no command");
  if (!status.ok()) {
    std::fprintf(stderr, "waypost: error: %s\n", status.message().c_str());
    return kExitFailure;
  }
  return kExitOk;
}
