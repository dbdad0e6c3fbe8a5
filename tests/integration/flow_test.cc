// The whole check-in flow across separate processes: a relay, a coordinator
// and a helper, each its own `waypost` process per command, on loopback.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;

std::string FirstLine(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// Distinctive markers, so a plaintext leak cannot hide behind a false hit.
constexpr const char* kCoordName = "MarkerCoordName";
constexpr const char* kHelperName = "MarkerHelperName";
constexpr const char* kInviteName = "MarkerAmiraName";
constexpr const char* kCode = "crossed-river-marker";  // the team's own, added to the codebook
constexpr const char* kMeaning = "MarkerMeaning: crossed the river at the ford";
constexpr const char* kDefaultCode = "crossed";  // in every default codebook
constexpr const char* kNote = "MarkerNote: group of 4 crossed at the ford, all well";
constexpr const char* kSendText = "MarkerSendText: meet at the blue gate at dawn";
constexpr const char* kReplyText = "MarkerReplyText: understood, stay put";

class FlowTest : public IntegrationTest {};

// The README's walk-through end to end, then every file under every home is scanned for
// the plaintext it must never hold.
TEST_F(FlowTest, CheckinConfirmAndNoPlaintextAtRest) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, kCoordName, H, kHelperName, kInviteName));

  // Before the welcome arrives, the helper's coordinator contact is pending.
  RunResult r = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  json contacts = Json(r);
  ASSERT_TRUE(contacts.is_array() && contacts.size() == 1) << r.out;
  EXPECT_EQ(contacts[0].value("name", ""), kCoordName);
  EXPECT_EQ(contacts[0].value("role", ""), "coordinator");
  EXPECT_EQ(contacts[0].value("state", ""), "pending");

  // A code of the team's own: its codebook follows the welcome.
  WP_ASSERT_OK(WpIn(C, {"codes", "add", kCode}, kMeaning));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
  r = Wp(C, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  contacts = Json(r);
  ASSERT_TRUE(contacts.is_array() && contacts.size() == 1) << r.out;
  EXPECT_EQ(contacts[0].value("name", ""), kInviteName);
  EXPECT_EQ(contacts[0].value("role", ""), "helper");

  // The helper takes in the welcome and the team's codebook, and checks in
  // with the team's code and a note.
  WP_ASSERT_OK(Wp(H, {"sync"}));
  r = WpIn(H, {"checkin", kCode, "--note", "-"}, kNote);
  WP_ASSERT_OK(r);
  const std::string id = FirstLine(r.out);
  ASSERT_FALSE(id.empty()) << r.Describe();
  std::vector<json> mine = InboxEntries(H, id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("direction", ""), "out");
  EXPECT_EQ(mine[0].value("state", ""), "queued");

  r = Wp(H, {"sync", "--json"});
  WP_ASSERT_OK(r);
  json stats = Json(r);
  for (const char* field :
       {"uploaded", "downloaded", "bytes_sent", "bytes_received", "round_trips"}) {
    EXPECT_TRUE(stats.contains(field)) << "sync --json lacks " << field << ": " << r.out;
  }
  EXPECT_GE(stats.value("uploaded", 0), 1);
  mine = InboxEntries(H, id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("state", ""), "relayed");

  // The coordinator syncs and sees the check-in.
  r = Wp(C, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("downloaded", 0), 1) << r.Describe();
  std::vector<json> got = InboxEntries(C, id);
  ASSERT_EQ(got.size(), 1u) << "the coordinator should hold the check-in exactly once";
  EXPECT_EQ(got[0].value("direction", ""), "in");
  EXPECT_EQ(got[0].value("kind", ""), "checkin");
  EXPECT_EQ(got[0].value("peer", ""), kInviteName);
  EXPECT_EQ(got[0].value("code", ""), kCode);
  EXPECT_EQ(got[0].value("meaning", ""), kMeaning);
  EXPECT_EQ(got[0].value("text", ""), kNote);
  EXPECT_EQ(got[0].value("duress", true), false);
  EXPECT_EQ(got[0].value("test", true), false);
  for (const char* field : {"sent_at", "received_at", "state", "meaning"}) {
    EXPECT_TRUE(got[0].contains(field)) << "inbox entry lacks " << field;
  }

  // A free-text message each way.
  r = WpIn(H, {"send", "--to", kCoordName}, kSendText);
  WP_ASSERT_OK(r);
  r = WpIn(C, {"send", "--to", kInviteName}, kReplyText);
  WP_ASSERT_OK(r);

  // The coordinator confirms; the helper sees it.
  r = Wp(C, {"confirm", id});
  WP_ASSERT_OK(r);
  r = Wp(C, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("uploaded", 0), 1);
  r = Wp(H, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("downloaded", 0), 1);
  mine = InboxEntries(H, id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("state", ""), "confirmed");

  r = Wp(H, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  bool reply_seen = false;
  for (const json& m : Json(r)) {
    if (m.value("direction", "") == "in" && m.value("kind", "") == "text" &&
        m.value("text", "") == kReplyText) {
      reply_seen = true;
    }
  }
  EXPECT_TRUE(reply_seen) << "the helper should have the coordinator's message: " << r.out;

  r = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  contacts = Json(r);
  ASSERT_TRUE(contacts.is_array() && contacts.size() == 1) << r.out;
  EXPECT_EQ(contacts[0].value("state", ""), "active") << "the welcome should have arrived";

  // The coordinator picks up the helper's text.
  r = Wp(C, {"sync", "--json"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  bool text_seen = false;
  for (const json& m : Json(r)) {
    if (m.value("direction", "") == "in" && m.value("text", "") == kSendText) text_seen = true;
  }
  EXPECT_TRUE(text_seen) << r.out;

  // Nothing readable at rest: every byte of every file under every home.
  const std::vector<std::string> secrets = {
      kCoordName,   kHelperName,      kInviteName,  kCode,       kMeaning,
      kNote,        kSendText,        kReplyText,   kPassphrase, "MarkerMeaning",
      "MarkerNote", "MarkerSendText", "MarkerReply"};
  for (const std::string& home : {C, H, R}) {
    const auto files = SnapshotFiles(home);
    EXPECT_FALSE(files.empty()) << home;
    for (const std::string& secret : secrets) {
      const std::vector<std::string> hits = FilesContaining(home, secret);
      EXPECT_TRUE(hits.empty()) << "\"" << secret << "\" in plaintext under " << home << ": "
                                << ::testing::PrintToString(hits);
    }
  }
  // Only the owner may read a store's files.
  for (const std::string& home : {C, H, R}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(home)) {
      const auto perms = entry.status().permissions();
      EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
                std::filesystem::perms::none)
          << entry.path() << " is readable by others";
    }
  }
  // The relay never even learns the names, in any case.
  for (const char* name : {"Marker", "marker"}) {
    EXPECT_TRUE(FilesContaining(R, name).empty()) << name;
  }
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// Re-syncing changes nothing: the check-in is held exactly once.
TEST_F(FlowTest, ResyncDoesNotDuplicate) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, kCoordName, H, kHelperName, kInviteName));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
  RunResult r = WpIn(H, {"checkin", kDefaultCode, "--note", "-"}, kNote);
  WP_ASSERT_OK(r);
  const std::string id = FirstLine(r.out);
  r = Wp(H, {"sync"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"sync"});
  WP_ASSERT_OK(r);
  ASSERT_EQ(InboxEntries(C, id).size(), 1u);

  for (int i = 0; i < 2; ++i) {
    r = Wp(C, {"sync", "--json"});
    WP_ASSERT_OK(r);
    const json stats = Json(r);
    EXPECT_EQ(stats.value("downloaded", -1), 0) << "re-sync " << i << ": " << r.out;
    EXPECT_EQ(stats.value("rejected", 0), 0) << "re-sync " << i << ": " << r.out;
    EXPECT_EQ(InboxEntries(C, id).size(), 1u) << "after re-sync " << i;
  }
  // The helper re-syncing (nothing new to upload) changes nothing either.
  r = Wp(H, {"sync", "--json"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"sync"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  size_t checkins = 0;
  for (const json& m : Json(r)) {
    if (m.value("kind", "") == "checkin") ++checkins;
  }
  EXPECT_EQ(checkins, 1u) << r.out;
}

// The flow exactly as the README's walk-through runs it: the helper joins and checks in
// before anyone syncs, so the join request and the check-in reach the
// coordinator in the same sync. That one sync must show the check-in.
// Which of the two the relay returns first depends on their content ids, so
// this runs a few independent helpers to catch an order dependence.
TEST_F(FlowTest, CheckinQueuedBeforeEnrollmentArrivesInOneSync) {
  const std::string R = Home("relay");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE("helper " + std::to_string(i));
    const std::string C = Home("coord" + std::to_string(i)), H = Home("helper" + std::to_string(i));
    ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, kCoordName, H, kHelperName, kInviteName));
    RunResult r = WpIn(H, {"checkin", kDefaultCode, "--note", "-"}, kNote);
    WP_ASSERT_OK(r);
    const std::string id = FirstLine(r.out);
    r = Wp(H, {"sync", "--json"});
    WP_ASSERT_OK(r);
    EXPECT_EQ(Json(r).value("uploaded", 0), 2) << "join request and check-in: " << r.out;
    r = Wp(C, {"sync", "--json"});
    WP_ASSERT_OK(r);
    const json stats = Json(r);
    EXPECT_EQ(stats.value("rejected", 0), 0) << r.Describe();
    EXPECT_EQ(r.err.find("failed to authenticate"), std::string::npos) << r.Describe();
    EXPECT_EQ(InboxEntries(C, id).size(), 1u)
        << "the check-in should be in the coordinator's inbox after its first sync";
  }
}

}  // namespace
}  // namespace waypost::testing

namespace waypost::testing {
namespace {

// A peer's text may carry terminal escape sequences; the table view shows
// them defanged, and the JSON view keeps the exact text (escaped by JSON).
TEST_F(FlowTest, EscapeSequencesFromPeersNeverReachTheTerminal) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
  const std::string hostile =
      "ok \x1b]0;pwned\x07 \x1b[2J \xc2\x9b"
      "31m done";
  RunResult r = WpIn(H, {"send", "--to", "Coord"}, hostile);
  WP_ASSERT_OK(r);
  r = Wp(H, {"sync"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"sync"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"inbox"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x07'), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\xc2\x9b"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("done"), std::string::npos) << r.out;
  r = Wp(C, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  bool found = false;
  for (const auto& m : Json(r)) found = found || m.value("text", "") == hostile;
  EXPECT_TRUE(found) << r.out;
}

}  // namespace
}  // namespace waypost::testing
