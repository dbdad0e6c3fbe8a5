// Dialer: how core reaches a peer. It connects to HOST:PORT and pumps one
// Connection (connection.h) until the exchange is done or fails. net/ dials
// TCP, directly or through a SOCKS5 proxy (net/dialer.h); tests pump
// Connections in memory. Either way the protocol logic is the same code.
#pragma once

#include <cstdint>
#include <string>

#include "core/connection.h"
#include "core/status.h"

namespace waypost {

class Dialer {
 public:
  virtual ~Dialer() = default;

  // Ok once conn.IsDone(); otherwise why it failed: the peer could not be
  // reached, stalled, vanished, or the Connection's own error.
  // conn.OnClosed is called exactly once with the returned Status, even when
  // the connection never came up (then OnStart was never called).
  virtual Status Run(const std::string& host, uint16_t port, Connection& conn) = 0;
};

}  // namespace waypost
