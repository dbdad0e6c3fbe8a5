// RunClient through a real SOCKS5 proxy: Debian's microsocks, started as a
// child process on a free loopback port.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/client.h"
#include "tests/kit/status.h"
#include "tests/net/test_connections.h"

namespace waypost::testing {
namespace {

using Code = Status::Code;
constexpr const char* kMicrosocks = "/usr/bin/microsocks";
const SystemClock kClock;

// A port that was free a moment ago.
uint16_t FreePort() {
  auto probe =
      Server::Listen("127.0.0.1", 0, [] { return std::unique_ptr<Connection>(); }, kClock, {});
  return probe.ok() ? (*probe)->port() : 0;
}

class Microsocks {
 public:
  Microsocks() : port_(FreePort()) {
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_);
      execl(kMicrosocks, kMicrosocks, "-i", "127.0.0.1", "-p", port.c_str(), (char*)nullptr);
      _exit(127);
    }
  }
  ~Microsocks() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Ready once a plain TCP connect to it succeeds.
  bool WaitReady() const {
    return pid_ > 0 && WaitFor([&] {
             ScriptClient probe("", "x");
             return RunClient("127.0.0.1", port_, probe, kClock, {.idle_timeout_ms = 1}).code() !=
                    Code::kUnavailable;
           });
  }
  uint16_t port() const { return port_; }

 private:
  uint16_t port_;
  pid_t pid_ = -1;
};

class Socks5Proxy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kMicrosocks, X_OK) != 0) GTEST_SKIP() << kMicrosocks << " is not installed";
    proxy_ = std::make_unique<Microsocks>();
    ASSERT_TRUE(proxy_->WaitReady()) << "microsocks did not start";
  }
  ClientOptions ViaProxy() const {
    ClientOptions opts;
    opts.socks5 = std::make_pair(std::string("127.0.0.1"), proxy_->port());
    return opts;
  }
  std::unique_ptr<Microsocks> proxy_;
};

TEST_F(Socks5Proxy, EchoThroughIpv4Target) {
  ServerLog log;
  ServerThread server(log, {}, kClock);
  ScriptClient client("hello\nbye\n", "hello\n");
  Status s = RunClient("127.0.0.1", server.port(), client, kClock, ViaProxy());
  ASSERT_OK(s);
  EXPECT_EQ(client.received(), "hello\n");
}

// True if this machine's resolver gives 127.0.0.1 first for "localhost",
// as the proxy will resolve it: microsocks connects to the first address
// only, and the echo server listens on 127.0.0.1 alone. A bare chroot may
// have no /etc/hosts at all, and where ::1 comes first (Debian 13's
// resolver without one) the proxy would reach no server.
bool LocalhostResolvesToLoopback() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo("localhost", nullptr, &hints, &found) != 0) return false;
  const bool loopback =
      found != nullptr && found->ai_family == AF_INET &&
      ntohl(reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr.s_addr) == INADDR_LOOPBACK;
  freeaddrinfo(found);
  return loopback;
}

TEST_F(Socks5Proxy, EchoThroughDomainTarget) {
  if (!LocalhostResolvesToLoopback()) {
    GTEST_SKIP() << "\"localhost\" does not resolve to 127.0.0.1 first here";
  }
  ServerLog log;
  ServerThread server(log, {}, kClock);
  ScriptClient client("hello\nbye\n", "hello\n");
  // "localhost" travels to the proxy as a name (ATYP 3) and resolves there.
  Status s = RunClient("localhost", server.port(), client, kClock, ViaProxy());
  ASSERT_OK(s);
  EXPECT_EQ(client.received(), "hello\n");
}

TEST_F(Socks5Proxy, RefusedTargetReportsTheReplyCode) {
  uint16_t closed = FreePort();
  ScriptClient client("hello\n", "hello\n");
  Status s = RunClient("127.0.0.1", closed, client, kClock, ViaProxy());
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(client.started());
  EXPECT_EQ(
      s.message().rfind("cannot connect to 127.0.0.1:" + std::to_string(closed) + ": SOCKS5", 0),
      0u)
      << s.message();
}

TEST(Socks5ProxyDown, ProxyUnreachableIsUnavailable) {
  ScriptClient client("hello\n", "hello\n");
  ClientOptions opts;
  opts.socks5 = std::make_pair(std::string("127.0.0.1"), FreePort());
  Status s = RunClient("example.org", 80, client, kClock, opts);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message().rfind("cannot connect to SOCKS5 proxy 127.0.0.1:", 0), 0u) << s.message();
}

}  // namespace
}  // namespace waypost::testing
