// Duress (SECURITY.md, "Coercion") end to end, with separate processes and a
// real relay on loopback: `duress set`, the decoy a duress passphrase opens,
// the hidden flag on everything sent under duress, the coordinator's inbox,
// board and ack, the sticky duress state of the main store, and what a
// captor can do from the decoy. Timings are never asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;

constexpr const char* kCoordName = "Coord";
constexpr const char* kHelperName = "Helper";
constexpr const char* kInviteName = "Amira";  // the coordinator's name for the helper
constexpr const char* kAdvice = "do not contact the device directly";

constexpr const char* kDuress = "a duress passphrase for the checkpoint";
constexpr const char* kDuress2 = "another duress passphrase for a captor";
constexpr const char* kDuress3 = "a rotated duress passphrase from the decoy";
constexpr const char* kRotated = "the rotated normal passphrase of the helper";

EnvChanges As(const std::string& passphrase) { return {{"WAYPOST_PASSPHRASE", passphrase}}; }
EnvChanges AsDuress() { return As(kDuress); }
EnvChanges WithNew(const std::string& next) { return {{"WAYPOST_NEW_PASSPHRASE", next}}; }
EnvChanges AsWithNew(const std::string& current, const std::string& next) {
  return {{"WAYPOST_PASSPHRASE", current}, {"WAYPOST_NEW_PASSPHRASE", next}};
}

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

bool SaysIt(const std::string& text) {
  const std::string lower = Lower(text);
  return lower.find("duress") != std::string::npos || lower.find("decoy") != std::string::npos;
}

// In JSON output, every value (and every key but the schema's own "duress"
// and "advice", which every store's `inbox --json` has) is checked; those
// two must say "not under duress".
void ExpectJsonGivesNothingAway(const json& j, const std::string& where,
                                std::vector<std::string>& problems) {
  if (j.is_string()) {
    if (SaysIt(j.get<std::string>())) problems.push_back(where + ": " + j.dump());
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      ExpectJsonGivesNothingAway(j[i], where + "[" + std::to_string(i) + "]", problems);
    }
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (key == "duress") {
        if (value != json(false)) problems.push_back(where + ".duress = " + value.dump());
      } else if (key == "advice") {
        if (!value.is_null()) problems.push_back(where + ".advice = " + value.dump());
      } else if (SaysIt(key)) {
        problems.push_back(where + ": key " + key);
      } else {
        ExpectJsonGivesNothingAway(value, where + "." + key, problems);
      }
    }
  }
}

// Nothing said to whoever typed the duress passphrase may give it away:
// neither "duress" nor "decoy" in any case, on stdout or stderr.
void ExpectNothingGivesItAway(const RunResult& r, const std::string& what) {
  EXPECT_FALSE(SaysIt(r.err)) << what << ": " << r.Describe();
  const json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (r.out.empty() || j.is_discarded()) {
    EXPECT_FALSE(SaysIt(r.out)) << what << ": " << r.Describe();
    return;
  }
  std::vector<std::string> problems;
  ExpectJsonGivesNothingAway(j, "", problems);
  EXPECT_TRUE(problems.empty()) << what << ": " << ::testing::PrintToString(problems) << "\n"
                                << r.Describe();
}

// The keys of every object in a JSON array, sorted and deduplicated.
std::vector<std::string> EntryKeys(const json& arr) {
  std::vector<std::string> keys;
  for (const json& e : arr) {
    for (const auto& [k, v] : e.items()) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// The one entry of a JSON array whose `key` is `value`; null if none or many.
json Only(const json& arr, const std::string& key, const std::string& value) {
  json found = nullptr;
  int n = 0;
  if (!arr.is_array()) return found;
  for (const json& e : arr) {
    if (e.value(key, "") == value) {
      found = e;
      ++n;
    }
  }
  return n == 1 ? found : json(nullptr);
}

class DuressFlowTest : public IntegrationTest {
 protected:
  void SetUp() override {
    IntegrationTest::SetUp();
    R = Home("relay");
    C = Home("coord");
    H = Home("helper");
  }

  // Set in SetUp(): the temporary directory exists only from then on.
  std::string R, C, H;

  // Relay up; coordinator and helper enrolled, the welcome taken in, so the
  // helper's coordinator contact is active and nothing is pending anywhere.
  void Enroll() {
    ASSERT_NO_FATAL_FAILURE(StartRelay(R));
    ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, kCoordName, H, kHelperName, kInviteName));
    ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));  // the welcome goes up in the same sync
    RunResult r = Wp(H, {"sync", "--json"});
    WP_ASSERT_OK(r);
    ASSERT_EQ(Json(r).value("downloaded", 0), 1) << "the welcome: " << r.Describe();
    r = Wp(H, {"contacts", "--json"});
    WP_ASSERT_OK(r);
    const json contacts = Json(r);
    ASSERT_TRUE(contacts.is_array() && contacts.size() == 1) << r.out;
    ASSERT_EQ(contacts[0].value("state", ""), "active") << r.out;
  }

  // A check-in from `home` unlocked with `env`; returns the run (id on stdout).
  RunResult CheckIn(const std::string& home, const std::string& code, const std::string& note,
                    const EnvChanges& env = {}) {
    RunResult r = Wp(home, {"checkin", code, "--note", note}, env);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_FALSE(FirstLine(r.out).empty()) << r.Describe();
    return r;
  }

  // `sync --json` of `home`, asserting success; the parsed stats.
  json SyncJson(const std::string& home, const EnvChanges& env = {}) {
    RunResult r = Wp(home, {"sync", "--json"}, env);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return Json(r);
  }

  // The helper checks in (under `env`), both sides sync, and the
  // coordinator's inbox entry for that check-in.
  json CheckInAndFetch(const std::string& code, const std::string& note,
                       const EnvChanges& env = {}) {
    const std::string id = FirstLine(CheckIn(H, code, note, env).out);
    EXPECT_EQ(Wp(H, {"sync"}, env).exit_code, 0);
    EXPECT_EQ(Wp(C, {"sync"}).exit_code, 0);
    std::vector<json> got = InboxEntries(C, id);
    EXPECT_EQ(got.size(), 1u) << id;
    return got.empty() ? json::object() : got[0];
  }

  // Enrolls, sets kDuress, and a check-in under it reaches the coordinator.
  // Returns its id.
  std::string DuressCheckInArrives() {
    Enroll();
    EXPECT_EQ(Wp(H, {"duress", "set"}, WithNew(kDuress)).exit_code, 0);
    const std::string id = FirstLine(CheckIn(H, "safe", "fine", AsDuress()).out);
    EXPECT_EQ(Wp(H, {"sync"}, AsDuress()).exit_code, 0);
    EXPECT_EQ(Wp(C, {"sync"}).exit_code, 0);
    return id;
  }

  // The coordinator's one board entry for the helper.
  json BoardEntry() {
    RunResult r = Wp(C, {"board", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    const json board = Json(r);
    EXPECT_TRUE(board.is_array() && board.size() == 1) << r.out;
    return Only(board, "name", kInviteName);
  }
};

// 1. The whole story: a normal check-in, then a session under the duress
// passphrase that looks like a normal one to the captor, and the
// coordinator who learns about it.
TEST_F(DuressFlowTest, DecoySessionLooksNormalAndFlagsEverythingForTheCoordinator) {
  ASSERT_NO_FATAL_FAILURE(Enroll());

  // The helper also enrolled someone of its own, so "only coordinators" in
  // the decoy means something.
  const std::string S = Home("sub");
  RunResult r = Wp(H, {"invite", "--for", "Sub"});
  WP_ASSERT_OK(r);
  const std::string invite = FirstLine(r.out);
  WP_ASSERT_OK(Wp(S, {"init", "--name", "SubHelper", "--kdf", "interactive"}));
  WP_ASSERT_OK(Wp(S, {"join", invite}));
  WP_ASSERT_OK(Wp(S, {"sync"}));
  r = Wp(H, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("downloaded", 0), 1) << "the join request: " << r.Describe();

  // What the normal passphrase shows.
  const RunResult whoami = Wp(H, {"whoami"});
  WP_ASSERT_OK(whoami);
  const RunResult whoami_json = Wp(H, {"whoami", "--json"});
  WP_ASSERT_OK(whoami_json);
  r = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  ASSERT_EQ(Json(r).size(), 2u) << "the coordinator and Sub: " << r.out;

  // A normal check-in, relayed.
  const RunResult normal_checkin = CheckIn(H, "crossed", "at the ford");
  const std::string normal_id = FirstLine(normal_checkin.out);
  r = Wp(H, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  const json normal_inbox = Json(r);
  ASSERT_FALSE(Only(normal_inbox, "id", normal_id).is_null()) << r.out;
  const RunResult normal_sync = Wp(H, {"sync"});
  WP_ASSERT_OK(normal_sync);
  EXPECT_EQ(normal_sync.out, "uploaded 1, downloaded 0\n") << normal_sync.Describe();

  WP_ASSERT_OK(Wp(H, {"duress", "set"}, WithNew(kDuress)));

  // The captor's session: everything it prints is checked.
  std::vector<std::pair<std::string, RunResult>> captor;
  auto run = [&](const std::vector<std::string>& args) {
    RunResult res = Wp(H, args, AsDuress());
    std::string what;
    for (const std::string& a : args) what += (what.empty() ? "" : " ") + a;
    captor.emplace_back(what, res);
    return res;
  };

  r = run({"whoami"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out, whoami.out) << "whoami must be byte-identical";
  EXPECT_EQ(r.err, whoami.err);
  r = run({"whoami", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out, whoami_json.out);

  r = run({"contacts", "--json"});
  WP_ASSERT_OK(r);
  json contacts = Json(r);
  ASSERT_TRUE(contacts.is_array()) << r.out;
  ASSERT_EQ(contacts.size(), 1u) << "only the coordinator: " << r.out;
  EXPECT_EQ(contacts[0].value("name", ""), kCoordName);
  EXPECT_EQ(contacts[0].value("role", ""), "coordinator");
  EXPECT_EQ(contacts[0].value("state", ""), "active");
  r = run({"contacts"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out.find("Sub"), std::string::npos) << r.out;

  r = run({"inbox", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r), json::array()) << "no history: " << r.out;
  r = run({"inbox"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out.find(normal_id), std::string::npos) << r.out;

  const RunResult duress_checkin = run({"checkin", "safe", "--note", "all fine here"});
  WP_ASSERT_OK(duress_checkin);
  const std::string duress_id = FirstLine(duress_checkin.out);
  ASSERT_FALSE(duress_id.empty());
  EXPECT_EQ(duress_checkin.out, duress_id + "\n") << "one id line";
  EXPECT_EQ(duress_checkin.out.size(), normal_checkin.out.size());
  EXPECT_EQ(duress_checkin.err, normal_checkin.err);
  EXPECT_NE(duress_id, normal_id);

  r = run({"inbox", "--json"});
  WP_ASSERT_OK(r);
  json own = Json(r);
  ASSERT_TRUE(own.is_array() && own.size() == 1) << "only what the decoy sent: " << r.out;
  EXPECT_EQ(own[0].value("id", ""), duress_id);
  EXPECT_EQ(own[0].value("duress", true), false) << "the decoy shows no flag: " << r.out;
  EXPECT_TRUE(own[0].at("advice").is_null()) << r.out;
  EXPECT_EQ(EntryKeys(own), EntryKeys(normal_inbox)) << "the same fields as the main store's";

  const RunResult duress_sync = run({"sync"});
  WP_ASSERT_OK(duress_sync);
  EXPECT_EQ(duress_sync.out, normal_sync.out);
  EXPECT_EQ(duress_sync.err, normal_sync.err);

  r = run({"inbox"});
  WP_ASSERT_OK(r);
  r = run({"relays", "list"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.out.find(relay_address_), std::string::npos) << r.out;

  for (const auto& [what, res] : captor) ExpectNothingGivesItAway(res, what);

  // The coordinator learns about it.
  json stats = SyncJson(C);
  EXPECT_EQ(stats.value("downloaded", 0), 2) << stats;
  EXPECT_EQ(stats.value("rejected", -1), 0) << stats;

  std::vector<json> got = InboxEntries(C, normal_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("code", ""), "crossed");
  EXPECT_EQ(got[0].value("duress", true), false);
  EXPECT_TRUE(got[0].at("advice").is_null()) << got[0];

  got = InboxEntries(C, duress_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("direction", ""), "in");
  EXPECT_EQ(got[0].value("kind", ""), "checkin");
  EXPECT_EQ(got[0].value("peer", ""), kInviteName);
  EXPECT_EQ(got[0].value("code", ""), "safe");
  EXPECT_EQ(got[0].value("text", ""), "all fine here");
  EXPECT_EQ(got[0].value("duress", false), true) << got[0];
  EXPECT_EQ(got[0].value("advice", ""), kAdvice) << got[0];

  const json entry = BoardEntry();
  ASSERT_FALSE(entry.is_null());
  EXPECT_EQ(entry.value("state", ""), "duress") << entry;
  ASSERT_TRUE(entry.at("alert").is_number_integer()) << entry;
  const int64_t alert = entry.at("alert").get<int64_t>();
  EXPECT_GE(alert, 1);
  EXPECT_EQ(entry.value("advice", ""), kAdvice) << entry;

  const std::string alert_line =
      "DURESS: " + std::string(kInviteName) + " since ";
  const std::string alert_tail = "(alert " + std::to_string(alert) + "): " + kAdvice;
  r = Wp(C, {"board"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.out.find("DURESS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(kAdvice), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(alert_line), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(alert_tail), std::string::npos) << r.out;

  r = Wp(C, {"inbox"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.out.find("[DURESS]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(alert_line), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(alert_tail), std::string::npos) << r.out;
  // Only the duress check-in carries the mark.
  size_t marks = 0;
  for (size_t at = r.out.find("[DURESS]"); at != std::string::npos;
       at = r.out.find("[DURESS]", at + 1)) {
    ++marks;
  }
  EXPECT_EQ(marks, 1u) << r.out;

  // The captor sees its check-in delivered, then confirmed, as usual.
  r = run({"sync"});
  WP_ASSERT_OK(r);
  {
    RunResult in = run({"inbox", "--json"});
    WP_ASSERT_OK(in);
    const json e = Only(Json(in), "id", duress_id);
    ASSERT_FALSE(e.is_null()) << in.out;
    EXPECT_EQ(e.value("state", ""), "delivered") << in.out;
  }
  WP_ASSERT_OK(Wp(C, {"confirm", duress_id}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  r = run({"sync"});
  WP_ASSERT_OK(r);
  {
    RunResult in = run({"inbox", "--json"});
    WP_ASSERT_OK(in);
    const json e = Only(Json(in), "id", duress_id);
    ASSERT_FALSE(e.is_null()) << in.out;
    EXPECT_EQ(e.value("state", ""), "confirmed") << in.out;
  }
  r = run({"inbox"});
  WP_ASSERT_OK(r);
  for (const auto& [what, res] : captor) ExpectNothingGivesItAway(res, what);

  // Sub was never told anything, and the helper's main store still has it.
  r = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).size(), 2u) << r.out;
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// 2. A duress check-in and a normal one with the same code and note are the
// same size on the wire: what the helper sends, and what the relay hands the
// coordinator.
TEST_F(DuressFlowTest, DuressCheckinIsTheSameSizeOnTheWire) {
  ASSERT_NO_FATAL_FAILURE(Enroll());
  const std::string code = "crossed", note = "group of four, all well";

  const std::string normal_id = FirstLine(CheckIn(H, code, note).out);
  const json normal_up = SyncJson(H);
  ASSERT_EQ(normal_up.value("uploaded", -1), 1) << normal_up;
  const json normal_down = SyncJson(C);
  ASSERT_EQ(normal_down.value("downloaded", -1), 1) << normal_down;
  ASSERT_EQ(InboxEntries(C, normal_id).size(), 1u);

  WP_ASSERT_OK(Wp(H, {"duress", "set"}, WithNew(kDuress)));
  const std::string duress_id = FirstLine(CheckIn(H, code, note, AsDuress()).out);
  const json duress_up = SyncJson(H, AsDuress());
  ASSERT_EQ(duress_up.value("uploaded", -1), 1) << duress_up;
  const json duress_down = SyncJson(C);
  ASSERT_EQ(duress_down.value("downloaded", -1), 1) << duress_down;

  std::vector<json> got = InboxEntries(C, duress_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("duress", false), true);
  got = InboxEntries(C, normal_id);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value("duress", true), false);

  // Each helper sync uploaded exactly one check-in (and nothing else).
  EXPECT_EQ(normal_up.value("round_trips", -1), duress_up.value("round_trips", -2));
  EXPECT_EQ(normal_up.value("bytes_sent", int64_t(-1)), duress_up.value("bytes_sent", int64_t(-2)))
      << "normal " << normal_up << " vs duress " << duress_up;
  // Each coordinator sync downloaded exactly that check-in and sent back one
  // receipt: what the relay answered has the same size.
  EXPECT_EQ(normal_down.value("round_trips", -1), duress_down.value("round_trips", -2));
  EXPECT_EQ(normal_down.value("bytes_received", int64_t(-1)),
            duress_down.value("bytes_received", int64_t(-2)))
      << "normal " << normal_down << " vs duress " << duress_down;
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// 3. The main store stays under duress after the decoy was used, until the
// coordinator's ack reaches it.
TEST_F(DuressFlowTest, NormalUnlockKeepsFlaggingUntilTheAckArrives) {
  ASSERT_NO_FATAL_FAILURE(Enroll());
  const std::string first_id = FirstLine(CheckIn(H, "start", "leaving now").out);
  WP_ASSERT_OK(Wp(H, {"sync"}));

  WP_ASSERT_OK(Wp(H, {"duress", "set"}, WithNew(kDuress)));
  const std::string duress_id = FirstLine(CheckIn(H, "safe", "all fine", AsDuress()).out);
  WP_ASSERT_OK(Wp(H, {"sync"}, AsDuress()));

  // Back with the normal passphrase: the full store, and still flagged.
  RunResult r = Wp(H, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).size(), 1u) << "the main store's history, without the decoy's: " << r.out;
  EXPECT_EQ(InboxEntries(H, first_id).size(), 1u);
  EXPECT_TRUE(InboxEntries(H, duress_id).empty());
  const std::string after_id = FirstLine(CheckIn(H, "crossed", "across the river").out);
  WP_ASSERT_OK(Wp(H, {"sync"}));
  const std::string again_id = FirstLine(CheckIn(H, "resting", "a second unlock").out);
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

  r = Wp(C, {"ack", std::to_string(alert), "--note", "called the safe house"});
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
  r = Wp(C, {"ack", kInviteName, "--note", "resolved"});
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
  const std::string decoy_id = FirstLine(CheckIn(H, "still", "fine", AsDuress()).out);
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

// 4. What a captor can do from the decoy says the same as it would from the
// main store, and changes nothing the helper relies on.
TEST_F(DuressFlowTest, CaptorActionsFromTheDecoyLookNormalAndKeepTheMainStore) {
  ASSERT_NO_FATAL_FAILURE(Enroll());
  const std::string history_id = FirstLine(CheckIn(H, "crossed", "history").out);
  WP_ASSERT_OK(Wp(H, {"sync"}));
  const RunResult whoami = Wp(H, {"whoami"});
  WP_ASSERT_OK(whoami);

  const RunResult set_normal = Wp(H, {"duress", "set"}, WithNew(kDuress));
  WP_ASSERT_OK(set_normal);
  EXPECT_TRUE(set_normal.out.empty()) << set_normal.Describe();
  EXPECT_FALSE(set_normal.err.empty());

  // From the decoy, yet another duress passphrase: the same words.
  const RunResult set_decoy = Wp(H, {"duress", "set"}, AsWithNew(kDuress, kDuress2));
  WP_ASSERT_OK(set_decoy);
  EXPECT_EQ(set_decoy.out, set_normal.out);
  EXPECT_EQ(set_decoy.err, set_normal.err);

  // The same refusals too.
  const RunResult same_normal = Wp(H, {"duress", "set"}, WithNew(kPassphrase));
  const RunResult same_decoy = Wp(H, {"duress", "set"}, AsWithNew(kDuress, kDuress));
  EXPECT_EQ(same_normal.exit_code, 1) << same_normal.Describe();
  EXPECT_EQ(same_decoy.exit_code, same_normal.exit_code) << same_decoy.Describe();
  EXPECT_EQ(same_decoy.err, same_normal.err);

  // passwd --rotate: from the main store, then from the decoy.
  const RunResult rotate_normal = Wp(H, {"passwd", "--rotate"}, WithNew(kRotated));
  WP_ASSERT_OK(rotate_normal);
  EXPECT_TRUE(rotate_normal.out.empty()) << rotate_normal.Describe();
  EXPECT_FALSE(rotate_normal.err.empty());
  const RunResult rotate_decoy = Wp(H, {"passwd", "--rotate"}, AsWithNew(kDuress, kDuress3));
  WP_ASSERT_OK(rotate_decoy);
  EXPECT_EQ(rotate_decoy.out, rotate_normal.out);
  EXPECT_EQ(rotate_decoy.err, rotate_normal.err);

  for (const RunResult* res : {&set_decoy, &same_decoy, &rotate_decoy}) {
    EXPECT_EQ(Lower(res->err).find("decoy"), std::string::npos) << res->Describe();
  }

  // The old passphrases no longer open anything.
  for (const char* old : {kPassphrase, kDuress}) {
    RunResult r = Wp(H, {"whoami"}, As(old));
    EXPECT_EQ(r.exit_code, 1) << old << ": " << r.Describe();
    EXPECT_NE(r.err.find("wrong passphrase"), std::string::npos) << r.Describe();
  }

  // The rotated normal passphrase opens the full store, history intact.
  RunResult r = Wp(H, {"whoami"}, As(kRotated));
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out, whoami.out);
  r = Wp(H, {"inbox", "--json"}, As(kRotated));
  WP_ASSERT_OK(r);
  json inbox = Json(r);
  ASSERT_TRUE(inbox.is_array()) << r.out;
  EXPECT_FALSE(Only(inbox, "id", history_id).is_null()) << "history intact: " << r.out;

  // Both remaining duress passphrases open the decoy.
  for (const char* duress : {kDuress2, kDuress3}) {
    SCOPED_TRACE(duress);
    r = Wp(H, {"whoami"}, As(duress));
    WP_ASSERT_OK(r);
    EXPECT_EQ(r.out, whoami.out);
    r = Wp(H, {"inbox", "--json"}, As(duress));
    WP_ASSERT_OK(r);
    EXPECT_EQ(Json(r), json::array()) << r.out;
    r = Wp(H, {"contacts", "--json"}, As(duress));
    WP_ASSERT_OK(r);
    EXPECT_EQ(Json(r).size(), 1u) << r.out;
  }

  // And it all still flows: the decoy's check-in reaches the coordinator
  // flagged, and so does the main store's next one.
  const std::string decoy_id = FirstLine(CheckIn(H, "safe", "fine", As(kDuress3)).out);
  WP_ASSERT_OK(Wp(H, {"sync"}, As(kDuress3)));
  const std::string main_id = FirstLine(CheckIn(H, "onward", "still", As(kRotated)).out);
  WP_ASSERT_OK(Wp(H, {"sync"}, As(kRotated)));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  for (const std::string& id : {decoy_id, main_id}) {
    std::vector<json> got = InboxEntries(C, id);
    ASSERT_EQ(got.size(), 1u) << id;
    EXPECT_EQ(got[0].value("duress", false), true) << got[0];
  }
  r = Wp(H, {"inbox", "--json"}, As(kRotated));
  WP_ASSERT_OK(r);
  EXPECT_FALSE(Only(Json(r), "id", history_id).is_null()) << r.out;
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// `duress set` from a decoy opened with a passphrase that was itself added
// from the decoy (SECURITY.md: `duress set` works as usual from the decoy and
// prints the same text as from the main store).
TEST_F(DuressFlowTest, DuressSetFromADecoyOpenedByAnAddedPassphraseLooksNormal) {
  WP_ASSERT_OK(Wp(H, {"init", "--name", kHelperName, "--kdf", "interactive"}));
  const RunResult whoami = Wp(H, {"whoami"});
  WP_ASSERT_OK(whoami);
  const RunResult set_normal = Wp(H, {"duress", "set"}, WithNew(kDuress));
  WP_ASSERT_OK(set_normal);
  const RunResult set_added = Wp(H, {"duress", "set"}, AsWithNew(kDuress, kDuress2));
  WP_ASSERT_OK(set_added);
  EXPECT_EQ(set_added.err, set_normal.err);

  // The captor, holding only kDuress2, sets one more.
  const RunResult set_again = Wp(H, {"duress", "set"}, AsWithNew(kDuress2, kDuress3));
  EXPECT_EQ(set_again.exit_code, 0) << set_again.Describe();
  EXPECT_EQ(set_again.out, set_normal.out);
  EXPECT_EQ(set_again.err, set_normal.err);

  // The new one opens the decoy; the helper's own duress passphrase and the
  // captor's earlier one keep working.
  for (const char* duress : {kDuress3, kDuress, kDuress2}) {
    RunResult r = Wp(H, {"whoami"}, As(duress));
    EXPECT_EQ(r.exit_code, 0) << duress << ": " << r.Describe();
    EXPECT_EQ(r.out, whoami.out) << duress;
    r = Wp(H, {"inbox", "--json"}, As(duress));
    EXPECT_EQ(r.exit_code, 0) << duress << ": " << r.Describe();
    if (r.exit_code == 0) {
      EXPECT_EQ(Json(r), json::array()) << duress << ": " << r.out;
    }
  }
  // The normal passphrase still opens the store.
  RunResult r = Wp(H, {"whoami"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out, whoami.out);
}

}  // namespace
}  // namespace waypost::testing
