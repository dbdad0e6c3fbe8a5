// Connection: the seam between net/ (which moves bytes) and core/ (which
// decides what they mean).
//
// A Connection is a sans-IO protocol endpoint. net/ owns the socket and calls
// these methods from a single thread; the Connection never blocks, never
// touches a socket and never reads a clock of its own: every call carries the
// current monotonic time in milliseconds.
//
// The pump loop net/ runs for one connection:
//   OnStart(now); flush TakeOutgoing();
//   loop:
//     if IsDone(): flush TakeOutgoing(), close, OnClosed(Ok).
//     wait for bytes or Deadline();
//     bytes arrived (in any chunking) -> OnReceive(bytes, now)
//     deadline passed                 -> OnTimeout(now)
//     flush TakeOutgoing()
//     all of it written -> OnFlushed(now)
//   Any non-OK Status from OnStart/OnReceive/OnTimeout closes the socket at
//   once (after flushing what is already queued) and is passed to OnClosed.
//   A peer that closes or resets gives OnClosed(Unavailable(...)).
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.h"
#include "core/status.h"

namespace waypost {

class Connection {
 public:
  virtual ~Connection() = default;

  // Called once when the TCP stream is up (after any SOCKS5 negotiation).
  virtual Status OnStart(int64_t now_ms) = 0;
  // Bytes exactly as read from the socket; framing is the Connection's job.
  virtual Status OnReceive(ByteView bytes, int64_t now_ms) = 0;
  // Bytes to write now, in order. Empty when there is nothing to send.
  virtual Bytes TakeOutgoing() = 0;
  // True when the exchange is over: flush outgoing bytes, then close.
  virtual bool IsDone() const = 0;
  // The monotonic time (ms) by which something must happen, if any.
  virtual std::optional<int64_t> Deadline() const = 0;
  // The deadline passed. Return an error (usually Timeout) to close.
  virtual Status OnTimeout(int64_t now_ms) = 0;
  // The connection is gone; `why` is Ok after a clean IsDone() close.
  virtual void OnClosed(const Status& why) = 0;

  // Every byte TakeOutgoing() has handed out so far is written to the peer
  // (a peer on a slow link may take a while to read an answer; a deadline
  // for its next message should count from here).
  virtual void OnFlushed(int64_t /*now_ms*/) {}
  // After OnClosed(why): how the exchange ended, for an operator's log. By
  // default `why`; a protocol that tells a clean end from a broken one (a
  // client that closes between messages) answers Ok for a clean one.
  virtual Status Outcome(const Status& why) const { return why; }
  // True while the peer has yet to prove anything, as before a handshake
  // ends. A full server drops its oldest provisional connection to make
  // room for a new one (docs/protocol.md §2.6), so a flood of connections
  // that never finish a handshake cannot keep anyone out.
  virtual bool Provisional() const { return false; }
};

}  // namespace waypost
