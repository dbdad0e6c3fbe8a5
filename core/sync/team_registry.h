// TeamRegistry: the teams a relay serves and the newest signed roster of
// each (docs/protocol.md §11.5, docs/storage.md §6).
//
// The operator names the teams at start (`relay --team FILE`, each FILE a
// coordinator's `team export`); that roster is the anchor. From then on a
// roster reaches the relay only through a sync, and is taken only when it
// follows the held one by the signing rules of core/team/team_state.h, so a
// relay (or anyone who talks to it) cannot forge one. The newest roster of
// each team is kept in the relay's store (table `served_teams`), so a restart with
// the same FILE keeps what syncs brought since, and so are the steps of its
// chain (table `team_steps`, docs/protocol.md §11.7): a member whose roster
// predates a change of coordinators walks them to the newest.
//
// Lifetime: borrows the Database. Single-threaded, like the sessions.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/sync/roster_steps.h"
#include "core/team/team_state.h"

namespace waypost::sync {

class TeamRegistry {
 public:
  explicit TeamRegistry(store::Database& db) : db_(&db), steps_(db) {}

  // Creates the table if missing. Call once after opening.
  Status EnsureSchema();

  // Serve the team of `state`, the operator's anchor. A genesis roster must
  // pass VerifyGenesis; a later one, VerifySelfSigned (the operator vouches
  // for the rest). `steps`, oldest first, are the steps of its chain the
  // team file holds below it (AnchorSteps), kept to hand on to members
  // behind them. If the store already holds a roster of that team at least
  // as new, that one is kept. Protocol/AuthFailed for a roster or step that
  // does not parse or verify.
  Status Serve(ByteView state, const std::vector<ByteView>& steps = {});

  // The roster served for `team`, or null when the relay does not serve it.
  const team::SignedTeamState* Find(const team::TeamId& team) const;

  // A roster offered in a sync, with the steps of its chain above the
  // relay's version. Ok and adopted (persisted, with the steps walked) if it
  // follows the held one through them (team::VerifyChain); Ok and ignored if
  // it is no newer (at the same version, the first seen stands); an error
  // otherwise (the team not served: AuthFailed; a newer one that does not
  // follow: the VerifyChain code).
  Status Offer(ByteView state, const std::vector<ByteView>& steps = {});

  // The steps kept of `team` above `version`, oldest first: what goes with
  // the newest roster to a member who holds `version`.
  Result<std::vector<Bytes>> StepsAbove(const team::TeamId& team, uint64_t version);

  std::vector<team::TeamId> Served() const;
  bool empty() const { return teams_.empty(); }
  size_t size() const { return teams_.size(); }
  // How many rosters were taken since start (Serve and Offer): a peering
  // relay passes a change on soon, since it may be a revocation
  // (docs/protocol.md §11.6).
  uint64_t changes() const { return changes_; }

 private:
  Status Keep(team::SignedTeamState state);
  // `change` as one: in a transaction of its own, or a savepoint inside the
  // caller's. The roster map may run ahead of a store that failed to
  // commit; a restart reads the store again.
  Status Atomically(const std::function<Status()>& change);
  Result<std::vector<team::SignedTeamState>> AnchorSteps(const team::SignedTeamState& anchor,
                                                         const std::vector<ByteView>& steps);
  Result<std::optional<team::SignedTeamState>> Stored(const team::TeamId& team);

  store::Database* db_;
  RosterSteps steps_;
  std::map<team::TeamId, team::SignedTeamState> teams_;
  uint64_t changes_ = 0;
};

}  // namespace waypost::sync
