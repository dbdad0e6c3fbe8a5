// Dialing: resolve, connect, maybe tunnel through SOCKS5, then pump one
// Connection. Shared by RunClient (a node's sync) and Server (a relay
// dialing its peers). Internal: this header includes Asio.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/connection.h"
#include "core/status.h"
#include "net/client.h"

namespace waypost::net_internal {

class Pump;

// Lets the io_context's thread cut a dial short (a server shutting down):
// while the dial runs, Abort() closes whatever it waits on, and the dial
// then ends with an error. The pointers refer into the dial's frame, which
// sets and clears them; Abort() after the dial returned does nothing.
struct DialControl {
  void Abort();

  asio::ip::tcp::socket* socket = nullptr;  // resolving, connecting, SOCKS5
  asio::ip::tcp::resolver* resolver = nullptr;
  Pump* pump = nullptr;  // once connected
  bool aborted = false;
};

// Everything before OnStart shares one opts.connect_timeout_ms budget.
// Returns what RunClient documents; does NOT call conn.OnClosed.
asio::awaitable<Status> DialAndPump(const std::string& host, uint16_t port, Connection& conn,
                                    const Clock& clock, const ClientOptions& opts,
                                    DialControl* control = nullptr);

}  // namespace waypost::net_internal
