#include "cli/app.h"

#include <sodium.h>

#include <algorithm>

#include "core/store/database.h"
#include "core/text.h"

namespace waypost::cli {
void DefineCli(CLI::App& app, Globals& globals, std::string& home, Action& chosen) {
  app.description(kAppDescription);
  app.name("waypost");
  app.require_subcommand(1);
  app.fallthrough(true);
  app.add_option("--home", home, "Node directory (default $WAYPOST_HOME, else the XDG data dir)")
      ->type_name("DIR");
  app.add_option("--passphrase-file", globals.passphrase_file, "Read the passphrase from FILE")
      ->type_name("FILE");
  app.add_flag("--json", globals.json, "Print JSON for reading commands");
  app.set_version_flag("--version", VersionText,
                       "Print the version, and the SQLCipher and libsodium in use");
  AddContactCommands(app, chosen);
  AddMessageCommands(app, chosen);
  AddNetworkCommands(app, chosen);
  AddKeyCommands(app, chosen);
  AddPanicCommand(app, chosen);
  AddSettingsCommands(app, chosen);
  AddDuressCommands(app, chosen);
  AddCodeCommands(app, chosen);
  AddDeskCommands(app, chosen);
  AddOfflineCommands(app, chosen);
  AddTeamCommands(app, chosen);
}

std::string VersionText() {
  if (sodium_init() < 0) return "waypost " WAYPOST_VERSION "\n";
  return std::string("waypost ") + WAYPOST_VERSION + "\n" + store::Database::LibraryVersion() +
         "\nlibsodium " + sodium_version_string();
}

std::string Guide() {
  return std::string(kAppDescription) +
         ".\n"
         "\n"
         "A helper needs:\n"
         "  waypost join        accept the invite your coordinator gave you\n"
         "  waypost checkin     send a coded check-in (at a terminal, pick from a menu)\n"
         "  waypost sync        send and fetch, whenever there is a link\n"
         "  waypost status      when your next check-in is due; what became of those sent\n"
         "  waypost inbox       messages, and who confirmed your check-ins\n"
         "\n"
         "A coordinator needs:\n"
         "  waypost invite      a one-time code for a new helper\n"
         "  waypost expect      how often, or by when, a helper must check in\n"
         "  waypost watch       keep syncing, and raise the alarm for silence or distress\n"
         "  waypost board       every helper's state (--html: a page with timelines)\n"
         "  waypost confirm     confirm a check-in or a safe arrival\n"
         "\n"
         "Everyone starts with `waypost init --name NAME`. Every command: `waypost --help`;\n"
         "one command: `waypost COMMAND --help`; all of it: `man waypost` and the README.\n";
}

std::optional<std::string> CheckCommandWords(const CLI::App& app,
                                             const std::vector<std::string>& args) {
  const CLI::App* at = &app;
  std::string path;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") return std::nullopt;
    if (!word.empty() && word[0] == '-') {
      // An option of the command so far that takes a value, not written
      // --opt=value, owns the next word.
      const CLI::Option* option = at->get_option_no_throw(word);
      if (option != nullptr && option->get_expected_max() != 0) ++i;
      continue;
    }
    // Only a command that must be followed by one of its own has command
    // words after it; the rest take arguments.
    std::vector<std::string> names;
    for (const CLI::App* sub : at->get_subcommands({})) names.push_back(sub->get_name());
    if (names.empty() || at->get_require_subcommand_min() == 0) return std::nullopt;
    if (std::find(names.begin(), names.end(), word) != names.end()) {
      at = at->get_subcommand(word);
      path += word + " ";
      continue;
    }
    std::string line = "unknown command '" + path + word + "'";
    const std::string nearest = NearestWord(word, names);
    if (!nearest.empty()) line += "; did you mean '" + path + nearest + "'?";
    return line + " (`waypost " + path + "--help` lists them)";
  }
  return std::nullopt;
}

}  // namespace waypost::cli
