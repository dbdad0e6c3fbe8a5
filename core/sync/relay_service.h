// RelayService: what `waypost relay` runs over its store (docs/protocol.md
// §2.4, docs/storage.md §6): a RelaySession for every accepted connection,
// and the housekeeping that keeps expired envelopes from piling up. net/
// only accepts sockets and pumps the sessions this hands out.
//
// Lifetime: borrows the Database, the clock and the random source, which
// must outlive it and every session it made. Single-threaded, like every
// Connection: NewSession() and the sessions run on the server's one thread.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <utility>

#include "core/clock.h"
#include "core/connection.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/sync/relay_store.h"
#include "core/sync/team_registry.h"

namespace waypost::sync {

class RelayService {
 public:
  // Expired envelopes are never served; they are dropped this often.
  static constexpr int64_t kPurgeSeconds = 600;

  // Told about a purge that failed; serving goes on.
  using Warn = std::function<void(const Status&)>;

  RelayService(store::Database& db, const noise::KeyPair& identity, const Clock& clock,
               Random& random, Warn warn = nullptr);

  // Creates the envelopes table if missing and drops what has expired. Call
  // once before serving.
  Status Start();
  // The static public keys of the relays this one peers with: sessions that
  // prove one of them may reconcile every envelope (docs/protocol.md §2.5).
  // Call before serving.
  void SetPeerKeys(std::set<Bytes> keys) { peer_keys_ = std::move(keys); }
  // Serves the team of `roster` (a coordinator's `team export`, with the
  // steps of its chain below it, §11.7), after Start() and before serving.
  // Every session must be admitted for a team served (docs/protocol.md
  // §11); a relay serving none serves nobody.
  Status ServeTeam(ByteView roster, const std::vector<ByteView>& steps = {}) {
    return teams_.Serve(roster, steps);
  }
  // Admits every session without a proof, as relays did before teams: for
  // tests of what happens after admission (tests/kit/memory_relay.h). No
  // command makes such a relay.
  void OpenToAnyone() { open_ = true; }
  TeamRegistry& teams() { return teams_; }
  // The session for one accepted connection; first purges, if one is due.
  std::unique_ptr<Connection> NewSession();

  const noise::KeyPair& identity() const { return identity_; }
  RelayStore& store() { return store_; }
  const Clock& clock() const { return clock_; }
  Random& random() { return random_; }

 private:
  RelayStore store_;
  TeamRegistry teams_;
  noise::KeyPair identity_;
  const Clock& clock_;
  Random& random_;
  Warn warn_;
  std::set<Bytes> peer_keys_;
  bool open_ = false;
  UnixTime last_purge_ = 0;
};

}  // namespace waypost::sync
