// What every command shares: the global options, the outside world (Io), and
// opening the node. Commands return a Status; RunCli turns it into
// "waypost: error: ..." and exit code 1.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/format.h"
#include "cli/run.h"
#include "cli/terminal.h"
#include "core/clock.h"
#include "core/node/node.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"

namespace waypost::cli {

struct Globals {
  std::string home;  // resolved: --home, $WAYPOST_HOME, or the XDG data dir
  std::optional<std::string> passphrase_file;
  bool json = false;
};

class Context {
 public:
  Context(Globals globals, Io& io) : globals_(std::move(globals)), io_(io) {}

  const Globals& globals() const { return globals_; }
  const Clock& clock() const { return io_.clock; }
  Random& random() { return io_.random; }
  Network& network() { return io_.network; }

  // Reads the passphrase and opens the store under --home.
  Result<std::unique_ptr<node::Node>> OpenNode();
  // NotFound "no store at HOME; run `waypost init` first" unless one is there.
  Status RequireStore() const;

  // Passphrases (README, "Global options"): the current one from
  // --passphrase-file, $WAYPOST_PASSPHRASE or a prompt; a new one from
  // $WAYPOST_NEW_PASSPHRASE or a prompt asked twice (`init` and a relay's
  // first start may also take the current one's sources).
  Result<Secret> ReadPassphrase();
  // ReadPassphrase(), then `check` (which unlocks the store: a full KDF
  // every time, nothing kept from one try to the next). From a terminal, a
  // wrong passphrase is asked for again, up to kPassphraseTries in all, with
  // "wrong passphrase, try again (N tries left)" on stderr; from
  // --passphrase-file or $WAYPOST_PASSPHRASE there is one try. A try that
  // fails looks the same whether or not the store has a duress passphrase,
  // and the duress one opens the decoy on any try (SECURITY.md, "Duress").
  // After the last wrong try: WrongPassphrase "wrong passphrase; nothing
  // was changed" (a wrong passphrase writes nothing, core/store/home.h).
  static constexpr int kPassphraseTries = 3;
  Status CheckPassphrase(const std::function<Status(const Secret&)>& check);
  Result<Secret> ReadNewPassphrase(bool fallback_to_current);
  bool HasNewPassphraseInEnvironment() const;

  // Text a user types (a note, a message, an invite code), never argv: shell
  // history and /proc would keep it (README, "No text on the command
  // line"). When stdin is not a terminal, all of it, one trailing newline
  // dropped; otherwise one line at the terminal after `prompt`, shown as it
  // is typed unless `secret`, and then, while `more` says the text goes on
  // (a paste broken over lines), further lines after "More of the WHAT
  // (Enter if that was all): ", joined by '\n'. InvalidArgument "the WHAT
  // is too long" past `max_size` bytes. Kept in guarded memory (View()
  // reads it as text).
  Result<Secret> ReadText(std::string_view what, std::string_view prompt, size_t max_size,
                          bool secret = false, const MoreLines& more = nullptr);
  // A question at the terminal, "... [y/N] ": true only for y or yes (any
  // case in the forms y, Y, yes, Yes, YES), space around ignored.
  Result<bool> AskYes(std::string_view question);
  bool StdinIsTerminal() const { return io_.stdin_is_terminal; }
  bool StderrIsTerminal() const { return io_.stderr_is_terminal; }
  // Whether to colour what goes to stdout (or, with `to_stderr`, to stderr):
  // only a terminal, and never when NO_COLOR is set to anything non-empty
  // (no-color.org) or TERM is "dumb".
  bool Colour(bool to_stderr = false) const;
  // The width a table fits (README, "board"): $COLUMNS when it is a number
  // from 20 to 1000, else the width of the terminal stdout (or, with
  // `to_stderr`, stderr) is, else 80 (cli/format.h, TableWidth).
  size_t Columns(bool to_stderr = false) const {
    const bool terminal = to_stderr ? io_.stderr_is_terminal : io_.stdout_is_terminal;
    return TableWidth(io_.getenv("COLUMNS"),
                      terminal ? TerminalWidth(to_stderr ? 2 : 1) : std::nullopt);
  }
  static std::string_view View(const Secret& text) {
    return std::string_view(reinterpret_cast<const char*>(text.data()), text.size());
  }

  // Output meant for other programs or people to pass on goes to stdout;
  // explanations go to stderr (README, "Output").
  void Out(const std::string& text);
  void Note(const std::string& text);
  void Json(const nlohmann::json& value);
  // One line of live progress, redrawn in place, when stderr is a terminal;
  // nothing otherwise. EndProgress() clears it.
  void Progress(const std::string& text);
  void EndProgress();

 private:
  Globals globals_;
  Io& io_;
  bool progress_shown_ = false;
};

}  // namespace waypost::cli
