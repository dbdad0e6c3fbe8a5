// Server: accepts TCP connections and pumps each through its own Connection.
//
// One thread runs everything (Run()); the core Connections are called only
// from that thread. One connection that sends garbage, stalls or vanishes is
// closed on its own; the others never notice.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/connection.h"
#include "core/outbound.h"
#include "core/status.h"
#include "net/client.h"

namespace waypost {

// Makes the Connection for one accepted socket. Called on the Run() thread.
// Returning nullptr refuses the connection.
using ConnectionFactory = std::function<std::unique_ptr<Connection>()>;

// One line about one connection, never holding payload bytes or peer
// addresses, e.g. "waypost: connection #12 closed: peer #12 stalled".
// Provisional connections that end badly (a flood's), and refused ones, are
// not logged one by one: the first is, and those that follow within 10 s are
// counted in one line, repeated every 10 s while they keep coming.
using NetLog = std::function<void(const std::string& line)>;

// Writes the line and a newline to stderr.
void LogToStderr(const std::string& line);

// Floods (docs/protocol.md §2.6): a new connection always finds room while
// any connection is Provisional() (has proved nothing yet): when the server
// is full, or its source address is at its limit, the oldest provisional
// connection (of that address) is dropped for it. Only when every slot holds
// a connection past its handshake is the new one refused.
struct ServerOptions {
  // At most this many connections at once. Listen() raises the process's
  // open-file limit to fit them, or lowers this to fit the limit (and logs).
  size_t max_connections = 4096;
  // At most this many from one source address (IPv6: one /64); 0: no limit.
  // Loopback is exempt: behind a Tor onion service or a local proxy every
  // client comes from there.
  size_t max_per_address = 64;
  bool exempt_loopback = true;      // false: loopback counts too (tests)
  int64_t idle_timeout_ms = 30000;  // no bytes either way this long -> Timeout; <= 0 disables
  // A peer must read our answers at least this fast (bytes/s; PumpOptions).
  int64_t min_write_rate = 1024;
  bool handle_signals = true;  // SIGINT/SIGTERM stop Run()
  NetLog log = LogToStderr;    // connection errors; empty = silent
  // Connections this server dials on its own schedule (a relay's peers),
  // pumped on the same thread; borrowed, must outlive Run(). Null: none.
  Outbound* outbound = nullptr;
  ClientOptions dial{};  // how `outbound` connections are dialed
};

class Server {
 public:
  // Binds and listens on host:port (port 0 picks a free port; see port()).
  // host may be a literal or a name, resolved once here.
  // `clock` must outlive the Server and be a real clock: its MonotonicMs()
  // drives real timers.
  // Errors: Unavailable if the host does not resolve, IoError if binding fails.
  static Result<std::unique_ptr<Server>> Listen(const std::string& host, uint16_t port,
                                                ConnectionFactory factory, const Clock& clock,
                                                ServerOptions opts = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port.
  uint16_t port() const;

  // Serves on the calling thread until Stop() or (if handle_signals)
  // SIGINT/SIGTERM. Every live connection is then closed and its OnClosed
  // called before Run() returns. Call at most once.
  Status Run();

  // Makes Run() return soon. Thread-safe; may be called before Run() or
  // from a signal-free thread while Run() is serving.
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace waypost
