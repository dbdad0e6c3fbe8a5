// What every command shares: the global options, the real clock and random
// source, and opening the node. Commands return a Status; main() turns it
// into "waypost: error: ..." and exit code 1.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/node/node.h"
#include "core/random.h"
#include "core/status.h"

namespace waypost::cli {

struct Globals {
  std::string home;  // resolved: --home, $WAYPOST_HOME, or the XDG data dir
  std::optional<std::string> passphrase_file;
  bool json = false;
};

class Context {
 public:
  explicit Context(Globals globals) : globals_(std::move(globals)) {}

  const Globals& globals() const { return globals_; }
  const Clock& clock() const { return clock_; }
  Random& random() { return random_; }

  // Reads the passphrase and opens the store under --home.
  Result<std::unique_ptr<node::Node>> OpenNode();

  // Output meant for other programs or people to pass on goes to stdout;
  // explanations go to stderr (DESIGN §4.4).
  void Out(const std::string& text) const;
  void Note(const std::string& text) const;
  void Json(const nlohmann::json& value) const;

 private:
  Globals globals_;
  SystemClock clock_;
  SystemRandom random_;
};

std::string DefaultHome();

}  // namespace waypost::cli
