// Relays that peer (docs/protocol.md §2.5): RelayPeering dials, a peer's
// RelaySession answers, wired together in memory. Each relay is a real
// RelayService over its own SQLCipher file; time is a fake clock.
#include "core/sync/relay_peering.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/noise/key_pair.h"
#include "core/sync/relay_session.h"
#include "core/sync/sync_client.h"
#include "tests/core/sync/sync_parties.h"
#include "tests/core/sync/sync_test_util.h"
#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

using test_util::IdOf;
using test_util::kNow;
using test_util::MakeEnvelope;
using test_util::Tag;
using test_util::TempDatabase;

constexpr uint32_t kDay = 24 * 3600;

// One relay: its store, key and service.
class TestRelay {
 public:
  // `open`: serve anyone; else only the teams it is told to serve.
  TestRelay(const Clock& clock, uint64_t seed, bool open)
      : random_(seed),
        key_(noise::KeyPair::Generate(random_)),
        service_(db_.db(), key_, clock, random_) {
    EXPECT_OK(service_.Start());
    if (open) service_.OpenToAnyone();
  }

  RelayService& service() { return service_; }
  RelayAddress address() const { return {key_.public_key, "relay.test", 7447}; }

  void Put(const std::vector<Bytes>& envelopes, UnixTime now) {
    std::vector<ByteView> views(envelopes.begin(), envelopes.end());
    ASSERT_OK(service_.store().PutBatch(views, now));
  }
  // The content ids of every unexpired envelope held, sorted.
  std::vector<Bytes> Held(UnixTime now) {
    std::vector<Bytes> ids;
    Result<std::vector<NegItem>> items =
        service_.store().Scope(RelayStore::View::Everything(), now, 1 << 20);
    EXPECT_OK(items);
    if (!items.ok()) return ids;
    for (const NegItem& item : *items) ids.emplace_back(item.id.begin(), item.id.end());
    std::sort(ids.begin(), ids.end());
    return ids;
  }

 private:
  TempDatabase db_;
  SeededRandom random_;
  noise::KeyPair key_;
  RelayService service_;
};

std::vector<Bytes> Envelopes(uint8_t tag, size_t n, uint32_t first_seed,
                             uint32_t expires_at = kNow + kDay) {
  std::vector<Bytes> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(MakeEnvelope(Tag(tag), expires_at, first_seed + static_cast<uint32_t>(i)));
  }
  return out;
}

std::vector<Bytes> SortedIds(const std::vector<std::vector<Bytes>>& groups) {
  std::set<Bytes> ids;
  for (const auto& group : groups) {
    for (const Bytes& e : group) ids.insert(IdOf(e));
  }
  return {ids.begin(), ids.end()};
}

class RelayPeeringTest : public ::testing::Test {
 protected:
  // `open`: both relays serve anyone (most tests); else only teams.
  explicit RelayPeeringTest(bool open = true) : a_(clock_, 1, open), b_(clock_, 2, open) {
    b_.service().SetPeerKeys({a_.address().public_key});
    a_.service().SetPeerKeys({b_.address().public_key});
  }

  // A's peering with B alone.
  std::unique_ptr<RelayPeering> PeeringOfA(RelayPeering::Options options = {}) {
    return std::make_unique<RelayPeering>(
        a_.service(), std::vector<RelayAddress>{b_.address()}, options,
        [this](const std::string& line) { log_.push_back(line); });
  }

  // Runs one session `peering` starts now against B, over a link that carries
  // at most `budget` bytes (0: no limit), and reports its end to `peering`.
  // Returns the status the dialing side ended with; *served gets B's.
  Status RunSession(RelayPeering& peering, size_t budget = 0, Status* served = nullptr) {
    std::vector<Outbound::Dial> dials;
    (void)peering.Tick(clock_.MonotonicMs(), dials);
    if (dials.size() != 1)
      return Status::Internal("expected one dial, got " + std::to_string(dials.size()));
    Connection& dialer = *dials[0].conn;
    std::unique_ptr<Connection> server = b_.service().NewSession();
    const int64_t now = clock_.MonotonicMs();
    Status mine = dialer.OnStart(now);
    Status theirs = server->OnStart(now);
    size_t left = budget == 0 ? SIZE_MAX : budget;
    auto deliver = [&](Connection& from, Connection& to, Status& to_status) {
      Bytes out = from.TakeOutgoing();
      if (out.size() > left) out.resize(left);
      left -= out.size();
      for (size_t i = 0; i < out.size() && to_status.ok();) {
        const size_t n = std::min<size_t>(1 + rng_() % 700, out.size() - i);
        to_status = to.OnReceive(ByteView(out).subspan(i, n), now);
        i += n;
      }
      return !out.empty();
    };
    while (mine.ok() && theirs.ok() && !dialer.IsDone()) {
      const bool up = deliver(dialer, *server, theirs);
      const bool down = theirs.ok() && deliver(*server, dialer, mine);
      if (!up && !down) break;
    }
    (void)deliver(dialer, *server, theirs);  // a final message, if any
    if (mine.ok() && !dialer.IsDone()) mine = Status::Unavailable("the link dropped");
    dialer.OnClosed(mine);
    server->OnClosed(theirs.ok() ? Status::Unavailable("closed") : theirs);
    peering.Finished(dialer, mine, clock_.MonotonicMs());
    if (served != nullptr) {
      *served = static_cast<RelaySession&>(*server).status();
    }
    return mine;
  }

  FakeClock clock_{kNow};
  TestRelay a_;
  TestRelay b_;
  std::mt19937 rng_{7};
  std::vector<std::string> log_;
};

TEST_F(RelayPeeringTest, OneSessionGivesBothRelaysTheUnion) {
  const auto only_a = Envelopes(1, 30, 100);
  const auto only_b = Envelopes(2, 20, 200);
  const auto both = Envelopes(3, 5, 300);
  a_.Put(only_a, kNow);
  a_.Put(both, kNow);
  b_.Put(only_b, kNow);
  b_.Put(both, kNow);
  // About to expire at A: gone by the time they peer, so it never travels.
  const auto expiring = Envelopes(4, 1, 400, kNow + 60);
  a_.Put(expiring, kNow);
  clock_.Advance(120);

  auto peering = PeeringOfA();
  ASSERT_OK(RunSession(*peering));

  const std::vector<Bytes> want = SortedIds({only_a, only_b, both});
  EXPECT_EQ(a_.Held(clock_.Now()), want);
  EXPECT_EQ(b_.Held(clock_.Now()), want);
  EXPECT_EQ(peering->completed(), std::vector<uint64_t>{1});
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0], "waypost: peer relay.test:7447: fetched 20, sent 30");

  // In step: the next session moves nothing and says nothing.
  clock_.Advance(3600);
  ASSERT_OK(RunSession(*peering));
  EXPECT_EQ(a_.Held(clock_.Now()), want);
  EXPECT_EQ(log_.size(), 1u);
}

TEST_F(RelayPeeringTest, ARelayThatIsNotAPeerIsCutOffAndLearnsNothing) {
  a_.Put(Envelopes(1, 3, 100), kNow);
  b_.Put(Envelopes(2, 4, 200), kNow);
  const std::vector<Bytes> b_before = b_.Held(kNow);
  const std::vector<Bytes> a_before = a_.Held(kNow);
  TestRelay stranger(clock_, 3, true);                        // B knows A's key, not this one's
  b_.service().SetPeerKeys({stranger.address().public_key});  // ... and now not A's

  auto peering = PeeringOfA();
  Status served;
  const Status dialed = RunSession(*peering, 0, &served);
  EXPECT_FALSE(dialed.ok());
  EXPECT_EQ(served.code(), Status::Code::kProtocol) << served.ToString();
  EXPECT_EQ(a_.Held(kNow), a_before) << "nothing came from B";
  EXPECT_EQ(b_.Held(kNow), b_before) << "nothing reached B";
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("failed"), std::string::npos) << log_[0];
}

TEST_F(RelayPeeringTest, AClientWithAFreshKeyCannotAskForEverything) {
  b_.Put(Envelopes(2, 4, 200), kNow);
  // A node's SyncClient proves a fresh key; its party asks for everything.
  class Greedy final : public SyncParty {
   public:
    Result<std::vector<Bytes>> NextUploads(size_t, size_t) override { return std::vector<Bytes>{}; }
    Status Uploaded(const std::vector<Bytes>&, const std::vector<UploadVerdict>&) override {
      return Status::Ok();
    }
    Result<Scope> FetchScope() override {
      Scope scope;
      scope.everything = true;
      return scope;
    }
    Status Fetched(std::vector<Bytes> batch) override {
      fetched += batch.size();
      return Status::Ok();
    }
    Status FetchDone() override { return Status::Ok(); }
    size_t fetched = 0;
  } greedy;
  SeededRandom random(9);
  SyncClient client(b_.address().public_key, greedy, random);
  std::unique_ptr<Connection> server = b_.service().NewSession();
  ASSERT_OK(client.OnStart(0));
  ASSERT_OK(server->OnStart(0));
  const test_util::PumpResult result = test_util::Pump(client, *server, rng_);
  EXPECT_EQ(result.b.code(), Status::Code::kProtocol) << result.b.ToString();
  EXPECT_FALSE(client.succeeded());
  EXPECT_EQ(greedy.fetched, 0u);
}

// Relays are always on, so their links are better than a helper's; still,
// a link that drops every 2 to 20 KB must not stop them. (Below about 4.5 KB
// a session with a large difference spends its bytes on the handshake and
// the first reconcile round: docs/protocol.md §2.5.)
TEST_F(RelayPeeringTest, ALinkThatDropsEveryFewKilobytesStillConverges) {
  const auto only_a = Envelopes(1, 150, 1000);
  const auto only_b = Envelopes(2, 150, 2000);
  a_.Put(only_a, kNow);
  b_.Put(only_b, kNow);
  auto peering = PeeringOfA();
  const std::vector<Bytes> want = SortedIds({only_a, only_b});
  std::uniform_int_distribution<size_t> cut(2000, 20000);
  int sessions = 0;
  while (a_.Held(clock_.Now()) != want || b_.Held(clock_.Now()) != want) {
    ASSERT_LT(++sessions, 400) << "no convergence";
    (void)RunSession(*peering, cut(rng_));
    clock_.Advance(120);  // past any retry delay
  }
  // Exactly the union on both sides: nothing lost, nothing made up.
  EXPECT_EQ(a_.Held(clock_.Now()), want);
  EXPECT_EQ(b_.Held(clock_.Now()), want);
  EXPECT_LT(sessions, 60) << "each session should move a batch or more";
}

TEST_F(RelayPeeringTest, SessionsComeOnScheduleSoonerForNewsAndBackOffOnFailure) {
  RelayPeering::Options options{.interval_ms = 60'000, .settle_ms = 2'000, .first_retry_ms = 5'000};
  auto peering = PeeringOfA(options);
  std::vector<Outbound::Dial> dials;
  // At start: one session; while it runs, no second one.
  EXPECT_EQ(peering->Tick(clock_.MonotonicMs(), dials), std::nullopt);
  ASSERT_EQ(dials.size(), 1u);
  std::vector<Outbound::Dial> more;
  (void)peering->Tick(clock_.MonotonicMs(), more);
  EXPECT_TRUE(more.empty());

  // It fails: retried after 5 s, then 10 s, then 20 s ...
  int64_t expected_retry = 5'000;
  for (int i = 0; i < 3; ++i) {
    dials[0].conn->OnClosed(Status::Unavailable("refused"));
    peering->Finished(*dials[0].conn, Status::Unavailable("refused"), clock_.MonotonicMs());
    const int64_t now = clock_.MonotonicMs();
    dials.clear();
    EXPECT_EQ(peering->Tick(now, dials), now + expected_retry);
    EXPECT_TRUE(dials.empty());
    clock_.AdvanceMs(expected_retry);
    EXPECT_EQ(peering->Tick(clock_.MonotonicMs(), dials), std::nullopt);
    ASSERT_EQ(dials.size(), 1u);
    expected_retry *= 2;
  }
  // It ends cleanly: the next one is an interval later ...
  dials[0].conn->OnClosed(Status::Ok());
  const int64_t finished = clock_.MonotonicMs();
  peering->Finished(*dials[0].conn, Status::Ok(), finished);
  dials.clear();
  std::vector<Outbound::Dial> none;
  EXPECT_EQ(peering->Tick(finished, none), finished + 60'000);
  // ... unless something new arrives: then 2 s after the last one began.
  a_.Put(Envelopes(5, 1, 500), clock_.Now());
  EXPECT_EQ(peering->Tick(finished, none), finished + 2'000);
  EXPECT_TRUE(none.empty());
  clock_.AdvanceMs(2'000);
  ASSERT_OK(RunSession(*peering));
  EXPECT_EQ(b_.Held(clock_.Now()), a_.Held(clock_.Now()));
}

// Relays that serve a team (docs/protocol.md §11.5): a newer roster one of
// them takes, a revocation say, is news, and reaches the other within the
// settle time (2 s) rather than at the next scheduled session (a minute).
class TeamPeeringTest : public RelayPeeringTest {
 protected:
  TeamPeeringTest() : RelayPeeringTest(/*open=*/false) {
    EXPECT_OK(a_.service().ServeTeam(team_.genesis()));
    EXPECT_OK(b_.service().ServeTeam(team_.genesis()));
  }

  uint64_t VersionAt(TestRelay& relay) {
    const team::SignedTeamState* held = relay.service().teams().Find(team_.id());
    return held == nullptr ? 0 : held->roster().version;
  }

  test_util::TestTeam team_{41, 3};
};

TEST_F(TeamPeeringTest, ARevocationIsNewsAndReachesThePeerWithinTheSettleTime) {
  RelayPeering::Options options;
  std::unique_ptr<RelayPeering> peering = PeeringOfA(options);
  ASSERT_OK(RunSession(*peering));
  clock_.AdvanceMs(options.settle_ms);
  std::vector<Outbound::Dial> dials;
  std::optional<int64_t> wake = peering->Tick(clock_.MonotonicMs(), dials);
  EXPECT_TRUE(dials.empty()) << "no news: nothing to do before the interval";
  ASSERT_TRUE(wake);
  EXPECT_GT(*wake, clock_.MonotonicMs() + options.settle_ms);

  // A coordinator's sync brings A a roster without member 0.
  ASSERT_OK(a_.service().teams().Offer(team_.Change(/*drop=*/0)));
  EXPECT_EQ(VersionAt(a_), 2u);
  EXPECT_EQ(VersionAt(b_), 1u);
  ASSERT_OK(RunSession(*peering)) << "a roster change is news: a session at once";
  EXPECT_EQ(VersionAt(b_), 2u) << "B refuses the revoked member from now on";
  // And it is news once: nothing more until the interval.
  clock_.AdvanceMs(options.settle_ms);
  (void)peering->Tick(clock_.MonotonicMs(), dials);
  EXPECT_TRUE(dials.empty());
}

// docs/protocol.md §11.7: A takes a second coordinator (a step) and a
// change that coordinator signed; B, which saw neither, cannot check the
// newest alone. Peering hands B the step with it: B takes both, and can
// hand the step on in turn.
TEST_F(TeamPeeringTest, APeerThatMissedACoordinatorChangeIsHandedTheStep) {
  RelayPeering::Options options;
  std::unique_ptr<RelayPeering> peering = PeeringOfA(options);
  ASSERT_OK(a_.service().teams().Offer(team_.AddCoordinator()));
  ASSERT_OK(a_.service().teams().Offer(team_.Change(/*drop=*/0)));
  ASSERT_EQ(VersionAt(a_), 3u);
  EXPECT_FALSE(b_.service().teams().Offer(team_.roster(3)).ok()) << "no direct way";
  ASSERT_OK(RunSession(*peering));
  EXPECT_EQ(VersionAt(b_), 3u);
  EXPECT_EQ(b_.service().teams().StepsAbove(team_.id(), 1).value(),
            std::vector<Bytes>{team_.roster(2)});
}

}  // namespace
}  // namespace waypost::sync