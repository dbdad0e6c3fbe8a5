// Outbound: connections a server starts on its own schedule, such as a relay
// dialing the relays it peers with (docs/protocol.md §2.5). net/'s Server
// calls it on its one thread, between the Connections it serves, so an
// Outbound may share their state (the relay's store) without locks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/connection.h"
#include "core/status.h"

namespace waypost {

class Outbound {
 public:
  struct Dial {
    std::string host;
    uint16_t port = 0;
    std::unique_ptr<Connection> conn;  // pumped per connection.h once connected
  };

  virtual ~Outbound() = default;

  // Called when serving starts, when the time it last returned comes, and
  // after every connection, served or dialed, ends. Appends what to dial
  // now to `dials`; returns the monotonic time (ms) to be called again, or
  // nullopt to wait for the next connection to end.
  virtual std::optional<int64_t> Tick(int64_t now_ms, std::vector<Dial>& dials) = 0;
  // A connection from Tick() ended; its OnClosed already ran with `why`
  // (Ok after a clean finish). Called before it is destroyed.
  virtual void Finished(Connection& conn, const Status& why, int64_t now_ms) = 0;
};

}  // namespace waypost
