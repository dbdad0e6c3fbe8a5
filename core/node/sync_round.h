// One `waypost sync` (docs/protocol.md §6): for each relay, plan, exchange,
// mark what the relay took as relayed, take in what it brought, and, when
// that queued replies (receipts, a welcome), one more exchange so they leave
// in the same sync. The connection comes from a Dialer, so the same round
// runs over TCP, through SOCKS5, or in memory in the tests.
#pragma once

#include <cstdint>
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
  size_t rejected = 0;  // forged, damaged or expired: dropped
  // Relays that failed while others worked; the round still succeeded.
  std::vector<RelayFailure> failures;
};

struct SyncRoundOptions {
  // An exchange must finish this long after it starts (SyncClient).
  int64_t deadline_ms = 30'000;
};

// Syncs with `relays`, or with the node's saved relays when it is empty.
// InvalidArgument when there are none at all; Unavailable, with the first
// relay's error, when every relay failed. Whatever a failed exchange did not
// complete stays queued for the next sync.
Result<SyncReport> SyncWithRelays(Node& node, std::vector<sync::RelayAddress> relays,
                                  Dialer& dialer, Random& random,
                                  const SyncRoundOptions& options = {});

}  // namespace waypost::node
