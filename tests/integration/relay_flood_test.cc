// A real relay process under cheap floods (docs/protocol.md §2.6): hundreds
// of connections that never say a word, new ones arriving all the time, and
// handshakes trickled a byte a second. A helper's real `waypost sync`, with
// its usual 30 s timeout, must get through. These tests assert that it does,
// never how fast; `make bench` (bench/relay_flood.py) measures the times.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/raw_client.h"
#include "tests/kit/temp_dir.h"

namespace waypost::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

class RelayFloodTest : public IntegrationTest {
 protected:
  // A coordinator and an enrolled helper on the relay at relay_port_.
  void Enroll() {
    ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
    ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
    WP_ASSERT_OK(Wp(H, {"sync"}));  // the welcome
  }

  // The helper checks in, then syncs `n` times while the flood goes on; the
  // number of syncs that succeeded. Each sync is a whole `waypost sync`
  // process with the client's own default timeout (30 s), given time to
  // reach it.
  int Syncs(int n, IdleFlood& flood) {
    RunResult r = WpIn(H, {"checkin", "crossed", "--note", "-"}, "during the flood");
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    checkin_ = r.out.substr(0, r.out.find('\n'));
    int ok = 0;
    for (int i = 0; i < n; ++i) {
      const auto start = steady_clock::now();
      r = Wp(H, {"sync"}, {}, seconds(60));
      const double s = std::chrono::duration<double>(steady_clock::now() - start).count();
      if (r.exit_code == 0) {
        ++ok;
      } else {
        ADD_FAILURE() << "sync " << i << " failed (one failure in 20 is allowed): " << r.Describe();
      }
      std::printf("sync %2d: %s in %.2f s; flood: %zu open, %zu opened, %zu closed by the relay\n",
                  i, r.exit_code == 0 ? "ok" : "FAILED", s, flood.open(), flood.opened(),
                  flood.closed_by_relay());
    }
    return ok;
  }

  // The coordinator's sync, after the flood: the check-in arrived, once.
  void CoordinatorGotTheCheckin() {
    WP_ASSERT_OK(Wp(C, {"sync"}));
    EXPECT_EQ(InboxEntries(C, checkin_).size(), 1u);
  }

  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  std::string checkin_;
};

TEST_F(RelayFloodTest, HelperSyncsGetThroughThreeHundredIdleConnections) {
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(Enroll());
  IdleFlood flood(relay_port_, 300);
  const auto until = steady_clock::now() + seconds(30);
  while (!flood.filled() && steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_TRUE(flood.filled()) << "could not hold 300 connections open";

  const int ok = Syncs(20, flood);
  EXPECT_GE(ok, 19);
  EXPECT_GT(flood.opened(), 300u) << "new connections kept arriving";
  flood.Stop();
  EXPECT_TRUE(relay_.Alive());
  ASSERT_NO_FATAL_FAILURE(CoordinatorGotTheCheckin());

  // Thousands of closed connections make a few summary lines, not one each,
  // and the helper's clean syncs none.
  const std::string log = ReadText(R + ".err");
  EXPECT_LT(std::count(log.begin(), log.end(), '\n'), 10) << log;
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

TEST_F(RelayFloodTest, PastItsCeilingARelayDropsTheFloodNotTheHelper) {
  // 300 idle connections against room for 100: each new one pushes out the
  // oldest that has not finished a handshake, so the flood only ever
  // displaces itself.
  ASSERT_NO_FATAL_FAILURE(StartRelay(R, "127.0.0.1:0", {"--max-connections", "100"}));
  ASSERT_NO_FATAL_FAILURE(Enroll());
  IdleFlood flood(relay_port_, 300);
  const auto until = steady_clock::now() + seconds(30);
  while (flood.closed_by_relay() < 200 && steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_GE(flood.closed_by_relay(), 200u) << "the relay never dropped the flood";

  const int ok = Syncs(20, flood);
  EXPECT_GE(ok, 19);
  flood.Stop();
  EXPECT_TRUE(relay_.Alive());
  ASSERT_NO_FATAL_FAILURE(CoordinatorGotTheCheckin());
  // The relay said the first drop at once and counts the rest, in a line
  // every 10 s.
  std::string log;
  for (int i = 0; i < 150 && log.find("dropped for newer ones") == std::string::npos; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    log = ReadText(R + ".err");
  }
  EXPECT_NE(log.find("dropped for newer ones"), std::string::npos) << log;
  EXPECT_LT(std::count(log.begin(), log.end(), '\n'), 10) << log;
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

TEST_F(RelayFloodTest, TrickledHandshakesAreCutOffWhileOthersAreServed) {
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(Enroll());
  // One sends its first handshake message (a frame of 32 bytes: u16 length,
  // an ephemeral key) a byte a second. Another sends a whole first message,
  // then trickles the third a byte a second.
  const std::string message0 = std::string("\x00\x20", 2) + std::string(32, '\x42');
  RawClient first(relay_port_), third(relay_port_);
  ASSERT_TRUE(first.connected() && third.connected());
  ASSERT_TRUE(third.Send(message0, true));

  const auto start = steady_clock::now();
  double first_cut = -1, third_cut = -1;
  int syncs = 0;
  for (size_t i = 0; i < 60 && (first_cut < 0 || third_cut < 0); ++i) {
    const double now = std::chrono::duration<double>(steady_clock::now() - start).count();
    if (first_cut < 0 && (i >= message0.size() || !first.Send(message0.substr(i, 1), true) ||
                          first.ClosedByPeer())) {
      first_cut = now;
      ASSERT_LT(i, message0.size()) << "the whole first message went through, a byte a second";
    }
    if (third_cut < 0 && (!third.Send("\x07", true) || third.ClosedByPeer())) third_cut = now;
    if (i % 4 == 0) {  // meanwhile, the helper syncs
      WP_ASSERT_OK(Wp(H, {"sync"}));
      ++syncs;
    }
    std::this_thread::sleep_until(start + seconds(i + 1));
  }
  std::printf("first message trickled: cut after %.1f s; third: after %.1f s; %d syncs meanwhile\n",
              first_cut, third_cut, syncs);
  EXPECT_GE(first_cut, 0) << "the trickled first message was never cut off";
  EXPECT_GE(third_cut, 0) << "the trickled third message was never cut off";
  EXPECT_GE(syncs, 2);
  EXPECT_TRUE(relay_.Alive());
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

}  // namespace
}  // namespace waypost::testing
