// Relays that stall or vanish mid-transfer: `sync` gives up with one error
// line within --timeout, and the outbox is intact for the next sync.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

// A TCP listener on 127.0.0.1 that plays a broken relay for one client.
class BrokenRelay {
 public:
  enum class Mode {
    kStall,   // accepts, reads, never answers
    kVanish,  // answers half a frame, then closes
  };

  explicit BrokenRelay(Mode mode) : mode_(mode), fd_(ListenOnLoopback(&port_)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~BrokenRelay() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string Address() const {
    return "wpr1:" + std::string(64, 'a') + "@127.0.0.1:" + std::to_string(port_);
  }

 private:
  void Serve() {
    int client = accept(fd_, nullptr, nullptr);
    if (client < 0) return;
    char buf[4096];
    const ssize_t n = read(client, buf, sizeof buf);  // the client's first message
    if (n > 0 && mode_ == Mode::kVanish) {
      const unsigned char half_frame[] = {0x00, 0x60, 0x11, 0x22, 0x33};
      (void)!write(client, half_frame, sizeof half_frame);
    } else {
      while (!stop_ && read(client, buf, sizeof buf) > 0) {
      }
    }
    close(client);
  }

  Mode mode_;
  int port_ = 0;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class StalledRelayTest : public IntegrationTest {
 protected:
  // Enrolled helper with one check-in queued; returns its id.
  std::string QueueCheckIn(const std::string& C, const std::string& H) {
    CreateAndJoin(C, "Coord", H, "Helper", "Amira");
    RunResult r = Wp(H, {"checkin", "crossed"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return r.out.substr(0, r.out.find('\n'));
  }

  void ExpectFailsCleanly(const std::string& H, const std::string& address,
                          const std::string& id) {
    const auto before = SnapshotFiles(H);
    const auto start = std::chrono::steady_clock::now();
    RunResult r = Wp(H, {"sync", address, "--timeout", "2s"});
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    ASSERT_EQ(r.ErrLines().size(), 1u) << r.Describe();
    EXPECT_EQ(r.ErrLines()[0].rfind("waypost: error: ", 0), 0u) << r.Describe();
    // Generous bound: only that it gave up, not how fast.
    EXPECT_LT(took, std::chrono::seconds(20));
    EXPECT_EQ(SnapshotFiles(H), before) << "a failed sync must not change the store";
    auto entries = InboxEntries(H, id);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].value("state", ""), "queued");
  }
};

TEST_F(StalledRelayTest, StallingRelayTimesOutAndTheOutboxIsKept) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  const std::string id = QueueCheckIn(C, H);
  {
    BrokenRelay stall(BrokenRelay::Mode::kStall);
    ExpectFailsCleanly(H, stall.Address(), id);
  }
  // The real relay still takes it afterwards.
  RunResult r = Wp(H, {"sync"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(InboxEntries(H, id).at(0).value("state", ""), "relayed");
}

TEST_F(StalledRelayTest, RelayVanishingMidFrameIsOneErrorAndTheOutboxIsKept) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  const std::string id = QueueCheckIn(C, H);
  {
    BrokenRelay vanish(BrokenRelay::Mode::kVanish);
    ExpectFailsCleanly(H, vanish.Address(), id);
  }
  RunResult r = Wp(H, {"sync"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(InboxEntries(H, id).at(0).value("state", ""), "relayed");
}

}  // namespace
}  // namespace waypost::testing
