// Roster chains (docs/protocol.md §11.7): how a reader holding an old
// roster reaches a newer one that does not follow it directly.
//
// team::VerifySuccessor checks a roster against the one before it, whose
// coordinators the signer indexes point into and whose approvals set the
// bar. A reader who missed a change of coordinators (a new one joined, or
// one was revoked) cannot check a later roster signed under the new list.
// Every roster after such a change, until the next, is checked by that
// list alone, so the reader needs only the rosters at which the signers
// changed: the *steps*. Relays and members keep the newest kMaxSteps of
// them and hand on those above the other side's version with the newest.
//
// A chain proves nothing by itself: each state walked to is checked by
// VerifySuccessor from a state already held, so forged or misplaced steps
// are passed over, never taken, and the offered newest roster must still
// follow the last state reached.
#pragma once

#include <cstddef>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "core/team/team_state.h"

namespace waypost::team {

// How many steps a relay or member keeps of a team, and the most a chain
// may offer: each is a change of coordinators, rare in a team's life.
inline constexpr size_t kMaxSteps = 32;

// Whether `next` is a step after `before`: the coordinators (in order, since
// signer indexes point into them) or the approvals differ.
bool IsStep(const TeamRoster& before, const TeamRoster& next);

// The walk from `held` to `next`. In version order, each offered step above
// the state reached so far and below `next` is taken if it follows that
// state (VerifySuccessor) and passed over if not; then `next` must follow
// the state reached. Returns the states taken that are steps (IsStep from
// the state before them), `next` last if it is one: what the reader keeps
// as its own steps. Protocol for more than kMaxSteps steps or one that does
// not parse; otherwise the error of the last check, `next` against the
// state reached.
[[nodiscard]] Result<std::vector<SignedTeamState>> VerifyChain(const SignedTeamState& held,
                                                               const std::vector<ByteView>& steps,
                                                               const SignedTeamState& next);

}  // namespace waypost::team
