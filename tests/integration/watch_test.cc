// `waypost watch --on-alert` with the real binary, a real relay and a real
// shell command (docs/protocol.md §4.8): an overdue alert for a helper who
// never checks in, with the coordinator's clock moved on by Debian's
// libfaketime and the relay down; a distress alert for `need-help`; and a
// clean stop on SIGTERM.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;

class WatchTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    // libfaketime itself, preloaded into the watch, so that the process the
    // test signals is waypost (the `faketime` program forks and waits).
    std::error_code ec;
    for (const auto& dir : std::filesystem::directory_iterator("/usr/lib", ec)) {
      const std::string candidate = dir.path().string() + "/faketime/libfaketime.so.1";
      if (::access(candidate.c_str(), R_OK) == 0) libfaketime_ = candidate;
    }
    if (libfaketime_.empty()) GTEST_SKIP() << "libfaketime is missing (apt install faketime)";
    C_ = Home("coord");
    H_ = Home("helper");
    ASSERT_NO_FATAL_FAILURE(StartRelay(Home("relay")));
    ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C_, "Coord", H_, "Helper", "amira"));
    ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C_, H_));
    WP_ASSERT_OK(Wp(H_, {"sync"}));
  }

  // `waypost watch` on the coordinator's node, its clock starting `ahead`
  // seconds from now, passing alerts to `cat >> alerts_`.
  void StartWatch(std::time_t ahead) {
    const std::vector<std::string> argv = {
        WAYPOST_BINARY, "--home",    C_,   "watch",      "--interval",
        "10s",          "--timeout", "3s", "--on-alert", "cat >> '" + alerts_ + "'"};
    EnvChanges env = {{"WAYPOST_PASSPHRASE", kPassphrase},
                      {"WAYPOST_HOME", std::nullopt},
                      {"NO_COLOR", "1"},
                      {"TZ", "UTC"}};
    if (ahead != 0) {
      env["LD_PRELOAD"] = libfaketime_;
      env["FAKETIME"] = "@" + FaketimeDate(std::time(nullptr) + ahead);
    }
    std::string error;
    ASSERT_TRUE(watch_.Start(argv, env, watch_err_, &error)) << error;
  }

  // The first alert of `kind` the command received, within 60 s.
  json AwaitAlert(const std::string& kind) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
      const std::string text = ReadText(alerts_);
      size_t start = 0;
      while (start < text.size()) {
        const size_t end = text.find('\n', start);
        if (end == std::string::npos) break;
        const json alert = json::parse(text.substr(start, end - start), nullptr, false);
        if (alert.is_object() && alert.value("kind", "") == kind) return alert;
        start = end + 1;
      }
      if (!watch_.Alive()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "no " << kind << " alert; the command got: " << ReadText(alerts_)
                  << "\nwatch said: " << ReadText(watch_err_);
    return json();
  }

  std::string libfaketime_;
  std::string C_, H_;
  std::string alerts_ = dir() + "/alerts.jsonl";
  std::string watch_err_ = dir() + "/watch.err";
  Process watch_;
};

TEST_F(WatchTest, AnOverdueAlertFiresWithNoMessageFromTheFieldAndTheRelayDown) {
  WP_ASSERT_OK(Wp(C_, {"expect", "amira", "--every", "10m", "--grace", "5m"}));
  ASSERT_NO_FATAL_FAILURE(StopRelay());
  // 16 minutes on, by the coordinator's clock: past 10m + 5m of grace.
  ASSERT_NO_FATAL_FAILURE(StartWatch(16 * 60));
  const json alert = AwaitAlert("overdue");
  ASSERT_TRUE(alert.is_object());
  EXPECT_EQ(alert.value("name", ""), "amira");
  EXPECT_FALSE(alert.value("fingerprint", "").empty());
  EXPECT_GT(alert.value("id", 0), 0);
  EXPECT_TRUE(alert.at("due_at").is_string()) << alert;
  EXPECT_TRUE(alert.at("raised_at").is_string()) << alert;
  EXPECT_TRUE(alert.at("last_received_at").is_null()) << alert;
  const RunResult stopped = watch_.Stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
  const std::string said = ReadText(watch_err_);
  EXPECT_NE(said.find("waypost: warning: "), std::string::npos) << "the relay was down: " << said;
  EXPECT_NE(said.find("Stopped watching."), std::string::npos) << said;
  // Once per alert: the board still shows it, and the command got it once.
  const std::string all = ReadText(alerts_);
  EXPECT_EQ(all.find("\"overdue\""), all.rfind("\"overdue\"")) << all;
  RunResult board = Wp(C_, {"board", "--json"});
  WP_ASSERT_OK(board);
}

TEST_F(WatchTest, ADistressCheckInFiresAnAlertAtOnce) {
  WP_ASSERT_OK(Wp(H_, {"checkin", "need-help"}));
  WP_ASSERT_OK(Wp(H_, {"sync"}));
  ASSERT_NO_FATAL_FAILURE(StartWatch(0));
  const json alert = AwaitAlert("distress");
  ASSERT_TRUE(alert.is_object());
  EXPECT_EQ(alert.value("name", ""), "amira");
  EXPECT_NE(alert.value("detail", "").find("need-help"), std::string::npos) << alert;
  EXPECT_TRUE(alert.at("last_received_at").is_string()) << alert;
  const RunResult stopped = watch_.Stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
}

}  // namespace
}  // namespace waypost::testing
