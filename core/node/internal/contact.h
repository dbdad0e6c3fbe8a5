// A contact row as the Node uses it internally. Holds the pair's chain key,
// so it lives only as long as one Node call.
#pragma once

#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "core/secret.h"

namespace waypost::node {

struct Node::Contact {
  int64_t id = 0;
  std::string name;
  Bytes public_key;
  std::string role;
  std::string state;
  Secret tag_key;            // the contact's recipient-tag key
  envelope::Epoch chain_epoch = 0;
  Secret chain_key;          // the pair's chain key at chain_epoch
  envelope::Epoch peer_epoch = 0;  // the newest epoch the contact sealed under
  std::optional<UnixTime> last_seen;
};

// Display ids are the first 6 bytes of the content id, in hex.
inline std::string DisplayId(ByteView content_id) { return ToHex(content_id.first(6)); }

}  // namespace waypost::node
