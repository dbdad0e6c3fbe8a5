// RelayPeering: a relay keeping its store in step with the relays it peers
// with (`waypost relay --peer ADDRESS`, docs/protocol.md §2.5).
//
// Peering is a sync session like a node's (sync_client.h), with two
// differences: the dialing relay proves its own static key in the handshake
// instead of a fresh one, and its first Reconcile asks for every envelope
// rather than naming tags. The relay it dials answers that only when the key
// is one it peers with (RelaySession), so peering is mutual: each side lists
// the other. One session moves envelopes both ways: it fetches what the
// other holds and this store lacks, then uploads what the other lacks, each
// batch committed on its own, so a dropped link loses at most a batch.
//
// When: at start, then every `interval_ms`; sooner once this store took in
// new envelopes (from a client or another peer), `settle_ms` after the last
// session with that peer began, so a check-in crosses to the other relays
// within seconds. A failed session is retried after `first_retry_ms`,
// doubling up to `interval_ms`. One session per peer at a time.
//
// Lifetime: borrows the RelayService, which must outlive this and every
// connection it hands out. Single-threaded: net/'s Server calls it on its
// one thread (core/outbound.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/outbound.h"
#include "core/sync/relay_address.h"
#include "core/sync/relay_service.h"

namespace waypost::sync {

class RelayPeering final : public Outbound {
 public:
  struct Options {
    int64_t interval_ms = 60'000;
    int64_t settle_ms = 2'000;
    int64_t first_retry_ms = 5'000;
  };
  // One line per session that moved something or failed, for the operator:
  // the peer's HOST:PORT and counts, never envelope bytes.
  using Log = std::function<void(const std::string& line)>;

  RelayPeering(RelayService& service, std::vector<RelayAddress> peers, Options options, Log log);

  std::optional<int64_t> Tick(int64_t now_ms, std::vector<Dial>& dials) override;
  void Finished(Connection& conn, const Status& why, int64_t now_ms) override;

  // Sessions with each peer that finished cleanly, in `peers` order (tests).
  std::vector<uint64_t> completed() const;

 private:
  class Session;
  struct Peer {
    RelayAddress address;
    std::string label;  // HOST:PORT
    Connection* busy = nullptr;
    int64_t due_ms = 0;
    int64_t started_ms = 0;
    int64_t retry_ms = 0;
    // The store's stored_count() that this peer's last session began from,
    // plus what that session stored itself: anything beyond is news.
    uint64_t known_stored = 0;
    // Likewise TeamRegistry::changes(): a newer roster is news too.
    uint64_t known_rosters = 0;
    uint64_t completed = 0;
    size_t team_turn = 0;  // which served team the next session carries
  };

  // When `peer` should next start a session (it is idle).
  int64_t NextStart(const Peer& peer) const;

  RelayService& service_;
  std::vector<Peer> peers_;
  Options options_;
  Log log_;
};

}  // namespace waypost::sync
