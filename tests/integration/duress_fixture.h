// The language of the duress tests (SECURITY.md "Coercion"): a relay, a
// coordinator and an enrolled helper as separate processes, the helper's
// passphrases, and checks that nothing said to whoever typed the duress
// passphrase gives it away. Built on tests/integration/harness.h.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing::duress_fixture {

using nlohmann::json;

inline constexpr const char* kCoordName = "Coord";
inline constexpr const char* kHelperName = "Helper";
inline constexpr const char* kInviteName = "Amira";  // the coordinator's name for the helper
inline constexpr const char* kAdvice = "do not contact the device directly";

inline constexpr const char* kDuress = "a duress passphrase for the checkpoint";

inline EnvChanges As(const std::string& passphrase) { return {{"WAYPOST_PASSPHRASE", passphrase}}; }
inline EnvChanges AsDuress() { return As(kDuress); }
inline EnvChanges WithNew(const std::string& next) { return {{"WAYPOST_NEW_PASSPHRASE", next}}; }

inline std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

inline bool SaysIt(const std::string& text) {
  const std::string lower = Lower(text);
  return lower.find("duress") != std::string::npos || lower.find("decoy") != std::string::npos;
}

// In JSON output, every value (and every key but the schema's own "duress"
// and "advice", which every store's `inbox --json` has) is checked; those
// two must say "not under duress".
inline void ExpectJsonGivesNothingAway(const json& j, const std::string& where,
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
inline void ExpectNothingGivesItAway(const RunResult& r, const std::string& what) {
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

// The one entry of a JSON array whose `key` is `value`; null if none or many.
inline json Only(const json& arr, const std::string& key, const std::string& value) {
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
    RunResult r = WpIn(home, {"checkin", code, "--note", "-"}, note, env);
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
    const std::string id = FirstLine(CheckIn(H, "ok", "fine", AsDuress()).out);
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

}  // namespace waypost::testing::duress_fixture
