// Relays that admit only a team's members (docs/protocol.md §11): a
// SyncClient proving membership to a RelaySession over a TeamRegistry, in
// memory, and hostile clients played by hand (RawClient) that try to get in
// without a key in the ring, with a replayed or forged proof, an expired or
// forged ticket, or a forged roster.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/sync/relay_session.h"
#include "core/sync/sync_client.h"
#include "core/sync/team_registry.h"
#include "core/team/admission.h"
#include "core/team/roster_chain.h"
#include "core/team/team_state.h"
#include "proto/waypost.pb.h"
#include "tests/core/sync/sync_parties.h"
#include "tests/core/sync/sync_test_util.h"
#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

using team::RingKeyPair;
using team::SignedTeamState;
using team::SigningKeyPair;
using team::TeamId;
using test_util::kNow;
using test_util::MakeEnvelope;
using test_util::Pump;
using test_util::PumpResult;
using test_util::RawClient;
using test_util::Tag;
using test_util::TestParty;
using test_util::TestTeam;

constexpr uint32_t kDay = 24 * 3600;

// A TestParty that proves membership with a roster and a ring key, or with
// an invite's ticket, and keeps the newer rosters a relay hands it once they
// verify.
class MemberParty final : public SyncParty {
 public:
  MemberParty(TestParty& inner, const TeamId& team, Bytes roster, const RingKeyPair* key)
      : inner_(inner), team_(team), roster_(std::move(roster)), key_(key) {}

  Result<std::optional<Admission>> AdmissionFor() override {
    Admission a;
    a.team = team_;
    a.roster = roster_;
    a.key = key_;
    a.ticket = ticket;
    a.ticket_key = ticket_key;
    return std::optional<Admission>(std::move(a));
  }
  Status NewerRoster(ByteView roster, const std::vector<ByteView>& offered) override {
    WAYPOST_ASSIGN_OR_RETURN(SignedTeamState next, SignedTeamState::Parse(roster));
    WAYPOST_ASSIGN_OR_RETURN(SignedTeamState held, SignedTeamState::Parse(roster_));
    WAYPOST_ASSIGN_OR_RETURN(const std::vector<SignedTeamState> walked,
                             team::VerifyChain(held, offered, next));
    for (const SignedTeamState& step : walked) steps.push_back(step.bytes());
    roster_.assign(roster.begin(), roster.end());
    ++newer_rosters;
    return Status::Ok();
  }
  Result<std::vector<Bytes>> RosterSteps(const TeamId& team, uint64_t version) override {
    std::vector<Bytes> out;
    for (const Bytes& step : steps) {
      if (team == team_ && SignedTeamState::Parse(step)->roster().version > version) {
        out.push_back(step);
      }
    }
    return out;
  }
  Result<Bytes> NewestRoster(const TeamId& team) override {
    return team == team_ ? roster_ : Bytes();
  }
  Result<std::vector<Bytes>> NextUploads(size_t n, size_t bytes) override {
    return inner_.NextUploads(n, bytes);
  }
  Status Uploaded(const std::vector<Bytes>& batch, const std::vector<UploadVerdict>& v) override {
    return inner_.Uploaded(batch, v);
  }
  Result<Scope> FetchScope() override { return inner_.FetchScope(); }
  Status Fetched(std::vector<Bytes> batch) override { return inner_.Fetched(std::move(batch)); }
  Status FetchDone() override { return inner_.FetchDone(); }

  const Bytes& roster() const { return roster_; }
  Bytes ticket;
  const SigningKeyPair* ticket_key = nullptr;
  int newer_rosters = 0;
  std::vector<Bytes> steps;  // of the chain, kept as a node keeps them

 private:
  TestParty& inner_;
  TeamId team_;
  Bytes roster_;
  const RingKeyPair* key_;
};

class RelayAdmissionTest : public test_util::RelayFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RelayFixture::SetUp());
    ASSERT_OK(teams_.EnsureSchema());
    ASSERT_OK(teams_.Serve(team_.genesis()));
  }

  RelaySession NewRelay() {
    return RelaySession(store_, relay_key_, clock_, random_, &peer_keys_, kMaxScopeRecords,
                        &teams_);
  }

  // One whole session of `party`; the client's and the relay's Status. A
  // relay that refuses flushes its answer before closing, as net/ does, so
  // the client reads it.
  PumpResult Sync(MemberParty& party) {
    RelaySession relay = NewRelay();
    SyncClient client(relay_key_.public_key, party, random_);
    EXPECT_OK(relay.OnStart(0));
    EXPECT_OK(client.OnStart(0));
    PumpResult r = Pump(client, relay, rng_);
    if (!r.b.ok()) {
      const Bytes last = relay.TakeOutgoing();
      if (!last.empty() && r.a.ok()) r.a = client.OnReceive(last, 0);
    }
    return r;
  }

  // A RawClient's Admit for `team` at `version` with `proof`.
  static pb::ClientMessage AdmitOf(const TeamId& team, uint64_t version, ByteView proof) {
    pb::ClientMessage m;
    m.mutable_admit()->set_team_id(team.data(), team.size());
    m.mutable_admit()->set_version(version);
    m.mutable_admit()->set_proof(proof.data(), proof.size());
    return m;
  }

  TeamRegistry teams_{temp_.db()};
  std::set<Bytes> peer_keys_;
  TestTeam team_{1, 3};
};

TEST_F(RelayAdmissionTest, AMemberUploadsAndAnotherFetches) {
  const Bytes checkin = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  TestParty helper_inner({checkin});
  MemberParty helper(helper_inner, team_.id(), team_.genesis(), &team_.key(0));
  PumpResult up = Sync(helper);
  ASSERT_OK(up.a);
  ASSERT_OK(up.b);
  EXPECT_EQ(Count(), 1);

  TestParty coordinator_inner({}, {Tag(0xA)});
  MemberParty coordinator(coordinator_inner, team_.id(), team_.genesis(), &team_.key(1));
  PumpResult down = Sync(coordinator);
  ASSERT_OK(down.a);
  ASSERT_OK(down.b);
  EXPECT_EQ(coordinator_inner.fetched, std::vector<Bytes>{checkin});
}

TEST_F(RelayAdmissionTest, AnOutsiderCanNeitherUploadNorFetch) {
  ASSERT_OK(store_.PutBatch({MakeEnvelope(Tag(0xA), kNow + kDay, 1)}, kNow, team_.id()));
  // Knows the team id and the roster (from a seized relay, say), but holds
  // no key in the ring: it signs over the ring with its own key added.
  SeededRandom outsider_random(99);
  const RingKeyPair outsider = RingKeyPair::Generate(outsider_random);
  std::vector<team::RingPoint> ring = team_.current().roster().ring;
  ring.push_back(outsider.public_key);
  RelaySession relay = NewRelay();
  RawClient raw(relay, relay_key_.public_key, random_);
  ASSERT_OK(raw.Connect(0));
  const Bytes proof =
      team::RingSign(ring, outsider,
                     team::AdmissionMessage(raw.channel().handshake_hash(), team_.id(), 1), random_)
          .value();
  pb::ClientMessage admit = AdmitOf(team_.id(), 1, proof);
  ASSERT_OK(raw.channel().Send(AsBytes(admit.SerializeAsString())));
  EXPECT_EQ(relay.OnReceive(raw.channel().TakeOutput(), 1).code(), Status::Code::kAuthFailed);
  // The session is over: an upload or a reconcile that follows is not read.
  pb::ClientMessage upload;
  upload.mutable_upload()->add_envelopes(AsString(MakeEnvelope(Tag(0xB), kNow + kDay, 2)));
  ASSERT_OK(raw.channel().Send(AsBytes(upload.SerializeAsString())));
  EXPECT_FALSE(relay.OnReceive(raw.channel().TakeOutput(), 2).ok());
  EXPECT_EQ(Count(), 1);

  // Its own client refuses to try with a key that is not in the ring.
  TestParty inner({MakeEnvelope(Tag(0xB), kNow + kDay, 2)}, {Tag(0xA)});
  MemberParty party(inner, team_.id(), team_.genesis(), &outsider);
  EXPECT_EQ(Sync(party).a.code(), Status::Code::kRefused);
  EXPECT_TRUE(inner.fetched.empty());
  EXPECT_EQ(Count(), 1);
}

TEST_F(RelayAdmissionTest, EveryRefusalLooksTheSame) {
  // A bad proof, an unknown team, an upload before admission, a stale
  // version: the client reads the same bytes each time and the relay closes.
  SeededRandom other(5);
  TeamId unknown;
  other.Fill(unknown);
  const Bytes junk(team::RingSignatureSize(3), 0x11);
  std::vector<pb::ClientMessage> tries = {AdmitOf(team_.id(), 1, junk), AdmitOf(unknown, 1, junk)};
  pb::ClientMessage upload;
  upload.mutable_upload()->add_envelopes(AsString(MakeEnvelope(Tag(0xB), kNow + kDay, 2)));
  tries.push_back(upload);
  std::set<std::string> answers;
  for (const pb::ClientMessage& attempt : tries) {
    RelaySession relay = NewRelay();
    RawClient raw(relay, relay_key_.public_key, random_);
    ASSERT_OK(raw.Connect(0));
    pb::RelayMessage answer;
    ASSERT_OK(raw.channel().Send(AsBytes(attempt.SerializeAsString())));
    const Status relay_status = relay.OnReceive(raw.channel().TakeOutput(), 1);
    EXPECT_EQ(relay_status.code(), Status::Code::kAuthFailed);
    ASSERT_OK(raw.channel().Feed(relay.TakeOutgoing()));
    std::optional<Bytes> reply = raw.channel().NextMessage();
    ASSERT_TRUE(reply.has_value());
    ASSERT_TRUE(answer.ParseFromArray(reply->data(), static_cast<int>(reply->size())));
    ASSERT_TRUE(answer.has_admit());
    EXPECT_EQ(answer.admit().outcome(), pb::AdmitReply::REFUSED);
    answers.insert(AsString(*reply));
  }
  EXPECT_EQ(answers.size(), 1u) << "a refusal says nothing about why";
  EXPECT_EQ(Count(), 0);
}

TEST_F(RelayAdmissionTest, AProofCannotBeReplayedOnAnotherSession) {
  // A proof the relay saw on one connection (a hostile relay passing it to
  // another, or a recording) is bound to that session's handshake hash.
  RelaySession first = NewRelay();
  RawClient member(first, relay_key_.public_key, random_);
  ASSERT_OK(member.Connect(0));
  const Bytes proof = team::ProveMembership(team_.current(), team_.key(0),
                                            member.channel().handshake_hash(), random_)
                          .value();
  pb::RelayMessage answer;
  ASSERT_OK(member.Send(AdmitOf(team_.id(), 1, proof), 1, &answer));
  EXPECT_EQ(answer.admit().outcome(), pb::AdmitReply::ADMITTED);

  RelaySession second = NewRelay();
  RawClient replayer(second, relay_key_.public_key, random_);
  ASSERT_OK(replayer.Connect(0));
  ASSERT_OK(replayer.channel().Send(AsBytes(AdmitOf(team_.id(), 1, proof).SerializeAsString())));
  EXPECT_EQ(second.OnReceive(replayer.channel().TakeOutput(), 1).code(), Status::Code::kAuthFailed);
}

TEST_F(RelayAdmissionTest, TheRelayCannotTellMembersApart) {
  // What the relay reads from two members over five sessions each: the team
  // id and version are the team's; the proofs must share no value at all
  // (no 8-byte window of one appears in another), so nothing in them names
  // a member or links one member's sessions.
  std::vector<Bytes> proofs;
  for (int session = 0; session < 5; ++session) {
    for (size_t member : {0u, 1u}) {
      Bytes handshake_hash(64);
      random_.Fill(handshake_hash);
      Bytes proof =
          team::ProveMembership(team_.current(), team_.key(member), handshake_hash, random_)
              .value();
      ASSERT_OK(team::CheckMembership(team_.current(), handshake_hash, 1, proof));
      proofs.push_back(std::move(proof));
    }
  }
  std::set<Bytes> windows;
  for (const Bytes& proof : proofs) {
    std::set<Bytes> own;
    for (size_t i = 0; i + 8 <= proof.size(); ++i) {
      own.emplace(proof.begin() + static_cast<std::ptrdiff_t>(i),
                  proof.begin() + static_cast<std::ptrdiff_t>(i + 8));
    }
    for (const Bytes& w : own) EXPECT_EQ(windows.count(w), 0u) << "a value repeats across proofs";
    windows.insert(own.begin(), own.end());
  }
}

TEST_F(RelayAdmissionTest, AMemberWithAnOlderRosterCatchesUp) {
  team_.Change(std::nullopt, 1);  // a helper joined: version 2
  ASSERT_OK(teams_.Offer(team_.roster(2)));
  TestParty inner({MakeEnvelope(Tag(0xB), kNow + kDay, 2)});
  MemberParty party(inner, team_.id(), team_.genesis(), &team_.key(0));
  PumpResult r = Sync(party);
  ASSERT_OK(r.a);
  ASSERT_OK(r.b);
  EXPECT_EQ(party.newer_rosters, 1);
  EXPECT_EQ(party.roster(), team_.roster(2));
  EXPECT_EQ(Count(), 1);
}

TEST_F(RelayAdmissionTest, TheRelayLearnsANewerRosterFromAMember) {
  // The coordinator signed version 2 (a new helper, key 3); the relay still
  // holds version 1. The coordinator's sync brings it, and the new helper
  // is admitted from then on, also after the relay restarts.
  team_.Change(std::nullopt, 1);
  TestParty coordinator_inner;
  MemberParty coordinator(coordinator_inner, team_.id(), team_.roster(2), &team_.key(1));
  PumpResult r = Sync(coordinator);
  ASSERT_OK(r.a);
  ASSERT_OK(r.b);
  EXPECT_EQ(teams_.Find(team_.id())->roster().version, 2u);

  TeamRegistry restarted(temp_.db());
  ASSERT_OK(restarted.Serve(team_.genesis()));
  EXPECT_EQ(restarted.Find(team_.id())->roster().version, 2u) << "kept across a restart";

  TestParty newcomer_inner({MakeEnvelope(Tag(0xB), kNow + kDay, 2)});
  MemberParty newcomer(newcomer_inner, team_.id(), team_.roster(2), &team_.key(3));
  PumpResult n = Sync(newcomer);
  ASSERT_OK(n.a);
  ASSERT_OK(n.b);
  EXPECT_EQ(Count(), 1);
}

TEST_F(RelayAdmissionTest, AForgedRosterIsRefusedAndChangesNothing) {
  // An informant signs a roster with its own key, adding itself: not one
  // of the team's coordinators, so the relay refuses it and keeps its own.
  SeededRandom informant_random(66);
  const SigningKeyPair informant = SigningKeyPair::Generate(informant_random);
  const RingKeyPair informant_key = RingKeyPair::Generate(informant_random);
  team::TeamRoster forged = team_.current().roster();
  forged.version = 2;
  forged.ring.push_back(informant_key.public_key);
  const Bytes forged_bytes = team::SignTeamState(forged, {{0, &informant}}).value();
  TestParty inner({MakeEnvelope(Tag(0xB), kNow + kDay, 2)});
  MemberParty party(inner, team_.id(), forged_bytes, &informant_key);
  PumpResult r = Sync(party);
  EXPECT_EQ(r.a.code(), Status::Code::kRefused) << r.a.ToString();
  EXPECT_EQ(teams_.Find(team_.id())->roster().version, 1u);
  EXPECT_EQ(Count(), 0);
}

// docs/protocol.md §11.7: a second coordinator joins (version 2, a step)
// and then signs a change of its own (version 3) that the genesis does not
// let anyone check. A member still holding the genesis is handed version 3
// with the step, walks it, and is admitted; it keeps the step.
TEST_F(RelayAdmissionTest, AMemberWhoMissedACoordinatorChangeWalksTheRelaysSteps) {
  team_.AddCoordinator();
  team_.Change(std::nullopt, 1);
  ASSERT_OK(teams_.Offer(team_.roster(2)));
  ASSERT_OK(teams_.Offer(team_.roster(3)));
  ASSERT_EQ(teams_.StepsAbove(team_.id(), 0).value(), std::vector<Bytes>{team_.roster(2)});
  const SignedTeamState genesis = SignedTeamState::Parse(team_.genesis()).value();
  ASSERT_FALSE(team::VerifySuccessor(genesis, team_.current()).ok()) << "no direct way";

  TestParty inner({MakeEnvelope(Tag(0xB), kNow + kDay, 2)});
  MemberParty party(inner, team_.id(), team_.genesis(), &team_.key(0));
  PumpResult r = Sync(party);
  ASSERT_OK(r.a);
  ASSERT_OK(r.b);
  EXPECT_EQ(party.roster(), team_.roster(3));
  EXPECT_EQ(party.steps, std::vector<Bytes>{team_.roster(2)});
  EXPECT_EQ(Count(), 1);
}

// The other way round: the relay still holds the genesis, a member holds
// version 3 and the step. The relay asks for the member's roster, takes it
// through the step, keeps both (also across a restart), and hands the step
// on to the next member who holds the genesis.
TEST_F(RelayAdmissionTest, ARelayThatMissedACoordinatorChangeIsShownTheSteps) {
  team_.AddCoordinator();
  team_.Change(std::nullopt, 1);
  TestParty ahead_inner;
  MemberParty ahead(ahead_inner, team_.id(), team_.roster(3), &team_.key(1));
  ahead.steps = {team_.roster(2)};
  PumpResult r = Sync(ahead);
  ASSERT_OK(r.a);
  ASSERT_OK(r.b);
  EXPECT_EQ(teams_.Find(team_.id())->bytes(), team_.roster(3));

  TeamRegistry restarted(temp_.db());
  ASSERT_OK(restarted.Serve(team_.genesis()));
  EXPECT_EQ(restarted.Find(team_.id())->bytes(), team_.roster(3));
  EXPECT_EQ(restarted.StepsAbove(team_.id(), 1).value(), std::vector<Bytes>{team_.roster(2)});
  EXPECT_TRUE(restarted.StepsAbove(team_.id(), 2).value().empty());

  TestParty behind_inner;
  MemberParty behind(behind_inner, team_.id(), team_.genesis(), &team_.key(2));
  ASSERT_OK(Sync(behind).a);
  EXPECT_EQ(behind.roster(), team_.roster(3));
}

// A hostile chain: an informant offers a step of its own making, one that
// adds it as a coordinator signed by itself, and a roster it signed after
// it. The step is passed over, so the roster does not follow: the relay
// refuses and keeps what it had, steps included.
TEST_F(RelayAdmissionTest, AForgedStepIsPassedOverAndChangesNothing) {
  SeededRandom informant_random(67);
  const SigningKeyPair informant = SigningKeyPair::Generate(informant_random);
  const RingKeyPair informant_key = RingKeyPair::Generate(informant_random);
  team::TeamRoster step = team_.current().roster();
  step.version = 2;
  step.approvals = 2;
  step.coordinators.push_back(informant.public_key);
  const Bytes forged_step = team::SignTeamState(step, {{1, &informant}}).value();
  team::TeamRoster next = step;
  next.version = 3;
  next.ring.push_back(informant_key.public_key);
  const Bytes forged_next = team::SignTeamState(next, {{1, &informant}}).value();

  TestParty inner({MakeEnvelope(Tag(0xB), kNow + kDay, 2)});
  MemberParty party(inner, team_.id(), forged_next, &informant_key);
  party.steps = {forged_step};
  PumpResult r = Sync(party);
  EXPECT_EQ(r.a.code(), Status::Code::kRefused) << r.a.ToString();
  EXPECT_EQ(teams_.Find(team_.id())->roster().version, 1u);
  EXPECT_TRUE(teams_.StepsAbove(team_.id(), 0).value().empty());
  EXPECT_EQ(Count(), 0);

  // Positive control: had the team's coordinator signed that step, the
  // same roster would follow through it.
  const Bytes real_step = team::SignTeamState(step, {{0, &team_.coordinator()}}).value();
  EXPECT_OK(teams_.Offer(forged_next, {real_step}));
  EXPECT_EQ(teams_.Find(team_.id())->roster().version, 3u);
}

// A team file (`team export`) holds the steps below its roster, oldest
// first. A relay set up from it keeps them, so a member behind them walks
// them at its first sync; a file whose steps do not lead to its roster, or
// a step of another team, is refused whole.
TEST_F(RelayAdmissionTest, ARelaySetUpFromATeamFileKeepsItsStepsAndRefusesBadOnes) {
  team_.AddCoordinator();
  team_.Change(std::nullopt, 1);
  test_util::TempDatabase other_db;
  TeamRegistry fresh(other_db.db());
  ASSERT_OK(fresh.EnsureSchema());
  TestTeam stranger{2, 1};
  EXPECT_FALSE(fresh.Serve(team_.roster(3), {stranger.genesis()}).ok());
  team::TeamRoster bent = SignedTeamState::Parse(team_.roster(2)).value().roster();
  bent.issued_at += 1;  // not what the coordinator signed: the roster does not follow it
  SeededRandom forger_random(68);
  const SigningKeyPair forger = SigningKeyPair::Generate(forger_random);
  bent.coordinators[1] = forger.public_key;
  const Bytes bent_step = team::SignTeamState(bent, {{1, &forger}}).value();
  EXPECT_FALSE(fresh.Serve(team_.roster(3), {bent_step}).ok());
  EXPECT_EQ(fresh.Find(team_.id()), nullptr) << "a refused file serves nothing";

  ASSERT_OK(fresh.Serve(team_.roster(3), {team_.roster(2)}));
  EXPECT_EQ(fresh.StepsAbove(team_.id(), 0).value(), std::vector<Bytes>{team_.roster(2)});
}

TEST_F(RelayAdmissionTest, ARemovedMemberIsRefusedAndTheOthersGoOnWithNoStep) {
  // The coordinator removes member 0 (revocation) and syncs: the relay holds
  // version 2 from then on. Member 0, with its old roster, is refused; member
  // 2, who has done nothing, is handed version 2 and admitted.
  team_.Change(0);
  TestParty coordinator_inner;
  MemberParty coordinator(coordinator_inner, team_.id(), team_.roster(2), &team_.key(1));
  ASSERT_OK(Sync(coordinator).a);

  TestParty revoked_inner({MakeEnvelope(Tag(0xB), kNow + kDay, 2)});
  MemberParty revoked(revoked_inner, team_.id(), team_.genesis(), &team_.key(0));
  PumpResult r = Sync(revoked);
  EXPECT_EQ(r.a.code(), Status::Code::kRefused) << r.a.ToString();
  EXPECT_TRUE(revoked_inner.verdicts.empty()) << "nothing it offered was taken";

  TestParty other_inner({MakeEnvelope(Tag(0xC), kNow + kDay, 3)});
  MemberParty other(other_inner, team_.id(), team_.genesis(), &team_.key(2));
  PumpResult o = Sync(other);
  ASSERT_OK(o.a);
  ASSERT_OK(o.b);
  EXPECT_EQ(other.newer_rosters, 1);
  EXPECT_EQ(Count(), 1);
}

TEST_F(RelayAdmissionTest, ATicketAdmitsUntilItExpires) {
  const Bytes invite_secret(32, 0x5A);
  const SigningKeyPair ticket_key = team::TicketKeyFromInviteSecret(invite_secret);
  const team::Ticket ticket =
      team::IssueTicket(team_.id(), ticket_key.public_key, kNow + kDay, team_.coordinator());
  TestParty inner({MakeEnvelope(Tag(0xB), kNow + 2 * kDay, 2)});
  MemberParty joiner(inner, team_.id(), {}, nullptr);
  joiner.ticket = ticket.Encode();
  joiner.ticket_key = &ticket_key;
  PumpResult r = Sync(joiner);
  ASSERT_OK(r.a);
  ASSERT_OK(r.b);
  EXPECT_EQ(Count(), 1);

  clock_.Advance(kDay);
  TestParty late_inner({MakeEnvelope(Tag(0xB), kNow + 3 * kDay, 3)});
  MemberParty late(late_inner, team_.id(), {}, nullptr);
  late.ticket = ticket.Encode();
  late.ticket_key = &ticket_key;
  EXPECT_EQ(Sync(late).a.code(), Status::Code::kRefused);
  EXPECT_EQ(Count(), 1);
}

TEST_F(RelayAdmissionTest, ATicketSignedByAnyoneButACoordinatorIsRefused) {
  SeededRandom informant_random(67);
  const SigningKeyPair informant = SigningKeyPair::Generate(informant_random);
  const SigningKeyPair ticket_key = team::TicketKeyFromInviteSecret(Bytes(32, 0x5B));
  const team::Ticket forged =
      team::IssueTicket(team_.id(), ticket_key.public_key, kNow + kDay, informant);
  TestParty inner({MakeEnvelope(Tag(0xB), kNow + kDay, 2)});
  MemberParty party(inner, team_.id(), {}, nullptr);
  party.ticket = forged.Encode();
  party.ticket_key = &ticket_key;
  EXPECT_EQ(Sync(party).a.code(), Status::Code::kRefused);
  // The right coordinator's ticket, but proved with another key.
  const team::Ticket real =
      team::IssueTicket(team_.id(), ticket_key.public_key, kNow + kDay, team_.coordinator());
  const SigningKeyPair wrong = team::TicketKeyFromInviteSecret(Bytes(32, 0x5C));
  inner.NewSession();
  party.ticket = real.Encode();
  party.ticket_key = &wrong;
  EXPECT_EQ(Sync(party).a.code(), Status::Code::kRefused);
  EXPECT_EQ(Count(), 0);
}

TEST_F(RelayAdmissionTest, EnvelopesCountAgainstTheTeamThatBroughtThem) {
  // Two teams on one relay. A member of either fetches by its own tags
  // (a tag is known only to its recipient); what a member uploads counts
  // against its own team's share, and a peer carrying one team sees none
  // of the other's.
  TestTeam other(2, 1);
  ASSERT_OK(teams_.Serve(other.genesis()));
  const Bytes a_checkin = MakeEnvelope(Tag(0xA), kNow + kDay, 1);
  TestParty a_inner({a_checkin});
  MemberParty a(a_inner, team_.id(), team_.genesis(), &team_.key(0));
  ASSERT_OK(Sync(a).a);
  EXPECT_EQ(store_.UsedBytes(RelayStore::TeamUsageKey(team_.id())).value(),
            static_cast<int64_t>(a_checkin.size()));
  EXPECT_EQ(store_.UsedBytes(RelayStore::TeamUsageKey(other.id())).value(), 0);
  EXPECT_EQ(store_.Scope(RelayStore::View::Everything(other.id()), kNow, 100)->size(), 0u);
  EXPECT_EQ(store_.Scope(RelayStore::View::Everything(team_.id()), kNow, 100)->size(), 1u);
  EXPECT_TRUE(store_
                  .Get({test_util::IdOf(a_checkin)}, RelayStore::View::Everything(other.id()), kNow,
                       kMaxFetchReplyBytes)
                  ->envelopes.empty());
}

TEST_F(RelayAdmissionTest, OneTeamCannotFillTheRelay) {
  RelayStore::Quotas quotas;
  quotas.per_team_bytes = 3 * envelope::kBucketSizes[0];
  RelayStore small(temp_.db(), quotas);
  std::vector<Bytes> batch;
  for (uint32_t i = 0; i < 5; ++i) batch.push_back(MakeEnvelope(Tag(0xA), kNow + kDay, 10 + i));
  std::vector<ByteView> views(batch.begin(), batch.end());
  const RelayStore::BatchResult result = small.PutBatch(views, kNow, team_.id()).value();
  EXPECT_EQ(result.accepted, 3u);
  EXPECT_EQ(result.full, 2u);
  TestTeam other(3, 1);
  const RelayStore::BatchResult theirs = small.PutBatch({views[3]}, kNow, other.id()).value();
  EXPECT_EQ(theirs.accepted, 1u) << "another team still has room";
  // Expired envelopes give their team its room back.
  ASSERT_OK(small.PurgeExpired(kNow + kDay));
  EXPECT_EQ(small.UsedBytes(RelayStore::TeamUsageKey(team_.id())).value(), 0);
  EXPECT_EQ(small.UsedBytes(RelayStore::TeamUsageKey(other.id())).value(), 0);
  EXPECT_EQ(small.PutBatch(views, kNow, team_.id())->accepted, 3u);
}

}  // namespace
}  // namespace waypost::sync
