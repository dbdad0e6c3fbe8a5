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

}  // namespace
}  // namespace waypost::testing
