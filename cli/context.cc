#include "cli/context.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/passphrase.h"
#include "core/store/home.h"

namespace waypost::cli {

std::string DefaultHome() {
  if (const char* h = std::getenv("WAYPOST_HOME"); h && *h) return h;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/waypost";
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.local/share/waypost";
  }
  return ".waypost";
}

Result<std::unique_ptr<node::Node>> Context::OpenNode() {
  // No store (never made, or destroyed by panic): say so before asking for
  // a passphrase that could open nothing.
  if (!store::StoreExists(globals_.home)) {
    return Status::NotFound("no store at " + globals_.home + "; run `waypost init` first");
  }
  WAYPOST_ASSIGN_OR_RETURN(Secret passphrase, ReadPassphrase(globals_.passphrase_file));
  return node::Node::Open(globals_.home, passphrase, clock_, random_);
}

void Context::Out(const std::string& text) const {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void Context::Note(const std::string& text) const {
  std::fprintf(stderr, "%s\n", text.c_str());
}

// Text from peers is valid UTF-8 (protobuf checks it); anything else is
// replaced rather than allowed to abort the program.
void Context::Json(const nlohmann::json& value) const {
  Out(value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace waypost::cli
