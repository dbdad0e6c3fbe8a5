// Forward secrecy from the command line (SECURITY.md "Epochs, chain keys and
// forward secrecy"): once a store has been opened past the delivery window,
// an envelope recorded on the network before it can no longer be opened by
// the recipient's device, even with the passphrase. The clock is moved with
// Debian's `faketime`, for the coordinator's processes only: the relay runs
// on the real clock, so it still holds and serves the (unexpired) envelope.
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDay = 86'400;

class ForwardSecrecyTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    if (::access(kFaketime, X_OK) != 0)
      GTEST_SKIP() << kFaketime << " is missing (apt install faketime)";
  }

  // `waypost --home home args...` with its clock starting at `start` (UTC).
  RunResult WpAt(std::time_t start, const std::string& home, const std::vector<std::string>& args) {
    std::vector<std::string> argv{kFaketime, FaketimeDate(start), WAYPOST_BINARY, "--home", home};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv, {{"WAYPOST_PASSPHRASE", kPassphrase},
                             {"WAYPOST_NEW_PASSPHRASE", std::nullopt},
                             {"WAYPOST_HOME", std::nullopt},
                             {"XDG_DATA_HOME", dir() + "/xdg"},
                             {"NO_COLOR", "1"},
                             {"TZ", "UTC"}});
  }
};

TEST_F(ForwardSecrecyTest, EnvelopeFromBeforeTheWindowCannotBeOpenedLater) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  const std::string control = Home("coord-control");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "amira"));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
  WP_ASSERT_OK(Wp(H, {"sync"}));  // the welcome

  // The helper checks in; the envelope now sits at the relay.
  RunResult r = Wp(H, {"checkin", "crossed"});
  WP_ASSERT_OK(r);
  const std::string id = r.out.substr(0, r.out.find('\n'));
  ASSERT_FALSE(id.empty()) << r.Describe();
  r = Wp(H, {"sync", "--json"});
  WP_ASSERT_OK(r);
  ASSERT_GE(Json(r).value("uploaded", 0), 1) << r.Describe();

  // The control: the same coordinator store, never opened in the future.
  fs::copy(C, control, fs::copy_options::recursive);

  // The coordinator's device is opened 16 days on: past the 14-day window,
  // so every chain key from before it is ratcheted away and overwritten.
  const std::time_t later = std::time(nullptr) + 16 * kDay;
  r = RunProcess({kFaketime, FaketimeDate(later), "/bin/date", "+%s"}, {{"TZ", "UTC"}});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_GE(std::stoll(r.out), int64_t(later)) << "faketime did not move the clock";
  WP_ASSERT_OK(WpAt(later, C, {"contacts"}));

  // Back on today's clock the relay serves the envelope, still unexpired,
  // but the coordinator can no longer open it.
  r = Wp(C, {"sync", "--json"});
  WP_ASSERT_OK(r);
  const nlohmann::json stats = Json(r);
  EXPECT_EQ(stats.value("downloaded", -1), 0) << r.Describe();
  EXPECT_GE(stats.value("rejected", 0), 1) << r.Describe();
  EXPECT_TRUE(InboxEntries(C, id).empty());

  // The same store without the future open receives it.
  r = Wp(control, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("downloaded", 0), 1) << r.Describe();
  EXPECT_EQ(Json(r).value("rejected", -1), 0) << r.Describe();
  const std::vector<nlohmann::json> got = InboxEntries(control, id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("code", ""), "crossed");
}

}  // namespace
}  // namespace waypost::testing
