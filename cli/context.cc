#include "cli/context.h"

#include <ostream>

#include "core/store/home.h"
#include "core/text.h"

namespace waypost::cli {

Status Context::RequireStore() const {
  if (store::StoreExists(globals_.home)) return Status::Ok();
  return Status::NotFound("no store at " + globals_.home + "; run `waypost init` first");
}

Result<std::unique_ptr<node::Node>> Context::OpenNode() {
  // No store (never made, or destroyed by panic): say so before asking for
  // a passphrase that could open nothing.
  WAYPOST_RETURN_IF_ERROR(RequireStore());
  std::unique_ptr<node::Node> node;
  WAYPOST_RETURN_IF_ERROR(CheckPassphrase([&](const Secret& passphrase) -> Status {
    WAYPOST_ASSIGN_OR_RETURN(node,
                             node::Node::Open(globals_.home, passphrase, io_.clock, io_.random));
    return Status::Ok();
  }));
  return node;
}

Result<bool> Context::AskYes(std::string_view question) {
  WAYPOST_ASSIGN_OR_RETURN(Secret answer,
                           ReadText("answer", std::string(question) + " [y/N] ", 16));
  const std::string_view a = TrimSpace(View(answer));
  return a == "y" || a == "Y" || a == "yes" || a == "Yes" || a == "YES";
}

Result<Secret> Context::ReadText(std::string_view what, std::string_view prompt, size_t max_size,
                                 bool secret, const MoreLines& more) {
  const Status too_long = Status::InvalidArgument("the " + std::string(what) + " is too long");
  if (io_.stdin_is_terminal) {
    Result<Secret> line = io_.terminal.ReadLines(
        prompt, "More of the " + std::string(what) + " (Enter if that was all): ", max_size,
        !secret, "no terminal to ask for the " + std::string(what) + " on", more);
    if (!line.ok() && line.status().message() == "the answer is too long") return too_long;
    return line;
  }
  Secret buf(max_size + 2);  // room for a trailing "\r\n" beyond the limit
  size_t len = 0;
  for (char c; len < buf.size() && io_.in.get(c);) buf.data()[len++] = uint8_t(c);
  if (len > 0 && buf.data()[len - 1] == '\n') --len;
  if (len > 0 && buf.data()[len - 1] == '\r') --len;
  if (len > max_size || io_.in.peek() != std::char_traits<char>::eof()) return too_long;
  return Secret::From(ByteView(buf.data(), len));
}

void Context::Out(const std::string& text) {
  io_.out << text;
  io_.out.flush();
}

void Context::Note(const std::string& text) {
  EndProgress();
  io_.err << text << "\n";
}

void Context::Progress(const std::string& text) {
  if (!io_.stderr_is_terminal) return;
  io_.err << "\r\033[K" << text;
  io_.err.flush();
  progress_shown_ = true;
}

void Context::EndProgress() {
  if (!progress_shown_) return;
  io_.err << "\r\033[K";
  io_.err.flush();
  progress_shown_ = false;
}

// Text from peers is valid UTF-8 (protobuf checks it); anything else is
// replaced rather than allowed to abort the program.
void Context::Json(const nlohmann::json& value) {
  Out(value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

bool Context::Colour(bool to_stderr) const {
  if (!(to_stderr ? io_.stderr_is_terminal : io_.stdout_is_terminal)) return false;
  const std::optional<std::string> no_colour = io_.getenv("NO_COLOR");
  if (no_colour && !no_colour->empty()) return false;
  return io_.getenv("TERM").value_or("") != "dumb";
}

}  // namespace waypost::cli
