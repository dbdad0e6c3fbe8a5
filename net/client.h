// RunClient: dials one peer (directly or through a SOCKS5 proxy such as Tor)
// and pumps one Connection until it is done.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/clock.h"
#include "core/connection.h"
#include "core/dialer.h"
#include "core/status.h"

namespace waypost {

struct ClientOptions {
  // Resolving, connecting and any SOCKS5 negotiation must finish in this time.
  int64_t connect_timeout_ms = 10000;
  // No bytes either way this long -> Timeout "HOST:PORT stalled"; <= 0 disables.
  int64_t idle_timeout_ms = 30000;
  // Proxy host and port. The target host name is then passed to the proxy
  // unresolved, so no local DNS query reveals it.
  std::optional<std::pair<std::string, uint16_t>> socks5 = std::nullopt;
};

// Connects to host:port, calls conn.OnStart once the stream (or tunnel) is up,
// and pumps per core/connection.h on the calling thread until conn.IsDone()
// (-> Ok) or an error, which is returned:
//   Unavailable "cannot connect to HOST:PORT: <reason>", a peer that closes or
//   resets, or a SOCKS5 refusal; Timeout "cannot connect to HOST:PORT: timed
//   out" or "HOST:PORT stalled"; Protocol for a malformed SOCKS5 reply; or the
//   Connection's own error.
// conn.OnClosed is called exactly once with the returned Status, even when the
// connection never came up (then OnStart was never called).
// `clock` must be a real clock: its MonotonicMs() drives real timers.
Status RunClient(const std::string& host, uint16_t port, Connection& conn, const Clock& clock,
                 ClientOptions opts = {});

// The Dialer (core/dialer.h) that RunClient is: real TCP, directly or
// through SOCKS5, with the same options for every peer it dials.
class TcpDialer final : public Dialer {
 public:
  TcpDialer(const Clock& clock, ClientOptions options) : clock_(clock), options_(options) {}
  Status Run(const std::string& host, uint16_t port, Connection& conn) override {
    return RunClient(host, port, conn, clock_, options_);
  }

 private:
  const Clock& clock_;
  ClientOptions options_;
};

}  // namespace waypost
