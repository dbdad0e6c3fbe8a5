// A fixture for multi-process tests: temporary homes, the real waypost
// binary, and a real relay process on loopback.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/process.h"
#include "tests/kit/temp_dir.h"

namespace waypost::testing {

inline constexpr const char* kPassphrase = "integration test passphrase";

// Asserts a waypost run exited 0, printing everything it said otherwise.
#define WP_ASSERT_OK(run) ASSERT_EQ((run).exit_code, 0) << "waypost failed: " << (run).Describe()

// A listening TCP socket on 127.0.0.1 with a free port (written to *port);
// the caller closes the returned fd. -1 on failure.
int ListenOnLoopback(int* port);

// Every regular file under `root`, recursively: relative path -> raw bytes.
std::map<std::string, std::string> SnapshotFiles(const std::string& root);

// Debian's `faketime`, to start a process's clock elsewhere.
inline constexpr const char* kFaketime = "/usr/bin/faketime";
// "YYYY-MM-DD hh:mm:ss" in UTC, as faketime takes an absolute start time.
std::string FaketimeDate(std::time_t t);

// Files under `root` whose raw bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& root, const std::string& needle);

class IntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // <tempdir>/<name>
  std::string Home(const std::string& name) const { return dir_.File(name); }
  const std::string& dir() const { return dir_.path(); }

  // Runs `waypost --home <home> args...` with the test passphrase.
  RunResult Wp(const std::string& home, const std::vector<std::string>& args,
               const EnvChanges& extra = {},
               std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Wp() with `input` on stdin: notes, messages and invite codes come this
  // way, never as arguments (README, "No text on the command line").
  RunResult WpIn(const std::string& home, const std::vector<std::string>& args,
                 const std::string& input, const EnvChanges& extra = {});
  // Runs waypost with exactly `args` (no --home added).
  RunResult WpRaw(const std::vector<std::string>& args, const EnvChanges& extra = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(30),
                  const std::string& input = "");

  // Starts `waypost --home <home> relay --listen <listen> <extra>...` and
  // waits for its address line. Sets relay_address_ and relay_port_. Fails
  // the test (fatal) if no address arrives within 15 s. The relay started
  // again with the same home keeps the teams ServeTeamOf gave it.
  void StartRelay(const std::string& home, const std::string& listen = "127.0.0.1:0",
                  const std::vector<std::string>& extra = {});
  // Starts `waypost --home <home> relay --listen <listen> <extra>...` in
  // `process` and returns the address it prints first; "" (with a test
  // failure) if none arrives within 15 s. Its stderr goes to <home>.err.
  std::string LaunchRelay(Process& process, const std::string& home, const std::string& listen,
                          const std::vector<std::string>& extra = {});
  // SIGTERM to the relay; asserts it stopped cleanly.
  void StopRelay();
  // Makes the relay StartRelay started serve `coord`'s team as well (a
  // relay serves only the teams it is told to, docs/protocol.md §11.5):
  // `team export` on `coord` into a file, then the relay restarts on the
  // same port and key with one more --team. CreateAndJoin calls it.
  virtual void ServeTeamOf(const std::string& coord);
  // `team export` on `coord` into <coord>.team; the file's path.
  std::string ExportTeam(const std::string& coord);

  // Parses stdout as JSON; a failure is reported and yields null.
  static nlohmann::json Json(const RunResult& r);

  // init coordinator and helper, coordinator adds the relay, invites
  // `invite_for`, the helper joins. No sync.
  void CreateAndJoin(const std::string& coord, const std::string& coord_name,
                     const std::string& helper, const std::string& helper_name,
                     const std::string& invite_for);
  // The helper syncs (join request up), then the coordinator syncs (takes it
  // in, queues its welcome).
  void SyncEnrollment(const std::string& coord, const std::string& helper);
  // One more helper for `coord`, who already has the relay: init `name`,
  // an invite for it, join, and syncs until its welcome is in.
  void EnrollHelper(const std::string& coord, const std::string& helper, const std::string& name);

  // The inbox entries (inbox --json of `home`) with this id.
  std::vector<nlohmann::json> InboxEntries(const std::string& home, const std::string& id);

  Process relay_;
  std::string relay_address_;
  int relay_port_ = 0;
  // How StartRelay started it, for ServeTeamOf's restart.
  std::string relay_home_;
  std::string relay_host_;
  std::vector<std::string> relay_extra_;

 private:
  TempDir dir_;
};

}  // namespace waypost::testing
