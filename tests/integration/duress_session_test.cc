// A session under the duress passphrase (SECURITY.md "Coercion"), with
// separate processes and a real relay on loopback: it looks like a normal one
// to the captor, byte for byte where it can, and on the wire, while the
// coordinator's inbox and board show the hidden flag. Timings are never
// asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/duress_fixture.h"
#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;
using namespace duress_fixture;  // NOLINT: the fixture language

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

// The whole story: a normal check-in, then a session under the duress
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
  WP_ASSERT_OK(WpIn(S, {"join"}, invite));
  // A helper leads no team, so the relay would not serve S: the join
  // request goes by USB stick.
  const std::string stick = Home("stick") + ".wp";
  WP_ASSERT_OK(Wp(S, {"bundle", "export", stick}));
  r = Wp(H, {"bundle", "import", stick, "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("accepted", 0), 1) << "the join request: " << r.Describe();
  WP_ASSERT_OK(Wp(H, {"sync"}));  // the welcome to S goes up

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
  EXPECT_EQ(normal_sync.out, "Nothing new.\n") << normal_sync.Describe();

  WP_ASSERT_OK(Wp(H, {"duress", "set"}, WithNew(kDuress)));

  // The captor's session: everything it prints is checked.
  std::vector<std::pair<std::string, RunResult>> captor;
  auto run = [&](const std::vector<std::string>& args, const std::string& input = "") {
    RunResult res = WpIn(H, args, input, AsDuress());
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

  const RunResult duress_checkin = run({"checkin", "ok", "--note", "-"}, "all fine here");
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
  EXPECT_EQ(got[0].value("code", ""), "ok");
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

  const std::string alert_line = "DURESS: " + std::string(kInviteName) + " since ";
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

// A duress check-in and a normal one with the same code and note are the
// same size on the wire: what the helper sends, and what the relay hands the
// coordinator. Both helper syncs find a receipt waiting, as they would in
// the field; the decoy also fetches (and cannot open) what the main store
// took in earlier, which here still fits the same padded answer (SECURITY.md
// says when it does not).
TEST_F(DuressFlowTest, DuressCheckinIsTheSameSizeOnTheWire) {
  ASSERT_NO_FATAL_FAILURE(Enroll());
  const std::string code = "crossed", note = "group of four, all well";
  // An earlier check-in, so that a receipt waits for the next helper sync.
  CheckIn(H, "ok", "");
  ASSERT_EQ(SyncJson(H).value("uploaded", -1), 1);
  ASSERT_EQ(SyncJson(C).value("downloaded", -1), 1);

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

}  // namespace
}  // namespace waypost::testing
