// Relays that admit only their teams' members (docs/protocol.md §11), with
// real processes on loopback: an outsider, even one carrying a member's
// envelopes, can neither upload nor fetch, and a relay told no team serves
// nobody.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class TeamTest : public IntegrationTest {
 protected:
  // A relay serving Coord's team, Amira enrolled through it.
  void SetUpTeam() {
    ASSERT_NO_FATAL_FAILURE(StartRelay(R));
    ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Amira", "Amira"));
    ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
    WP_ASSERT_OK(Wp(H, {"sync"}));  // the welcome, with the roster
  }

  // Whether the relay holds Amira's newest check-in: Coord syncs and says.
  int ReceivedByCoord() {
    RunResult r = Wp(C, {"sync", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return Json(r).value("downloaded", -1);
  }

  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
};

TEST_F(TeamTest, AnOutsiderCanNeitherUploadNorFetchButAMemberCan) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  // Amira's check-in goes onto a stick before any sync; an outsider who
  // knows the relay's address takes it, to pass it on.
  WP_ASSERT_OK(Wp(H, {"checkin", "crossed"}));
  const std::string stick = Home("stick") + ".wp";
  WP_ASSERT_OK(Wp(H, {"bundle", "export", stick}));
  const std::string O = Home("outsider");
  WP_ASSERT_OK(Wp(O, {"init", "--name", "Outsider", "--kdf", "interactive"}));
  WP_ASSERT_OK(Wp(O, {"relays", "add", relay_address_}));
  WP_ASSERT_OK(Wp(O, {"bundle", "import", stick}));

  RunResult refused = Wp(O, {"sync"});
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_EQ(Count(refused.err, "waypost: error:"), 1u) << refused.err;
  EXPECT_NE(refused.err.find("refused this node"), std::string::npos) << refused.err;
  EXPECT_EQ(ReceivedByCoord(), 0) << "the outsider's upload reached the relay";

  // An outsider with a team of its own (it made an invite) fares no better.
  WP_ASSERT_OK(Wp(O, {"invite"}));
  refused = Wp(O, {"sync"});
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_EQ(ReceivedByCoord(), 0);

  // The member's own sync goes through, and the check-in arrives once.
  WP_ASSERT_OK(Wp(H, {"sync"}));
  EXPECT_EQ(ReceivedByCoord(), 1);
}

TEST_F(TeamTest, ARelayToldNoTeamServesNobody) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  Process bare;
  const std::string bare_home = Home("bare-relay");
  const std::string address = LaunchRelay(bare, bare_home, "127.0.0.1:0");
  ASSERT_EQ(address.rfind("wpr1:", 0), 0u);
  EXPECT_NE(ReadText(bare_home + ".err").find("serving no team"), std::string::npos)
      << ReadText(bare_home + ".err");
  for (const std::string& member : {C, H}) {
    RunResult r = Wp(member, {"sync", address});
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.err.find("refused this node"), std::string::npos) << r.err;
  }
  RunResult stopped = bare.Stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
}

TEST_F(TeamTest, OnlyACoordinatorExportsItsTeamAndTheRelayChecksTheFile) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  RunResult r = Wp(C, {"team", "export"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out.rfind("wpteam1:", 0), 0u) << r.out;
  EXPECT_EQ(Count(r.out, "\n"), 1u) << "one line";

  r = Wp(H, {"team", "export"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("only a coordinator leads a team"), std::string::npos) << r.err;

  // A damaged file is refused before the relay serves anything.
  const std::string bad = Home("bad") + ".team";
  std::string text = Wp(C, {"team", "export"}).out;
  text[20] = text[20] == 'A' ? 'B' : 'A';
  WriteAll(bad, Bytes(text.begin(), text.end()));
  RunResult relay = WpRaw({"--home", Home("relay2"), "relay", "--listen", "127.0.0.1:0", "--kdf",
                           "interactive", "--team", bad},
                          {{"WAYPOST_PASSPHRASE", "relay passphrase"}});
  EXPECT_EQ(relay.exit_code, 1) << relay.Describe();
  EXPECT_NE(relay.err.find("--team " + bad), std::string::npos) << relay.err;
  EXPECT_EQ(Count(relay.err, "waypost: error:"), 1u) << relay.err;
}

// docs/protocol.md §11.6 with real processes: after `revoke`, the revoked
// helper's syncs are refused by the relay, the other helper's go on with no
// step of its own, and a check-in the revoked helper sealed before the
// revocation, arriving later by a stick, shows as revoked and counts for
// nothing.
TEST_F(TeamTest, ARevokedHelperIsRefusedWhileTheOthersGoOn) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  const std::string B = Home("bashir");
  ASSERT_NO_FATAL_FAILURE(EnrollHelper(C, B, "Bashir"));
  WP_ASSERT_OK(Wp(C, {"expect", "Amira", "--every", "6h"}));
  RunResult r;
  WP_ASSERT_OK(Wp(H, {"sync"}));

  // Amira checks in; the check-in leaves on a stick, not yet delivered.
  WP_ASSERT_OK(Wp(H, {"checkin", "crossed"}));
  const std::string stick = Home("stick") + ".wp";
  WP_ASSERT_OK(Wp(H, {"bundle", "export", stick}));

  // Without a terminal, revoke needs --yes; nothing changes without it.
  r = Wp(C, {"revoke", "Amira"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(Count(r.err, "waypost: error:"), 1u) << r.err;
  EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
  // Only a coordinator revokes.
  r = Wp(H, {"revoke", "Coord", "--yes"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("only a coordinator"), std::string::npos) << r.err;

  r = Wp(C, {"revoke", "amira", "--yes"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.err.find("Revoked Amira."), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("waypost sync"), std::string::npos) << r.err;
  WP_ASSERT_OK(Wp(C, {"sync"}));  // the new roster reaches the relay

  r = Wp(H, {"sync"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(Count(r.err, "waypost: error:"), 1u) << r.err;
  EXPECT_NE(r.err.find("no longer a member"), std::string::npos) << r.err;

  // Bashir did nothing about it, and goes on.
  WP_ASSERT_OK(Wp(B, {"checkin", "ok"}));
  r = Wp(B, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("uploaded", -1), 1) << r.Describe();
  EXPECT_EQ(ReceivedByCoord(), 1) << "Bashir's check-in, and nothing from Amira";

  // Amira's check-in arrives by the stick: shown, revoked, not counted.
  WP_ASSERT_OK(Wp(C, {"bundle", "import", stick}));
  r = Wp(C, {"inbox", "--json"});
  WP_ASSERT_OK(r);
  int revoked = 0;
  for (const nlohmann::json& m : Json(r)) {
    if (m.value("peer", "") != "Amira" || m.value("direction", "") != "in") continue;
    EXPECT_EQ(m.value("state", ""), "revoked") << m.dump();
    EXPECT_EQ(m.value("code", ""), "crossed") << m.dump();
    ++revoked;
  }
  EXPECT_EQ(revoked, 1) << r.out;
  r = Wp(C, {"board", "--json"});
  WP_ASSERT_OK(r);
  for (const nlohmann::json& e : Json(r)) {
    if (e.value("name", "") == "Amira") {
      EXPECT_EQ(e.value("state", ""), "revoked") << e.dump();
      EXPECT_TRUE(e["last_code"].is_null() || e.value("last_code", "") == "") << e.dump();
      EXPECT_TRUE(e["due_at"].is_null()) << e.dump();
    } else {
      EXPECT_EQ(e.value("name", ""), "Bashir");
      EXPECT_EQ(e.value("state", ""), "ok") << e.dump();
    }
  }
  r = Wp(C, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  for (const nlohmann::json& c : Json(r)) {
    EXPECT_EQ(c.value("state", ""), c.value("name", "") == "Amira" ? "revoked" : "active") << r.out;
  }
  // Nothing goes to Amira any more.
  r = WpIn(C, {"send", "--to", "Amira"}, "are you safe?");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("Amira is revoked"), std::string::npos) << r.err;
}

// Quiet: the relay goes on serving the revoked device, so its holder sees
// no change, while the coordinator marks what comes from it as revoked.
TEST_F(TeamTest, AQuietlyRevokedDeviceIsStillServedButItsCheckInsShowRevoked) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  const std::string roster_before = Wp(C, {"team", "export"}).out;
  RunResult r = Wp(C, {"revoke", "Amira", "--quiet", "--yes"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.err.find("Quiet"), std::string::npos) << r.err;
  EXPECT_EQ(Wp(C, {"team", "export"}).out, roster_before) << "the relay sees no change";
  WP_ASSERT_OK(Wp(C, {"sync"}));

  WP_ASSERT_OK(Wp(H, {"checkin", "ok"}));
  WP_ASSERT_OK(Wp(H, {"sync"}));
  EXPECT_EQ(ReceivedByCoord(), 1);
  const nlohmann::json inbox = Json(Wp(C, {"inbox", "--json"}));
  ASSERT_FALSE(inbox.empty());
  EXPECT_EQ(inbox.back().value("state", ""), "revoked") << inbox.dump();
  // No receipt goes back: Amira's check-in stays relayed, never delivered.
  WP_ASSERT_OK(Wp(C, {"sync"}));
  WP_ASSERT_OK(Wp(H, {"sync"}));
  const nlohmann::json status = Json(Wp(H, {"status", "--json"}));
  ASSERT_FALSE(status["checkins"].empty()) << status.dump();
  EXPECT_EQ(status["checkins"].back().value("state", ""), "relayed") << status.dump();
}

// Several coordinators (docs/protocol.md §12), each command its own process:
// Coord invites Carl as a coordinator; Amira is introduced to Carl, her
// check-in reaches both, and Coord's confirmation shows at Carl with who
// confirmed. Then Coord revokes Carl: Amira stops sending to him, and the
// relay refuses him.
TEST_F(TeamTest, ASecondCoordinatorSeesTheCheckInAndTheFirstsConfirmation) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  const std::string K = Home("carl");
  WP_ASSERT_OK(Wp(K, {"init", "--name", "Carl", "--kdf", "interactive"}));
  RunResult invite = Wp(C, {"invite", "--coordinator"});
  WP_ASSERT_OK(invite);
  EXPECT_NE(invite.err.find("coordinator of your team"), std::string::npos) << invite.err;
  // Joining it from a helper's home is refused, with one error line.
  RunResult wrong = WpIn(H, {"join"}, invite.out);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.Describe();
  EXPECT_EQ(Count(wrong.err, "waypost: error:"), 1u) << wrong.err;
  RunResult joined = WpIn(K, {"join"}, invite.out);
  WP_ASSERT_OK(joined);
  EXPECT_NE(joined.err.find("as a coordinator"), std::string::npos) << joined.err;
  WP_ASSERT_OK(Wp(K, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  RunResult welcomed = Wp(K, {"sync"});
  WP_ASSERT_OK(welcomed);
  EXPECT_NE(welcomed.out.find("Amira"), std::string::npos) << welcomed.Describe();
  RunResult introduced = Wp(H, {"sync"});
  WP_ASSERT_OK(introduced);
  EXPECT_NE(introduced.out.find("Carl ("), std::string::npos) << introduced.Describe();
  EXPECT_NE(introduced.out.find("was introduced by Coord"), std::string::npos);
  RunResult contacts = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(contacts);
  for (const auto& c : Json(contacts)) {
    EXPECT_EQ(c["role"], "coordinator") << contacts.out;  // Amira knows only coordinators
  }
  EXPECT_EQ(Json(contacts).size(), 2u) << contacts.out;

  RunResult checkin = WpIn(H, {"checkin", "crossed", "--note", "-"}, "all well\n");
  WP_ASSERT_OK(checkin);
  EXPECT_EQ(Count(checkin.out, "\n"), 2u) << "one id per coordinator: " << checkin.out;
  WP_ASSERT_OK(Wp(H, {"sync"}));
  WP_ASSERT_OK(Wp(K, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  RunResult at_coord = Wp(C, {"inbox", "--json"});
  WP_ASSERT_OK(at_coord);
  std::string id;
  for (const auto& m : Json(at_coord)) {
    if (m["kind"] == "checkin" && m["direction"] == "in") id = m["id"];
  }
  ASSERT_FALSE(id.empty()) << at_coord.out;
  WP_ASSERT_OK(WpIn(C, {"confirm", id, "--note", "-"}, "welcome\n"));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  WP_ASSERT_OK(Wp(K, {"sync"}));
  RunResult at_carl = Wp(K, {"inbox", "--json"});
  WP_ASSERT_OK(at_carl);
  int confirmed = 0;
  for (const auto& m : Json(at_carl)) {
    if (m["kind"] != "checkin") continue;
    EXPECT_EQ(m["peer"], "Amira");
    EXPECT_EQ(m["text"], "all well");
    EXPECT_EQ(m["state"], "confirmed") << at_carl.out;
    EXPECT_EQ(m["confirmed_by"], "Coord") << at_carl.out;
    EXPECT_EQ(m["confirm_note"], "welcome") << at_carl.out;
    ++confirmed;
  }
  EXPECT_EQ(confirmed, 1) << at_carl.out;
  RunResult table = Wp(K, {"inbox"});
  EXPECT_NE(table.out.find("confirmed by Coord"), std::string::npos) << table.out;

  // Carl is revoked: Amira learns it from the roster, and he is refused.
  WP_ASSERT_OK(Wp(C, {"revoke", "Carl", "--yes"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  RunResult told = Wp(H, {"sync"});
  WP_ASSERT_OK(told);
  EXPECT_NE(told.out.find("Carl is revoked"), std::string::npos) << told.Describe();
  RunResult after = Wp(H, {"checkin", "ok"});
  WP_ASSERT_OK(after);
  EXPECT_EQ(Count(after.out, "\n"), 1u) << "to Coord alone: " << after.out;
  RunResult refused = Wp(K, {"sync"});
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_EQ(Count(refused.err, "waypost: error:"), 1u) << refused.err;
  EXPECT_NE(refused.err.find("no longer a member"), std::string::npos) << refused.err;
}

// docs/protocol.md §11.7, with real processes: Amira does not sync while
// Carl joins as a coordinator and enrolls Bea, so every newer roster is
// signed under a list of coordinators her roster does not hold. A relay
// set up now from a team file with the newest roster alone cannot show her
// the way: one clear error, and her store is as it was. One set up from
// Carl's whole `team export` (the step that added him, then the newest)
// can: she syncs, holds the newest roster, and is admitted.
TEST_F(TeamTest, AHelperBehindACoordinatorChangeCatchesUpAtARelaySetUpLater) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  const std::string K = Home("carl");
  WP_ASSERT_OK(Wp(K, {"init", "--name", "Carl", "--kdf", "interactive"}));
  RunResult invite = Wp(C, {"invite", "--coordinator"});
  WP_ASSERT_OK(invite);
  WP_ASSERT_OK(WpIn(K, {"join"}, invite.out));
  WP_ASSERT_OK(Wp(K, {"sync"}));
  WP_ASSERT_OK(Wp(C, {"sync"}));
  WP_ASSERT_OK(Wp(K, {"sync"}));
  ASSERT_NO_FATAL_FAILURE(EnrollHelper(K, Home("bea"), "Bea"));

  RunResult exported = Wp(K, {"team", "export"});
  WP_ASSERT_OK(exported);
  ASSERT_EQ(Count(exported.out, "wpteam1:"), 2u) << "the step, then the newest: " << exported.out;
  const std::string newest_only = Home("newest") + ".team";
  const std::string newest_line = exported.out.substr(exported.out.rfind("wpteam1:"));
  WriteAll(newest_only, Bytes(newest_line.begin(), newest_line.end()));
  const std::string whole = Home("whole") + ".team";
  WriteAll(whole, Bytes(exported.out.begin(), exported.out.end()));

  RunResult before = Wp(H, {"status", "--json"});
  WP_ASSERT_OK(before);
  Process bare;
  const std::string bare_address =
      LaunchRelay(bare, Home("bare-relay"), "127.0.0.1:0", {"--team", newest_only});
  ASSERT_FALSE(bare_address.empty());
  RunResult stuck = Wp(H, {"sync", bare_address});
  EXPECT_EQ(stuck.exit_code, 1) << stuck.Describe();
  EXPECT_EQ(Count(stuck.err, "waypost: error:"), 1u) << stuck.err;
  EXPECT_NE(stuck.err.find("change of coordinators"), std::string::npos) << stuck.err;
  RunResult after = Wp(H, {"status", "--json"});
  WP_ASSERT_OK(after);
  EXPECT_EQ(after.out, before.out) << "nothing of her store changed";

  Process full;
  const std::string full_address =
      LaunchRelay(full, Home("full-relay"), "127.0.0.1:0", {"--team", whole});
  ASSERT_FALSE(full_address.empty());
  WP_ASSERT_OK(Wp(H, {"sync", full_address}));
  // Now ahead of the bare relay, she shows it the way in turn.
  WP_ASSERT_OK(Wp(H, {"sync", bare_address}));
  WP_ASSERT_OK(Wp(H, {"sync"}));
  RunResult contacts = Wp(H, {"contacts", "--json"});
  WP_ASSERT_OK(contacts);
  EXPECT_NE(contacts.out.find("Carl"), std::string::npos) << contacts.out;
  EXPECT_EQ(contacts.out.find("Bea"), std::string::npos) << "helpers never see each other";
  for (Process* relay : {&bare, &full}) EXPECT_EQ(relay->Stop().exit_code, 0);
}

}  // namespace
}  // namespace waypost::testing
