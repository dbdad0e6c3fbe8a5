#include "core/sync/roster_steps.h"

#include <set>

namespace waypost::sync {

Result<std::vector<Bytes>> RosterSteps::Above(const team::TeamId& team, uint64_t version) {
  std::vector<Bytes> out;
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT state FROM team_steps WHERE team_id = ? AND version > ? ORDER BY version",
                 team, static_cast<int64_t>(version)));
  WAYPOST_RETURN_IF_ERROR(
      st.ForEach([&](const store::Statement& row) { out.push_back(row.ColumnBlob(0)); }));
  return out;
}

Status RosterSteps::Record(const team::SignedTeamState& held, const team::SignedTeamState& next) {
  if (!team::IsStep(held.roster(), next.roster())) return Status::Ok();
  return Keep({next});
}

Status RosterSteps::Walk(const team::SignedTeamState& held, const std::vector<ByteView>& steps,
                         const team::SignedTeamState& next) {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<team::SignedTeamState> walked,
                           team::VerifyChain(held, steps, next));
  return Keep(walked);
}

Status RosterSteps::Keep(const std::vector<team::SignedTeamState>& steps) {
  for (const team::SignedTeamState& step : steps) {
    WAYPOST_RETURN_IF_ERROR(
        db_->Run("INSERT OR IGNORE INTO team_steps(team_id, version, state) VALUES(?, ?, ?)",
                 step.roster().team_id, static_cast<int64_t>(step.roster().version), step.bytes()));
  }
  std::set<team::TeamId> teams;
  for (const team::SignedTeamState& step : steps) teams.insert(step.roster().team_id);
  for (const team::TeamId& id : teams) {
    WAYPOST_RETURN_IF_ERROR(db_->Run(
        "DELETE FROM team_steps WHERE team_id = ?1 AND version NOT IN ("
        "  SELECT version FROM team_steps WHERE team_id = ?1 ORDER BY version DESC LIMIT ?2)",
        id, static_cast<int64_t>(team::kMaxSteps)));
  }
  return Status::Ok();
}

}  // namespace waypost::sync
