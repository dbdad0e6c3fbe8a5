// What every command shares: the global options, the outside world (Io), and
// opening the node. Commands return a Status; RunCli turns it into
// "waypost: error: ..." and exit code 1.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/run.h"
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
  Result<Secret> ReadNewPassphrase(bool fallback_to_current);
  bool HasNewPassphraseInEnvironment() const;

  // Text a user types (a note, a message, an invite code), never argv: shell
  // history and /proc would keep it (README, "No text on the command
  // line"). When stdin is not a terminal, all of it, one trailing newline
  // dropped; otherwise one line at the terminal after `prompt`, shown as it
  // is typed unless `secret`. InvalidArgument "the WHAT is too long" past
  // `max_size` bytes. Kept in guarded memory (View() reads it as text).
  Result<Secret> ReadText(std::string_view what, std::string_view prompt, size_t max_size,
                          bool secret = false);
  bool StdinIsTerminal() const { return io_.stdin_is_terminal; }
  bool StderrIsTerminal() const { return io_.stderr_is_terminal; }
  // Whether to colour what goes to stdout (or, with `to_stderr`, to stderr):
  // only a terminal, and never when NO_COLOR is set to anything non-empty
  // (no-color.org) or TERM is "dumb".
  bool Colour(bool to_stderr = false) const;
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
