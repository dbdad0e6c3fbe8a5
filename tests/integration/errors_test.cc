// Exit codes and error lines (README, "Global options"), and "bad input loses
// nothing" (docs/design.md §2): wrong passphrases, usage errors, malformed
// invites, missing stores, and a relay that is down.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// Exit 1 and exactly one stderr line, starting "waypost: error:".
#define EXPECT_ONE_ERROR_LINE(run)                                                \
  do {                                                                            \
    EXPECT_EQ((run).exit_code, 1) << (run).Describe();                            \
    const std::vector<std::string> lines_ = (run).ErrLines();                     \
    EXPECT_EQ(lines_.size(), 1u) << "want one stderr line: " << (run).Describe(); \
    if (!lines_.empty()) {                                                        \
      EXPECT_EQ(lines_[0].rfind("waypost: error: ", 0), 0u) << (run).Describe();  \
    }                                                                             \
  } while (0)

// Exit 1, exactly one "waypost: error:" line, and nothing but "waypost: "
// lines on stderr (warnings may precede it).
#define EXPECT_FAILS_WITH_ERROR_LINE(run)                          \
  do {                                                             \
    EXPECT_EQ((run).exit_code, 1) << (run).Describe();             \
    size_t errors_ = 0;                                            \
    for (const std::string& l_ : (run).ErrLines()) {               \
      EXPECT_EQ(l_.rfind("waypost: ", 0), 0u) << (run).Describe(); \
      if (l_.rfind("waypost: error: ", 0) == 0) ++errors_;         \
    }                                                              \
    EXPECT_EQ(errors_, 1u) << (run).Describe();                    \
  } while (0)

class ErrorsTest : public IntegrationTest {
 protected:
  // A coordinator and a helper, and an invite from the coordinator naming a
  // relay that is never started (these tests never sync).
  void InviteWithoutRelay(const std::string& coord, const std::string& helper,
                          std::string* invite) {
    RunResult r = Wp(coord, {"init", "--name", "Coord", "--kdf", "interactive"});
    WP_ASSERT_OK(r);
    r = Wp(helper, {"init", "--name", "Helper", "--kdf", "interactive"});
    WP_ASSERT_OK(r);
    r = Wp(coord, {"relays", "add", "wpr1:" + std::string(64, 'a') + "@127.0.0.1:9"});
    WP_ASSERT_OK(r);
    r = Wp(coord, {"invite", "--for", "Amira"});
    WP_ASSERT_OK(r);
    *invite = r.out.substr(0, r.out.find('\n'));
    ASSERT_EQ(invite->rfind("wpi1:", 0), 0u) << *invite;
  }
};

TEST_F(ErrorsTest, WrongPassphraseFailsAndTouchesNothing) {
  const std::string C = Home("coord");
  RunResult r = Wp(C, {"init", "--name", "Coord", "--kdf", "interactive"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"relays", "add", "wpr1:" + std::string(64, 'a') + "@127.0.0.1:9"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"invite", "--for", "Someone"});  // something in the store
  WP_ASSERT_OK(r);
  const auto before = SnapshotFiles(C);
  ASSERT_FALSE(before.empty());

  const std::vector<std::vector<std::string>> commands = {{"contacts", "--json"},
                                                          {"inbox", "--json"},
                                                          {"invite", "--for", "Other"},
                                                          {"checkin", "crossed"},
                                                          {"whoami"}};
  for (int round = 0; round < 3; ++round) {
    for (const auto& cmd : commands) {
      SCOPED_TRACE("round " + std::to_string(round) + ": " + cmd[0]);
      r = Wp(C, cmd, {{"WAYPOST_PASSPHRASE", "not the right passphrase " + std::to_string(round)}});
      EXPECT_ONE_ERROR_LINE(r);
      EXPECT_NE(Lower(r.err).find("passphrase"), std::string::npos) << r.Describe();
      EXPECT_TRUE(r.out.empty()) << r.Describe();
      EXPECT_TRUE(SnapshotFiles(C) == before) << "the store changed after a wrong passphrase";
    }
  }
  // And the right one still opens it.
  r = Wp(C, {"whoami", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("name", ""), "Coord");
}

TEST_F(ErrorsTest, PassphraseFileWorksAndWrongFileFails) {
  const std::string C = Home("coord");
  RunResult r = Wp(C, {"init", "--name", "Coord", "--kdf", "interactive"});
  WP_ASSERT_OK(r);
  const std::string good = dir() + "/good.pass", bad = dir() + "/bad.pass";
  {
    std::FILE* f = std::fopen(good.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f, "%s\n", kPassphrase);
    std::fclose(f);
    f = std::fopen(bad.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f, "definitely the wrong one\n");
    std::fclose(f);
  }
  // Global options go before or after the subcommand.
  r = Wp(C, {"whoami", "--passphrase-file", good}, {{"WAYPOST_PASSPHRASE", std::nullopt}});
  WP_ASSERT_OK(r);
  r = WpRaw({"--passphrase-file", good, "whoami", "--home", C, "--json"},
            {{"WAYPOST_PASSPHRASE", std::nullopt}});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("name", ""), "Coord");
  r = Wp(C, {"whoami", "--passphrase-file", bad}, {{"WAYPOST_PASSPHRASE", std::nullopt}});
  EXPECT_ONE_ERROR_LINE(r);
  EXPECT_NE(Lower(r.err).find("passphrase"), std::string::npos) << r.Describe();
}

TEST_F(ErrorsTest, UsageErrorsExitTwo) {
  const std::string C = Home("coord");
  RunResult r = Wp(C, {"init", "--name", "Coord", "--kdf", "interactive"});
  WP_ASSERT_OK(r);
  const std::vector<std::vector<std::string>> bad = {
      {"frobnicate"},                 // unknown command
      {"contacts", "--bogus"},        // unknown option
      {"--no-such-global", "inbox"},  // unknown global option
      {"join", "wpi1:AAAA"},          // an invite code in argv
      {"codes", "add"},               // missing argument
      {},                             // no command at all
  };
  for (const auto& args : bad) {
    SCOPED_TRACE(::testing::PrintToString(args));
    r = Wp(C, args);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_EQ(r.err.rfind("waypost: error: ", 0), 0u) << r.Describe();
  }
}

TEST_F(ErrorsTest, MalformedInviteIsRejectedAndChangesNothing) {
  const std::string C = Home("coord"), H = Home("helper");
  std::string invite;
  ASSERT_NO_FATAL_FAILURE(InviteWithoutRelay(C, H, &invite));
  RunResult r;

  std::string wrong_prefix = invite;
  wrong_prefix.replace(0, 5, "wpr1:");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage", "this is not an invite"},
      {"empty", ""},
      {"prefix only", "wpi1:"},
      {"bad alphabet", "wpi1:!!!!****"},
      {"truncated", invite.substr(0, invite.size() / 2)},
      {"truncated by one", invite.substr(0, invite.size() - 1)},
      {"wrong prefix", wrong_prefix},
      {"no prefix", invite.substr(5)},
      {"two lines", invite + "\n" + invite},
  };
  for (const auto& [label, code] : cases) {
    SCOPED_TRACE(label);
    r = WpIn(H, {"join"}, code);
    EXPECT_ONE_ERROR_LINE(r);
    r = Wp(H, {"contacts", "--json"});
    WP_ASSERT_OK(r);
    EXPECT_EQ(Json(r), json::array()) << "a rejected invite must add no contact";
    r = Wp(H, {"relays", "list"});
    WP_ASSERT_OK(r);
    EXPECT_EQ(r.out.find("wpr1:"), std::string::npos) << "a rejected invite must add no relay";
  }
  // The real one still works, once.
  r = WpIn(H, {"join"}, invite);
  WP_ASSERT_OK(r);
  r = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).size(), 1u);
}

TEST_F(ErrorsTest, CheckinWithoutCoordinatorFails) {
  const std::string H = Home("helper");
  RunResult r = Wp(H, {"init", "--name", "Helper", "--kdf", "interactive"});
  WP_ASSERT_OK(r);
  r = WpIn(H, {"checkin", "crossed", "--note", "-"}, "nobody to tell");
  EXPECT_ONE_ERROR_LINE(r);
  EXPECT_TRUE(r.out.empty()) << r.Describe();
  r = Wp(H, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r), json::array()) << "a failed check-in must queue nothing";
}

// The coordinator's desk (docs/protocol.md §4.7, §4.8): an unknown code, an
// ack of an unknown alert, a confirm of an unknown id and an expect of an
// unknown helper each get one clear line, and leave both stores byte for
// byte as they were.
TEST_F(ErrorsTest, DeskMistakesAreOneLineAndChangeNothing) {
  const std::string C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(Home("relay")));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
  WP_ASSERT_OK(Wp(H, {"sync"}));
  WP_ASSERT_OK(Wp(H, {"checkin", "need-help"}));  // an open alert and a check-in to confirm
  WP_ASSERT_OK(Wp(H, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"board"}));  // opening and reading settles what opening does
  WP_ASSERT_OK(Wp(H, {"inbox"}));
  const auto coord_before = SnapshotFiles(C);
  const auto helper_before = SnapshotFiles(H);

  struct Mistake {
    std::string home;
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Mistake> mistakes = {
      {H, {"checkin", "crosed"}, "unknown code \"crosed\"; the codes are: ok (all is well), "},
      {C, {"ack", "99"}, "waypost: error: "},
      {C, {"ack", "Nobody"}, "waypost: error: "},
      {C, {"confirm", "abcdef123456"}, "waypost: error: "},
      {C, {"expect", "Nobody", "--every", "1h"}, "no contact named \"Nobody\""},
  };
  for (const Mistake& m : mistakes) {
    SCOPED_TRACE(m.args[0] + " " + m.args[1]);
    const RunResult r = Wp(m.home, m.args);
    EXPECT_ONE_ERROR_LINE(r);
    EXPECT_NE(r.err.find(m.says), std::string::npos) << r.Describe();
    EXPECT_TRUE(r.out.empty()) << r.Describe();
    EXPECT_TRUE(SnapshotFiles(C) == coord_before) << "the coordinator's store changed";
    EXPECT_TRUE(SnapshotFiles(H) == helper_before) << "the helper's store changed";
  }
  // The alert is still open, and the check-in still unconfirmed.
  const json board = Json(Wp(C, {"board", "--json"}));
  ASSERT_TRUE(board.is_array() && board.size() == 1u) << board;
  EXPECT_EQ(board[0].value("state", ""), "distress") << board;
}

TEST_F(ErrorsTest, MissingHomeSaysNoStore) {
  const std::string nowhere = Home("does-not-exist");
  const std::vector<std::vector<std::string>> commands = {{"contacts", "--json"},
                                                          {"inbox"},
                                                          {"whoami"},
                                                          {"checkin", "crossed"},
                                                          {"sync"},
                                                          {"invite", "--for", "X"},
                                                          {"relays", "list"},
                                                          {"confirm", "abcdef"}};
  for (const auto& cmd : commands) {
    SCOPED_TRACE(cmd[0]);
    RunResult r = Wp(nowhere, cmd);
    EXPECT_ONE_ERROR_LINE(r);
    EXPECT_NE(Lower(r.err).find("no store"), std::string::npos) << r.Describe();
    EXPECT_EQ(Lower(r.err).find("wrong passphrase"), std::string::npos) << r.Describe();
    EXPECT_FALSE(std::filesystem::exists(nowhere)) << "a failed command created the home";
  }
}

// A relay that is down: sync fails cleanly, the outbox survives, and the
// check-in leaves once the relay is back.
TEST_F(ErrorsTest, SyncWithRelayDownKeepsOutbox) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  const int port = relay_port_;
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
  ASSERT_NO_FATAL_FAILURE(StopRelay());

  RunResult r = WpIn(H, {"checkin", "crossed", "--note", "-"}, "waiting for the relay");
  WP_ASSERT_OK(r);
  const std::string id = r.out.substr(0, r.out.find('\n'));
  for (int i = 0; i < 2; ++i) {
    r = Wp(H, {"sync", "--json"}, {}, std::chrono::seconds(60));
    EXPECT_FALSE(r.timed_out) << r.Describe();
    EXPECT_FAILS_WITH_ERROR_LINE(r);  // the one-line rule: SyncFailureIsOneStderrLine
    EXPECT_TRUE(r.out.empty()) << r.Describe();
    std::vector<json> mine = InboxEntries(H, id);
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].value("state", ""), "queued") << "a failed sync must leave it queued";
  }

  // The same relay (same home, same key, same port) comes back.
  ASSERT_NO_FATAL_FAILURE(StartRelay(R, "127.0.0.1:" + std::to_string(port)));
  r = Wp(H, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("uploaded", 0), 1);
  std::vector<json> mine = InboxEntries(H, id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("state", ""), "relayed");
  r = Wp(C, {"sync"});
  WP_ASSERT_OK(r);
  std::vector<json> got = InboxEntries(C, id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("text", ""), "waiting for the relay");
}

// A relay address whose key is not the relay's: the sync must fail (no one
// can stand in for a relay), and nothing is marked relayed.
TEST_F(ErrorsTest, SyncWithWrongRelayKeyFails) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  const std::string impostor =
      "wpr1:" + std::string(64, '1') + "@127.0.0.1:" + std::to_string(relay_port_);
  RunResult r = Wp(H, {"sync", impostor});
  EXPECT_FAILS_WITH_ERROR_LINE(r);  // the one-line rule: SyncFailureIsOneStderrLine
  r = Wp(H, {"sync", "--json"});    // the saved, right one
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("uploaded", 0), 1) << "the join request was still queued";
}

// README, "Exit codes": a failure prints ONE line on stderr. A sync whose only relay
// is unreachable, or is not who its address says, is such a failure.
TEST_F(ErrorsTest, SyncFailureIsOneStderrLine) {
  const std::string H = Home("helper");
  RunResult r = Wp(H, {"init", "--name", "Helper", "--kdf", "interactive"});
  WP_ASSERT_OK(r);
  // Nothing listens on the discard port on loopback.
  const std::string down = "wpr1:" + std::string(64, 'a') + "@127.0.0.1:9";
  r = Wp(H, {"sync", down});
  EXPECT_ONE_ERROR_LINE(r);
  ASSERT_NO_FATAL_FAILURE(StartRelay(Home("relay")));
  const std::string impostor =
      "wpr1:" + std::string(64, '1') + "@127.0.0.1:" + std::to_string(relay_port_);
  r = Wp(H, {"sync", impostor});
  EXPECT_ONE_ERROR_LINE(r);
  EXPECT_TRUE(relay_.Alive());
}

// An invite with one character changed (a typo, an autocorrect) is refused
// at `join` by its checksum, not accepted into an enrollment that can never
// complete.
TEST_F(ErrorsTest, AlteredInviteIsRefused) {
  const std::string C = Home("coord"), H = Home("helper");
  std::string altered;
  ASSERT_NO_FATAL_FAILURE(InviteWithoutRelay(C, H, &altered));
  RunResult r;
  for (size_t at : {size_t(12), size_t(40), altered.size() / 2, altered.size() - 1}) {
    std::string typo = altered;
    typo[at] = typo[at] == 'A' ? 'B' : 'A';
    r = WpIn(H, {"join"}, typo);
    EXPECT_ONE_ERROR_LINE(r);
    EXPECT_NE(r.err.find("malformed invite code"), std::string::npos) << r.err;
    // Inside the code every letter decodes, so only the checksum can catch
    // it; the last letter may instead break the base64 padding bits.
    if (at + 1 < altered.size()) {
      EXPECT_NE(r.err.find("wrong or missing"), std::string::npos) << r.err;
    }
  }
  r = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r), json::array());
}

}  // namespace
}  // namespace waypost::testing
