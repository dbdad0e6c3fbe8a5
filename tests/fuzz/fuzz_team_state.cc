// Arbitrary bytes as a signed team state (core/team/team_state.h), the
// roster a relay admits by, checked against a fixed genesis (TeamFixture).
// Properties:
//   * no crash, and nothing over kMaxTeamStateBytes parses;
//   * a parsed state keeps the exact input, and its body is the one
//     encoding of its roster (strict parsing leaves no second form);
//   * VerifyGenesis and VerifySuccessor run both ways against the genesis,
//     and a state never succeeds itself;
//   * a successor the genesis accepts is of its team, newer, and signed by
//     its one coordinator only;
//   * AddTeamSignature keeps the body and adds exactly one signature;
//   * as a step of a roster chain (core/team/roster_chain.h) between the
//     genesis and a roster Bo signed after joining, it is walked only if it
//     follows the genesis and that roster follows it.
// The seeds in corpus/fuzz_team_state are signed by TeamFixture's keys, so
// they reach the signing rules; a generator must build the same fixture.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/random.h"
#include "core/team/roster_chain.h"
#include "core/team/team_state.h"

namespace waypost::fuzz {

// Ana founds the team; Bo is a second coordinator key the seeds may add.
struct TeamFixture {
  SeededRandom random{4242};
  team::SigningKeyPair ana = team::SigningKeyPair::Generate(random);
  team::SigningKeyPair bo = team::SigningKeyPair::Generate(random);
  team::TeamRoster roster = Roster();
  Bytes genesis_bytes = team::SignTeamState(roster, {{0, &ana}}).value();
  team::SignedTeamState genesis = team::SignedTeamState::Parse(genesis_bytes).value();
  // Version 3, signed by Bo alone as the second of {Ana, Bo}: the genesis
  // cannot check it without the step that added him.
  team::SignedTeamState after_bo = AfterBo();

  team::SignedTeamState AfterBo() {
    team::TeamRoster r = roster;
    r.version = 3;
    r.approvals = 2;
    r.coordinators = {ana.public_key, bo.public_key};
    return team::SignedTeamState::Parse(team::SignTeamState(r, {{1, &bo}}).value()).value();
  }

  team::TeamRoster Roster() {
    team::TeamRoster r;
    for (size_t i = 0; i < r.team_id.size(); ++i) r.team_id[i] = static_cast<uint8_t>(0xA0 + i);
    r.version = 1;
    r.issued_at = 1700000000;
    r.coordinators = {ana.public_key};
    for (int i = 0; i < 3; ++i) r.ring.push_back(team::RingKeyPair::Generate(random).public_key);
    return r;
  }
};

const TeamFixture& Fixture() {
  static const TeamFixture fixture;
  return fixture;
}

}  // namespace waypost::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace waypost;
  const fuzz::TeamFixture& f = fuzz::Fixture();
  const ByteView input(data, size);
  auto parsed = team::SignedTeamState::Parse(input);
  if (!parsed.ok()) return 0;
  const team::SignedTeamState& state = *parsed;
  if (size > team::kMaxTeamStateBytes ||
      !std::equal(input.begin(), input.end(), state.bytes().begin(), state.bytes().end())) {
    std::abort();
  }
  auto encoded = team::EncodeTeamBody(state.roster());
  if (!encoded.ok() ||
      !std::equal(encoded->begin(), encoded->end(), state.body().begin(), state.body().end())) {
    std::abort();
  }

  (void)team::VerifyGenesis(state);
  (void)team::VerifySuccessor(state, f.genesis);
  if (team::VerifySuccessor(state, state).ok()) std::abort();
  if (team::VerifySuccessor(f.genesis, state).ok()) {
    const auto& sigs = state.signatures();
    if (state.roster().team_id != f.roster.team_id || state.roster().version <= 1 ||
        sigs.size() != 1 || sigs[0].first != 0) {
      std::abort();
    }
  }

  auto added = team::AddTeamSignature(input, 1, f.bo);
  if (added.ok()) {
    auto again = team::SignedTeamState::Parse(*added);
    if (!again.ok() || again->signatures().size() != state.signatures().size() + 1 ||
        !std::equal(again->body().begin(), again->body().end(), state.body().begin(),
                    state.body().end())) {
      std::abort();
    }
  }

  const std::vector<ByteView> steps = {input};
  if (team::VerifyChain(f.genesis, steps, f.after_bo).ok() &&
      (!team::VerifySuccessor(f.genesis, state).ok() ||
       !team::VerifySuccessor(state, f.after_bo).ok())) {
    std::abort();
  }
  return 0;
}
