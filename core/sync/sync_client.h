// SyncClient: a node's side of one sync connection to a relay (initiator).
// The exchange is drawn in relay_session.h: one XX handshake, one
// SyncRequest, one SyncResponse, then IsDone(). Two round trips in all.
//
// The client pins the relay's public key from its address (relay_address.h):
// a relay that proves any other key fails the sync with AuthFailed. The whole
// exchange must finish within 30 s of OnStart, else Timeout.
//
// Results (accepted(), envelopes(), ...) are meaningful once succeeded().
// Received envelopes are untrusted bytes: the caller opens them. Lifetime:
// `random` is borrowed and must outlive the client. Single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/connection.h"
#include "core/envelope/format.h"
#include "core/random.h"
#include "core/sync/constants.h"
#include "core/sync/secure_channel.h"

namespace waypost::sync {

class SyncClient final : public Connection {
 public:
  // `relay_public_key`: 32 bytes, from the relay address. `uploads`: whole
  // envelopes (at most kMaxUploads). `tags`: recipient tags to fetch (at most
  // kMaxTags). `have_prefixes`: content-id prefixes, 4..32 bytes each (at most
  // kMaxHave), of envelopes already held. OnStart() returns InvalidArgument
  // or LimitExceeded when these break the limits; nothing is sent then.
  // `deadline_ms`: the whole exchange must finish this long after OnStart.
  SyncClient(ByteView relay_public_key, std::vector<Bytes> uploads,
             std::vector<envelope::RecipientTag> tags, std::vector<Bytes> have_prefixes,
             Random& random, int64_t deadline_ms = kClientDeadlineMs);

  Status OnStart(int64_t now_ms) override;
  Status OnReceive(ByteView bytes, int64_t now_ms) override;
  Bytes TakeOutgoing() override;
  bool IsDone() const override { return done_; }
  std::optional<int64_t> Deadline() const override;
  Status OnTimeout(int64_t now_ms) override;
  void OnClosed(const Status& why) override;

  // True once the response arrived and was well formed.
  bool succeeded() const { return done_ && status_.ok(); }
  // The first error, or Ok. Before the end it is Ok as long as nothing failed.
  const Status& status() const { return status_; }

  uint32_t accepted() const { return accepted_; }  // uploads the relay newly stored
  uint32_t rejected() const { return rejected_; }  // uploads the relay refused
  const std::vector<Bytes>& envelopes() const { return received_; }
  std::vector<Bytes> TakeEnvelopes() { return std::move(received_); }
  uint64_t bytes_sent() const { return channel_.bytes_sent(); }
  uint64_t bytes_received() const { return channel_.bytes_received(); }
  int round_trips() const { return round_trips_; }

 private:
  Status Fail(Status why);
  Status BuildRequest();
  Status HandleResponse(ByteView bytes);

  SecureChannel channel_;
  std::vector<Bytes> uploads_;
  std::vector<envelope::RecipientTag> tags_;
  std::vector<Bytes> have_;
  Bytes request_;  // encoded in OnStart, sent once the channel is up
  int64_t deadline_ms_;
  std::optional<int64_t> started_ms_;
  bool request_sent_ = false;
  bool done_ = false;
  Status status_;
  uint32_t accepted_ = 0;
  uint32_t rejected_ = 0;
  std::vector<Bytes> received_;
  int round_trips_ = 0;
};

}  // namespace waypost::sync
