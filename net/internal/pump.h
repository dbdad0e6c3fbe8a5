// The pump: runs one core Connection over one connected TCP socket, exactly
// as the loop in core/connection.h describes. Shared by Server and RunClient.
// Internal: this header includes Asio; public net/ headers never do.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/connection.h"
#include "core/status.h"

namespace waypost::net_internal {

// A one-shot timer that calls on_fire if it expires before Disarm()/re-Arm().
// Safe to destroy with a wait pending: a stale expiry never calls on_fire.
class Watchdog {
 public:
  explicit Watchdog(const asio::any_io_executor& executor);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void Arm(int64_t ms, std::function<void()> on_fire);
  void Disarm();
  // True if the last Arm() expired (and called on_fire).
  bool fired() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

struct PumpOptions {
  int64_t idle_timeout_ms = 30000;  // <= 0 disables
  // How the peer is named in Status messages, e.g. "relay.example:7400".
  std::string peer_label = "peer";
  // The slowest a peer may read what we write, in bytes per second: bytes
  // queued for it must be written within idle_timeout_ms plus their size at
  // this rate, else Timeout ("reads too slowly"). A peer that reads one byte
  // now and then, to keep the idle timeout at bay, is bounded too. 0: no
  // floor. Needs idle_timeout_ms > 0.
  int64_t min_write_rate = 0;
};

// Owns the socket for the life of the exchange. Reading and writing run
// concurrently, so two peers that both send a lot cannot deadlock each other;
// reading pauses while more than kMaxQueuedBytes wait to be written, so a
// peer that sends but never reads cannot grow our memory (it stalls instead,
// and the idle timeout ends it), and with a min_write_rate one that reads too
// slowly is ended too. Once all queued bytes are written, the Connection
// hears OnFlushed(). Not thread-safe: every call, Abort()
// included, must come from the io_context's thread.
class Pump {
 public:
  static constexpr size_t kMaxQueuedBytes = 1 << 20;

  Pump(asio::ip::tcp::socket socket, Connection& conn, const Clock& clock, PumpOptions opts);

  // OnStart .. close. Returns why it ended (Ok after a clean IsDone()); the
  // socket is closed on return. Does NOT call OnClosed: the owner does.
  // Call once; the Pump must outlive the returned awaitable.
  asio::awaitable<Status> Run();

  // Ends Run() soon with `why`, by default Unavailable("... closed:
  // shutting down"). The socket is closed at once.
  void Abort(Status why = Status::Ok());

 private:
  asio::awaitable<Status> Step();   // one wait for bytes or a deadline
  asio::awaitable<void> Writer();   // writes queue_ as the socket allows
  asio::awaitable<Status> Drain();  // waits until queue_ is written
  asio::awaitable<void> Linger();   // half-close, then read until the peer closes
  asio::awaitable<void> Wait(asio::steady_timer& signal);
  void Queue();                 // TakeOutgoing() -> queue_, wakes the writer
  Status Broken(Status why);    // marks the socket unusable, returns why
  Status ShuttingDown() const;  // why Abort() ended Run()
  bool ReadsTooSlowly(int64_t now) const;
  Status TooSlow() const;
  void CancelSocket();
  int64_t WaitMs(int64_t now) const;
  int64_t Now() const { return clock_.MonotonicMs(); }

  asio::ip::tcp::socket socket_;
  Connection& conn_;
  const Clock& clock_;
  PumpOptions opts_;
  Watchdog watchdog_;
  // Used as condition variables: Wait() sleeps until the other side cancels.
  asio::steady_timer reader_signal_;
  asio::steady_timer writer_signal_;
  std::deque<Bytes> queue_;
  size_t front_offset_ = 0;  // bytes of queue_.front() already written
  size_t queued_bytes_ = 0;
  Status write_error_;
  int64_t last_activity_ms_ = 0;
  // While bytes wait to be written, when they must all be written by.
  std::optional<int64_t> write_deadline_ms_;
  bool writer_running_ = false;
  bool closing_ = false;  // the writer exits once queue_ is empty
  bool broken_ = false;   // socket failed or timed out: nothing more is written
  bool aborted_ = false;  // Abort() was called
  Status abort_reason_;   // what it gave; Ok: shutting down
};

// One Status for a failed socket operation, naming the peer.
Status SocketError(const std::string& peer_label, const asio::error_code& ec);

}  // namespace waypost::net_internal
