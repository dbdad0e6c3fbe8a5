// `waypost passwd` and `passwd --rotate` end to end, and the passphrase
// suggestion of `init` and `passwd`.
#include <gtest/gtest.h>

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

constexpr const char* kNewPassphrase = "a brand new passphrase";

EnvChanges WithNew(const std::string& next) { return {{"WAYPOST_NEW_PASSPHRASE", next}}; }
EnvChanges AsNew() { return {{"WAYPOST_PASSPHRASE", kNewPassphrase}}; }

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// An EFF long-list word: lowercase letters, and a hyphen in a few
// ("t-shirt").
bool AllLower(const std::string& w) {
  for (unsigned char c : w) {
    if (!std::islower(c) && c != '-') return false;
  }
  return !w.empty();
}

class PasswdCommandTest : public IntegrationTest {
 protected:
  void Init(const std::string& home) {
    WP_ASSERT_OK(Wp(home, {"init", "--name", "Coord", "--kdf", "interactive"}));
  }

  // Exit 1 and exactly one stderr line, starting "waypost: error: ".
  static void ExpectOneErrorLine(const RunResult& r, const std::string& contains) {
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    const std::vector<std::string> lines = r.ErrLines();
    ASSERT_EQ(lines.size(), 1u) << r.Describe();
    EXPECT_EQ(lines[0].rfind("waypost: error: ", 0), 0u) << r.Describe();
    EXPECT_NE(lines[0].find(contains), std::string::npos) << r.Describe();
  }
};

TEST_F(PasswdCommandTest, ChangesThePassphrase) {
  const std::string C = Home("coord");
  Init(C);
  RunResult r = Wp(C, {"passwd"}, WithNew(kNewPassphrase));
  WP_ASSERT_OK(r);
  EXPECT_TRUE(r.out.empty()) << r.Describe();

  r = Wp(C, {"whoami", "--json"}, AsNew());
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("name", ""), "Coord");
  ExpectOneErrorLine(Wp(C, {"whoami"}), "wrong passphrase");
}

TEST_F(PasswdCommandTest, RefusesAWeakOrUnchangedPassphraseAndTouchesNothing) {
  const std::string C = Home("coord");
  Init(C);
  const auto before = SnapshotFiles(C);

  RunResult r = Wp(C, {"passwd"}, WithNew("short"));
  ExpectOneErrorLine(r, "too short");
  EXPECT_NE(r.err.find("--suggest-passphrase"), std::string::npos) << r.Describe();
  EXPECT_TRUE(SnapshotFiles(C) == before);

  ExpectOneErrorLine(Wp(C, {"passwd"}, WithNew(kPassphrase)), "same as the current");
  ExpectOneErrorLine(Wp(C, {"passwd", "--rotate"}, WithNew(kPassphrase)), "same as the current");
  EXPECT_TRUE(SnapshotFiles(C) == before);

  EnvChanges wrong = WithNew(kNewPassphrase);
  wrong["WAYPOST_PASSPHRASE"] = "not the right passphrase";
  ExpectOneErrorLine(Wp(C, {"passwd", "--rotate"}, wrong), "wrong passphrase");
  EXPECT_TRUE(SnapshotFiles(C) == before);
  WP_ASSERT_OK(Wp(C, {"whoami"}));
}

TEST_F(PasswdCommandTest, RotateThenCheckInStillFlows) {
  StartRelay(Home("relay"));
  const std::string C = Home("coord");
  const std::string H = Home("helper");
  CreateAndJoin(C, "Coord", H, "Helper", "Helper");
  SyncEnrollment(C, H);
  WP_ASSERT_OK(Wp(C, {"sync"}));  // the welcome goes up
  const auto before = SnapshotFiles(H);

  RunResult r = Wp(H, {"passwd", "--rotate"}, WithNew(kNewPassphrase));
  WP_ASSERT_OK(r);
  EXPECT_TRUE(r.out.empty()) << r.Describe();
  EXPECT_NE(r.err.find("Other passphrases of this store are unchanged."), std::string::npos)
      << r.Describe();
  const auto after = SnapshotFiles(H);
  ASSERT_EQ(after.count("waypost.key"), 1u);
  EXPECT_EQ(after.at("waypost.key").size(), before.at("waypost.key").size());
  EXPECT_NE(after.at("waypost.key"), before.at("waypost.key"));
  // The main database: every page re-encrypted.
  EXPECT_TRUE(after.at("waypost-a.db") != before.at("waypost-a.db") ||
              after.at("waypost-b.db") != before.at("waypost-b.db"));
  EXPECT_EQ(after.count("waypost.key.rotating"), 0u);
  ExpectOneErrorLine(Wp(H, {"whoami"}), "wrong passphrase");

  WP_ASSERT_OK(Wp(H, {"sync"}, AsNew()));  // the welcome comes down
  r = WpIn(H, {"checkin", "crossed", "--note", "-"}, "after rotation", AsNew());
  WP_ASSERT_OK(r);
  const std::string id = r.out.substr(0, r.out.find('\n'));
  ASSERT_FALSE(id.empty()) << r.Describe();
  WP_ASSERT_OK(Wp(H, {"sync"}, AsNew()));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  std::vector<nlohmann::json> got = InboxEntries(C, id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("text", ""), "after rotation");
}

TEST_F(PasswdCommandTest, InitSuggestsAPassphraseAndCreatesNothing) {
  const std::string C = Home("coord");
  RunResult r = Wp(C, {"init", "--suggest-passphrase"});
  WP_ASSERT_OK(r);
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one line: " << r.Describe();
  const std::vector<std::string> words = Words(r.out);
  ASSERT_EQ(words.size(), 6u) << r.Describe();
  for (const std::string& w : words) {
    EXPECT_TRUE(AllLower(w)) << w;
    EXPECT_GE(w.size(), 3u);
  }
  EXPECT_NE(r.err.find("77.5 bits"), std::string::npos) << r.Describe();
  EXPECT_TRUE(SnapshotFiles(dir()).empty()) << "nothing may be created";

  RunResult again = Wp(C, {"passwd", "--suggest-passphrase"});
  WP_ASSERT_OK(again);
  EXPECT_EQ(Words(again.out).size(), 6u);
  EXPECT_NE(again.out, r.out);

  // The flag is what lifts --name's requirement, nothing else.
  RunResult usage = Wp(C, {"init"});
  EXPECT_EQ(usage.exit_code, 2) << usage.Describe();
}

}  // namespace
}  // namespace waypost::testing
