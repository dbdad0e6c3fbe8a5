#include "core/sync/team_registry.h"

#include <utility>

namespace waypost::sync {

Status TeamRegistry::EnsureSchema() {
  return db_->Exec(
      "CREATE TABLE IF NOT EXISTS served_teams ("
      "  team_id BLOB PRIMARY KEY,"
      "  state BLOB NOT NULL"
      ") WITHOUT ROWID;");
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

Status TeamRegistry::Serve(ByteView state) {
  WAYPOST_ASSIGN_OR_RETURN(team::SignedTeamState anchor, team::SignedTeamState::Parse(state));
  // A later roster's signatures point into the one before it, which the
  // relay never saw: the operator's file vouches for how it came to be, and
  // a signature by one of its own coordinators shows it is whole.
  WAYPOST_RETURN_IF_ERROR(anchor.roster().version == 1 ? team::VerifyGenesis(anchor)
                                                       : team::VerifySelfSigned(anchor));
  WAYPOST_ASSIGN_OR_RETURN(std::optional<team::SignedTeamState> stored,
                           Stored(anchor.roster().team_id));
  if (stored && stored->roster().version >= anchor.roster().version) {
    teams_.insert_or_assign(stored->roster().team_id, std::move(*stored));
    return Status::Ok();
  }
  return Keep(std::move(anchor));
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

Status TeamRegistry::Offer(ByteView state) {
  WAYPOST_ASSIGN_OR_RETURN(team::SignedTeamState offered, team::SignedTeamState::Parse(state));
  const team::SignedTeamState* held = Find(offered.roster().team_id);
  if (held == nullptr) return Status::AuthFailed();
  // Not newer: ours stands (a fork at the same version keeps the first seen).
  if (offered.roster().version <= held->roster().version) return Status::Ok();
  WAYPOST_RETURN_IF_ERROR(team::VerifySuccessor(*held, offered));
  return Keep(std::move(offered));
}

std::vector<team::TeamId> TeamRegistry::Served() const {
  std::vector<team::TeamId> out;
  for (const auto& [id, state] : teams_) out.push_back(id);
  return out;
}

}  // namespace waypost::sync
