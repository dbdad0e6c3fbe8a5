#include "cli/context.h"

#include <ostream>

#include "core/store/home.h"

namespace waypost::cli {

Status Context::RequireStore() const {
  if (store::StoreExists(globals_.home)) return Status::Ok();
  return Status::NotFound("no store at " + globals_.home + "; run `waypost init` first");
}

Result<std::unique_ptr<node::Node>> Context::OpenNode() {
  // No store (never made, or destroyed by panic): say so before asking for
  // a passphrase that could open nothing.
  WAYPOST_RETURN_IF_ERROR(RequireStore());
  WAYPOST_ASSIGN_OR_RETURN(Secret passphrase, ReadPassphrase());
  return node::Node::Open(globals_.home, passphrase, io_.clock, io_.random);
}

void Context::Out(const std::string& text) {
  io_.out << text;
  io_.out.flush();
}

void Context::Note(const std::string& text) { io_.err << text << "\n"; }

// Text from peers is valid UTF-8 (protobuf checks it); anything else is
// replaced rather than allowed to abort the program.
void Context::Json(const nlohmann::json& value) {
  Out(value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace waypost::cli
