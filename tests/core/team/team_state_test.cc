// The signed team roster (core/team/team_state.h): its exact byte format,
// strict parsing, and who may sign a successor. States here are written two
// ways: by the library (SignTeamState) and by RawState below, a second,
// unchecking writer of the header's format, so the parser meets inputs the
// library would refuse to make.
#include "core/team/team_state.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "core/team/roster_chain.h"
#include "tests/kit/status.h"

namespace waypost::team {
namespace {

using Code = Status::Code;
using Signer = std::pair<uint8_t, const SigningKeyPair*>;

std::vector<RingPoint> RingOf(size_t n, uint64_t seed) {
  SeededRandom random(seed);
  std::vector<RingPoint> ring;
  for (size_t i = 0; i < n; ++i) ring.push_back(RingKeyPair::Generate(random).public_key);
  return ring;
}

// The format of team_state.h written out again, with no checks at all.
Bytes RawBody(const TeamRoster& r) {
  Bytes out = Bytes{'w', 'p', 't', 'e', 'a', 'm', '1'};
  Append(out, r.team_id);
  PutU64(out, r.version);
  PutU64(out, static_cast<uint64_t>(r.issued_at));
  out.push_back(r.approvals);
  out.push_back(static_cast<uint8_t>(r.coordinators.size()));
  for (const auto& key : r.coordinators) Append(out, key);
  PutU16(out, static_cast<uint16_t>(r.ring.size()));
  for (const auto& point : r.ring) Append(out, point);
  return out;
}

Bytes RawSignature(ByteView body, const SigningKeyPair& key) {
  Bytes message;
  Append(message, AsBytes(std::string_view("waypost team state v1")));
  Append(message, body);
  Bytes signature(crypto_sign_BYTES);
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                       key.secret.data());
  return signature;
}

// Signers in the order given, unsorted and repeats kept.
Bytes RawState(const TeamRoster& r, const std::vector<Signer>& signers) {
  Bytes out = RawBody(r);
  const Bytes body = out;
  out.push_back(static_cast<uint8_t>(signers.size()));
  for (const auto& [index, key] : signers) {
    out.push_back(index);
    Append(out, RawSignature(body, *key));
  }
  return out;
}

// A small language for team histories: Ana founds the team, Bo and Cy join
// as coordinators, Mallory is never one.
struct Team {
  SeededRandom random{7};
  SigningKeyPair ana = SigningKeyPair::Generate(random);
  SigningKeyPair bo = SigningKeyPair::Generate(random);
  SigningKeyPair cy = SigningKeyPair::Generate(random);
  SigningKeyPair mallory = SigningKeyPair::Generate(random);

  TeamRoster Genesis() const {
    TeamRoster r;
    for (size_t i = 0; i < kTeamIdSize; ++i) r.team_id[i] = static_cast<uint8_t>(0x10 + i);
    r.version = 1;
    r.issued_at = 1700000000;
    r.approvals = 1;
    r.coordinators = {ana.public_key};
    r.ring = RingOf(3, 70);
    std::sort(r.ring.begin(), r.ring.end());  // as a parsed state holds it
    return r;
  }
  // `r` one version on, with these coordinators and approvals.
  static TeamRoster Next(TeamRoster r, std::vector<SigningPublicKey> coordinators,
                         uint8_t approvals) {
    ++r.version;
    r.issued_at += 60;
    r.coordinators = std::move(coordinators);
    r.approvals = approvals;
    return r;
  }
};

Result<SignedTeamState> Signed(const TeamRoster& roster, const std::vector<Signer>& signers) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes bytes, SignTeamState(roster, signers));
  return SignedTeamState::Parse(bytes);
}

// ---------------------------------------------------------------- keys, encoding

TEST(TeamStateTest, SigningKeysAreDeterministicAndReload) {
  SeededRandom a(1), b(1);
  const SigningKeyPair one = SigningKeyPair::Generate(a);
  EXPECT_EQ(one.public_key, SigningKeyPair::Generate(b).public_key);
  ASSERT_OK_AND_ASSIGN(SigningKeyPair again, SigningKeyPair::FromSecret(one.secret.view()));
  EXPECT_EQ(again.public_key, one.public_key);

  EXPECT_STATUS(SigningKeyPair::FromSecret(one.secret.view().first(32)), Code::kInvalidArgument);
  Bytes damaged(one.secret.view().begin(), one.secret.view().end());
  damaged[40] ^= 1;  // the public half no longer matches the seed
  EXPECT_STATUS(SigningKeyPair::FromSecret(damaged), Code::kInvalidArgument);
}

TEST(TeamStateTest, RoundTripKeepsRosterAndExactBytes) {
  Team t;
  TeamRoster roster = Team::Next(t.Genesis(), {t.ana.public_key, t.bo.public_key}, 2);
  roster.issued_at = -5;  // signed, and kept so
  std::reverse(roster.ring.begin(), roster.ring.end());
  const std::vector<Signer> signers = {{1, &t.bo}, {0, &t.ana}};
  ASSERT_OK_AND_ASSIGN(Bytes bytes, SignTeamState(roster, signers));
  ASSERT_OK_AND_ASSIGN(SignedTeamState state, SignedTeamState::Parse(bytes));

  std::sort(roster.ring.begin(), roster.ring.end());
  const TeamRoster& got = state.roster();
  EXPECT_EQ(got.team_id, roster.team_id);
  EXPECT_EQ(got.version, roster.version);
  EXPECT_EQ(got.issued_at, -5);
  EXPECT_EQ(got.approvals, 2);
  EXPECT_EQ(got.coordinators, roster.coordinators);
  EXPECT_EQ(got.ring, roster.ring);
  EXPECT_EQ(got.CoordinatorIndex(t.bo.public_key), 1);
  EXPECT_EQ(got.CoordinatorIndex(t.mallory.public_key), -1);
  EXPECT_TRUE(got.HasRingMember(roster.ring[2]));
  EXPECT_FALSE(got.HasRingMember(RingOf(1, 99)[0]));

  // Byte for byte what the header's format says, signers in index order.
  EXPECT_EQ(state.bytes(), bytes);
  EXPECT_EQ(bytes, RawState(roster, {{0, &t.ana}, {1, &t.bo}}));
  ASSERT_OK_AND_ASSIGN(Bytes body, EncodeTeamBody(roster));
  EXPECT_EQ(Bytes(state.body().begin(), state.body().end()), body);
  EXPECT_TRUE(std::equal(body.begin(), body.end(), bytes.begin()));
  ASSERT_EQ(state.signatures().size(), 2u);
  EXPECT_EQ(state.signatures()[0].first, 0);
  EXPECT_EQ(state.signatures()[1].first, 1);
}

TEST(TeamStateTest, EncodeAndSignRefuseWhatParseWouldRefuse) {
  Team t;
  TeamRoster dup_ring = t.Genesis();
  dup_ring.ring.push_back(dup_ring.ring[0]);
  EXPECT_STATUS(EncodeTeamBody(dup_ring), Code::kInvalidArgument);
  TeamRoster bad_point = t.Genesis();
  bad_point.ring[1].fill(0xff);
  EXPECT_STATUS(EncodeTeamBody(bad_point), Code::kInvalidArgument);
  TeamRoster no_coord = t.Genesis();
  no_coord.coordinators.clear();
  EXPECT_STATUS(EncodeTeamBody(no_coord), Code::kInvalidArgument);
  TeamRoster dup_coord = t.Genesis();
  dup_coord.coordinators.push_back(t.ana.public_key);
  EXPECT_STATUS(EncodeTeamBody(dup_coord), Code::kInvalidArgument);
  TeamRoster big_ring = t.Genesis();
  big_ring.ring = RingOf(kMaxRing + 1, 9);
  EXPECT_STATUS(EncodeTeamBody(big_ring), Code::kInvalidArgument);

  EXPECT_STATUS(SignTeamState(t.Genesis(), {}), Code::kInvalidArgument);
  EXPECT_STATUS(SignTeamState(t.Genesis(), {{0, &t.ana}, {0, &t.bo}}), Code::kInvalidArgument);
}

// ---------------------------------------------------------------- parse

TEST(TeamStateTest, ParseRefusesEveryTruncation) {
  Team t;
  const Bytes good = RawState(t.Genesis(), {{0, &t.ana}});
  ASSERT_OK(SignedTeamState::Parse(good));
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_STATUS(SignedTeamState::Parse(ByteView(good).first(n)), Code::kProtocol) << n;
  }
}

TEST(TeamStateTest, ParseRefusesTrailingByteAndBadMagic) {
  Team t;
  Bytes good = RawState(t.Genesis(), {{0, &t.ana}});
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_STATUS(SignedTeamState::Parse(trailing), Code::kProtocol);
  good[6] = '2';  // "wpteam2"
  EXPECT_STATUS(SignedTeamState::Parse(good), Code::kProtocol);
}

TEST(TeamStateTest, ParseRefusesCoordinatorCountOutOfRange) {
  Team t;
  TeamRoster r = t.Genesis();
  r.coordinators.clear();
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})), Code::kProtocol);
  SeededRandom random(3);
  for (size_t i = 0; i < kMaxCoordinators; ++i) {
    r.coordinators.push_back(SigningKeyPair::Generate(random).public_key);
  }
  EXPECT_OK(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})));  // 16: the most
  r.coordinators.push_back(t.ana.public_key);
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})), Code::kProtocol);
}

TEST(TeamStateTest, ParseRefusesDuplicateCoordinators) {
  Team t;
  TeamRoster r = t.Genesis();
  r.coordinators = {t.ana.public_key, t.bo.public_key, t.ana.public_key};
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})), Code::kProtocol);
}

TEST(TeamStateTest, ParseRefusesApprovalsZero) {
  Team t;
  TeamRoster r = t.Genesis();
  r.approvals = 0;
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})), Code::kProtocol);
}

TEST(TeamStateTest, ParseRefusesUnsortedOrDuplicateRing) {
  Team t;
  TeamRoster r = t.Genesis();
  std::sort(r.ring.begin(), r.ring.end());
  ASSERT_OK(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})));
  std::swap(r.ring[0], r.ring[2]);
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})), Code::kProtocol);
  std::sort(r.ring.begin(), r.ring.end());
  r.ring[2] = r.ring[1];
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})), Code::kProtocol);
}

TEST(TeamStateTest, ParseRefusesInvalidRingPoints) {
  Team t;
  TeamRoster r = t.Genesis();
  r.ring = RingOf(1, 5);
  ASSERT_OK(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})));
  r.ring[0].fill(0xff);  // not a canonical encoding
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})), Code::kProtocol);
  r.ring[0].fill(0);  // the identity: valid, but nobody's key
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})), Code::kProtocol);
}

TEST(TeamStateTest, ParseRefusesRingOverMax) {
  Team t;
  TeamRoster r = t.Genesis();
  r.ring = RingOf(kMaxRing + 1, 6);
  std::sort(r.ring.begin(), r.ring.end());
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})), Code::kProtocol);
  r.ring.pop_back();
  EXPECT_OK(SignedTeamState::Parse(RawState(r, {{0, &t.ana}})));
}

TEST(TeamStateTest, ParseRefusesBadSignatureLists) {
  Team t;
  const TeamRoster r = Team::Next(t.Genesis(), {t.ana.public_key, t.bo.public_key}, 2);
  Bytes none = RawBody(r);
  none.push_back(0);
  EXPECT_STATUS(SignedTeamState::Parse(none), Code::kProtocol);
  EXPECT_OK(SignedTeamState::Parse(RawState(r, {{0, &t.ana}, {1, &t.bo}})));
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{1, &t.bo}, {0, &t.ana}})), Code::kProtocol);
  EXPECT_STATUS(SignedTeamState::Parse(RawState(r, {{0, &t.ana}, {0, &t.ana}})), Code::kProtocol);
}

TEST(TeamStateTest, LargestStateFitsTheSizeLimitAndMoreIsRefused) {
  Team t;
  TeamRoster r = t.Genesis();
  SeededRandom random(4);
  std::vector<SigningKeyPair> keys;
  std::vector<Signer> signers;
  r.coordinators.clear();
  for (uint8_t i = 0; i < kMaxCoordinators; ++i) {
    keys.push_back(SigningKeyPair::Generate(random));
    r.coordinators.push_back(keys.back().public_key);
  }
  for (uint8_t i = 0; i < kMaxCoordinators; ++i) signers.emplace_back(i, &keys[i]);
  r.ring = RingOf(kMaxRing, 8);
  for (size_t i = 0; i < kMaxWithdrawn; ++i) {
    WithdrawnTicket ticket;
    ticket.key.fill(0);
    ticket.key[0] = uint8_t(i);
    ticket.key[1] = uint8_t(i >> 8);
    r.withdrawn.push_back(ticket);
  }
  ASSERT_OK_AND_ASSIGN(Bytes largest, SignTeamState(r, signers));
  EXPECT_LE(largest.size(), kMaxTeamStateBytes);
  EXPECT_OK(SignedTeamState::Parse(largest));
  EXPECT_STATUS(SignedTeamState::Parse(Bytes(kMaxTeamStateBytes + 1, 0)), Code::kProtocol);
}

// Withdrawn tickets (docs/protocol.md §11.6) change the magic to
// "wpteam2" and add their list; a roster without any keeps "wpteam1" and
// its bytes, so there is one encoding of each roster.
TEST(TeamStateTest, WithdrawnTicketsRoundTripUnderTheirOwnMagic) {
  Team t;
  TeamRoster r = t.Genesis();
  ASSERT_OK_AND_ASSIGN(Bytes plain, SignTeamState(r, {{0, &t.ana}}));
  EXPECT_EQ(AsString(ByteView(plain).first(7)), "wpteam1");
  r.withdrawn = {{t.mallory.public_key, 1800000000}, {t.bo.public_key, 1700000000}};
  ASSERT_OK_AND_ASSIGN(Bytes with, SignTeamState(r, {{0, &t.ana}}));
  EXPECT_EQ(AsString(ByteView(with).first(7)), "wpteam2");
  EXPECT_EQ(with.size(), plain.size() + 2 + 2 * 40);
  ASSERT_OK_AND_ASSIGN(SignedTeamState parsed, SignedTeamState::Parse(with));
  std::vector<WithdrawnTicket> sorted = r.withdrawn;
  std::sort(sorted.begin(), sorted.end(),
            [](const WithdrawnTicket& a, const WithdrawnTicket& b) { return a.key < b.key; });
  EXPECT_EQ(parsed.roster().withdrawn, sorted);
  EXPECT_TRUE(parsed.roster().HasWithdrawn(t.bo.public_key));
  EXPECT_FALSE(parsed.roster().HasWithdrawn(t.ana.public_key));
  ASSERT_OK(VerifyGenesis(parsed));
}

TEST(TeamStateTest, ParseRefusesAnEmptyOrUnsortedWithdrawnList) {
  Team t;
  const TeamRoster r = t.Genesis();
  // RawBody with `magic` and a withdrawn list of `keys` (count as given,
  // no checks), signed by Ana.
  auto state_with = [&](char magic, const std::vector<SigningPublicKey>& keys) {
    Bytes body = RawBody(r);
    body[6] = static_cast<uint8_t>(magic);
    PutU16(body, static_cast<uint16_t>(keys.size()));
    for (const SigningPublicKey& k : keys) {
      Append(body, k);
      PutU64(body, 1800000000);
    }
    Bytes state = body;
    state.push_back(1);  // one signature, by index 0
    state.push_back(0);
    Append(state, RawSignature(body, t.ana));
    return state;
  };
  const SigningPublicKey lo = std::min(t.mallory.public_key, t.bo.public_key);
  const SigningPublicKey hi = std::max(t.mallory.public_key, t.bo.public_key);
  EXPECT_OK(SignedTeamState::Parse(state_with('2', {lo, hi}))) << "control";
  // "wpteam2" with none: a second encoding of a wpteam1 roster.
  EXPECT_STATUS(SignedTeamState::Parse(state_with('2', {})), Code::kProtocol);
  EXPECT_STATUS(SignedTeamState::Parse(state_with('2', {hi, lo})), Code::kProtocol);
  EXPECT_STATUS(SignedTeamState::Parse(state_with('2', {lo, lo})), Code::kProtocol);
  // A wpteam1 roster carries no list: trailing bytes.
  EXPECT_STATUS(SignedTeamState::Parse(state_with('1', {lo})), Code::kProtocol);
}

// ---------------------------------------------------------------- genesis

TEST(TeamStateTest, GenesisVerifies) {
  Team t;
  ASSERT_OK_AND_ASSIGN(SignedTeamState genesis, Signed(t.Genesis(), {{0, &t.ana}}));
  EXPECT_OK(VerifyGenesis(genesis));
}

TEST(TeamStateTest, GenesisRefusesWrongShape) {
  Team t;
  TeamRoster v2 = t.Genesis();
  v2.version = 2;
  ASSERT_OK_AND_ASSIGN(SignedTeamState a, Signed(v2, {{0, &t.ana}}));
  EXPECT_STATUS(VerifyGenesis(a), Code::kProtocol);
  TeamRoster two = Team::Next(t.Genesis(), {t.ana.public_key, t.bo.public_key}, 1);
  two.version = 1;
  ASSERT_OK_AND_ASSIGN(SignedTeamState b, Signed(two, {{0, &t.ana}}));
  EXPECT_STATUS(VerifyGenesis(b), Code::kProtocol);
  TeamRoster approvals2 = t.Genesis();
  approvals2.approvals = 2;
  ASSERT_OK_AND_ASSIGN(SignedTeamState c, Signed(approvals2, {{0, &t.ana}}));
  EXPECT_STATUS(VerifyGenesis(c), Code::kProtocol);
}

TEST(TeamStateTest, GenesisRefusesWrongSigner) {
  Team t;
  ASSERT_OK_AND_ASSIGN(SignedTeamState genesis, Signed(t.Genesis(), {{0, &t.mallory}}));
  EXPECT_STATUS(VerifyGenesis(genesis), Code::kAuthFailed);
}

// Every single-bit change to a genesis, in its body or its signature list,
// either no longer parses or no longer verifies.
TEST(TeamStateTest, GenesisRefusesEveryFlippedBit) {
  Team t;
  ASSERT_OK_AND_ASSIGN(Bytes good, SignTeamState(t.Genesis(), {{0, &t.ana}}));
  int verified_flips = 0;
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    Bytes flipped = good;
    flipped[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    auto state = SignedTeamState::Parse(flipped);
    if (!state.ok()) continue;
    ++verified_flips;
    EXPECT_FALSE(VerifyGenesis(*state).ok()) << "bit " << bit;
  }
  // Most flips (team id, times, keys, signature) still parse: they must
  // have been refused by the signature check itself.
  EXPECT_GT(verified_flips, 900);
}

// ---------------------------------------------------------------- successors

// A team's history as VerifySuccessor sees it, step by step.
class History {
 public:
  explicit History(const Team& t) {
    auto genesis = Signed(t.Genesis(), {{0, &t.ana}});
    EXPECT_OK(genesis);
    if (genesis.ok()) held_ = std::move(genesis).value();
  }
  // Offers the next state; holds it if it verifies.
  Status Offer(const TeamRoster& next, const std::vector<Signer>& signers) {
    WAYPOST_ASSIGN_OR_RETURN(SignedTeamState state, Signed(next, signers));
    WAYPOST_RETURN_IF_ERROR(VerifySuccessor(held_, state));
    held_ = std::move(state);
    return Status::Ok();
  }
  const TeamRoster& roster() const { return held_.roster(); }
  const SignedTeamState& held() const { return held_; }

 private:
  SignedTeamState held_;
};

TEST(TeamStateTest, RingChangeSignedByOneCoordinator) {
  Team t;
  History h(t);
  TeamRoster next = Team::Next(h.roster(), {t.ana.public_key}, 1);
  next.ring = RingOf(5, 71);
  EXPECT_OK(h.Offer(next, {{0, &t.ana}}));
  EXPECT_EQ(h.roster().ring.size(), 5u);
}

TEST(TeamStateTest, SuccessorSignedByStrangerIsRefused) {
  Team t;
  History h(t);
  const TeamRoster next = Team::Next(h.roster(), {t.ana.public_key}, 1);
  EXPECT_STATUS(h.Offer(next, {{0, &t.mallory}}), Code::kAuthFailed);
  EXPECT_STATUS(h.Offer(next, {{1, &t.ana}}), Code::kAuthFailed);  // index past cur's list
  // One good signature does not carry a bad one along.
  EXPECT_STATUS(h.Offer(next, {{0, &t.ana}, {1, &t.mallory}}), Code::kAuthFailed);
  EXPECT_EQ(h.roster().version, 1u);
}

TEST(TeamStateTest, SuccessorMustBeNewerAndOfTheSameTeam) {
  Team t;
  History h(t);
  ASSERT_OK(h.Offer(Team::Next(h.roster(), {t.ana.public_key}, 1), {{0, &t.ana}}));
  TeamRoster same = h.roster();
  same.issued_at += 1;
  EXPECT_STATUS(h.Offer(same, {{0, &t.ana}}), Code::kProtocol);
  TeamRoster lower = h.roster();
  lower.version = 1;
  EXPECT_STATUS(h.Offer(lower, {{0, &t.ana}}), Code::kProtocol);
  TeamRoster other = Team::Next(h.roster(), {t.ana.public_key}, 1);
  other.team_id[0] ^= 1;
  EXPECT_STATUS(h.Offer(other, {{0, &t.ana}}), Code::kProtocol);
}

TEST(TeamStateTest, SingleCoordinatorAddsASecondAndApprovalsBecomeTwo) {
  Team t;
  History h(t);
  const std::vector<SigningPublicKey> both = {t.ana.public_key, t.bo.public_key};
  EXPECT_STATUS(h.Offer(Team::Next(h.roster(), both, 1), {{0, &t.ana}}), Code::kAuthFailed);
  EXPECT_OK(h.Offer(Team::Next(h.roster(), both, 2), {{0, &t.ana}}));
  EXPECT_EQ(h.roster().approvals, 2);
}

TEST(TeamStateTest, AddingAThirdNeedsBothCoordinators) {
  Team t;
  History h(t);
  ASSERT_OK(h.Offer(Team::Next(h.roster(), {t.ana.public_key, t.bo.public_key}, 2), {{0, &t.ana}}));
  const TeamRoster three =
      Team::Next(h.roster(), {t.ana.public_key, t.bo.public_key, t.cy.public_key}, 2);
  EXPECT_STATUS(h.Offer(three, {{0, &t.ana}}), Code::kAuthFailed);
  EXPECT_STATUS(h.Offer(three, {{1, &t.bo}}), Code::kAuthFailed);
  EXPECT_OK(h.Offer(three, {{0, &t.ana}, {1, &t.bo}}));
}

TEST(TeamStateTest, RemovalNeedsARemainingCoordinator) {
  Team t;
  History h(t);
  ASSERT_OK(h.Offer(Team::Next(h.roster(), {t.ana.public_key, t.bo.public_key}, 2), {{0, &t.ana}}));
  const TeamRoster without_bo = Team::Next(h.roster(), {t.ana.public_key}, 2);
  EXPECT_STATUS(h.Offer(without_bo, {{1, &t.bo}}), Code::kAuthFailed);
  EXPECT_OK(h.Offer(without_bo, {{0, &t.ana}}));
  EXPECT_EQ(h.roster().coordinators.size(), 1u);
}

// Lowering approvals is an attempt to lower the bar: AuthFailed, like too
// few signers, even when every signature is good.
TEST(TeamStateTest, ApprovalsCannotBeLowered) {
  Team t;
  History h(t);
  ASSERT_OK(h.Offer(Team::Next(h.roster(), {t.ana.public_key, t.bo.public_key}, 2), {{0, &t.ana}}));
  const TeamRoster lowered = Team::Next(h.roster(), {t.ana.public_key, t.bo.public_key}, 1);
  EXPECT_STATUS(h.Offer(lowered, {{0, &t.ana}, {1, &t.bo}}), Code::kAuthFailed);
  const TeamRoster removed_lowered = Team::Next(h.roster(), {t.ana.public_key}, 1);
  EXPECT_STATUS(h.Offer(removed_lowered, {{0, &t.ana}, {1, &t.bo}}), Code::kAuthFailed);
}

// Bo turns: he removes Ana, the honest coordinator (one remaining signer is
// enough for a removal), then tries to add Mallory alone. Approvals stayed
// at two, so he cannot.
TEST(TeamStateTest, TurnedCoordinatorCannotRemoveTheHonestOneThenAddARogue) {
  Team t;
  History h(t);
  ASSERT_OK(h.Offer(Team::Next(h.roster(), {t.ana.public_key, t.bo.public_key}, 2), {{0, &t.ana}}));
  ASSERT_OK(h.Offer(Team::Next(h.roster(), {t.bo.public_key}, 2), {{1, &t.bo}}));
  ASSERT_EQ(h.roster().approvals, 2);

  const std::vector<SigningPublicKey> with_rogue = {t.bo.public_key, t.mallory.public_key};
  EXPECT_STATUS(h.Offer(Team::Next(h.roster(), with_rogue, 2), {{0, &t.bo}}), Code::kAuthFailed);
  EXPECT_STATUS(h.Offer(Team::Next(h.roster(), with_rogue, 1), {{0, &t.bo}}), Code::kAuthFailed);
  EXPECT_STATUS(h.Offer(Team::Next(h.roster(), with_rogue, 2), {{0, &t.bo}, {1, &t.mallory}}),
                Code::kAuthFailed);
  EXPECT_EQ(h.roster().coordinators, std::vector<SigningPublicKey>{t.bo.public_key});
}

TEST(TeamStateTest, AddTeamSignatureGivesTheSecondApproval) {
  Team t;
  History h(t);
  ASSERT_OK(h.Offer(Team::Next(h.roster(), {t.ana.public_key, t.bo.public_key}, 2), {{0, &t.ana}}));
  const TeamRoster three =
      Team::Next(h.roster(), {t.ana.public_key, t.bo.public_key, t.cy.public_key}, 2);
  // Bo proposes and signs first; Ana's approval lands before his in order.
  ASSERT_OK_AND_ASSIGN(Bytes proposed, SignTeamState(three, {{1, &t.bo}}));
  ASSERT_OK_AND_ASSIGN(SignedTeamState half, SignedTeamState::Parse(proposed));
  EXPECT_STATUS(VerifySuccessor(h.held(), half), Code::kAuthFailed);

  ASSERT_OK_AND_ASSIGN(Bytes approved, AddTeamSignature(proposed, 0, t.ana));
  ASSERT_OK_AND_ASSIGN(SignedTeamState full, SignedTeamState::Parse(approved));
  ASSERT_EQ(full.signatures().size(), 2u);
  EXPECT_EQ(full.signatures()[0].first, 0);
  EXPECT_TRUE(std::equal(full.body().begin(), full.body().end(), proposed.begin()));
  EXPECT_OK(VerifySuccessor(h.held(), full));
  ASSERT_OK_AND_ASSIGN(Bytes both, SignTeamState(three, {{0, &t.ana}, {1, &t.bo}}));
  EXPECT_EQ(approved, both);
}

TEST(TeamStateTest, AddTeamSignatureRefusesARepeatAndJunk) {
  Team t;
  ASSERT_OK_AND_ASSIGN(Bytes genesis, SignTeamState(t.Genesis(), {{0, &t.ana}}));
  EXPECT_STATUS(AddTeamSignature(genesis, 0, t.ana), Code::kAlreadyExists);
  EXPECT_STATUS(AddTeamSignature(genesis, 0, t.bo), Code::kAlreadyExists);
  EXPECT_STATUS(AddTeamSignature(ByteView(genesis).first(50), 1, t.bo), Code::kProtocol);
}

// A real signature by the right coordinator, at the right index, lifted from
// another state of the same team: it is over the other body, so it fails.
TEST(TeamStateTest, SignatureCopiedFromAnotherStateDoesNotVerify) {
  Team t;
  History h(t);
  TeamRoster a = Team::Next(h.roster(), {t.ana.public_key}, 1);
  TeamRoster b = a;
  b.ring = RingOf(4, 72);
  std::sort(b.ring.begin(), b.ring.end());
  ASSERT_OK_AND_ASSIGN(Bytes signed_a, SignTeamState(a, {{0, &t.ana}}));
  Bytes forged = RawBody(b);
  const size_t sigs_at = signed_a.size() - 1 - 1 - crypto_sign_BYTES;
  forged.insert(forged.end(), signed_a.begin() + static_cast<ptrdiff_t>(sigs_at), signed_a.end());
  ASSERT_OK_AND_ASSIGN(SignedTeamState state, SignedTeamState::Parse(forged));
  EXPECT_STATUS(VerifySuccessor(h.held(), state), Code::kAuthFailed);
  ASSERT_OK_AND_ASSIGN(SignedTeamState real_a, SignedTeamState::Parse(signed_a));
  EXPECT_OK(VerifySuccessor(h.held(), real_a));
}

// ---------------------------------------------------------------- chains
// (core/team/roster_chain.h, docs/protocol.md §11.7)

// A history whose every state is kept, as a relay would see it go by: Ana's
// genesis, Bo added (a step), a ring change Bo signs, Ana removed by Bo (a
// step), and a ring change Bo signs under the new list.
struct Chain {
  Team t;
  std::vector<SignedTeamState> states;

  Chain() {
    Add(t.Genesis(), {{0, &t.ana}});
    Add(Team::Next(Last(), {t.ana.public_key, t.bo.public_key}, 2), {{0, &t.ana}});  // v2
    TeamRoster ring = Team::Next(Last(), Last().coordinators, 2);                    // v3
    ring.ring = RingOf(4, 73);
    std::sort(ring.ring.begin(), ring.ring.end());
    Add(ring, {{1, &t.bo}});
    Add(Team::Next(Last(), {t.bo.public_key}, 2), {{1, &t.bo}});    // v4
    TeamRoster after = Team::Next(Last(), Last().coordinators, 2);  // v5
    after.ring = RingOf(2, 74);
    std::sort(after.ring.begin(), after.ring.end());
    Add(after, {{0, &t.bo}});
  }
  const TeamRoster& Last() const { return states.back().roster(); }
  void Add(const TeamRoster& r, const std::vector<Signer>& signers) {
    auto state = Signed(r, signers);
    ASSERT_OK(state);
    if (!state.ok()) return;
    if (!states.empty()) {
      ASSERT_OK(VerifySuccessor(states.back(), *state));
    }
    states.push_back(std::move(state).value());
  }
  const SignedTeamState& v(size_t version) const { return states[version - 1]; }
  std::vector<ByteView> Views(std::initializer_list<size_t> versions) const {
    std::vector<ByteView> out;
    for (const size_t version : versions) out.push_back(v(version).bytes());
    return out;
  }
};

std::vector<uint64_t> VersionsOf(const std::vector<SignedTeamState>& states) {
  std::vector<uint64_t> out;
  for (const SignedTeamState& s : states) out.push_back(s.roster().version);
  return out;
}

TEST(RosterChainTest, AStepIsAChangeOfWhoSigns) {
  Chain c;
  EXPECT_TRUE(IsStep(c.v(1).roster(), c.v(2).roster()));   // Bo added
  EXPECT_FALSE(IsStep(c.v(2).roster(), c.v(3).roster()));  // only the ring
  EXPECT_TRUE(IsStep(c.v(3).roster(), c.v(4).roster()));   // Ana removed
  TeamRoster reordered = c.v(2).roster();
  std::swap(reordered.coordinators[0], reordered.coordinators[1]);
  EXPECT_TRUE(IsStep(c.v(2).roster(), reordered)) << "signer indexes point into the order";
  TeamRoster raised = c.v(1).roster();
  raised.approvals = 2;
  EXPECT_TRUE(IsStep(c.v(1).roster(), raised));
}

TEST(RosterChainTest, AReaderWhoMissedChangesWalksTheSteps) {
  Chain c;
  // The genesis cannot check version 5 (signed by Bo, index 0 of a list
  // that did not exist yet), nor version 3 (index 1).
  EXPECT_STATUS(VerifySuccessor(c.v(1), c.v(5)), Code::kAuthFailed);
  EXPECT_STATUS(VerifyChain(c.v(1), {}, c.v(5)).status(), Code::kAuthFailed);
  ASSERT_OK_AND_ASSIGN(const std::vector<SignedTeamState> walked,
                       VerifyChain(c.v(1), c.Views({2, 4}), c.v(5)));
  EXPECT_EQ(VersionsOf(walked), (std::vector<uint64_t>{2, 4}));
  // One step short: still refused.
  EXPECT_STATUS(VerifyChain(c.v(1), c.Views({2}), c.v(5)).status(), Code::kAuthFailed);
  EXPECT_STATUS(VerifyChain(c.v(1), c.Views({4}), c.v(5)).status(), Code::kAuthFailed);
  // From the middle, only the step above it is needed; the one below is
  // passed over, and so is a state that is not a step.
  ASSERT_OK_AND_ASSIGN(const std::vector<SignedTeamState> from3,
                       VerifyChain(c.v(3), c.Views({2, 4}), c.v(5)));
  EXPECT_EQ(VersionsOf(from3), (std::vector<uint64_t>{4}));
  ASSERT_OK_AND_ASSIGN(const std::vector<SignedTeamState> with3,
                       VerifyChain(c.v(1), c.Views({4, 3, 2}), c.v(5)));
  EXPECT_EQ(VersionsOf(with3), (std::vector<uint64_t>{2, 4})) << "order offered does not matter";
  // The newest is kept as a step when it is one.
  ASSERT_OK_AND_ASSIGN(const std::vector<SignedTeamState> to4,
                       VerifyChain(c.v(1), c.Views({2, 4}), c.v(4)));
  EXPECT_EQ(VersionsOf(to4), (std::vector<uint64_t>{2, 4}));
}

// Mallory, never a coordinator, makes a step adding herself, signed by
// herself, and a roster after it. Her step is passed over; the roster then
// does not follow. Nor can a chain lower the bar on the way.
TEST(RosterChainTest, AForgedStepIsPassedOverAndTheRosterAfterItRefused) {
  Chain c;
  TeamRoster step = Team::Next(c.v(1).roster(), {c.t.ana.public_key, c.t.mallory.public_key}, 2);
  ASSERT_OK_AND_ASSIGN(const SignedTeamState forged_step, Signed(step, {{1, &c.t.mallory}}));
  TeamRoster next = Team::Next(step, step.coordinators, 2);
  ASSERT_OK_AND_ASSIGN(const SignedTeamState forged, Signed(next, {{1, &c.t.mallory}}));
  EXPECT_STATUS(VerifyChain(c.v(1), {forged_step.bytes()}, forged).status(), Code::kAuthFailed);
  // A real step does not carry a forged one along.
  std::vector<ByteView> mixed = c.Views({2, 4});
  mixed.push_back(forged_step.bytes());
  ASSERT_OK(VerifyChain(c.v(1), mixed, c.v(5)));
  // Positive control: the same step signed by Ana makes the roster follow.
  ASSERT_OK_AND_ASSIGN(const SignedTeamState real_step, Signed(step, {{0, &c.t.ana}}));
  EXPECT_OK(VerifyChain(c.v(1), {real_step.bytes()}, forged));
  // A step that lowers approvals back to one, signed by both: refused as a
  // successor, so Bo alone still cannot add Mallory after it.
  TeamRoster lowered = Team::Next(c.v(2).roster(), c.v(2).roster().coordinators, 1);
  ASSERT_OK_AND_ASSIGN(const SignedTeamState low, Signed(lowered, {{0, &c.t.ana}, {1, &c.t.bo}}));
  TeamRoster rogue =
      Team::Next(lowered, {c.t.ana.public_key, c.t.bo.public_key, c.t.mallory.public_key}, 2);
  ASSERT_OK_AND_ASSIGN(const SignedTeamState added, Signed(rogue, {{1, &c.t.bo}}));
  EXPECT_STATUS(VerifyChain(c.v(2), {low.bytes()}, added).status(), Code::kAuthFailed);
}

TEST(RosterChainTest, JunkAndTooManyStepsAreRefused) {
  Chain c;
  const Bytes junk = {1, 2, 3};
  EXPECT_STATUS(VerifyChain(c.v(1), {junk}, c.v(5)).status(), Code::kProtocol);
  std::vector<ByteView> many(kMaxSteps + 1, c.v(2).bytes());
  EXPECT_STATUS(VerifyChain(c.v(1), many, c.v(5)).status(), Code::kProtocol);
  std::vector<ByteView> most(kMaxSteps - 1, c.v(2).bytes());
  most.push_back(c.v(4).bytes());
  EXPECT_OK(VerifyChain(c.v(1), most, c.v(5))) << "repeats of one step are passed over";
  // A newest roster of another team, or not newer, fails as a successor.
  EXPECT_STATUS(VerifyChain(c.v(5), c.Views({2, 4}), c.v(3)).status(), Code::kProtocol);
}

}  // namespace
}  // namespace waypost::team
