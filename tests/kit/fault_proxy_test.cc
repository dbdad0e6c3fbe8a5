// The fault proxy itself (tests/kit/fault_proxy.h), against a plain echo
// server on loopback: it forwards faithfully, and cuts, flips and stalls
// exactly where its plan says.
#include "tests/kit/fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <thread>

namespace waypost::testing {
namespace {

// Echoes every connection's bytes back until the client closes.
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        for (ssize_t n; (n = ::recv(c, buf, sizeof buf, 0)) > 0;) {
          if (::send(c, buf, size_t(n), MSG_NOSIGNAL) != n) break;
        }
        ::close(c);
      }
    });
  }
  ~EchoServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// Reads until `want` bytes arrived, the peer closed, or nothing came for
// `quiet_ms` (then the proxy is holding the bytes back).
std::string ReadUpTo(int fd, size_t want, int quiet_ms = 2000) {
  std::string out;
  char buf[4096];
  while (out.size() < want) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, quiet_ms) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

// A plan with one fault, at `offset`.
FaultProxy::Plan PlanOf(std::optional<uint64_t> FaultProxy::Plan::*fault, uint64_t offset) {
  FaultProxy::Plan plan;
  plan.*fault = offset;
  return plan;
}

// The same plan for every connection.
FaultProxy::Planner Always(FaultProxy::Plan plan) {
  return [plan](uint64_t) { return plan; };
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = char('a' + i % 26);
  return s;
}

TEST(FaultProxyTest, ACleanProxyForwardsEveryByteBothWays) {
  EchoServer echo;
  FaultProxy proxy(echo.port(), FaultProxy::Clean());
  ASSERT_NE(proxy.port(), 0);
  const int fd = Connect(proxy.port());
  const std::string sent = Pattern(20000);
  ASSERT_EQ(::send(fd, sent.data(), sent.size(), MSG_NOSIGNAL), ssize_t(sent.size()));
  EXPECT_EQ(ReadUpTo(fd, sent.size()), sent);
  ::close(fd);
  proxy.Stop();
  EXPECT_EQ(proxy.stats().connections, 1u);
  EXPECT_EQ(proxy.stats().bytes_up, sent.size());
  EXPECT_EQ(proxy.stats().bytes_down, sent.size());
  EXPECT_EQ(proxy.stats().cuts, 0u);
}

// Both directions count towards the cut: 1000 bytes in all, then the
// connection is closed. (How they split between up and down depends on how
// the reads interleave; what came back is a prefix of the echo.)
TEST(FaultProxyTest, ACutFallsExactlyOnItsByte) {
  EchoServer echo;
  FaultProxy proxy(echo.port(), Always(PlanOf(&FaultProxy::Plan::cut_after, 1000)));
  const int fd = Connect(proxy.port());
  const std::string sent = Pattern(600);
  ASSERT_EQ(::send(fd, sent.data(), sent.size(), MSG_NOSIGNAL), 600);
  const std::string got = ReadUpTo(fd, 10000);
  EXPECT_EQ(got, sent.substr(0, got.size()));
  ::close(fd);
  proxy.Stop();
  EXPECT_EQ(proxy.stats().bytes_up + proxy.stats().bytes_down, 1000u);
  // Down never outruns up, and up is at most 600. (A reset may lose some of
  // what reached the client's socket, never add to it.)
  EXPECT_GE(proxy.stats().bytes_down, 400u);
  EXPECT_LE(got.size(), proxy.stats().bytes_down);
  EXPECT_EQ(proxy.stats().cuts, 1u);
}

TEST(FaultProxyTest, AFlipChangesExactlyOneByte) {
  EchoServer echo;
  FaultProxy proxy(echo.port(), Always(PlanOf(&FaultProxy::Plan::flip_up, 5)));
  const int fd = Connect(proxy.port());
  const std::string sent = "hello world";
  ASSERT_EQ(::send(fd, sent.data(), sent.size(), MSG_NOSIGNAL), ssize_t(sent.size()));
  std::string want = sent;
  want[5] = char(want[5] ^ 0x5a);
  EXPECT_EQ(ReadUpTo(fd, sent.size()), want);
  ::close(fd);
  proxy.Stop();
  EXPECT_EQ(proxy.stats().flips, 1u);
}

// A stall holds the connection open and forwards nothing more.
TEST(FaultProxyTest, AStallForwardsNothingMoreAndKeepsTheConnectionOpen) {
  EchoServer echo;
  FaultProxy proxy(echo.port(), Always(PlanOf(&FaultProxy::Plan::stall_after, 4)));
  const int fd = Connect(proxy.port());
  ASSERT_EQ(::send(fd, "abcdefgh", 8, MSG_NOSIGNAL), 8);
  EXPECT_EQ(ReadUpTo(fd, 8, 300), "");  // the 4 bytes' echo is held back too
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0) << "the stalled connection was closed";
  proxy.Stop();
  ::close(fd);
  EXPECT_EQ(proxy.stats().bytes_up, 4u);
  EXPECT_EQ(proxy.stats().stalls, 1u);
}

TEST(FaultProxyTest, CutBetweenDrawsEachConnectionsOffsetFromItsSeed) {
  const auto a = FaultProxy::CutBetween(300, 4000, 7);
  const auto b = FaultProxy::CutBetween(300, 4000, 7);
  bool varied = false;
  for (uint64_t n = 0; n < 50; ++n) {
    const auto cut = a(n).cut_after;
    ASSERT_TRUE(cut.has_value());
    EXPECT_GE(*cut, 300u);
    EXPECT_LE(*cut, 4000u);
    EXPECT_EQ(cut, b(n).cut_after);
    varied |= cut != a(0).cut_after;
  }
  EXPECT_TRUE(varied);
}

}  // namespace
}  // namespace waypost::testing
