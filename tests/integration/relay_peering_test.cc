// Relays that peer (`relay --peer`, docs/protocol.md §2.5), as separate
// processes on loopback: a helper that reaches only relay A and a
// coordinator that reaches only relay B still enroll and exchange check-ins,
// because A and B keep each other in step. A third relay that A does not
// list as a peer gets nothing from A.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

std::string PortOf(const std::string& address) { return address.substr(address.rfind(':') + 1); }

class RelayPeeringTest : public IntegrationTest {
 protected:
  void TearDown() override {
    relay_b_.Stop();
    relay_c_.Stop();
    IntegrationTest::TearDown();
  }

  // Starts A and B once to learn their keys and ports, then again, each
  // naming the other with --peer, on the same ports.
  void StartPeeredPair() {
    a_ = LaunchRelay(relay_, Home("relay_a"), "127.0.0.1:0");
    b_ = LaunchRelay(relay_b_, Home("relay_b"), "127.0.0.1:0");
    ASSERT_FALSE(a_.empty());
    ASSERT_FALSE(b_.empty());
    ASSERT_NO_FATAL_FAILURE(RestartPair());
  }

  void RestartPair() {
    relay_.Stop();
    relay_b_.Stop();
    std::vector<std::string> a_args = {"--peer", b_}, b_args = {"--peer", a_};
    for (const std::string& file : teams_) {
      for (auto* args : {&a_args, &b_args}) args->insert(args->end(), {"--team", file});
    }
    ASSERT_EQ(LaunchRelay(relay_, Home("relay_a"), "127.0.0.1:" + PortOf(a_), a_args), a_);
    ASSERT_EQ(LaunchRelay(relay_b_, Home("relay_b"), "127.0.0.1:" + PortOf(b_), b_args), b_);
  }

  // Both relays serve the team (CreateAndJoin calls this).
  void ServeTeamOf(const std::string& coord) override {
    teams_.push_back(ExportTeam(coord));
    ASSERT_NO_FATAL_FAILURE(RestartPair());
  }

  // Runs `args` on `home` until `done` holds of its result, up to 60 times
  // half a second apart: peering crosses within seconds, not at once.
  RunResult Until(const std::string& home, const std::vector<std::string>& args,
                  const std::function<bool(const RunResult&)>& done) {
    RunResult r;
    for (int i = 0; i < 60; ++i) {
      r = Wp(home, args);
      if (r.exit_code == 0 && done(r)) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    ADD_FAILURE() << "gave up waiting: " << r.Describe();
    return r;
  }

  // The check-ins `home` has received.
  int CheckinsIn(const std::string& home) {
    RunResult r = Wp(home, {"inbox", "--json"});
    int n = 0;
    for (const auto& m : Json(r)) {
      if (m.value("kind", "") == "checkin" && m.value("direction", "") == "in") ++n;
    }
    return n;
  }

  Process relay_b_, relay_c_;
  std::string a_, b_;
  std::vector<std::string> teams_;
};

TEST_F(RelayPeeringTest, ACheckInUploadedToOneRelayReachesACoordinatorOnAnother) {
  StartPeeredPair();
  const std::string C = Home("coord"), H = Home("helper");
  relay_address_ = b_;  // the coordinator and its invite know only B
  CreateAndJoin(C, "Coord", H, "Helper", "Helper");

  // The helper reaches only A: its join request crosses to B.
  RunResult r = Wp(H, {"sync", a_, "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("uploaded", 0), 1) << r.Describe();
  Until(C, {"sync", "--json"},
        [](const RunResult& s) { return Json(s).value("downloaded", 0) >= 1; });
  // The coordinator's welcome crosses back to A.
  Until(H, {"sync", a_, "--json"},
        [](const RunResult& s) { return Json(s).value("downloaded", 0) >= 1; });

  r = WpIn(H, {"checkin", "crossed", "--note", "-"}, "group of 4, all well");
  WP_ASSERT_OK(r);
  r = Wp(H, {"sync", a_, "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("uploaded", 0), 1) << r.Describe();
  Until(C, {"sync", "--json"}, [&](const RunResult&) { return CheckinsIn(C) >= 1; });
  EXPECT_EQ(CheckinsIn(C), 1) << "exactly once";

  // Again, and the coordinator syncs a while longer: still exactly two.
  r = WpIn(H, {"checkin", "ok", "--note", "-"}, "");
  WP_ASSERT_OK(r);
  WP_ASSERT_OK(Wp(H, {"sync", a_}));
  Until(C, {"sync", "--json"}, [&](const RunResult&) { return CheckinsIn(C) >= 2; });
  WP_ASSERT_OK(Wp(C, {"sync"}));
  EXPECT_EQ(CheckinsIn(C), 2);

  StopRelay();
  RunResult stopped = relay_b_.Stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
  EXPECT_NE(ReadText(Home("relay_a") + ".err").find("waypost: peer 127.0.0.1:" + PortOf(b_)),
            std::string::npos)
      << "A logs what it moved";
}

TEST_F(RelayPeeringTest, ARelayThatIsNotListedAsAPeerGetsNothing) {
  StartPeeredPair();
  const std::string C = Home("coord"), H = Home("helper");
  relay_address_ = a_;
  CreateAndJoin(C, "Coord", H, "Helper", "Helper");
  WP_ASSERT_OK(Wp(H, {"sync"}));  // the join request waits at A (and crosses to B)

  // C names A as its peer; A does not name C.
  const std::string c =
      LaunchRelay(relay_c_, Home("relay_c"), "127.0.0.1:0", {"--peer", a_, "--team", teams_.at(0)});
  ASSERT_FALSE(c.empty());
  const std::string a_log = Home("relay_a") + ".err";
  for (int i = 0; i < 40 && ReadText(a_log).find("not a peer") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_NE(ReadText(a_log).find("not a peer"), std::string::npos)
      << "A turns C away and says why: " << ReadText(a_log);
  EXPECT_NE(ReadText(Home("relay_c") + ".err").find("failed"), std::string::npos);

  // The coordinator asks C: nothing there. B, which A does list, has it.
  RunResult r = Wp(C, {"sync", c, "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("downloaded", -1), 0) << r.Describe();
  Until(C, {"sync", b_, "--json"},
        [](const RunResult& s) { return Json(s).value("downloaded", 0) >= 1; });
}

TEST_F(RelayPeeringTest, APeerAddressThatIsNotARelayAddressIsRefused) {
  const std::string home = Home("relay_x");
  RunResult r =
      WpRaw({"--home", home, "relay", "--listen", "127.0.0.1:0", "--peer", "127.0.0.1:7447"},
            {{"WAYPOST_PASSPHRASE", kPassphrase}});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(r.err.rfind("waypost: error: ", 0), 0u) << r.err;
}

}  // namespace
}  // namespace waypost::testing
