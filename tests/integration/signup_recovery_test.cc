// A sign-up that cannot get stuck (docs/protocol.md §5.3), with real
// processes on loopback: the helper joins an invite that expires in
// seconds, the coordinator syncs only after that, and a second invite puts
// it right. The check-in sent under the failed sign-up ends failed, the one
// after it delivered, and nothing is left relayed forever.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;

// Long enough for one `join` (a KDF at the interactive level) on a slow,
// shared machine; the test waits it out after the join.
constexpr int kShortInviteSeconds = 15;

std::string OneLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

class SignUpRecoveryTest : public IntegrationTest {
 protected:
  // state of the outgoing message `id` in `home`'s inbox, or "".
  std::string StateOf(const std::string& home, const std::string& id) {
    const std::vector<json> entries = InboxEntries(home, id);
    return entries.size() == 1 ? entries[0].value("state", "") : "";
  }
};

TEST_F(SignUpRecoveryTest, AnExpiredSignUpFailsVisiblyAndANewInviteRecoversIt) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  WP_ASSERT_OK(Wp(C, {"init", "--name", "Coord", "--kdf", "interactive"}));
  ASSERT_NO_FATAL_FAILURE(ServeTeamOf(C));
  WP_ASSERT_OK(Wp(H, {"init", "--name", "Amira", "--kdf", "interactive"}));
  WP_ASSERT_OK(Wp(C, {"relays", "add", relay_address_}));

  const auto invited = std::chrono::steady_clock::now();
  RunResult r = Wp(C, {"invite", "--expires", std::to_string(kShortInviteSeconds) + "s"});
  WP_ASSERT_OK(r);
  r = WpIn(H, {"join"}, OneLine(r.out));
  WP_ASSERT_OK(r);
  EXPECT_NE(r.err.find("Warning: this invite expires in"), std::string::npos) << r.Describe();

  r = Wp(H, {"checkin", "crossed"});
  WP_ASSERT_OK(r);
  const std::string lost = OneLine(r.out);
  EXPECT_NE(r.err.find("has not answered your sign-up yet"), std::string::npos) << r.Describe();
  WP_ASSERT_OK(Wp(H, {"sync"}));

  // The coordinator syncs only after the invite expired.
  std::this_thread::sleep_until(invited + std::chrono::seconds(kShortInviteSeconds + 2));
  r = Wp(C, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("downloaded", -1), 0) << r.Describe();
  EXPECT_EQ(Json(r).value("rejected", -1), 1) << r.Describe();
  r = Wp(C, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("rejected", -1), 0) << "told once: " << r.Describe();

  // The helper is told, in contacts and on sync.
  r = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  ASSERT_EQ(Json(r).size(), 1u) << r.Describe();
  EXPECT_EQ(Json(r)[0].value("signup_failed", false), true) << r.Describe();
  r = Wp(H, {"sync", "--json"});
  WP_ASSERT_OK(r);
  bool told = false;
  const json synced = Json(r);
  for (const json& e : synced["events"]) told |= e.value("event", "") == "signup_failed";
  EXPECT_TRUE(told) << r.Describe();
  EXPECT_EQ(StateOf(H, lost), "relayed");

  // A second invite from the same coordinator replaces the sign-up.
  r = Wp(C, {"invite"});
  WP_ASSERT_OK(r);
  r = WpIn(H, {"join"}, OneLine(r.out));
  WP_ASSERT_OK(r);
  EXPECT_NE(r.err.find("This replaces your earlier sign-up with Coord"), std::string::npos)
      << r.Describe();
  EXPECT_EQ(StateOf(H, lost), "failed");
  r = Wp(H, {"checkin", "arrived"});
  WP_ASSERT_OK(r);
  const std::string arrived = OneLine(r.out);

  WP_ASSERT_OK(Wp(H, {"sync"}));
  r = Wp(C, {"sync"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.out.find("Amira joined the team as a helper."), std::string::npos) << r.Describe();
  EXPECT_NE(r.out.find("Check-in from Amira: arrived"), std::string::npos) << r.Describe();
  r = Wp(H, {"sync"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.out.find("Coord answered your sign-up: you are enrolled."), std::string::npos)
      << r.Describe();

  EXPECT_EQ(StateOf(H, lost), "failed");
  EXPECT_EQ(StateOf(H, arrived), "delivered");
  r = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r)[0].value("state", ""), "active") << r.Describe();
  // The coordinator has one Amira, with the one check-in it could read.
  r = Wp(C, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  ASSERT_EQ(Json(r).size(), 1u) << r.Describe();
  EXPECT_EQ(Json(r)[0].value("code", ""), "arrived");
  r = Wp(C, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).size(), 1u) << r.Describe();
  StopRelay();
}

}  // namespace
}  // namespace waypost::testing
