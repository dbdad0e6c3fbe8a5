// `board --html` rendered by a real browser: Debian's Chromium, headless,
// prints the page the real binary wrote to a PDF, and poppler's pdftotext
// reads back the text a person would see. A real relay, coordinator and
// helper make the history: a confirmed check-in whose note tries to load
// from a port this test listens on, a drill, a distress code, and an
// overdue deadline on the coordinator's clock (moved on by libfaketime).
// The page lives in /dev/shm, as the README says to keep it, and is deleted.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kPdfToText = "/usr/bin/pdftotext";

class BoardHtmlTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (::access(kChromium, X_OK) != 0 || ::access(kPdfToText, X_OK) != 0) {
      GTEST_SKIP() << "chromium or pdftotext is missing (scripts/install-deps installs both)";
    }
    char shm[] = "/dev/shm/waypost-board-test.XXXXXX";
    ASSERT_NE(::mkdtemp(shm), nullptr) << "/dev/shm is needed: the page is plaintext";
    shm_ = shm;
  }
  void TearDown() override {
    if (!shm_.empty()) std::filesystem::remove_all(shm_);
    IntegrationTest::TearDown();
  }

  // What Chromium shows of `html`, as text: printed to PDF, read back.
  std::string Rendered(const std::string& html) {
    const std::string page = shm_ + "/board.html";
    const std::string pdf = shm_ + "/board.pdf";
    {
      const int fd = ::open(page.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
      EXPECT_GE(fd, 0);
      EXPECT_EQ(::write(fd, html.data(), html.size()), static_cast<ssize_t>(html.size()));
      ::close(fd);
    }
    // The flags keep Chromium's own background traffic off a closed network.
    const RunResult chromium = RunProcess(
        {kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--user-data-dir=" + shm_ + "/profile", "--no-pdf-header-footer",
         "--print-to-pdf=" + pdf, "file://" + page},
        {{"HOME", shm_}}, std::chrono::seconds(120));
    EXPECT_EQ(chromium.exit_code, 0) << chromium.Describe();
    const RunResult text = RunProcess({kPdfToText, "-layout", pdf, "-"}, {});
    EXPECT_EQ(text.exit_code, 0) << text.Describe();
    return text.out;
  }

  std::string shm_;
};

// `text` with every run of white space made one space: the PDF's layout
// breaks lines where the page wraps.
std::string Flat(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

TEST_F(BoardHtmlTest, ChromiumShowsHelpersStatesAlertsAndTheTimeline) {
  // A port that counts as a failure if anything connects to it.
  int port = 0;
  const int listener = ListenOnLoopback(&port);
  ASSERT_GE(listener, 0);
  ::fcntl(listener, F_SETFL, O_NONBLOCK);

  const std::string C = Home("coord"), H = Home("helper"), O = Home("omar");
  ASSERT_NO_FATAL_FAILURE(StartRelay(Home("relay")));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "amira"));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
  WP_ASSERT_OK(Wp(H, {"sync"}));
  // A second helper, who will send a distress code.
  WP_ASSERT_OK(Wp(O, {"init", "--name", "Omar", "--kdf", "interactive"}));
  const RunResult invite = Wp(C, {"invite", "--for", "omar"});
  WP_ASSERT_OK(invite);
  WP_ASSERT_OK(WpIn(O, {"join"}, invite.out));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, O));
  WP_ASSERT_OK(Wp(O, {"sync"}));

  const std::string hostile = "<img src=\"http://127.0.0.1:" + std::to_string(port) + "/x\">";
  const RunResult checkin = WpIn(H, {"checkin", "crossed", "--note", "-"}, hostile);
  WP_ASSERT_OK(checkin);
  const std::string id = checkin.out.substr(0, checkin.out.find('\n'));
  WP_ASSERT_OK(Wp(H, {"checkin", "ok", "--test"}));
  WP_ASSERT_OK(Wp(H, {"sync"}));
  WP_ASSERT_OK(Wp(O, {"checkin", "need-help"}));
  WP_ASSERT_OK(Wp(O, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  WP_ASSERT_OK(WpIn(C, {"confirm", id, "--note", "-"}, "welcome back"));
  WP_ASSERT_OK(Wp(C, {"expect", "amira", "--every", "10m", "--grace", "5m"}));

  // 20 minutes on, by the coordinator's clock: Amira is overdue.
  const RunResult page = RunProcess(
      {kFaketime, "-f", "+20m", WAYPOST_BINARY, "--home", C, "board", "--html", "--days", "2"},
      {{"WAYPOST_PASSPHRASE", kPassphrase}, {"NO_COLOR", "1"}});
  WP_ASSERT_OK(page);
  ASSERT_NE(page.out.find("</html>"), std::string::npos) << page.out;
  EXPECT_TRUE(page.err.empty()) << page.err;

  const std::string text = Flat(Rendered(page.out));
  for (const std::string& seen : {
           std::string("Waypost board"),
           std::string("OVERDUE: amira was due by"),
           std::string("DISTRESS: omar checked in need-help"),
           std::string("When it is resolved: waypost ack"),
           std::string("amira OVERDUE"),
           std::string("omar DISTRESS"),
           std::string("crossed (crossed as planned, all well), note: ") + hostile,
           std::string("TEST ok"),
           std::string("you confirmed ") + id + " (crossed), note: welcome back",
           std::string("overdue due by "),
           std::string("nothing arrived until now"),
           std::string("This page is plaintext"),
       }) {
    EXPECT_NE(text.find(seen), std::string::npos) << "not on the page: " << seen << "\n" << text;
  }
  // Nothing the page holds reached out, not even to loopback.
  EXPECT_LT(::accept(listener, nullptr, nullptr), 0) << "the page made a request";
  ::close(listener);
}

}  // namespace
}  // namespace waypost::testing
