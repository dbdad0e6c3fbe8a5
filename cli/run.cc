// Parses, dispatches, and turns a Status into the one "waypost: error:"
// line and an exit code (README, "Global options").
#include "cli/run.h"

#include <CLI/CLI.hpp>
#include <ostream>

#include "cli/app.h"
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
  CLI::App app;
  Globals globals;
  std::string home;
  Action chosen;
  DefineCli(app, globals, home, chosen);
  if (args.empty()) {
    io.out << Guide();
    return kExitOk;
  }
  if (const std::optional<std::string> unknown = CheckCommandWords(app, args)) {
    io.err << "waypost: error: " << *unknown << "\n";
    return kExitUsage;
  }

  std::vector<const char*> argv = {"waypost"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(int(argv.size()), argv.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, io.out, io.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, io.out, io.err);
  } catch (const CLI::CallForVersion& e) {
    io.out << e.what() << "\n";
    return kExitOk;
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
