// Forensics (issue 3, "No plaintext, anywhere"): after a scripted session
// with marker strings in names, codes, notes and messages, no file under the
// homes (a mule's too), the folder a bundle was written to, the session's
// TMPDIR or the system temp directory holds a marker in plaintext; no SQLite
// side file (-wal, -shm, -journal) is left behind; no command prints a
// marker that it has no reason to print; and a running waypost cannot be
// made to dump core.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

namespace fs = std::filesystem;

// Built at run time, so the compiler's own temporary files (say, a rebuild
// running beside the test) never hold a marker whole.
std::string Marker(const char* what) { return std::string("WpFx") + "7q" + what; }

const std::string kCoordName = Marker("CoordName");
const std::string kHelperName = Marker("HelperName");
const std::string kInviteName = Marker("InviteName");
// A code is lowercase letters, digits and '-': the marker, in that form.
const std::string kCode = "wpfx7q-code";
const std::string kMeaning = Marker("Meaning: safe at the orchard");
const std::string kNote = Marker("Note: four crossed at the ford");
const std::string kSendText = Marker("Send: meet at the blue gate");
const std::string kReplyText = Marker("Reply: understood, stay put");
const std::string kDuressNote = Marker("Duress: all fine, nothing to see");
const std::string kDuressPassphrase = Marker("duress passphrase, given at the checkpoint");
const std::vector<std::string> kMarkers = {
    kCoordName, kHelperName, kInviteName, kCode,       kMeaning,
    kNote,      kSendText,   kReplyText,  kDuressNote, kDuressPassphrase};
// What no command but a reading one prints: notes, messages, passphrases.
const std::vector<std::string> kSecretMarkers = {kNote, kSendText, kReplyText, kDuressNote,
                                                 kDuressPassphrase};

constexpr uintmax_t kMaxScannedFile = 64u << 20;

// Regular files under `root` (recursively, on root's filesystem only, as
// `find -xdev`: never into a mounted /proc) changed at or after `since`,
// whose bytes contain any marker. Unreadable files and directories, and
// files that vanish mid-scan, are skipped.
std::vector<std::string> Leaks(const std::string& root, fs::file_time_type since) {
  std::vector<std::string> hits;
  struct stat root_st {};
  if (::lstat(root.c_str(), &root_st) != 0) return hits;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    if (st.st_dev != root_st.st_dev) {
      if (S_ISDIR(st.st_mode)) it.disable_recursion_pending();
      continue;
    }
    if (!S_ISREG(st.st_mode) || uintmax_t(st.st_size) > kMaxScannedFile) continue;
    std::error_code fec;
    const fs::file_time_type mtime = it->last_write_time(fec);
    if (fec || mtime < since) continue;
    std::ifstream in(it->path(), std::ios::binary);
    if (!in) continue;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    for (const std::string& m : kMarkers) {
      if (data.find(m) != std::string::npos) hits.push_back(it->path().string() + " holds " + m);
    }
  }
  return hits;
}

// Names of files under `root` that SQLite leaves beside a database when it
// did not close cleanly.
std::vector<std::string> SideFiles(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& [path, bytes] : SnapshotFiles(root)) {
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
      if (path.ends_with(suffix)) out.push_back(path);
    }
  }
  return out;
}

class ForensicsTest : public IntegrationTest {
 protected:
  void SetUp() override {
    started_ = fs::file_time_type::clock::now() - std::chrono::seconds(2);
    IntegrationTest::SetUp();
    tmp_ = dir() + "/tmp";
    fs::create_directories(tmp_);
  }

  void TearDown() override {
    own_relay_.Stop();
    IntegrationTest::TearDown();
  }

  // One command with TMPDIR pointing into the test dir. Its output is kept
  // and later checked for markers unless `may_show_markers`.
  // `input` goes on stdin: notes, messages and invite codes.
  RunResult W(const std::string& home, const std::vector<std::string>& args,
              bool may_show_markers = false, EnvChanges env = {}, const std::string& input = "") {
    env["TMPDIR"] = tmp_;
    RunResult r = WpIn(home, args, input, env);
    if (!may_show_markers) {
      std::string cmd;
      for (const std::string& a : args) cmd += a + " ";
      // `sync` and `confirm` say who checked in with which code (README,
      // "sync"), but never a note, a message or a passphrase; so do
      // `unarmor` and `bundle import`, which print the same news.
      const bool says_who =
          !args.empty() && (args[0] == "sync" || args[0] == "confirm" || args[0] == "unarmor" ||
                            (args[0] == "bundle" && args.size() > 1 && args[1] == "import"));
      quiet_.push_back({cmd, r.out + r.err, says_who});
    }
    return r;
  }

  // A relay of our own, started from `cwd` (where a core file would land)
  // with the same TMPDIR.
  void StartOwnRelay(const std::string& home, const std::string& cwd,
                     const std::string& listen = "127.0.0.1:0",
                     const std::vector<std::string>& extra = {}) {
    own_home_ = home;
    own_cwd_ = cwd;
    const fs::path back = fs::current_path();
    fs::current_path(cwd);
    std::string error;
    std::vector<std::string> argv = {WAYPOST_BINARY, "--home", home,    "relay",
                                     "--listen",     listen,   "--kdf", "interactive"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const bool started = own_relay_.Start(
        argv,
        {{"WAYPOST_PASSPHRASE", kPassphrase}, {"WAYPOST_HOME", std::nullopt}, {"TMPDIR", tmp_}},
        relay_err_ = dir() + "/relay.err", &error);
    fs::current_path(back);
    ASSERT_TRUE(started) << error;
    std::optional<std::string> line = own_relay_.ReadLine(std::chrono::seconds(15));
    ASSERT_TRUE(line.has_value()) << "the relay printed no address";
    relay_address_ = *line;
    ASSERT_EQ(relay_address_.rfind("wpr1:", 0), 0u) << relay_address_;
  }

  // The relay restarts on its port serving `coord`'s team.
  void ServeOwnTeam(const std::string& coord) {
    const std::string file = ExportTeam(coord);
    const std::string address = relay_address_;
    own_relay_.Stop();
    ASSERT_NO_FATAL_FAILURE(StartOwnRelay(own_home_, own_cwd_,
                                          "127.0.0.1:" + address.substr(address.rfind(':') + 1),
                                          {"--team", file}));
    ASSERT_EQ(relay_address_, address);
  }

  // `M` is a node of no team that carries a bundle from `stick`.
  void Session(const std::string& C, const std::string& H, const std::string& M,
               const std::string& stick) {
    WP_ASSERT_OK(W(C, {"init", "--name", kCoordName, "--kdf", "interactive"}, true));
    ASSERT_NO_FATAL_FAILURE(ServeOwnTeam(C));
    WP_ASSERT_OK(W(H, {"init", "--name", kHelperName, "--kdf", "interactive"}, true));
    WP_ASSERT_OK(W(C, {"relays", "add", relay_address_}));
    RunResult r = W(C, {"invite", "--for", kInviteName});
    WP_ASSERT_OK(r);
    const std::string invite = r.out.substr(0, r.out.find('\n'));
    WP_ASSERT_OK(W(H, {"join"}, true, {}, invite));  // "Joined <coordinator>"
    WP_ASSERT_OK(W(H, {"sync"}));
    // A code of the team's own: its words and meaning travel in the
    // codebook that follows the welcome.
    WP_ASSERT_OK(W(C, {"codes", "add", kCode}, false, {}, kMeaning));
    WP_ASSERT_OK(W(C, {"sync"}));
    WP_ASSERT_OK(W(H, {"sync"}));

    r = W(H, {"checkin", kCode, "--note", "-"}, false, {}, kNote);
    WP_ASSERT_OK(r);
    const std::string id = r.out.substr(0, r.out.find('\n'));
    WP_ASSERT_OK(W(H, {"sync"}));
    WP_ASSERT_OK(W(C, {"sync"}));
    r = W(C, {"inbox"}, true);
    WP_ASSERT_OK(r);
    ASSERT_NE(r.out.find(kNote), std::string::npos) << "the check-in did not arrive";
    WP_ASSERT_OK(W(C, {"confirm", id}));
    WP_ASSERT_OK(W(C, {"send", "--to", kInviteName}, false, {}, kSendText));
    WP_ASSERT_OK(W(C, {"sync"}));
    WP_ASSERT_OK(W(H, {"sync"}));
    WP_ASSERT_OK(W(H, {"send", "--to", kCoordName}, false, {}, kReplyText));
    WP_ASSERT_OK(W(H, {"sync"}));
    WP_ASSERT_OK(W(C, {"sync"}));
    r = W(H, {"inbox"}, true);
    WP_ASSERT_OK(r);
    ASSERT_NE(r.out.find(kSendText), std::string::npos) << "the message did not arrive";
    r = W(C, {"inbox"}, true);
    ASSERT_NE(r.out.find(kReplyText), std::string::npos) << "the reply did not arrive";
    WP_ASSERT_OK(W(C, {"contacts", "--json"}, true));
    WP_ASSERT_OK(W(C, {"settings"}));
    ASSERT_NO_FATAL_FAILURE(Offline(C, H, M, stick));

    // A duress episode: the decoy's check-in is flagged at the coordinator,
    // and neither its note nor the duress passphrase lands in any file.
    WP_ASSERT_OK(W(H, {"duress", "set"}, false, {{"WAYPOST_NEW_PASSPHRASE", kDuressPassphrase}}));
    const EnvChanges duress = {{"WAYPOST_PASSPHRASE", kDuressPassphrase}};
    WP_ASSERT_OK(W(H, {"checkin", kCode, "--note", "-"}, false, duress, kDuressNote));
    WP_ASSERT_OK(W(H, {"sync"}, false, duress));
    WP_ASSERT_OK(W(C, {"sync"}));
    r = W(C, {"inbox"}, true);
    WP_ASSERT_OK(r);
    ASSERT_NE(r.out.find(kDuressNote + "\n"), std::string::npos) << r.out;
    ASSERT_NE(r.out.find("[DURESS]"), std::string::npos) << r.out;
    WP_ASSERT_OK(W(H, {"inbox"}, true));  // the normal unlock takes over the duress state
  }

  // The paths without a network (docs/protocol.md §7–§9): a check-in as
  // text, another in a bundle on `stick` that the mule `M` carries to the
  // relay, and the confirmation back as text.
  void Offline(const std::string& C, const std::string& H, const std::string& M,
               const std::string& stick) {
    RunResult r = W(H, {"checkin", kCode, "--armor", "--note", "-"}, false, {}, kNote);
    WP_ASSERT_OK(r);
    r = W(C, {"unarmor", "--json"}, false, {}, r.out);
    WP_ASSERT_OK(r);
    ASSERT_EQ(Json(r).value("accepted", 0), 1) << r.Describe();
    r = W(H, {"checkin", kCode, "--note", "-"}, false, {}, kNote);
    WP_ASSERT_OK(r);
    const std::string id = r.out.substr(0, r.out.find('\n'));
    WP_ASSERT_OK(W(H, {"bundle", "export", stick + "/helper.bundle"}));
    WP_ASSERT_OK(W(M, {"init", "--name", "Mule", "--kdf", "interactive"}));
    WP_ASSERT_OK(W(M, {"relays", "add", relay_address_}));
    r = W(M, {"bundle", "import", stick + "/helper.bundle", "--json"});
    WP_ASSERT_OK(r);
    ASSERT_GE(Json(r).value("carried", 0), 1) << r.Describe();
    WP_ASSERT_OK(W(M, {"bundle", "export", stick + "/mule.bundle"}));
    r = W(M, {"sync"});  // outside the team: the relay refuses it
    ASSERT_EQ(r.exit_code, 1) << r.Describe();
    WP_ASSERT_OK(W(C, {"bundle", "import", stick + "/mule.bundle"}));
    r = W(C, {"confirm", id, "--armor"});  // the mule's copy arrived
    WP_ASSERT_OK(r);
    WP_ASSERT_OK(W(H, {"unarmor"}, false, {}, r.out));
  }

  fs::file_time_type started_;
  std::string tmp_;
  std::string relay_err_;
  Process own_relay_;
  std::string own_home_, own_cwd_;
  struct Said {
    std::string command;
    std::string output;     // all it printed
    bool says_who = false;  // names, codes and meanings are its to print
  };
  std::vector<Said> quiet_;
};

TEST_F(ForensicsTest, ScriptedSessionLeavesNoPlaintextAndNoCore) {
  const std::string R = Home("relay"), C = Home("coord"), H = Home("helper"), M = Home("mule");
  const std::string crash_dir = dir() + "/crash-cwd", stick = dir() + "/stick";
  fs::create_directories(crash_dir);
  fs::create_directories(stick);
  ASSERT_NO_FATAL_FAILURE(StartOwnRelay(R, crash_dir));
  ASSERT_NO_FATAL_FAILURE(Session(C, H, M, stick));
  ASSERT_TRUE(fs::exists(stick + "/helper.bundle") && fs::exists(stick + "/mule.bundle"));
  // A bundle is written in place: no temporary file was ever beside it (a
  // stick keeps what a deleted file held), so the stick holds the two alone.
  std::set<std::string> on_stick;
  for (const fs::directory_entry& e : fs::directory_iterator(stick)) {
    on_stick.insert(e.path().filename().string());
  }
  EXPECT_EQ(on_stick, (std::set<std::string>{"helper.bundle", "mule.bundle"}));

  // Every command has exited: no journal or WAL is left, in any home.
  for (const std::string& home : {C, H, M}) {
    EXPECT_TRUE(SideFiles(home).empty())
        << home << ": " << ::testing::PrintToString(SideFiles(home));
  }

  // No command printed what it had no reason to print.
  for (const Said& said : quiet_) {
    for (const std::string& m : said.says_who ? kSecretMarkers : kMarkers) {
      EXPECT_EQ(said.output.find(m), std::string::npos)
          << "`waypost " << said.command << "` printed " << m;
    }
  }

  // A running waypost cannot dump core: RLIMIT_CORE is 0 ...
  const pid_t pid = own_relay_.pid();
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  ASSERT_TRUE(limits.good()) << "cannot read /proc/" << pid << "/limits";
  std::string line, core_limit;
  while (std::getline(limits, line)) {
    if (line.rfind("Max core file size", 0) == 0) core_limit = line;
  }
  std::istringstream fields(core_limit.substr(std::string("Max core file size").size()));
  std::string soft, hard;
  fields >> soft >> hard;
  EXPECT_EQ(soft, "0") << core_limit;
  EXPECT_EQ(hard, "0") << core_limit;
  // ... and it is not dumpable: its /proc entries then belong to root
  // (observable only when the test itself is not root).
  if (::getuid() != 0) {
    struct stat st {};
    ASSERT_EQ(::stat(("/proc/" + std::to_string(pid) + "/stat").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u) << "the relay is still dumpable";
  }
  // ... and forcing one leaves no core file where the kernel would put it.
  std::ifstream pattern_file("/proc/sys/kernel/core_pattern");
  std::string pattern;
  std::getline(pattern_file, pattern);
  const bool piped = !pattern.empty() && pattern[0] == '|';
  if (piped) {
    RecordProperty("core_pattern", pattern);
    std::cerr << "note: core_pattern pipes to a handler (" << pattern
              << "); relying on the RLIMIT_CORE check\n";
  }
  ASSERT_EQ(::kill(pid, SIGSEGV), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (own_relay_.Alive() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const RunResult died = own_relay_.Stop();
  EXPECT_EQ(died.signal, SIGSEGV) << died.Describe();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (const fs::directory_entry& e : fs::directory_iterator(crash_dir)) {
    EXPECT_NE(e.path().filename().string().rfind("core", 0), 0u) << "a core file: " << e.path();
  }
  if (!piped && pattern.find('/') == std::string::npos) {
    // A bare pattern ("core", "core.%p") names a file in the process's cwd.
    EXPECT_TRUE(fs::is_empty(crash_dir)) << "the crash left files in its cwd";
  }
  // Even killed, the relay left no journal: it writes only in short transactions.
  EXPECT_TRUE(SideFiles(R).empty()) << ::testing::PrintToString(SideFiles(R));

  // The scan itself finds a marker where there is one.
  const std::string canary = dir() + "/canary";
  fs::create_directories(canary);
  std::ofstream(canary + "/file", std::ios::binary) << "x" << kNote << "x";
  ASSERT_EQ(Leaks(canary, started_).size(), 1u) << "the scan is blind";
  fs::remove_all(canary);

  // No marker in plaintext: not in the homes, not in the session's TMPDIR,
  // not in anything written to the system temp directory during the test.
  for (const std::string& root : {R, C, H, M, stick, tmp_}) {
    const std::vector<std::string> hits = Leaks(root, fs::file_time_type::min());
    EXPECT_TRUE(hits.empty()) << ::testing::PrintToString(hits);
  }
  std::error_code ec;
  std::set<std::string> system_tmps = {"/tmp"};
  if (const fs::path t = fs::temp_directory_path(ec); !ec) system_tmps.insert(t.string());
  for (const std::string& root : system_tmps) {
    const std::vector<std::string> hits = Leaks(root, started_);
    EXPECT_TRUE(hits.empty()) << ::testing::PrintToString(hits);
  }
}

}  // namespace
}  // namespace waypost::testing
