// RosterSteps: the steps of each team's roster chain that a relay or a
// member keeps (docs/protocol.md §11.7, docs/storage.md; table
// `team_steps`), so that it can walk an older roster to a newer one and hand
// the steps on to whoever holds an older one than its own.
//
// Lifetime: borrows the Database. Callers run each call inside their own
// transaction where they need one.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "core/store/database.h"
#include "core/team/roster_chain.h"
#include "core/team/team_state.h"

namespace waypost::sync {

class RosterSteps {
 public:
  // The table, the same in a relay's store and a node's (schema 17).
  static constexpr const char* kSchema =
      "CREATE TABLE IF NOT EXISTS team_steps("
      "  team_id BLOB NOT NULL,"
      "  version INTEGER NOT NULL,"
      "  state   BLOB NOT NULL,"
      "  PRIMARY KEY(team_id, version)) WITHOUT ROWID;";

  explicit RosterSteps(store::Database& db) : db_(&db) {}

  // The steps kept of `team` above `version`, oldest first (exact bytes).
  Result<std::vector<Bytes>> Above(const team::TeamId& team, uint64_t version);

  // `next` replaces `held`: kept as a step if it is one (team::IsStep).
  Status Record(const team::SignedTeamState& held, const team::SignedTeamState& next);

  // `next`, offered with `steps`, replaces `held` if the chain verifies
  // (team::VerifyChain); the steps walked are kept. The caller keeps `next`
  // itself. The chain's error otherwise, nothing kept.
  Status Walk(const team::SignedTeamState& held, const std::vector<ByteView>& steps,
              const team::SignedTeamState& next);

  // Keeps each of `steps`; of each team, the oldest beyond team::kMaxSteps
  // are dropped.
  Status Keep(const std::vector<team::SignedTeamState>& steps);

 private:
  store::Database* db_;
};

// The exact bytes of a repeated protobuf bytes field, as views.
template <typename Repeated>
std::vector<ByteView> StepViews(const Repeated& steps) {
  std::vector<ByteView> out;
  out.reserve(steps.size());
  for (const auto& s : steps) out.push_back(AsBytes(s));
  return out;
}

}  // namespace waypost::sync
