// The coordinator's ack (SECURITY.md "Coercion"), with separate processes and
// a real relay on loopback: after the decoy was used, every normal unlock
// keeps flagging until the ack, by alert number or by name, reaches the main
// store; a decoy takes the ack in silently and stays flagged. Timings are
// never asserted.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/duress_fixture.h"
#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;
using namespace duress_fixture;  // NOLINT: the fixture language

// The main store stays under duress after the decoy was used, until the
// coordinator's ack reaches it.
TEST_F(DuressFlowTest, NormalUnlockKeepsFlaggingUntilTheAckArrives) {
  ASSERT_NO_FATAL_FAILURE(Enroll());
  const std::string first_id = FirstLine(CheckIn(H, "crossed", "leaving now").out);
  WP_ASSERT_OK(Wp(H, {"sync"}));

  WP_ASSERT_OK(Wp(H, {"duress", "set"}, WithNew(kDuress)));
  const std::string duress_id = FirstLine(CheckIn(H, "ok", "all fine", AsDuress()).out);
  WP_ASSERT_OK(Wp(H, {"sync"}, AsDuress()));

  // Back with the normal passphrase: the full store, and still flagged.
  RunResult r = Wp(H, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).size(), 1u) << "the main store's history, without the decoy's: " << r.out;
  EXPECT_EQ(InboxEntries(H, first_id).size(), 1u);
  EXPECT_TRUE(InboxEntries(H, duress_id).empty());
  const std::string after_id = FirstLine(CheckIn(H, "crossed", "across the river").out);
  WP_ASSERT_OK(Wp(H, {"sync"}));
  const std::string again_id = FirstLine(CheckIn(H, "delayed", "a second unlock").out);
  WP_ASSERT_OK(Wp(H, {"sync"}));

  json stats = SyncJson(C);
  EXPECT_EQ(stats.value("downloaded", 0), 4) << stats;
  for (const auto& [id, flagged] : std::vector<std::pair<std::string, bool>>{
           {first_id, false}, {duress_id, true}, {after_id, true}, {again_id, true}}) {
    std::vector<json> got = InboxEntries(C, id);
    ASSERT_EQ(got.size(), 1u) << id;
    EXPECT_EQ(got[0].value("duress", !flagged), flagged) << got[0];
  }
  json entry = BoardEntry();
  ASSERT_FALSE(entry.is_null());
  EXPECT_EQ(entry.value("state", ""), "duress") << entry;
  ASSERT_TRUE(entry.at("alert").is_number_integer()) << entry;
  const int64_t alert = entry.at("alert").get<int64_t>();

  // One episode, one alert.
  r = Wp(C, {"inbox"});
  WP_ASSERT_OK(r);
  size_t lines = 0;
  for (size_t at = r.out.find("DURESS: "); at != std::string::npos;
       at = r.out.find("DURESS: ", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << r.out;

  // An unknown alert is refused and changes nothing.
  r = Wp(C, {"ack", std::to_string(alert + 100)});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(BoardEntry().value("state", ""), "duress");

  r = WpIn(C, {"ack", std::to_string(alert), "--note", "-"}, "called the safe house");
  WP_ASSERT_OK(r);
  EXPECT_NE(r.err.find("Acknowledged alert " + std::to_string(alert)), std::string::npos)
      << r.Describe();
  entry = BoardEntry();
  EXPECT_EQ(entry.value("state", ""), "ok") << entry;
  EXPECT_TRUE(entry.at("alert").is_null()) << entry;
  EXPECT_TRUE(entry.at("advice").is_null()) << entry;
  r = Wp(C, {"inbox"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out.find("DURESS: "), std::string::npos) << "no open alert any more: " << r.out;
  r = Wp(C, {"ack", std::to_string(alert)});
  EXPECT_EQ(r.exit_code, 1) << "already acknowledged: " << r.Describe();

  stats = SyncJson(C);
  EXPECT_GE(stats.value("uploaded", 0), 1) << "the ack goes up: " << stats;

  // The helper's normal store takes the ack in.
  stats = SyncJson(H);
  EXPECT_GE(stats.value("downloaded", 0), 1) << stats;
  EXPECT_EQ(stats.value("rejected", -1), 0) << stats;

  const json clear = CheckInAndFetch("arrived", "at the shelter");
  EXPECT_EQ(clear.value("duress", true), false) << clear;
  EXPECT_TRUE(clear.value("advice", json("missing")).is_null()) << clear;

  entry = BoardEntry();
  EXPECT_EQ(entry.value("state", ""), "ok") << entry;
  EXPECT_TRUE(entry.at("alert").is_null()) << entry;
  EXPECT_EQ(entry.value("last_code", ""), "arrived") << entry;
  r = Wp(C, {"board"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out.find("DURESS"), std::string::npos) << r.out;
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// `ack NAME` works as `ack N` does.
TEST_F(DuressFlowTest, AckByNameEndsTheDuressState) {
  ASSERT_NO_FATAL_FAILURE(DuressCheckInArrives());
  EXPECT_EQ(BoardEntry().value("state", ""), "duress");

  RunResult r = Wp(C, {"ack", "Nobody"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  r = WpIn(C, {"ack", kInviteName, "--note", "-"}, "resolved");
  WP_ASSERT_OK(r);
  EXPECT_NE(r.err.find("Acknowledged alert"), std::string::npos) << r.Describe();
  EXPECT_EQ(BoardEntry().value("state", ""), "ok");
  WP_ASSERT_OK(Wp(C, {"sync"}));

  WP_ASSERT_OK(Wp(H, {"sync"}));  // normal unlock: takes the ack in
  const json clear = CheckInAndFetch("arrived", "done");
  EXPECT_EQ(clear.value("duress", true), false) << clear;
  EXPECT_EQ(BoardEntry().value("state", ""), "ok");
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// SECURITY.md: "A decoy takes an acknowledgement in silently and stays
// flagged." The ack still reaches the main store afterwards.
TEST_F(DuressFlowTest, DecoyTakesTheAckInSilentlyAndStaysFlagged) {
  std::string first_id;
  ASSERT_NO_FATAL_FAILURE(first_id = DuressCheckInArrives());
  const json entry = BoardEntry();
  ASSERT_TRUE(entry.at("alert").is_number_integer()) << entry;
  WP_ASSERT_OK(Wp(C, {"ack", std::to_string(entry.at("alert").get<int64_t>())}));
  WP_ASSERT_OK(Wp(C, {"sync"}));

  // The captor syncs first: the ack comes down to the decoy, which says
  // nothing about it and keeps flagging.
  RunResult r = Wp(H, {"sync"}, AsDuress());
  WP_ASSERT_OK(r);
  ExpectNothingGivesItAway(r, "sync");
  r = Wp(H, {"inbox"}, AsDuress());
  WP_ASSERT_OK(r);
  ExpectNothingGivesItAway(r, "inbox");
  r = Wp(H, {"inbox", "--json"}, AsDuress());
  WP_ASSERT_OK(r);
  ExpectNothingGivesItAway(r, "inbox --json");
  for (const json& m : Json(r)) {
    EXPECT_NE(m.value("kind", ""), "ack") << "an ack is never shown: " << r.out;
  }
  const std::string decoy_id = FirstLine(CheckIn(H, "ok", "fine", AsDuress()).out);
  WP_ASSERT_OK(Wp(H, {"sync"}, AsDuress()));

  // Then the helper's normal store syncs and takes the same ack in.
  WP_ASSERT_OK(Wp(H, {"sync"}));
  const std::string clear_id = FirstLine(CheckIn(H, "arrived", "done").out);
  WP_ASSERT_OK(Wp(H, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  std::vector<json> got = InboxEntries(C, first_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("duress", false), true) << got[0];
  got = InboxEntries(C, decoy_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("duress", false), true) << "the decoy stays flagged: " << got[0];
  got = InboxEntries(C, clear_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("duress", true), false) << "the main store got the ack: " << got[0];
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

}  // namespace
}  // namespace waypost::testing
