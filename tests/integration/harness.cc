#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace waypost::testing {

int ListenOnLoopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || listen(fd, 8) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}
namespace fs = std::filesystem;

std::map<std::string, std::string> SnapshotFiles(const std::string& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(root, ec)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    out[fs::relative(e.path(), root).string()] = bytes.str();
  }
  return out;
}

std::vector<std::string> FilesContaining(const std::string& root, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& [path, bytes] : SnapshotFiles(root)) {
    if (bytes.find(needle) != std::string::npos) hits.push_back(path);
  }
  return hits;
}

void IntegrationTest::SetUp() { ASSERT_FALSE(dir_.path().empty()) << "no temporary directory"; }

void IntegrationTest::TearDown() { relay_.Stop(); }

RunResult IntegrationTest::WpRaw(const std::vector<std::string>& args, const EnvChanges& extra,
                                 std::chrono::milliseconds timeout, const std::string& input) {
  EnvChanges env = {
      {"WAYPOST_PASSPHRASE", kPassphrase},
      {"WAYPOST_NEW_PASSPHRASE", std::nullopt},
      {"WAYPOST_HOME", std::nullopt},
      {"XDG_DATA_HOME", dir_.File("xdg")},  // never the real default home
      {"NO_COLOR", "1"},
  };
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> argv{WAYPOST_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, env, timeout, input);
}

RunResult IntegrationTest::Wp(const std::string& home, const std::vector<std::string>& args,
                              const EnvChanges& extra, std::chrono::milliseconds timeout) {
  std::vector<std::string> full{"--home", home};
  full.insert(full.end(), args.begin(), args.end());
  return WpRaw(full, extra, timeout);
}

RunResult IntegrationTest::WpIn(const std::string& home, const std::vector<std::string>& args,
                                const std::string& input, const EnvChanges& extra) {
  std::vector<std::string> full{"--home", home};
  full.insert(full.end(), args.begin(), args.end());
  return WpRaw(full, extra, std::chrono::seconds(30), input);
}

std::string FaketimeDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string IntegrationTest::LaunchRelay(Process& process, const std::string& home,
                                         const std::string& listen,
                                         const std::vector<std::string>& extra) {
  process.Stop();
  std::string error;
  const EnvChanges env = {
      {"WAYPOST_PASSPHRASE", kPassphrase},
      {"WAYPOST_HOME", std::nullopt},
      {"NO_COLOR", "1"},
  };
  std::vector<std::string> argv = {WAYPOST_BINARY, "--home", home,    "relay",
                                   "--listen",     listen,   "--kdf", "interactive"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const std::string err_file = home + ".err";
  if (!process.Start(argv, env, err_file, &error)) {
    ADD_FAILURE() << error;
    return "";
  }
  std::optional<std::string> line = process.ReadLine(std::chrono::seconds(15));
  if (!line || line->rfind("wpr1:", 0) != 0) {
    ADD_FAILURE() << "the relay printed no address; stderr:\n" << ReadText(err_file);
    return "";
  }
  return *line;
}

void IntegrationTest::StartRelay(const std::string& home, const std::string& listen,
                                 const std::vector<std::string>& extra) {
  // The same relay started again keeps serving the teams it served.
  std::vector<std::string> args = extra;
  if (home == relay_home_) {
    for (size_t i = 0; i + 1 < relay_extra_.size(); ++i) {
      if (relay_extra_[i] == "--team") args.insert(args.end(), {"--team", relay_extra_[i + 1]});
    }
  }
  relay_home_ = home;
  relay_host_ = listen.substr(0, listen.rfind(':'));
  relay_extra_ = args;
  relay_address_ = LaunchRelay(relay_, home, listen, args);
  ASSERT_EQ(relay_address_.rfind("wpr1:", 0), 0u) << relay_address_;
  const size_t colon = relay_address_.rfind(':');
  ASSERT_NE(colon, std::string::npos);
  relay_port_ = std::stoi(relay_address_.substr(colon + 1));
  ASSERT_GT(relay_port_, 0);
}

void IntegrationTest::StopRelay() {
  ASSERT_TRUE(relay_.Alive()) << "the relay died before it was stopped";
  RunResult r = relay_.Stop();
  EXPECT_FALSE(r.timed_out) << "the relay ignored SIGTERM";
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
}

std::string IntegrationTest::ExportTeam(const std::string& coord) {
  RunResult r = Wp(coord, {"team", "export"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  const std::string file = coord + ".team";
  WriteAll(file, Bytes(r.out.begin(), r.out.end()));
  return file;
}

void IntegrationTest::ServeTeamOf(const std::string& coord) {
  ASSERT_TRUE(relay_.Alive()) << "no relay to serve the team";
  const std::string file = ExportTeam(coord);
  relay_extra_.push_back("--team");
  relay_extra_.push_back(file);
  const std::string before = relay_address_;
  ASSERT_NO_FATAL_FAILURE(StopRelay());
  relay_address_ = LaunchRelay(relay_, relay_home_, relay_host_ + ":" + std::to_string(relay_port_),
                               relay_extra_);
  ASSERT_EQ(relay_address_, before) << "the relay came back with another address";
}

nlohmann::json IntegrationTest::Json(const RunResult& r) {
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "stdout is not JSON: " << r.Describe();
    return nullptr;
  }
  return j;
}

void IntegrationTest::CreateAndJoin(const std::string& coord, const std::string& coord_name,
                                    const std::string& helper, const std::string& helper_name,
                                    const std::string& invite_for) {
  RunResult r = Wp(coord, {"init", "--name", coord_name, "--kdf", "interactive"});
  WP_ASSERT_OK(r);
  if (relay_.Alive()) {
    ASSERT_NO_FATAL_FAILURE(ServeTeamOf(coord));
  }
  r = Wp(helper, {"init", "--name", helper_name, "--kdf", "interactive"});
  WP_ASSERT_OK(r);
  r = Wp(coord, {"relays", "add", relay_address_});
  WP_ASSERT_OK(r);
  r = Wp(coord, {"invite", "--for", invite_for});
  WP_ASSERT_OK(r);
  std::string invite = r.out;
  ASSERT_FALSE(invite.empty());
  ASSERT_EQ(invite.back(), '\n') << "invite should print one line";
  invite.pop_back();
  ASSERT_EQ(invite.find('\n'), std::string::npos) << "invite should print exactly one line";
  ASSERT_EQ(invite.rfind("wpi1:", 0), 0u) << invite;
  r = WpIn(helper, {"join"}, invite);
  WP_ASSERT_OK(r);
  r = Wp(helper, {"relays", "list"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.out.find(relay_address_), std::string::npos)
      << "join should save the relay the invite carries: " << r.Describe();
}

void IntegrationTest::SyncEnrollment(const std::string& coord, const std::string& helper) {
  RunResult r = Wp(helper, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("uploaded", 0), 1) << r.Describe();
  r = Wp(coord, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_GE(Json(r).value("downloaded", 0), 1) << r.Describe();
}

void IntegrationTest::EnrollHelper(const std::string& coord, const std::string& helper,
                                   const std::string& name) {
  WP_ASSERT_OK(Wp(helper, {"init", "--name", name, "--kdf", "interactive"}));
  RunResult r = Wp(coord, {"invite", "--for", name});
  WP_ASSERT_OK(r);
  WP_ASSERT_OK(WpIn(helper, {"join"}, r.out));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(coord, helper));
  WP_ASSERT_OK(Wp(helper, {"sync"}));
}

std::vector<nlohmann::json> IntegrationTest::InboxEntries(const std::string& home,
                                                          const std::string& id) {
  std::vector<nlohmann::json> out;
  RunResult r = Wp(home, {"inbox", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  const nlohmann::json j = Json(r);
  EXPECT_TRUE(j.is_array()) << r.out;
  if (!j.is_array()) return out;
  for (const nlohmann::json& m : j) {
    if (m.value("id", "") == id) out.push_back(m);
  }
  return out;
}

}  // namespace waypost::testing
