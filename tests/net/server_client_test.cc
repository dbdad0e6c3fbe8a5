// Server and RunClient over real TCP on 127.0.0.1; the server runs on its
// own thread. Timing bounds are deliberately loose.
#include <gtest/gtest.h>

#include "net/client.h"
#include "net/server.h"
#include "tests/kit/status.h"
#include "tests/net/test_connections.h"

namespace waypost::testing {
namespace {

using Code = Status::Code;
using std::chrono::steady_clock;

const SystemClock kClock;

Status Echo(uint16_t port, const std::string& line = "hello") {
  ScriptClient client(line + "\nbye\n", line + "\n");
  Status s = RunClient("127.0.0.1", port, client, kClock, {});
  if (s.ok() && client.received() != line + "\n") return Status::Internal("wrong echo");
  return s;
}

double SecondsSince(steady_clock::time_point start) {
  return std::chrono::duration<double>(steady_clock::now() - start).count();
}

TEST(ServerClient, EchoRoundTrip) {
  ServerLog log;
  ServerThread server(log, {}, kClock);
  ScriptClient client("hello\nbye\n", "hello\n");
  Status s = RunClient("127.0.0.1", server.port(), client, kClock, {});
  ASSERT_OK(s);
  EXPECT_EQ(client.received(), "hello\n");
  EXPECT_EQ(client.closed_count(), 1);
  EXPECT_OK(client.closed());
  ASSERT_TRUE(WaitFor([&] { return log.ClosedTotal() == 1; }));
  EXPECT_EQ(log.CountClosed(Code::kOk), 1);
}

TEST(ServerClient, ManySequentialClients) {
  ServerLog log;
  ServerThread server(log, {}, kClock);
  for (int i = 0; i < 50; ++i) {
    Status s = Echo(server.port(), "client " + std::to_string(i));
    ASSERT_OK(s) << i << ": " << s.message();
  }
  ASSERT_TRUE(WaitFor([&] { return log.ClosedTotal() == 50; }));
  EXPECT_EQ(log.CountClosed(Code::kOk), 50);
}

TEST(ServerClient, ManyConcurrentClients) {
  ServerLog log;
  ServerThread server(log, {}, kClock);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] { ok += Echo(server.port(), "c" + std::to_string(i)).ok(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 20);
}

TEST(ServerClient, LargeTransferBothWaysAtOnce) {
  // The client writes 2 MiB before reading; the server echoes as it reads.
  // Only concurrent reading and writing on both ends avoids a deadlock.
  ServerLog log;
  ServerThread server(log, {}, kClock);
  std::string line(1023, 'x');
  std::string lines;
  for (int i = 0; i < 2048; ++i) lines += line + "\n";
  ScriptClient client(lines + "bye\n", lines);
  Status s = RunClient("127.0.0.1", server.port(), client, kClock, {});
  ASSERT_OK(s);
  EXPECT_EQ(client.received(), lines);
}

TEST(ServerClient, SilentClientTimesOutWhileOthersAreServed) {
  ServerLog log;
  ServerOptions opts;
  opts.idle_timeout_ms = 500;
  ServerThread server(log, opts, kClock);

  std::atomic<bool> silent_done{false};
  Status silent_status;
  auto start = steady_clock::now();
  std::thread silent([&] {
    ScriptClient quiet("", "");
    silent_status = RunClient("127.0.0.1", server.port(), quiet, kClock, {});
    silent_done = true;
  });
  ASSERT_TRUE(WaitFor([&] { return log.started == 1; }));
  Status s = Echo(server.port());
  EXPECT_OK(s);
  EXPECT_FALSE(silent_done) << "the echo client should finish inside the idle window";
  silent.join();
  EXPECT_EQ(silent_status.code(), Code::kUnavailable) << silent_status.message();
  EXPECT_LT(SecondsSince(start), 8.0);
  ASSERT_TRUE(WaitFor([&] { return log.ClosedTotal() == 2; }));
  EXPECT_EQ(log.CountClosed(Code::kTimeout), 1);
  EXPECT_EQ(log.CountClosed(Code::kOk), 1);
  std::lock_guard lock(log.mu);
  ASSERT_EQ(log.lines.size(), 1u);
  EXPECT_NE(log.lines[0].find("stalled"), std::string::npos) << log.lines[0];
}

TEST(ServerClient, GarbageIsDisconnectedAndOthersAreServed) {
  ServerLog log;
  ServerThread server(log, {}, kClock);
  ScriptClient garbage(std::string("\x01\x02secret-payload\xff\n", 18), "");
  Status g = RunClient("127.0.0.1", server.port(), garbage, kClock, {});
  EXPECT_EQ(g.code(), Code::kUnavailable) << g.message();

  ScriptClient flood(std::string(10000, 'a'), "");
  Status f = RunClient("127.0.0.1", server.port(), flood, kClock, {});
  EXPECT_EQ(f.code(), Code::kUnavailable) << f.message();

  EXPECT_OK(Echo(server.port()));
  ASSERT_TRUE(WaitFor([&] { return log.ClosedTotal() == 3; }));
  EXPECT_EQ(log.CountClosed(Code::kProtocol), 1);
  EXPECT_EQ(log.CountClosed(Code::kLimitExceeded), 1);
  std::lock_guard lock(log.mu);
  // Neither got past its first line: the first is said, the second counted
  // for a summary 10 s later.
  ASSERT_EQ(log.lines.size(), 1u);
  EXPECT_NE(log.lines[0].find("not text"), std::string::npos) << log.lines[0];
  for (const std::string& line : log.lines) {
    EXPECT_EQ(line.find("secret-payload"), std::string::npos) << "payload leaked into the log";
    EXPECT_EQ(line.find('\n'), std::string::npos);
  }
}

TEST(ServerClient, ExcessConnectionsAreClosedAndStopClosesTheRest) {
  ServerLog log;
  ServerOptions opts;
  opts.max_connections = 1;
  ServerThread server(log, opts, kClock);
  Status holder_status;
  std::thread holder([&] {
    ScriptClient quiet("hold\n", "");  // past its "handshake": never dropped for a newer one
    holder_status = RunClient("127.0.0.1", server.port(), quiet, kClock, {});
  });
  ASSERT_TRUE(WaitFor([&] { return log.started == 1; }));
  Status refused = Echo(server.port());
  EXPECT_EQ(refused.code(), Code::kUnavailable) << refused.message();
  EXPECT_EQ(log.started, 1);

  server.StopAndJoin();
  holder.join();
  EXPECT_OK(server.run_status());
  EXPECT_EQ(holder_status.code(), Code::kUnavailable);
  EXPECT_EQ(log.CountClosed(Code::kUnavailable), 1);  // OnClosed ran before Run() returned
  std::lock_guard lock(log.mu);
  ASSERT_FALSE(log.lines.empty());
  EXPECT_NE(log.lines[0].find("refused"), std::string::npos) << log.lines[0];
}

TEST(ServerClient, StopBeforeRunReturnsAtOnce) {
  auto server = Server::Listen("127.0.0.1", 0, [] { return std::unique_ptr<Connection>(); }, kClock,
                               {.handle_signals = false});
  ASSERT_OK(server);
  (*server)->Stop();
  EXPECT_OK((*server)->Run());
}

TEST(ServerClient, ListenErrors) {
  auto bad = Server::Listen("no-such-host.invalid", 0, [] { return std::unique_ptr<Connection>(); },
                            kClock, {});
  EXPECT_EQ(bad.status().code(), Code::kUnavailable);
  ServerLog log;
  ServerThread first(log, {}, kClock);
  auto taken = Server::Listen("127.0.0.1", first.port(),
                              [] { return std::unique_ptr<Connection>(); }, kClock, {});
  EXPECT_EQ(taken.status().code(), Code::kIoError);
}

TEST(Client, ClosedPortIsUnavailable) {
  uint16_t port;
  {
    auto server =
        Server::Listen("127.0.0.1", 0, [] { return std::unique_ptr<Connection>(); }, kClock, {});
    ASSERT_OK(server);
    port = (*server)->port();
  }
  ScriptClient client("hello\n", "hello\n");
  Status s = RunClient("127.0.0.1", port, client, kClock, {});
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message().rfind("cannot connect to 127.0.0.1:" + std::to_string(port) + ": ", 0), 0u)
      << s.message();
  EXPECT_FALSE(client.started());
  EXPECT_EQ(client.closed_count(), 1);
  EXPECT_EQ(client.closed().code(), Code::kUnavailable);
}

TEST(Client, SilentServerTimesOut) {
  // Listening but never Run(): the kernel accepts, nobody ever answers.
  auto server =
      Server::Listen("127.0.0.1", 0, [] { return std::unique_ptr<Connection>(); }, kClock, {});
  ASSERT_OK(server);
  ScriptClient client("hello\n", "hello\n");
  auto start = steady_clock::now();
  Status s = RunClient("127.0.0.1", (*server)->port(), client, kClock, {.idle_timeout_ms = 300});
  EXPECT_EQ(s.code(), Code::kTimeout);
  EXPECT_EQ(s.message(), "127.0.0.1:" + std::to_string((*server)->port()) + " stalled");
  EXPECT_GE(SecondsSince(start), 0.25);
  EXPECT_LT(SecondsSince(start), 8.0);
}

// Sends "tick" at each of three deadlines 50 ms apart, then expects the echoes.
class TickClient final : public Connection {
 public:
  explicit TickClient(bool fail_at_deadline) : fail_(fail_at_deadline) {}
  Status OnStart(int64_t now) override {
    next_ = now + 50;
    return Status::Ok();
  }
  Status OnReceive(ByteView bytes, int64_t) override {
    received_.append(bytes.begin(), bytes.end());
    return Status::Ok();
  }
  Bytes TakeOutgoing() override { return std::exchange(out_, {}); }
  bool IsDone() const override { return received_ == "tick\ntick\ntick\n"; }
  std::optional<int64_t> Deadline() const override {
    return ticks_ < 3 ? std::optional<int64_t>(next_) : std::nullopt;
  }
  Status OnTimeout(int64_t now) override {
    if (fail_) return Status::Timeout("handshake took too long");
    Append(out_, AsBytes("tick\n"));
    ++ticks_;
    next_ = now + 50;
    return Status::Ok();
  }
  void OnClosed(const Status&) override {}

 private:
  bool fail_;
  int64_t next_ = 0;
  int ticks_ = 0;
  Bytes out_;
  std::string received_;
};

TEST(Client, ConnectionDeadlinesDriveOnTimeout) {
  ServerLog log;
  ServerThread server(log, {}, kClock);
  TickClient ticker(false);
  Status s = RunClient("127.0.0.1", server.port(), ticker, kClock, {});
  EXPECT_OK(s);

  TickClient impatient(true);
  s = RunClient("127.0.0.1", server.port(), impatient, kClock, {});
  EXPECT_EQ(s.code(), Code::kTimeout);
  EXPECT_EQ(s.message(), "handshake took too long");
}

TEST(Client, PortZeroIsInvalid) {
  ScriptClient client("", "");
  EXPECT_EQ(RunClient("127.0.0.1", 0, client, kClock, {}).code(), Code::kInvalidArgument);
  EXPECT_EQ(client.closed_count(), 1);
}

}  // namespace
}  // namespace waypost::testing
