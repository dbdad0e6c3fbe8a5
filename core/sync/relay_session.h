// RelaySession: the relay's side of one sync connection (responder).
//
//   client                                  relay
//   XX message 0                 ->
//                                <-         XX message 1 (proves the relay key)
//   XX message 2, SyncRequest    ->
//                                <-         SyncResponse, then close
//
// The relay stores the request's uploads, then answers with the envelopes for
// the requested tags that the client does not already have. Deadlines count
// from OnStart: the handshake must finish within 10 s and the request must
// arrive within 30 s, else Timeout.
//
// Hostile input: garbage, a bad handshake, a malformed or over-limit request
// all return an error Status (net/ then closes the socket) and touch the store
// not at all. Envelopes are checked one by one; bad ones are counted as
// rejected and do not fail the session. After an error the session is dead and
// every later call returns the same Status.
//
// Lifetime: `store`, `clock` and `random` are borrowed and must outlive the
// session. Single-threaded, like every Connection.
#pragma once

#include <cstdint>
#include <optional>

#include "core/clock.h"
#include "core/connection.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "core/sync/relay_store.h"
#include "core/sync/secure_channel.h"

namespace waypost::sync {

class RelaySession final : public Connection {
 public:
  // `relay_static` is the relay's long-term key pair (copied). `clock`
  // supplies Unix time for expiry checks; deadlines use the ms passed in.
  RelaySession(RelayStore& store, const noise::KeyPair& relay_static, const Clock& clock,
               Random& random);

  Status OnStart(int64_t now_ms) override;
  Status OnReceive(ByteView bytes, int64_t now_ms) override;
  Bytes TakeOutgoing() override;
  bool IsDone() const override { return done_; }
  std::optional<int64_t> Deadline() const override;
  Status OnTimeout(int64_t now_ms) override;
  void OnClosed(const Status& why) override;

  // For the operator's log once the session is over.
  uint32_t accepted() const { return accepted_; }
  uint32_t rejected() const { return rejected_; }
  size_t envelopes_sent() const { return envelopes_sent_; }
  uint64_t bytes_sent() const { return channel_.bytes_sent(); }
  uint64_t bytes_received() const { return channel_.bytes_received(); }
  // Ok after a clean close; otherwise why the session ended (or is ending).
  const Status& status() const { return status_; }

 private:
  Status Fail(Status why);
  Status HandleRequest(ByteView request);

  RelayStore* store_;
  const Clock* clock_;
  SecureChannel channel_;
  std::optional<int64_t> started_ms_;
  bool done_ = false;
  Status status_;
  uint32_t accepted_ = 0;
  uint32_t rejected_ = 0;
  size_t envelopes_sent_ = 0;
};

}  // namespace waypost::sync
