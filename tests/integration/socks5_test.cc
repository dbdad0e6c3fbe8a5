// `waypost sync --socks5` through a real SOCKS5 server (Debian's microsocks),
// as a user reaching a relay through Tor would.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;

constexpr const char* kMicrosocks = "/usr/bin/microsocks";

// A port that was free a moment ago on 127.0.0.1.
int FreePort() {
  int port = 0;
  close(ListenOnLoopback(&port));
  return port;
}

class Socks5Test : public IntegrationTest {
 protected:
  void StartProxy() {
    if (!std::filesystem::exists(kMicrosocks)) GTEST_SKIP() << "microsocks is not installed";
    proxy_port_ = FreePort();
    std::string error;
    ASSERT_TRUE(proxy_.Start({kMicrosocks, "-i", "127.0.0.1", "-p", std::to_string(proxy_port_)},
                             {}, dir() + "/microsocks.err", &error))
        << error;
    // microsocks prints nothing when ready: wait until it accepts.
    for (int i = 0; i < 100; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(uint16_t(proxy_port_));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      close(fd);
      if (up) return;
      usleep(20'000);
    }
    FAIL() << "microsocks did not start listening";
  }
  void TearDown() override {
    proxy_.Stop();
    IntegrationTest::TearDown();
  }

  Process proxy_;
  int proxy_port_ = 0;
};

TEST_F(Socks5Test, CheckInAndConfirmationTravelThroughTheProxy) {
  ASSERT_NO_FATAL_FAILURE(StartProxy());
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  const std::string proxy = "127.0.0.1:" + std::to_string(proxy_port_);

  RunResult r = WpIn(H, {"checkin", "crossed", "--note", "-"}, "through the proxy");
  WP_ASSERT_OK(r);
  const std::string id = r.out.substr(0, r.out.find('\n'));
  r = Wp(H, {"sync", "--socks5", proxy, "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("uploaded", 0), 2) << r.out;  // join request and check-in
  r = Wp(C, {"sync", "--socks5", proxy});
  WP_ASSERT_OK(r);
  auto entries = InboxEntries(C, id);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].value("text", ""), "through the proxy");

  r = Wp(C, {"confirm", id});
  WP_ASSERT_OK(r);
  r = Wp(C, {"sync", "--socks5", proxy});
  WP_ASSERT_OK(r);
  r = Wp(H, {"sync", "--socks5", proxy});
  WP_ASSERT_OK(r);
  entries = InboxEntries(H, id);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].value("state", ""), "confirmed");
}

TEST_F(Socks5Test, ProxyDownIsOneClearError) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  RunResult r = Wp(H, {"sync", "--socks5", "127.0.0.1:" + std::to_string(FreePort())});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ASSERT_EQ(r.ErrLines().size(), 1u) << r.Describe();
  EXPECT_EQ(r.ErrLines()[0].rfind("waypost: error: ", 0), 0u) << r.Describe();
  EXPECT_NE(r.err.find("SOCKS5"), std::string::npos) << r.Describe();
}

// `settings proxy` (README, "Settings"): every command that connects goes
// through the saved proxy, and when it cannot be reached each one fails, or
// in watch's case warns, and never connects directly. The relay is up all
// along, so a direct connection would have worked.
TEST_F(Socks5Test, ASavedProxyCarriesEveryConnectionAndFailsClosed) {
  ASSERT_NO_FATAL_FAILURE(StartProxy());
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  const std::string url = "socks5://127.0.0.1:" + std::to_string(proxy_port_);
  for (const std::string& home : {C, H}) {
    RunResult r = Wp(home, {"settings", "proxy", url});
    WP_ASSERT_OK(r);
    EXPECT_NE(r.err.find("never connect directly"), std::string::npos) << r.Describe();
    r = Wp(home, {"settings", "proxy"});
    WP_ASSERT_OK(r);
    EXPECT_EQ(r.out, url + "\n");
  }
  WP_ASSERT_OK(Wp(H, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  WP_ASSERT_OK(Wp(H, {"sync"}));

  // The proxy goes away; the relay stays.
  proxy_.Stop();
  const std::string id = [&] {
    RunResult r = WpIn(H, {"checkin", "crossed", "--note", "-"}, "proxy is gone");
    return r.out.substr(0, r.out.find('\n'));
  }();
  RunResult r = Wp(H, {"sync"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  ASSERT_EQ(r.ErrLines().size(), 1u) << r.Describe();
  EXPECT_NE(r.err.find("SOCKS5"), std::string::npos) << r.Describe();
  std::vector<json> mine = InboxEntries(H, id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("state", ""), "queued") << "it must not have gone out directly";

  r = Wp(C, {"watch", "--rounds", "1"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.err.find("waypost: warning: "), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find("SOCKS5"), std::string::npos) << r.Describe();

  // `none` goes back to direct connections.
  WP_ASSERT_OK(Wp(H, {"settings", "proxy", "none"}));
  WP_ASSERT_OK(Wp(H, {"sync"}));
  mine = InboxEntries(H, id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("state", ""), "relayed");

  // A form that is not socks5://HOST:PORT is refused, and nothing is saved.
  r = Wp(H, {"settings", "proxy", "http://127.0.0.1:8080"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  r = Wp(H, {"settings", "proxy"});
  EXPECT_EQ(r.out, "none\n");
}

// A relay's peers are dialled through its saved proxy too: with the proxy
// down, the peer never hears from it directly.
TEST_F(Socks5Test, ARelayDialsItsPeersOnlyThroughItsSavedProxy) {
  const std::string B = Home("relay_b"), A = Home("relay_a");
  ASSERT_NO_FATAL_FAILURE(StartRelay(B));
  const std::string b = relay_address_;
  Process relay_a;
  ASSERT_EQ(LaunchRelay(relay_a, A, "127.0.0.1:0").rfind("wpr1:", 0), 0u);  // creates A's store
  relay_a.Stop();
  WP_ASSERT_OK(Wp(A, {"settings", "proxy", "socks5://127.0.0.1:" + std::to_string(FreePort())}));
  ASSERT_EQ(LaunchRelay(relay_a, A, "127.0.0.1:0", {"--peer", b}).rfind("wpr1:", 0), 0u);
  const std::string a_log = A + ".err";
  for (int i = 0; i < 100 && ReadText(a_log).find("SOCKS5") == std::string::npos; ++i) {
    usleep(100'000);
  }
  EXPECT_NE(ReadText(a_log).find("SOCKS5"), std::string::npos) << ReadText(a_log);
  relay_a.Stop();
  // B logs every connection that is not its peer's; there was none.
  EXPECT_EQ(ReadText(B + ".err").find("not a peer"), std::string::npos) << ReadText(B + ".err");
}

}  // namespace
}  // namespace waypost::testing
