// One `waypost sync` (docs/protocol.md §6): for each relay, one session
// (core/sync/sync_client.h) that uploads what this relay has not
// acknowledged, reconciles, fetches what is missing, and uploads the replies
// that taking it in queued, each batch committed as its answer arrives. The
// connection comes from a Dialer, so the same round runs over TCP, through
// SOCKS5, or in memory in the tests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/dialer.h"
#include "core/node/node.h"
#include "core/random.h"
#include "core/status.h"
#include "core/sync/relay_address.h"

namespace waypost::node {

struct RelayFailure {
  std::string relay;  // HOST:PORT
  Status status;      // what went wrong, in words for the user
};

struct SyncReport {
  size_t uploaded = 0;
  size_t downloaded = 0;  // accepted
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  int round_trips = 0;
  size_t rejected = 0;  // fetched but forged, damaged, expired or not ours: dropped
  size_t refused = 0;   // uploads a relay refused (it stays queued for the others)
  size_t full = 0;      // uploads a full relay turned away (they stay queued)
  // Relays that failed while others worked; the round still succeeded.
  std::vector<RelayFailure> failures;
};

// Where one relay's session stands, for a live display.
struct SyncProgress {
  std::string relay;  // HOST:PORT
  size_t uploaded = 0;
  size_t downloaded = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  bool connecting = false;  // told once before each relay is dialled
};

struct SyncRoundOptions {
  // Each answer must come this long after its question (SyncClient).
  int64_t deadline_ms = 30'000;
  // Told after every answered batch; may be empty.
  std::function<void(const SyncProgress&)> progress;
};

// Syncs with `relays`, or with the node's saved relays when it is empty.
// InvalidArgument when there are none at all; Unavailable, with the first
// relay's error, when every relay failed. Whatever a failed exchange did not
// complete stays queued for the next sync.
Result<SyncReport> SyncWithRelays(Node& node, std::vector<sync::RelayAddress> relays,
                                  Dialer& dialer, Random& random,
                                  const SyncRoundOptions& options = {});

}  // namespace waypost::node
