// A TCP proxy on 127.0.0.1 that does to connections what a bad link does
// (issue 9: links that drop after a few kilobytes): it forwards bytes both
// ways between a client and a target, and, per connection, can
//   - cut the connection once a number of bytes (both directions together)
//     has passed, exactly at that byte;
//   - flip one byte at a given offset of the client-to-target stream or the
//     target-to-client stream;
//   - stall: stop forwarding at a given offset and hold both sockets open
//     until the proxy stops.
// Each connection's plan is drawn by a Planner from its own seeded random,
// so a failing run can be repeated. The proxy runs on one thread of its own
// (poll over every socket); Stop() or the destructor ends it and closes
// everything.
//
//   FaultProxy proxy(relay_port, FaultProxy::CutBetween(300, 4000, seed));
//   ... connect clients to proxy.port() ...
//   proxy.stats().connections
//
// Test code only: blocking setup, plain POSIX sockets, no Asio.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace waypost::testing {

class FaultProxy {
 public:
  // What happens to one connection. Offsets count bytes from the start of
  // the connection; nullopt means never.
  struct Plan {
    std::optional<uint64_t> cut_after;    // both directions together
    std::optional<uint64_t> flip_up;      // client -> target byte to flip
    std::optional<uint64_t> flip_down;    // target -> client byte to flip
    std::optional<uint64_t> stall_after;  // both directions together
  };
  // Draws the plan of the `n`th connection (0-based).
  using Planner = std::function<Plan(uint64_t n)>;

  // Every connection is cut at a uniformly random offset in [low, high].
  static Planner CutBetween(uint64_t low, uint64_t high, uint64_t seed);
  // No faults: a plain forwarder.
  static Planner Clean();

  struct Stats {
    uint64_t connections = 0;
    uint64_t bytes_up = 0;    // client -> target, forwarded
    uint64_t bytes_down = 0;  // target -> client, forwarded
    uint64_t cuts = 0;        // connections the plan cut
    uint64_t flips = 0;
    uint64_t stalls = 0;
  };

  // Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`target_port`.
  // Aborts the test (ADD_FAILURE and port() == 0) if it cannot listen.
  FaultProxy(uint16_t target_port, Planner planner);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  uint16_t port() const { return port_; }
  Stats stats() const;
  void Stop();

 private:
  struct Pair;
  void Run();
  void Accept();
  // Moves bytes from `from` to `to` in `pair`; false when the pair is done.
  bool Pump(Pair& pair, bool up);

  uint16_t target_port_;
  Planner planner_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::vector<Pair*> pairs_;
  mutable std::mutex mu_;
  Stats stats_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace waypost::testing
