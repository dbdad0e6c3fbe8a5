// `waypost panic --yes` across real processes (SECURITY.md, "A seized device"): it needs
// no passphrase, works while a relay holds the database open, leaves nothing
// under the home, and afterwards every command says there is no store.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class PanicTest : public IntegrationTest {
 protected:
  // Runs `panic --yes` with no passphrase anywhere in its environment.
  RunResult PanicYes(const std::string& home) {
    const auto start = std::chrono::steady_clock::now();
    RunResult r = Wp(home, {"panic", "--yes"}, {{"WAYPOST_PASSPHRASE", std::nullopt}});
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::cout << "[ panic    ] whole process: " << ms.count() << " ms\n";
    return r;
  }

  // Exit 1 with the "no store" error, and never a word about the passphrase.
  void ExpectNoStore(const std::string& home, const std::vector<std::string>& args,
                     const EnvChanges& env = {}) {
    RunResult r = Wp(home, args, env);
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    const std::vector<std::string> lines = r.ErrLines();
    ASSERT_EQ(lines.size(), 1u) << r.Describe();
    EXPECT_EQ(lines[0], "waypost: error: no store at " + home + "; run `waypost init` first")
        << args[0];
    EXPECT_FALSE(Has(r.err, "passphrase")) << r.Describe();
  }
};

TEST_F(PanicTest, WorksWhileARelayHoldsTheDatabaseOpen) {
  const std::string R = Home("relay");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_TRUE(std::filesystem::exists(R + "/waypost-a.db"));
  ASSERT_TRUE(std::filesystem::exists(R + "/waypost-b.db"));

  RunResult r = PanicYes(R);
  WP_ASSERT_OK(r);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.ErrLines(), std::vector<std::string>{"Store destroyed."});
  EXPECT_TRUE(SnapshotFiles(R).empty());

  ExpectNoStore(R, {"whoami"});
  StopRelay();  // it may run on its nameless files; stopping it writes nothing
  EXPECT_TRUE(SnapshotFiles(R).empty());

  r = Wp(R, {"init", "--name", "Fresh", "--kdf", "interactive"});
  WP_ASSERT_OK(r);
  WP_ASSERT_OK(Wp(R, {"whoami"}));
}

TEST_F(PanicTest, HelperAfterARealFlowKeepsNothing) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper");
  ASSERT_NO_FATAL_FAILURE(StartRelay(R));
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C, "Coord", H, "Helper", "Amira"));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C, H));
  WP_ASSERT_OK(Wp(H, {"sync"}));  // the welcome arrives
  WP_ASSERT_OK(WpIn(H, {"checkin", "crossed", "--note", "-"}, "group of 4, all well"));
  WP_ASSERT_OK(Wp(H, {"sync"}));
  const auto before = SnapshotFiles(H);
  ASSERT_TRUE(before.count("waypost.key") == 1 && before.count("waypost-a.db") == 1 &&
              before.count("waypost-b.db") == 1);

  WP_ASSERT_OK(PanicYes(H));
  EXPECT_TRUE(SnapshotFiles(H).empty());

  // Neither the right passphrase nor a wrong one gets past "no store".
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"whoami"},
                                             {"inbox"},
                                             {"contacts"},
                                             {"relays", "list"},
                                             {"sync"},
                                             {"checkin", "crossed"},
                                             {"send", "--to", "Coord"}}) {
    ExpectNoStore(H, args);
    ExpectNoStore(H, args, {{"WAYPOST_PASSPHRASE", "a wrong guess at it"}});
  }

  // The old database bytes put back without their key file open nothing.
  std::filesystem::create_directories(H);
  for (const char* name : {"waypost-a.db", "waypost-b.db"}) {
    std::ofstream out(H + "/" + name, std::ios::binary);
    out << before.at(name);
  }
  ExpectNoStore(H, {"whoami"});
  WP_ASSERT_OK(PanicYes(H));  // and panic clears such a leftover too
  EXPECT_TRUE(SnapshotFiles(H).empty());
}

TEST_F(PanicTest, WithoutYesIsAUsageErrorAndDestroysNothing) {
  const std::string H = Home("helper");
  WP_ASSERT_OK(Wp(H, {"init", "--name", "Helper", "--kdf", "interactive"}));
  const auto before = SnapshotFiles(H);

  RunResult r = Wp(H, {"panic"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(Has(r.err, "--yes")) << r.Describe();
  EXPECT_EQ(SnapshotFiles(H), before);
  WP_ASSERT_OK(Wp(H, {"whoami"}));
}

TEST_F(PanicTest, MissingStoreFailsThenInitWorks) {
  const std::string H = Home("nothing-here");
  RunResult r = PanicYes(H);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(r.ErrLines(), std::vector<std::string>{"waypost: error: no store at " + H});
  EXPECT_FALSE(std::filesystem::exists(H));

  WP_ASSERT_OK(Wp(H, {"init", "--name", "Helper", "--kdf", "interactive"}));
  WP_ASSERT_OK(PanicYes(H));
  WP_ASSERT_OK(Wp(H, {"init", "--name", "Again", "--kdf", "interactive"}));
  r = Wp(H, {"whoami"});
  WP_ASSERT_OK(r);
  EXPECT_TRUE(Has(r.out, "Again")) << r.Describe();
}

}  // namespace
}  // namespace waypost::testing
