// waypost_gen_docs OUTDIR: writes OUTDIR/man/waypost.1 and
// OUTDIR/completion/waypost from the command line's own definition
// (cli/app.h, cli/docs.h). Run by the build (target waypost_docs); the
// package installs what it writes.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/app.h"
#include "cli/docs.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: waypost_gen_docs OUTDIR\n";
    return 2;
  }
  CLI::App app;
  waypost::cli::Globals globals;
  std::string home;
  waypost::cli::Action chosen;
  waypost::cli::DefineCli(app, globals, home, chosen);
  const std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out / "man");
  std::filesystem::create_directories(out / "completion");
  std::ofstream man(out / "man" / "waypost.1");
  man << waypost::cli::ManPage(app, WAYPOST_VERSION);
  std::ofstream completion(out / "completion" / "waypost");
  completion << waypost::cli::BashCompletion(app);
  man.close();
  completion.close();
  if (!man || !completion) {
    std::cerr << "waypost_gen_docs: cannot write under " << out << "\n";
    return 1;
  }
  return 0;
}
