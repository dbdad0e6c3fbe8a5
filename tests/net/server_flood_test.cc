// A Server under floods (docs/protocol.md §2.6), over real TCP on loopback.
// EchoServerConnection stands in for a relay session: Provisional() until
// its first line, as a relay connection is until its handshake ends.
// Connections that never get that far cannot keep a real client out,
// overall or per source address; a client that reads too slowly is cut off
// while others are served. Timing bounds are deliberately loose: nothing
// here asserts how fast anything happened.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/client.h"
#include "tests/kit/status.h"
#include "tests/net/test_connections.h"

namespace waypost::testing {
namespace {

using Code = Status::Code;

const SystemClock kClock;

// A blocking TCP socket to 127.0.0.1:port from `source` (any 127.0.0.0/8
// address works on loopback); closes on destruction.
class RawSocket {
 public:
  RawSocket(uint16_t port, const char* source = "127.0.0.1", int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size());
  }
  enum class Read { kBytes, kNothing, kClosed };
  // Reads up to `n` bytes, waiting up to `ms` for them.
  Read Take(size_t n, int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return Read::kNothing;
    std::string buffer(n, '\0');
    return ::recv(fd_, buffer.data(), n, 0) > 0 ? Read::kBytes : Read::kClosed;
  }
  // True once the server closed or reset this connection. Unread data is
  // drained on the way, so a pending answer does not hide the close.
  bool ClosedByServer() {
    char buffer[4096];
    while (true) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) continue;
      return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
    }
  }

 private:
  int fd_ = -1;
};

Status Echo(uint16_t port) {
  ScriptClient client("hello\nbye\n", "hello\n");
  Status s = RunClient("127.0.0.1", port, client, kClock, {});
  if (s.ok() && client.received() != "hello\n") return Status::Internal("wrong echo");
  return s;
}

// Opens `n` connections from `source` that never say anything, and waits
// until the server has taken each of them.
std::vector<std::unique_ptr<RawSocket>> OpenIdle(ServerLog& log, uint16_t port, int n,
                                                 const char* source = "127.0.0.1") {
  std::vector<std::unique_ptr<RawSocket>> idle;
  for (int i = 0; i < n; ++i) {
    const int before = log.started;
    idle.push_back(std::make_unique<RawSocket>(port, source));
    EXPECT_TRUE(idle.back()->connected()) << i;
    EXPECT_TRUE(WaitFor([&] { return log.started > before; })) << i;
  }
  return idle;
}

size_t CountOpen(std::vector<std::unique_ptr<RawSocket>>& sockets, size_t from = 0,
                 size_t to = SIZE_MAX) {
  size_t open = 0;
  for (size_t i = from; i < std::min(to, sockets.size()); ++i)
    open += !sockets[i]->ClosedByServer();
  return open;
}

std::vector<std::string> Lines(ServerLog& log) {
  std::lock_guard lock(log.mu);
  return log.lines;
}

TEST(ServerFlood, AFullServerDropsItsOldestUnfinishedConnectionForANewOne) {
  ServerLog log;
  ServerThread server(log, {.max_connections = 8}, kClock);
  std::vector<std::unique_ptr<RawSocket>> idle = OpenIdle(log, server.port(), 8);
  ASSERT_OK(Echo(server.port())) << "the ninth connection, a real client, gets in";
  ASSERT_TRUE(WaitFor([&] { return idle[0]->ClosedByServer(); })) << "the oldest made room";
  EXPECT_EQ(CountOpen(idle, 1), 7u) << "and only the oldest";

  // A flood that keeps coming only ever displaces itself.
  std::vector<std::unique_ptr<RawSocket>> more = OpenIdle(log, server.port(), 30);
  ASSERT_TRUE(WaitFor([&] { return CountOpen(idle) + CountOpen(more) == 8; }));
  EXPECT_EQ(CountOpen(more, 22), 8u) << "the newest eight stay";
  ASSERT_OK(Echo(server.port()));
  ASSERT_OK(Echo(server.port()));

  // 30 connections dropped without a word: the log says the first and
  // counts the rest for a summary, and names no address.
  const std::vector<std::string> lines = Lines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("dropped for connection #"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("full"), std::string::npos) << lines[0];
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find("127.0.0.1"), std::string::npos) << line;
  }
}

TEST(ServerFlood, ConnectionsPastTheirHandshakeAreNeverDropped) {
  ServerLog log;
  ServerThread server(log, {.max_connections = 2}, kClock);
  RawSocket a(server.port()), b(server.port());
  ASSERT_TRUE(a.Send("a\n") && b.Send("b\n"));
  ASSERT_EQ(a.Take(1, 10'000), RawSocket::Read::kBytes);
  ASSERT_EQ(b.Take(1, 10'000), RawSocket::Read::kBytes) << "both past their first line";
  RawSocket late(server.port());
  ASSERT_TRUE(late.connected());
  ASSERT_TRUE(WaitFor([&] { return late.ClosedByServer(); })) << "the newcomer is refused";
  EXPECT_FALSE(a.ClosedByServer());
  EXPECT_FALSE(b.ClosedByServer());
  const std::vector<std::string> lines = Lines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("refused"), std::string::npos) << lines[0];
}

TEST(ServerFlood, OneAddressCannotCrowdOutAnother) {
  ServerLog log;
  ServerThread server(log, {.max_connections = 100, .max_per_address = 4, .exempt_loopback = false},
                      kClock);
  std::vector<std::unique_ptr<RawSocket>> first = OpenIdle(log, server.port(), 4, "127.0.0.1");
  std::vector<std::unique_ptr<RawSocket>> flood = OpenIdle(log, server.port(), 12, "127.0.0.2");
  ASSERT_TRUE(WaitFor([&] { return CountOpen(flood) == 4; }))
      << "past its limit an address displaces its own oldest";
  EXPECT_EQ(CountOpen(flood, 8), 4u) << "the newest four";
  EXPECT_EQ(CountOpen(first), 4u) << "another address loses nothing";
}

TEST(ServerFlood, LoopbackIsExemptFromTheAddressLimit) {
  // Behind a Tor onion service every client comes from 127.0.0.1.
  ServerLog log;
  ServerThread server(log, {.max_per_address = 4}, kClock);
  std::vector<std::unique_ptr<RawSocket>> idle = OpenIdle(log, server.port(), 12);
  EXPECT_EQ(CountOpen(idle), 12u);
}

TEST(ServerFlood, AClientThatReadsTooSlowlyIsCutOffWhileOthersAreServed) {
  ServerLog log;
  // 32 MiB must be read within 10 s + 32 MiB / (4 MiB/s) = 18 s. (The idle
  // timeout is long because the kernel wakes a writer only once much of a
  // large send buffer is free, seconds apart for a slow reader.)
  ServerThread server(log, {.idle_timeout_ms = 10'000, .min_write_rate = 4 << 20}, kClock);
  {  // A fast reader takes all of it.
    ScriptClient fast("bulk 33554432\n", std::string(32 << 20, 'x'));
    ASSERT_OK(RunClient("127.0.0.1", server.port(), fast, kClock, {}));
    EXPECT_GE(log.flushed, 1) << "the server heard that its answer was written";
  }
  // A reader with a small window that takes 4 KiB every 10 ms (400 KiB/s):
  // far too slow, yet never idle long enough for the idle timeout to end it.
  RawSocket slow(server.port(), "127.0.0.1", 4096);
  ASSERT_TRUE(slow.Send("bulk 33554432\n"));
  for (int i = 0; i < 6000 && log.CountClosed(Code::kTimeout) == 0; ++i) {  // a minute at most
    ASSERT_NE(slow.Take(4096, 10), RawSocket::Read::kClosed) << "closed, but not for slowness";
    if (i % 100 == 0) {
      ASSERT_OK(Echo(server.port())) << "others are served meanwhile";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(log.CountClosed(Code::kTimeout), 1) << "the slow reader was never cut off";
  {
    std::lock_guard lock(log.mu);
    EXPECT_NE(log.closed.back().message().find("reads too slowly"), std::string::npos)
        << log.closed.back().message();
  }
  // Reset, not closed: the megabytes the kernel still held for it are gone,
  // so the reader learns at once rather than after reading them all.
  // (A close would first deliver the megabytes, at 64 KiB a read: dozens.)
  RawSocket::Read read = RawSocket::Read::kBytes;
  for (int i = 0; i < 20 && read != RawSocket::Read::kClosed; ++i) read = slow.Take(65536, 100);
  EXPECT_EQ(read, RawSocket::Read::kClosed);
}

}  // namespace
}  // namespace waypost::testing
