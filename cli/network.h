// Network: how the command line reaches relays and serves as one. TcpNetwork
// is the real one (net/); the CLI tests use one in memory (tests/kit/).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/dialer.h"
#include "core/outbound.h"
#include "core/status.h"
#include "net/address.h"
#include "net/server.h"

namespace waypost::cli {

struct DialOptions {
  // One budget for connecting, for silence, and for the whole exchange.
  int64_t timeout_ms = 30'000;
  std::optional<HostPort> socks5;  // reach relays through this SOCKS5 proxy
};

// `settings proxy`'s form: "socks5://HOST:PORT" to HOST:PORT.
// InvalidArgument, saying the form, otherwise.
Result<HostPort> ParseProxyUrl(std::string_view url);

// The proxy a command that connects must use: `flag` (--socks5 HOST:PORT)
// if given, else the saved one (`saved`, settings proxy), else none. There
// is no way around a saved proxy: a command that cannot reach it fails
// rather than connect directly (README, "Settings").
Result<std::optional<HostPort>> ChooseProxy(const std::string& flag, const std::string& saved);

// What a server dials while it serves (a relay's peers, docs/protocol.md §2.5).
struct ServeOptions {
  Outbound* outbound = nullptr;  // borrowed; null: nothing
  DialOptions dial;
  size_t max_connections = 0;  // 0: the server's default (net/server.h)
};

class Network {
 public:
  virtual ~Network() = default;

  virtual std::unique_ptr<Dialer> NewDialer(const DialOptions& options) = 0;
  // Listens on host:port, tells `listening` the bound port, then serves a
  // Connection from `factory` per peer, and dials what `extra.outbound`
  // asks for, until SIGINT or SIGTERM; `log` gets one line per connection
  // that ends in an error.
  virtual Status Serve(const std::string& host, uint16_t port, ConnectionFactory factory,
                       const std::function<void(uint16_t port)>& listening, NetLog log,
                       const ServeOptions& extra) = 0;
  // Waits `ms` milliseconds; false, at once, if SIGINT or SIGTERM asks the
  // process to stop. From the first call on, those signals no longer end
  // the process: one that comes while other work runs is seen by the next
  // call, and by every call after it.
  virtual bool Pause(int64_t ms) = 0;
  // Runs `command` with /bin/sh -c, `input` on its stdin; an error unless
  // it exits 0.
  virtual Status RunHook(const std::string& command, const std::string& input) = 0;
};

class TcpNetwork final : public Network {
 public:
  explicit TcpNetwork(const Clock& clock) : clock_(clock) {}
  std::unique_ptr<Dialer> NewDialer(const DialOptions& options) override;
  Status Serve(const std::string& host, uint16_t port, ConnectionFactory factory,
               const std::function<void(uint16_t port)>& listening, NetLog log,
               const ServeOptions& extra) override;
  bool Pause(int64_t ms) override;
  Status RunHook(const std::string& command, const std::string& input) override;

 private:
  const Clock& clock_;
};

}  // namespace waypost::cli
