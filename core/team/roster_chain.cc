#include "core/team/roster_chain.h"

#include <algorithm>
#include <utility>

namespace waypost::team {

bool IsStep(const TeamRoster& before, const TeamRoster& next) {
  return before.coordinators != next.coordinators || before.approvals != next.approvals;
}

Result<std::vector<SignedTeamState>> VerifyChain(const SignedTeamState& held,
                                                 const std::vector<ByteView>& steps,
                                                 const SignedTeamState& next) {
  if (steps.size() > kMaxSteps) return Status::Protocol("a roster chain with too many steps");
  std::vector<SignedTeamState> offered;
  offered.reserve(steps.size());
  for (const ByteView step : steps) {
    Result<SignedTeamState> parsed = SignedTeamState::Parse(step);
    if (!parsed.ok()) return Status::Protocol("a roster chain step does not parse");
    offered.push_back(std::move(*parsed));
  }
  std::stable_sort(offered.begin(), offered.end(),
                   [](const SignedTeamState& a, const SignedTeamState& b) {
                     return a.roster().version < b.roster().version;
                   });
  std::vector<SignedTeamState> kept;
  const SignedTeamState* reached = &held;
  auto walk_to = [&](const SignedTeamState& state) {
    if (IsStep(reached->roster(), state.roster())) kept.push_back(state);
    reached = &state;
  };
  for (const SignedTeamState& step : offered) {
    if (step.roster().version <= reached->roster().version ||
        step.roster().version >= next.roster().version) {
      continue;
    }
    if (VerifySuccessor(*reached, step).ok()) walk_to(step);
  }
  WAYPOST_RETURN_IF_ERROR(VerifySuccessor(*reached, next));
  walk_to(next);
  return kept;
}

}  // namespace waypost::team
