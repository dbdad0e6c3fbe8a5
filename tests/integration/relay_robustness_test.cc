// A real relay process facing hostile or broken raw TCP clients (garbage,
// oversize, slow or vanishing peers: README, "Exit codes"; SECURITY.md) keeps serving normal syncs.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/raw_client.h"

namespace waypost::testing {
namespace {

using nlohmann::json;

std::string Junk(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = char(seed >> 16);
  }
  return s;
}

class RelayRobustnessTest : public IntegrationTest {};

TEST_F(RelayRobustnessTest, BadClientsDoNotDisturbNormalSyncs) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));

  // Connect and vanish at once, several times.
  for (int i = 0; i < 5; ++i) {
    RawClient gone(relay_port_);
    ASSERT_TRUE(gone.connected());
  }
  // Connects and says nothing.
  RawClient silent(relay_port_);
  ASSERT_TRUE(silent.connected());
  // Sends half a frame header, then stalls.
  RawClient half(relay_port_);
  ASSERT_TRUE(half.connected());
  ASSERT_TRUE(half.Send(std::string(1, '\x00')));
  // Sends garbage bytes.
  RawClient garbage(relay_port_);
  ASSERT_TRUE(garbage.connected());
  garbage.Send(Junk(4096, 1));
  // A zero-length frame, which the framing forbids.
  RawClient zero(relay_port_);
  ASSERT_TRUE(zero.connected());
  zero.Send(std::string("\x00\x00", 2) + Junk(64, 2));
  // Announces a maximal frame, then streams junk for as long as it can.
  RawClient flood(relay_port_);
  ASSERT_TRUE(flood.connected());
  ASSERT_TRUE(flood.Send(std::string("\xFF\xFF", 2) + Junk(1000, 3)));
  std::atomic<bool> stop{false};
  std::atomic<size_t> flooded{0};
  std::thread flooder([&] {
    const std::string chunk = Junk(64 * 1024, 4);
    while (!stop.load() && flooded.load() < (size_t{256} << 20)) {
      if (!flood.Send(chunk)) break;  // the relay hung up: fine
      flooded += chunk.size();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  // Meanwhile, normal syncs succeed.
  RunResult r = WpIn(H, {"checkin", "crossed", "--note", "-"}, "under fire");
  WP_ASSERT_OK(r);
  const std::string first = r.out.substr(0, r.out.find('\n'));
  r = Wp(H, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("uploaded", 0), 1);
  r = Wp(C, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(InboxEntries(C, first).size(), 1u);
  EXPECT_TRUE(relay_.Alive()) << "the relay died while bad clients were connected";

  stop = true;
  flooder.join();
  garbage.Send(Junk(4096, 5));  // more garbage on a (probably) closed connection
  silent.Close();
  half.Close();
  garbage.Close();
  zero.Close();
  flood.Close();

  // After the bad clients are gone, normal syncs still succeed.
  r = Wp(C, {"confirm", first});
  WP_ASSERT_OK(r);
  r = Wp(C, {"sync"});
  WP_ASSERT_OK(r);
  r = WpIn(H, {"checkin", "delayed", "--note", "-"}, "after the storm");
  WP_ASSERT_OK(r);
  const std::string second = r.out.substr(0, r.out.find('\n'));
  r = Wp(H, {"sync"});
  WP_ASSERT_OK(r);
  std::vector<json> mine = InboxEntries(H, first);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("state", ""), "confirmed");
  r = Wp(C, {"sync"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(InboxEntries(C, second).size(), 1u);
  EXPECT_TRUE(relay_.Alive()) << "the relay died after the bad clients left";
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// Many clients that connect and drop at once, in a burst, then a sync.
TEST_F(RelayRobustnessTest, ConnectDisconnectBurst) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  for (int i = 0; i < 200; ++i) {
    RawClient c(relay_port_);
    ASSERT_TRUE(c.connected()) << "connection " << i;
    if (i % 2) c.Send(Junk(size_t(i), unsigned(i)));
  }
  RunResult r = Wp(H, {"sync", "--json"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("downloaded", 0), 1) << "the join request";
  EXPECT_TRUE(relay_.Alive());
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

}  // namespace
}  // namespace waypost::testing
