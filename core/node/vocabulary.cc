#include "core/node/vocabulary.h"

#include "core/text.h"

namespace waypost::node {

Status CheckName(std::string_view name) {
  WAYPOST_RETURN_IF_ERROR(CheckTextLength(name, "a name", {1, kMaxNameChars, kMaxNameSize}));
  for (size_t i = 0; i < name.size(); ++i) {
    if (ControlCharAt(name, i) != 0) {
      return Status::InvalidArgument("a name cannot contain control characters");
    }
  }
  // One name must not pass for another on the board (docs/protocol.md §4.1).
  if (HasInvisibleFormatting(name)) {
    return Status::InvalidArgument(
        "a name cannot contain invisible characters (zero-width, or ones that change the "
        "direction of text)");
  }
  return Status::Ok();
}

}  // namespace waypost::node
