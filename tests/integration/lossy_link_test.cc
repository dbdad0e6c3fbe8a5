// Bad links end to end: the real `waypost` binary syncing with a real relay
// process through tests/kit/fault_proxy.h, which cuts every connection,
// flips a byte, or stalls; and a relay SIGKILLed mid-sync. Whatever the link
// does, every check-in arrives exactly once, nothing corrupted is taken in,
// and what a relay acknowledged survives its crash (docs/protocol.md §2.4, §6).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/kit/fault_proxy.h"

namespace waypost::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string FirstErrLine(const RunResult& r) {
  const std::vector<std::string> lines = r.ErrLines();
  return lines.empty() ? std::string() : lines[0];
}

uint64_t Forwarded(const FaultProxy::Stats& s) { return s.bytes_up + s.bytes_down; }

// The first application message and its answer: every session has both,
// right after the handshake (100 bytes up, 98 down): 530 bytes up (four
// check-ins), 274 down. Both directions are still inside them up to here.
constexpr uint64_t kFirstMessageEnd = 370;

// Each connection flips one byte past the handshake, in a direction drawn
// at random: half the time within the first application message or its
// answer, so that sync cannot succeed; otherwise up to 2,500 bytes on, where
// it may hit a later batch, or fall past the session's end.
FaultProxy::Planner FlipOneByte(uint64_t seed) {
  return [seed](uint64_t n) {
    std::mt19937_64 random(seed * 1'000'003 + n);
    const bool early = random() & 1;
    const uint64_t at =
        early ? std::uniform_int_distribution<uint64_t>(200, kFirstMessageEnd)(random)
              : std::uniform_int_distribution<uint64_t>(kFirstMessageEnd + 1, 2500)(random);
    FaultProxy::Plan plan;
    if (random() & 1) {
      plan.flip_up = at;
    } else {
      plan.flip_down = at;
    }
    return plan;
  };
}

// Each connection stalls (forwards nothing more, holds both sockets) after a
// random number of bytes.
FaultProxy::Planner StallBetween(uint64_t low, uint64_t high, uint64_t seed) {
  return [low, high, seed](uint64_t n) {
    std::mt19937_64 random(seed * 1'000'003 + n);
    FaultProxy::Plan plan;
    plan.stall_after = std::uniform_int_distribution<uint64_t>(low, high)(random);
    return plan;
  };
}

class LossyLinkTest : public IntegrationTest {
 protected:
  // The relay's address with another port: the same relay key, reached
  // through a proxy listening on `port`.
  std::string Via(uint16_t port) const {
    return relay_address_.substr(0, relay_address_.rfind(':') + 1) + std::to_string(port);
  }
  std::string Direct() const { return relay_address_; }

  // A coordinator and a helper enrolled over a clean link: invite, join, the
  // join request up, the welcome back, and the helper takes the welcome in.
  void Enroll(const std::string& coord, const std::string& helper) {
    ASSERT_NO_FATAL_FAILURE(CreateAndJoin(coord, "Coord", helper, "Helper", "Amira"));
    ASSERT_NO_FATAL_FAILURE(SyncEnrollment(coord, helper));
    RunResult r = Wp(helper, {"sync"});
    WP_ASSERT_OK(r);
  }

  // `n` check-ins queued by `n` separate `waypost checkin` runs; their ids.
  std::vector<std::string> QueueCheckIns(const std::string& helper, int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      RunResult r = Wp(helper, {"checkin", "crossed"});
      EXPECT_EQ(r.exit_code, 0) << r.Describe();
      if (r.exit_code != 0) return ids;
      const std::string id = r.out.substr(0, r.out.find('\n'));
      EXPECT_FALSE(id.empty()) << r.Describe();
      ids.push_back(id);
    }
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size())
        << "checkin printed the same id twice";
    return ids;
  }

  json Inbox(const std::string& home) {
    RunResult r = Wp(home, {"inbox", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    json j = Json(r);
    EXPECT_TRUE(j.is_array()) << r.out;
    return j.is_array() ? j : json::array();
  }

  // The helper's own check-ins: id -> state. A duplicate id is a failure.
  std::map<std::string, std::string> OutgoingCheckIns(const std::string& home) {
    std::map<std::string, std::string> out;
    for (const json& m : Inbox(home)) {
      if (m.value("direction", "") != "out" || m.value("kind", "") != "checkin") continue;
      const std::string id = m.value("id", "");
      EXPECT_FALSE(out.count(id)) << "outgoing check-in " << id << " listed twice";
      out[id] = m.value("state", "");
    }
    return out;
  }

  static size_t CountState(const std::map<std::string, std::string>& states,
                           const std::string& state) {
    size_t n = 0;
    for (const auto& [id, s] : states) n += s == state ? 1 : 0;
    return n;
  }

  // Every incoming inbox entry's id (duplicates kept), and how many of them
  // are not check-ins from the helper.
  struct Incoming {
    std::vector<std::string> checkins;
    size_t other = 0;
    std::string odd;  // the first entry that is not one
  };
  Incoming IncomingEntries(const std::string& home) {
    Incoming in;
    for (const json& m : Inbox(home)) {
      if (m.value("direction", "") != "in") continue;
      if (m.value("kind", "") == "checkin" && m.value("code", "") == "crossed" &&
          m.value("peer", "") == "Amira" && !m.value("duress", true)) {
        in.checkins.push_back(m.value("id", ""));
      } else {
        if (in.other == 0) in.odd = m.dump();
        ++in.other;
      }
    }
    return in;
  }

  // Exactly `ids`, each once, and nothing else, in `coord`'s inbox.
  void ExpectExactlyOnce(const std::string& coord, const std::vector<std::string>& ids) {
    const Incoming in = IncomingEntries(coord);
    EXPECT_EQ(in.other, 0u) << "unexpected incoming entries, the first: " << in.odd;
    std::map<std::string, int> times;
    for (const std::string& id : in.checkins) ++times[id];
    EXPECT_EQ(in.checkins.size(), ids.size());
    EXPECT_EQ(times.size(), ids.size()) << "distinct ids at the coordinator";
    for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << "check-in " << id << " held " << n << "x";
    for (const std::string& id : ids) {
      EXPECT_TRUE(times.count(id)) << "check-in " << id << " never reached the coordinator";
    }
  }

  // One sync over a link that may fail: exit 0, or exit 1 with exactly one
  // `waypost: error:` line. Anything else (a crash, a hang, a second line) is
  // a failure.
  RunResult SyncMayFail(const std::string& home, const std::string& address,
                        const std::string& timeout = "5s") {
    RunResult r = Wp(home, {"sync", address, "--timeout", timeout}, {}, std::chrono::seconds(90));
    EXPECT_FALSE(r.timed_out) << r.Describe();
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.Describe();
    if (r.exit_code == 1) ExpectOneErrorLine(r);
    return r;
  }

  static void ExpectOneErrorLine(const RunResult& r) {
    const std::vector<std::string> lines = r.ErrLines();
    ASSERT_EQ(lines.size(), 1u) << r.Describe();
    EXPECT_EQ(lines[0].rfind("waypost: error: ", 0), 0u) << r.Describe();
  }

  // What a failed sync's error line says it kept: "kept what moved before
  // that: U uploaded, D downloaded" gives U + D; no such clause, 0.
  static int KeptBeforeFailure(const RunResult& r) {
    static const std::regex kept(
        "kept what moved before that: ([0-9]+) uploaded, ([0-9]+) downloaded");
    std::smatch m;
    if (!std::regex_search(r.err, m, kept)) return 0;
    return std::stoi(m[1].str()) + std::stoi(m[2].str());
  }

  // Syncs `home` through `proxy`, whose connections `planner` cuts, until
  // `remaining()` (checked after each run) is 0, at most `max_runs` runs.
  // Every connection cut at `progress_bytes` or later must have moved
  // something (what remains shrank, or the error line says something moved);
  // UINT64_MAX checks none.
  // Returns the number of runs; *failures counts exit 1.
  template <typename Remaining>
  int SyncUntilDone(const std::string& home, FaultProxy& proxy, const FaultProxy::Planner& planner,
                    int max_runs, Remaining remaining, uint64_t progress_bytes, int* failures) {
    size_t left = remaining();
    std::ostringstream trace;  // cut at : what remains that moved / what the error line kept
    int run = 1;
    for (; run <= max_runs && left > 0; ++run) {
      const uint64_t connection = proxy.stats().connections;
      const RunResult r = SyncMayFail(home, Via(proxy.port()));
      if (r.exit_code != 0) ++*failures;
      if (::testing::Test::HasFatalFailure()) return run;
      const size_t now = remaining();
      const int kept = KeptBeforeFailure(r);
      const std::optional<uint64_t> cut = planner(connection).cut_after;
      trace << " " << (cut ? std::to_string(*cut) : "-") << ":" << left - now << "/" << kept;
      EXPECT_LE(now, left) << "run " << run;
      if (cut && *cut >= progress_bytes) {
        EXPECT_TRUE(now < left || kept > 0) << "run " << run << ": a connection cut after " << *cut
                                            << " bytes moved nothing: " << r.Describe();
      }
      left = now;
    }
    std::cout << "[ lossy    ] per run, cut at : moved here / kept by the error line:"
              << trace.str() << "\n";
    return left == 0 ? run - 1 : max_runs + 1;
  }
};

// 200 check-ins up through a link that cuts every connection after 300 to
// 4,000 bytes, then down to the coordinator through one that cuts after
// 2,000 to 20,000. Every upload connection that carries 1,130 bytes moves a
// batch; nothing is lost or doubled; the lossy upload costs at most 8x the
// bytes of a clean one, which a second, identical pair on a clean link
// measures.
TEST_F(LossyLinkTest, TwoHundredCheckInsCrossALinkThatCutsEveryConnection) {
  constexpr int kCheckIns = 200;
  const std::string R = Home("relay");
  const std::string C = Home("coord"), H = Home("helper");      // over the lossy link
  const std::string C2 = Home("coord2"), H2 = Home("helper2");  // the clean baseline
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(Enroll(C, H));
  ASSERT_NO_FATAL_FAILURE(Enroll(C2, H2));

  // Both helpers queue at once (separate stores); each check-in is its own
  // `waypost checkin` run.
  const auto queue_start = Clock::now();
  std::vector<std::string> ids, ids2;
  std::thread second([&] { ids2 = QueueCheckIns(H2, kCheckIns); });
  ids = QueueCheckIns(H, kCheckIns);
  second.join();
  const double queue_seconds = Seconds(Clock::now() - queue_start);
  std::cout << "[ lossy    ] queued 2 x " << kCheckIns << " check-ins (2 runs in parallel) in "
            << queue_seconds << " s\n";
  ASSERT_EQ(ids.size(), size_t(kCheckIns));
  ASSERT_EQ(ids2.size(), size_t(kCheckIns));
  ASSERT_EQ(CountState(OutgoingCheckIns(H), "queued"), size_t(kCheckIns));

  // Baseline: one sync each over a clean proxy, which only counts bytes.
  uint64_t clean_up = 0, clean_down = 0;
  {
    FaultProxy clean(uint16_t(relay_port_), FaultProxy::Clean());
    ASSERT_NE(clean.port(), 0);
    RunResult r = Wp(H2, {"sync", Via(clean.port())});
    WP_ASSERT_OK(r);
    clean_up = Forwarded(clean.stats());
    ASSERT_EQ(CountState(OutgoingCheckIns(H2), "queued"), 0u);
    r = Wp(C2, {"sync", Via(clean.port())});
    WP_ASSERT_OK(r);
    clean_down = Forwarded(clean.stats()) - clean_up;
    ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce(C2, ids2));
  }

  // The helper, through a link that cuts every connection.
  uint64_t lossy_up = 0;
  int up_runs = 0, up_failures = 0;
  {
    // docs/protocol.md §2.4: a connection that carries 1,130 bytes has
    // moved a batch of up to four check-ins (the first batch rides with the
    // team admission proof, for a team of two).
    const FaultProxy::Planner cuts = FaultProxy::CutBetween(300, 4000, 9001);
    FaultProxy proxy(uint16_t(relay_port_), cuts);
    ASSERT_NE(proxy.port(), 0);
    const auto start = Clock::now();
    up_runs = SyncUntilDone(
        H, proxy, cuts, 400, [&] { return CountState(OutgoingCheckIns(H), "queued"); }, 1130,
        &up_failures);
    const FaultProxy::Stats s = proxy.stats();
    lossy_up = Forwarded(s);
    std::cout << "[ lossy    ] helper upload: " << up_runs << " sync runs (" << up_failures
              << " exit 1), " << s.connections << " connections, " << s.cuts << " cut, " << lossy_up
              << " bytes (" << s.bytes_up << " up, " << s.bytes_down << " down) in "
              << Seconds(Clock::now() - start) << " s\n";
    ASSERT_LE(up_runs, 400) << "the helper still had queued check-ins after 400 syncs";
    EXPECT_GT(s.cuts, 0u) << "the proxy should have cut connections";
  }
  std::map<std::string, std::string> states = OutgoingCheckIns(H);
  ASSERT_EQ(states.size(), size_t(kCheckIns));
  EXPECT_EQ(CountState(states, "relayed"), size_t(kCheckIns));

  // The coordinator, through a link that cuts after 2,000 to 20,000 bytes.
  uint64_t lossy_down = 0;
  int down_runs = 0, down_failures = 0;
  {
    // No per-connection minimum is checked here: docs/protocol.md §2.4 says
    // about 4,100 bytes fetch a first batch, but with part of the backlog
    // already held, reconciliation takes more rounds before it names what
    // is missing (up to about 7,000 bytes measured), and queued receipts go
    // up first.
    const FaultProxy::Planner cuts = FaultProxy::CutBetween(2000, 20000, 4242);
    FaultProxy proxy(uint16_t(relay_port_), cuts);
    ASSERT_NE(proxy.port(), 0);
    const auto start = Clock::now();
    down_runs = SyncUntilDone(
        C, proxy, cuts, 300,
        [&] {
          const size_t got = IncomingEntries(C).checkins.size();
          return got < size_t(kCheckIns) ? size_t(kCheckIns) - got : 0;
        },
        UINT64_MAX, &down_failures);
    const FaultProxy::Stats s = proxy.stats();
    lossy_down = Forwarded(s);
    std::cout << "[ lossy    ] coordinator download: " << down_runs << " sync runs ("
              << down_failures << " exit 1), " << s.connections << " connections, " << s.cuts
              << " cut, " << lossy_down << " bytes in " << Seconds(Clock::now() - start) << " s\n";
    ASSERT_LE(down_runs, 300) << "the coordinator had fewer than 200 check-ins after 300 syncs";
  }
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce(C, ids));
  states = OutgoingCheckIns(H);
  ASSERT_EQ(states.size(), size_t(kCheckIns));
  for (const auto& [id, state] : states) {
    EXPECT_TRUE(state == "relayed" || state == "delivered") << id << " is " << state;
  }

  std::cout << "[ lossy    ] helper upload bytes: clean " << clean_up << ", lossy " << lossy_up
            << " (" << double(lossy_up) / double(clean_up) << "x)\n"
            << "[ lossy    ] coordinator download bytes: clean " << clean_down << ", lossy "
            << lossy_down << " (" << double(lossy_down) / double(clean_down) << "x)\n";
  RecordProperty("clean_upload_bytes", std::to_string(clean_up));
  RecordProperty("lossy_upload_bytes", std::to_string(lossy_up));
  RecordProperty("lossy_upload_runs", std::to_string(up_runs));
  RecordProperty("clean_download_bytes", std::to_string(clean_down));
  RecordProperty("lossy_download_bytes", std::to_string(lossy_down));
  RecordProperty("lossy_download_runs", std::to_string(down_runs));
  ASSERT_GT(clean_up, 0u);
  EXPECT_LE(lossy_up, 8 * clean_up) << "a lossy upload should cost at most 8x a clean one";

  // The delivered receipts the coordinator queued reach the helper once the
  // link is clean: every check-in ends `delivered`, still exactly once.
  RunResult r = Wp(C, {"sync", Direct()});
  WP_ASSERT_OK(r);
  r = Wp(H, {"sync", Direct()});
  WP_ASSERT_OK(r);
  states = OutgoingCheckIns(H);
  EXPECT_EQ(CountState(states, "delivered"), size_t(kCheckIns));
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce(C, ids));
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// One flipped byte per connection, anywhere past the handshake, either way:
// a sync whose link flipped a byte fails with one error line, one whose flip
// fell past its last byte succeeds. Clean syncs afterwards deliver every
// check-in once, and the coordinator takes in (and rejects) nothing else.
TEST_F(LossyLinkTest, CorruptedFramesAreRejectedAndNeverStored) {
  constexpr int kCheckIns = 20;
  constexpr int kFlippedRuns = 12;
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(Enroll(C, H));
  const std::vector<std::string> ids = QueueCheckIns(H, kCheckIns);
  ASSERT_EQ(ids.size(), size_t(kCheckIns));

  // Each run through `proxy`: if a byte was flipped, exit 1 and one error
  // line; if not, a clean exit. Returns the number of runs that flipped.
  auto flipped_runs = [&](const std::string& home, FaultProxy& proxy, uint64_t seed) {
    int flipped = 0;
    for (int run = 0; run < kFlippedRuns; ++run) {
      const FaultProxy::Stats before = proxy.stats();
      const RunResult r = SyncMayFail(home, Via(proxy.port()));
      const FaultProxy::Stats after = proxy.stats();
      const bool flip = after.flips > before.flips;
      flipped += flip ? 1 : 0;
      const FaultProxy::Plan plan = FlipOneByte(seed)(before.connections);
      const uint64_t at = plan.flip_up ? *plan.flip_up : *plan.flip_down;
      EXPECT_TRUE(flip || at > kFirstMessageEnd)
          << "run " << run << ": a flip within the first message must land";
      std::cout << "[ lossy    ] " << (home == H ? "helper" : "coordinator") << " run " << run
                << ": flip "
                << (plan.flip_up ? "up at " + std::to_string(*plan.flip_up)
                                 : "down at " + std::to_string(*plan.flip_down))
                << ", session " << after.bytes_up - before.bytes_up << " up / "
                << after.bytes_down - before.bytes_down << " down: exit " << r.exit_code
                << (r.exit_code == 1 ? ": " + FirstErrLine(r) : std::string()) << "\n";
      if (flip) {
        EXPECT_EQ(r.exit_code, 1) << "run " << run << " carried a flipped byte: " << r.Describe();
      } else {
        EXPECT_EQ(r.exit_code, 0) << "run " << run << " had a clean link: " << r.Describe();
      }
    }
    return flipped;
  };

  int helper_flips = 0, coord_flips = 0;
  {
    FaultProxy proxy(uint16_t(relay_port_), FlipOneByte(77));
    ASSERT_NE(proxy.port(), 0);
    helper_flips = flipped_runs(H, proxy, 77);
  }
  std::map<std::string, std::string> states = OutgoingCheckIns(H);
  ASSERT_EQ(states.size(), size_t(kCheckIns));
  const size_t relayed_while_flipping = CountState(states, "relayed");
  EXPECT_EQ(relayed_while_flipping + CountState(states, "queued"), size_t(kCheckIns));
  std::cout << "[ lossy    ] helper: " << helper_flips << " of " << kFlippedRuns
            << " syncs carried a flipped byte; " << relayed_while_flipping << " of " << kCheckIns
            << " check-ins relayed meanwhile\n";
  EXPECT_GE(helper_flips, kFlippedRuns / 3) << "the plan should flip a byte in many syncs";

  RunResult r = Wp(H, {"sync", Direct(), "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("uploaded", -1), kCheckIns - int(relayed_while_flipping))
      << "a clean sync uploads exactly what no answer acknowledged: " << r.out;
  EXPECT_EQ(CountState(OutgoingCheckIns(H), "relayed"), size_t(kCheckIns));

  size_t received_while_flipping = 0;
  {
    FaultProxy proxy(uint16_t(relay_port_), FlipOneByte(78));
    ASSERT_NE(proxy.port(), 0);
    coord_flips = flipped_runs(C, proxy, 78);
  }
  const Incoming partial = IncomingEntries(C);
  received_while_flipping = partial.checkins.size();
  EXPECT_EQ(partial.other, 0u) << partial.odd;
  EXPECT_EQ(std::set<std::string>(partial.checkins.begin(), partial.checkins.end()).size(),
            partial.checkins.size());
  std::cout << "[ lossy    ] coordinator: " << coord_flips << " of " << kFlippedRuns
            << " syncs carried a flipped byte; " << received_while_flipping << " of " << kCheckIns
            << " check-ins taken in meanwhile\n";
  EXPECT_GE(coord_flips, kFlippedRuns / 3) << "the plan should flip a byte in many syncs";

  r = Wp(C, {"sync", Direct(), "--json"});
  WP_ASSERT_OK(r);
  const json stats = Json(r);
  EXPECT_EQ(stats.value("downloaded", -1), kCheckIns - int(received_while_flipping)) << r.out;
  EXPECT_EQ(stats.value("rejected", -1), 0) << "the relay holds something damaged: " << r.out;
  EXPECT_EQ(stats.value("refused", -1), 0) << r.out;
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce(C, ids));

  // Nothing further: a second clean sync moves nothing and rejects nothing.
  r = Wp(C, {"sync", Direct(), "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("downloaded", -1), 0) << r.out;
  EXPECT_EQ(Json(r).value("rejected", -1), 0) << r.out;
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce(C, ids));
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// A link that goes silent mid-session: `sync --timeout 3s` gives up with one
// error line (not a hang), keeps what was answered before the stall, and a
// clean sync later delivers everything exactly once.
TEST_F(LossyLinkTest, StallingLinkTimesOutAndLosesNothing) {
  constexpr int kCheckIns = 20;
  constexpr int kStalledRuns = 4;
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(Enroll(C, H));
  const std::vector<std::string> ids = QueueCheckIns(H, kCheckIns);
  ASSERT_EQ(ids.size(), size_t(kCheckIns));

  // Each run: if the link stalled, exit 1 with one error line, well before
  // the process timeout; if the stall lay past the session's end, exit 0.
  auto stalled_runs = [&](const std::string& home, FaultProxy& proxy) {
    int stalled = 0;
    for (int run = 0; run < kStalledRuns; ++run) {
      const uint64_t stalls_before = proxy.stats().stalls;
      const auto start = Clock::now();
      const RunResult r = SyncMayFail(home, Via(proxy.port()), "3s");
      const double took = Seconds(Clock::now() - start);
      const bool stall = proxy.stats().stalls > stalls_before;
      stalled += stall ? 1 : 0;
      if (stall) {
        EXPECT_EQ(r.exit_code, 1) << "run " << run << " stalled: " << r.Describe();
      } else {
        EXPECT_EQ(r.exit_code, 0) << "run " << run << " had a clean link: " << r.Describe();
      }
      // Generous: only that it gave up instead of hanging.
      EXPECT_LT(took, 30.0) << "run " << run;
      std::cout << "[ lossy    ] " << (stall ? "stalled" : "clean") << " sync run " << run
                << ": exit " << r.exit_code << " after " << took << " s"
                << (r.exit_code == 1 ? ": " + FirstErrLine(r) : std::string()) << "\n";
    }
    return stalled;
  };

  int helper_stalls = 0, coord_stalls = 0;
  {
    FaultProxy proxy(uint16_t(relay_port_), StallBetween(250, 3000, 5));
    ASSERT_NE(proxy.port(), 0);
    helper_stalls = stalled_runs(H, proxy);
  }
  std::map<std::string, std::string> states = OutgoingCheckIns(H);
  ASSERT_EQ(states.size(), size_t(kCheckIns));
  const size_t relayed_while_stalling = CountState(states, "relayed");
  EXPECT_EQ(relayed_while_stalling + CountState(states, "queued"), size_t(kCheckIns));
  EXPECT_GE(helper_stalls, 1);

  RunResult r = Wp(H, {"sync", Direct(), "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("uploaded", -1), kCheckIns - int(relayed_while_stalling)) << r.out;
  EXPECT_EQ(CountState(OutgoingCheckIns(H), "relayed"), size_t(kCheckIns));

  {
    FaultProxy proxy(uint16_t(relay_port_), StallBetween(1500, 5000, 6));
    ASSERT_NE(proxy.port(), 0);
    coord_stalls = stalled_runs(C, proxy);
  }
  const Incoming partial = IncomingEntries(C);
  EXPECT_EQ(partial.other, 0u) << partial.odd;
  EXPECT_EQ(std::set<std::string>(partial.checkins.begin(), partial.checkins.end()).size(),
            partial.checkins.size());
  EXPECT_GE(coord_stalls, 1);
  std::cout << "[ lossy    ] helper: " << helper_stalls << " stalled syncs, "
            << relayed_while_stalling << " relayed meanwhile; coordinator: " << coord_stalls
            << " stalled syncs, " << partial.checkins.size() << " taken in meanwhile\n";

  r = Wp(C, {"sync", Direct(), "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("downloaded", -1), kCheckIns - int(partial.checkins.size())) << r.out;
  EXPECT_EQ(Json(r).value("rejected", -1), 0) << r.out;
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce(C, ids));
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// The relay is SIGKILLed while a helper uploads and a coordinator fetches,
// three times, at different points, and restarted on the same home and port
// each time. Every check-in the helper saw acknowledged (`relayed`) before a
// kill is on the relay after the restart (the helper never uploads it
// again, so a lost one would be lost for good), and in the end the
// coordinator holds all 100, each once.
TEST_F(LossyLinkTest, RelayKilledMidSyncLosesNothingAcknowledged) {
  constexpr int kCheckIns = 100;
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  const int port = relay_port_;
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  ASSERT_NO_FATAL_FAILURE(Enroll(C, H));
  const auto queue_start = Clock::now();
  const std::vector<std::string> ids = QueueCheckIns(H, kCheckIns);
  std::cout << "[ lossy    ] queued " << kCheckIns << " check-ins, one run each, in "
            << Seconds(Clock::now() - queue_start) << " s\n";
  ASSERT_EQ(ids.size(), size_t(kCheckIns));

  int cut_by_kill = 0;
  // Bytes the helper's link has forwarded when the relay dies: in the first
  // batches, and (each session starts again at four check-ins, doubling)
  // in a batch of 16 or 32.
  const uint64_t kill_after[] = {1800, 5000, 9000};
  for (size_t round = 0; round < std::size(kill_after); ++round) {
    SCOPED_TRACE("kill " + std::to_string(round));
    FaultProxy helper_link(uint16_t(port), FaultProxy::Clean());
    FaultProxy coord_link(uint16_t(port), FaultProxy::Clean());
    ASSERT_NE(helper_link.port(), 0);
    ASSERT_NE(coord_link.port(), 0);

    std::atomic<bool> helper_done{false};
    RunResult helper_run, coord_run;
    std::thread coord([&] { coord_run = SyncMayFail(C, Via(coord_link.port())); });
    std::thread helper([&] {
      helper_run = SyncMayFail(H, Via(helper_link.port()));
      helper_done = true;
    });
    const auto give_up = Clock::now() + std::chrono::seconds(30);
    while (!helper_done && Forwarded(helper_link.stats()) < kill_after[round] &&
           Clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    EXPECT_EQ(::kill(relay_.pid(), SIGKILL), 0);
    const uint64_t at_kill = Forwarded(helper_link.stats());
    helper.join();
    coord.join();
    const RunResult killed = relay_.Stop();
    EXPECT_EQ(killed.signal, SIGKILL) << killed.Describe();
    cut_by_kill += helper_run.exit_code == 1 ? 1 : 0;

    // What the helper holds as acknowledged by the relay, before it restarts.
    const std::map<std::string, std::string> states = OutgoingCheckIns(H);
    std::vector<std::string> acked;
    for (const auto& [id, state] : states) {
      if (state != "queued") acked.push_back(id);
    }
    std::cout << "[ lossy    ] kill " << round << " after " << at_kill
              << " bytes on the helper's link: helper sync exit " << helper_run.exit_code
              << ", coordinator sync exit " << coord_run.exit_code << ", " << acked.size() << " of "
              << kCheckIns << " acknowledged\n";

    ASSERT_NO_FATAL_FAILURE(StartRelay(R, listen));
    ASSERT_EQ(relay_port_, port);

    // Before the helper uploads anything more: the coordinator finds every
    // acknowledged check-in on the restarted relay.
    RunResult r = Wp(C, {"sync", Direct()});
    WP_ASSERT_OK(r);
    const Incoming in = IncomingEntries(C);
    EXPECT_EQ(in.other, 0u) << in.odd;
    std::map<std::string, int> times;
    for (const std::string& id : in.checkins) ++times[id];
    for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id << " held " << n << "x";
    for (const std::string& id : acked) {
      EXPECT_TRUE(times.count(id))
          << "check-in " << id << " was acknowledged before the kill but is gone after it";
    }
  }
  EXPECT_GE(cut_by_kill, 1) << "no kill landed while the helper's sync was in flight";

  int runs = 0;
  for (; runs < 5 && CountState(OutgoingCheckIns(H), "queued") > 0; ++runs) {
    RunResult r = Wp(H, {"sync", Direct()});
    WP_ASSERT_OK(r);
  }
  EXPECT_EQ(CountState(OutgoingCheckIns(H), "queued"), 0u);
  RunResult r = Wp(C, {"sync", Direct()});
  WP_ASSERT_OK(r);
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyOnce(C, ids));
  r = Wp(H, {"sync", Direct()});
  WP_ASSERT_OK(r);
  EXPECT_EQ(CountState(OutgoingCheckIns(H), "delivered"), size_t(kCheckIns));
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

}  // namespace
}  // namespace waypost::testing
