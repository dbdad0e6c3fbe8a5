// What a captor can do from the decoy (SECURITY.md "Coercion"), with separate
// processes and a real relay on loopback: `duress set` and `passwd --rotate`
// print what they print from the main store, the main store and its history
// survive, and everything sent afterwards still reaches the coordinator
// flagged. Timings are never asserted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/duress_fixture.h"
#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;
using namespace duress_fixture;  // NOLINT: the fixture language

constexpr const char* kDuress2 = "another duress passphrase for a captor";
constexpr const char* kDuress3 = "a rotated duress passphrase from the decoy";
constexpr const char* kRotated = "the rotated normal passphrase of the helper";

EnvChanges AsWithNew(const std::string& current, const std::string& next) {
  return {{"WAYPOST_PASSPHRASE", current}, {"WAYPOST_NEW_PASSPHRASE", next}};
}

// What a captor can do from the decoy says the same as it would from the
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
  const std::string decoy_id = FirstLine(CheckIn(H, "ok", "fine", As(kDuress3)).out);
  WP_ASSERT_OK(Wp(H, {"sync"}, As(kDuress3)));
  const std::string main_id = FirstLine(CheckIn(H, "arrived", "still", As(kRotated)).out);
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
