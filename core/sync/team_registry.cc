#include "core/sync/team_registry.h"

#include <functional>
#include <utility>

namespace waypost::sync {

Status TeamRegistry::EnsureSchema() {
  WAYPOST_RETURN_IF_ERROR(
      db_->Exec("CREATE TABLE IF NOT EXISTS served_teams ("
                "  team_id BLOB PRIMARY KEY,"
                "  state BLOB NOT NULL"
                ") WITHOUT ROWID;"));
  return db_->Exec(RosterSteps::kSchema);
}

Result<std::optional<team::SignedTeamState>> TeamRegistry::Stored(const team::TeamId& team) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement select,
                           db_->Query("SELECT state FROM served_teams WHERE team_id = ?", team));
  WAYPOST_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::optional<team::SignedTeamState>();
  Result<team::SignedTeamState> parsed = team::SignedTeamState::Parse(select.ColumnBlob(0));
  if (!parsed.ok()) return Status::Corrupt("a stored team roster does not parse");
  return std::optional<team::SignedTeamState>(std::move(*parsed));
}

Status TeamRegistry::Serve(ByteView state, const std::vector<ByteView>& steps) {
  WAYPOST_ASSIGN_OR_RETURN(team::SignedTeamState anchor, team::SignedTeamState::Parse(state));
  // A later roster's signatures point into the one before it, which the
  // relay never saw: the operator's file vouches for how it came to be, and
  // a signature by one of its own coordinators shows it is whole.
  WAYPOST_RETURN_IF_ERROR(anchor.roster().version == 1 ? team::VerifyGenesis(anchor)
                                                       : team::VerifySelfSigned(anchor));
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<team::SignedTeamState> below,
                           AnchorSteps(anchor, steps));
  WAYPOST_ASSIGN_OR_RETURN(std::optional<team::SignedTeamState> stored,
                           Stored(anchor.roster().team_id));
  return Atomically([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(steps_.Keep(below));
    if (stored && stored->roster().version >= anchor.roster().version) {
      teams_.insert_or_assign(stored->roster().team_id, std::move(*stored));
      return Status::Ok();
    }
    return Keep(std::move(anchor));
  });
}

Status TeamRegistry::Atomically(const std::function<Status()>& change) {
  if (db_->InTransaction()) {
    WAYPOST_ASSIGN_OR_RETURN(store::Savepoint savepoint, store::Savepoint::Begin(*db_));
    WAYPOST_RETURN_IF_ERROR(change());
    return savepoint.Release();
  }
  WAYPOST_ASSIGN_OR_RETURN(store::Transaction transaction, store::Transaction::Begin(*db_));
  WAYPOST_RETURN_IF_ERROR(change());
  return transaction.Commit();
}

// The steps to keep from a team file (docs/protocol.md §11.7): those it
// holds below its newest roster, and that roster if it is one. The operator
// vouches for them like for the roster: the oldest must be whole
// (VerifySelfSigned), and the walk from it must reach the roster, so that a
// file cannot slip in a step the team's coordinators did not sign in turn.
Result<std::vector<team::SignedTeamState>> TeamRegistry::AnchorSteps(
    const team::SignedTeamState& anchor, const std::vector<ByteView>& steps) {
  if (steps.empty()) {
    // With no step below it, the roster itself may be the step that added
    // a coordinator who signs the next: kept as one, since it cannot be told.
    std::vector<team::SignedTeamState> own;
    if (anchor.roster().coordinators.size() > 1) own.push_back(anchor);
    return own;
  }
  WAYPOST_ASSIGN_OR_RETURN(const team::SignedTeamState oldest,
                           team::SignedTeamState::Parse(steps.front()));
  if (oldest.roster().team_id != anchor.roster().team_id ||
      oldest.roster().version >= anchor.roster().version) {
    return Status::Protocol("a team file's steps are not below its roster");
  }
  WAYPOST_RETURN_IF_ERROR(oldest.roster().version == 1 ? team::VerifyGenesis(oldest)
                                                       : team::VerifySelfSigned(oldest));
  const std::vector<ByteView> rest(steps.begin() + 1, steps.end());
  WAYPOST_ASSIGN_OR_RETURN(std::vector<team::SignedTeamState> walked,
                           team::VerifyChain(oldest, rest, anchor));
  walked.insert(walked.begin(), oldest);
  return walked;
}

Status TeamRegistry::Keep(team::SignedTeamState state) {
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO served_teams (team_id, state) VALUES (?, ?) "
               "ON CONFLICT(team_id) DO UPDATE SET state = excluded.state",
               state.roster().team_id, state.bytes()));
  const team::TeamId id = state.roster().team_id;
  teams_.insert_or_assign(id, std::move(state));
  ++changes_;
  return Status::Ok();
}

const team::SignedTeamState* TeamRegistry::Find(const team::TeamId& team) const {
  auto it = teams_.find(team);
  return it == teams_.end() ? nullptr : &it->second;
}

Status TeamRegistry::Offer(ByteView state, const std::vector<ByteView>& steps) {
  WAYPOST_ASSIGN_OR_RETURN(team::SignedTeamState offered, team::SignedTeamState::Parse(state));
  const team::SignedTeamState* held = Find(offered.roster().team_id);
  if (held == nullptr) return Status::AuthFailed();
  // Not newer: ours stands (a fork at the same version keeps the first seen).
  if (offered.roster().version <= held->roster().version) return Status::Ok();
  return Atomically([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(steps_.Walk(*held, steps, offered));
    return Keep(std::move(offered));
  });
}

Result<std::vector<Bytes>> TeamRegistry::StepsAbove(const team::TeamId& team, uint64_t version) {
  return steps_.Above(team, version);
}

std::vector<team::TeamId> TeamRegistry::Served() const {
  std::vector<team::TeamId> out;
  for (const auto& [id, state] : teams_) out.push_back(id);
  return out;
}

}  // namespace waypost::sync
