// The paths without a network (docs/protocol.md §7–§9) with real processes:
// a check-in carried on a USB stick by a stranger who cannot read it (a
// helper of another team), its confirmation coming back as one line of
// text, and what damaged text, damaged bundles and a careless export do.
#include <gtest/gtest.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

using nlohmann::json;

// The bundle layout of docs/protocol.md §8, for cutting one where we mean:
// the header, then one record per envelope; a check-in with no note fills
// the 117-byte bucket.
constexpr size_t kBundleHeader = 8 + 1 + 3 + 4 + 16;
constexpr size_t kCheckInRecord = 4 + 1 + 117 + 8;
// One SMS in the GSM 7-bit alphabet (docs/protocol.md §7).
constexpr size_t kSms = 160;

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class MuleTest : public IntegrationTest {
 protected:
  // A relay, a coordinator ("Coord") and a helper (known to it as
  // "Amira") who has taken in the welcome: both enrolled, nothing queued.
  void Team() {
    ASSERT_NO_FATAL_FAILURE(StartRelay(Home("relay")));
    ASSERT_NO_FATAL_FAILURE(CreateAndJoin(coord_, "Coord", helper_, "Helper", "Amira"));
    ASSERT_NO_FATAL_FAILURE(SyncEnrollment(coord_, helper_));
    WP_ASSERT_OK(Wp(helper_, {"sync"}));
  }

  // The helper's `checkin CODE --armor`: the one line it prints.
  std::string ArmoredCheckIn(const std::string& code) {
    RunResult r = Wp(helper_, {"checkin", code, "--armor"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return FirstLine(r.out);
  }

  // `inbox --json` as printed, to tell that a failed command changed nothing.
  std::string Inbox(const std::string& home) {
    RunResult r = Wp(home, {"inbox", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return r.out;
  }

  // How many check-ins `home`'s inbox holds, in either direction.
  size_t CheckIns(const std::string& home) {
    size_t n = 0;
    for (const json& m : Json(Wp(home, {"inbox", "--json"}))) {
      n += m.value("kind", "") == "checkin";
    }
    return n;
  }

  // A command that must fail: exit 1, one "waypost: error:" line holding
  // `why`, nothing on stdout.
  static void ExpectOneError(const RunResult& r, const std::string& why) {
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_EQ(r.out, "") << r.Describe();
    const std::vector<std::string> lines = r.ErrLines();
    ASSERT_EQ(lines.size(), 1u) << r.Describe();
    EXPECT_EQ(lines[0].rfind("waypost: error: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(why), std::string::npos) << lines[0];
  }

  const std::string coord_ = Home("coord"), helper_ = Home("helper");
};

// The helper checks in with no network and hands a bundle to a helper of
// another team, a stranger to both; that mule syncs it to the relay. The
// coordinator confirms by text, and no path makes anything count twice.
TEST_F(MuleTest, AStrangerCarriesACheckInAndTheConfirmationComesBackAsText) {
  ASSERT_NO_FATAL_FAILURE(Team());
  const std::string C2 = Home("coord2"), M = Home("mule");
  ASSERT_NO_FATAL_FAILURE(CreateAndJoin(C2, "Coord2", M, "Mule", "Mo"));
  ASSERT_NO_FATAL_FAILURE(SyncEnrollment(C2, M));
  WP_ASSERT_OK(Wp(M, {"sync"}));

  RunResult r = Wp(helper_, {"checkin", "crossed"});
  WP_ASSERT_OK(r);
  const std::string id = FirstLine(r.out);
  ASSERT_FALSE(id.empty()) << r.Describe();
  const std::string bundle = dir() + "/helper.bundle";
  r = Wp(helper_, {"--json", "bundle", "export", bundle});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("envelopes", -1), 1) << "the check-in alone: " << r.Describe();
  ASSERT_TRUE(std::filesystem::exists(bundle));

  // The mule takes nothing in and carries the one envelope.
  r = Wp(M, {"--json", "bundle", "import", bundle});
  WP_ASSERT_OK(r);
  json got = Json(r);
  EXPECT_EQ(got.value("accepted", -1), 0) << r.Describe();
  EXPECT_EQ(got.value("carried", -1), 1) << r.Describe();
  EXPECT_EQ(got.value("bad", -1), 0) << r.Describe();
  EXPECT_EQ(got["events"], json::array()) << r.Describe();
  EXPECT_NE(r.err.find("carrying 1 for others"), std::string::npos) << r.Describe();
  EXPECT_EQ(Json(Wp(M, {"inbox", "--json"})), json::array());

  r = Wp(M, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("uploaded", -1), 1) << r.Describe();
  EXPECT_EQ(Json(Wp(M, {"inbox", "--json"})), json::array());
  r = Wp(M, {"contacts", "--json"});
  WP_ASSERT_OK(r);
  ASSERT_EQ(Json(r).size(), 1u) << "the mule learned no contact: " << r.out;
  EXPECT_EQ(Json(r)[0].value("name", ""), "Coord2");
  // Once a relay took it, the mule carries it no more (§9).
  r = Wp(M, {"bundle", "export", dir() + "/mule.bundle"});
  WP_ASSERT_OK(r);
  EXPECT_NE(r.err.find("Nothing waits to go out"), std::string::npos) << r.Describe();
  EXPECT_FALSE(std::filesystem::exists(dir() + "/mule.bundle"));

  r = Wp(coord_, {"sync", "--json"});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("rejected", -1), 0) << r.Describe();
  std::vector<json> at_coord = InboxEntries(coord_, id);
  ASSERT_EQ(at_coord.size(), 1u);
  EXPECT_EQ(at_coord[0].value("peer", ""), "Amira");
  EXPECT_EQ(at_coord[0].value("code", ""), "crossed");
  EXPECT_EQ(CheckIns(coord_), 1u);

  // The confirmation comes back as one line of text.
  r = Wp(coord_, {"confirm", id, "--armor"});
  WP_ASSERT_OK(r);
  const std::string text = FirstLine(r.out);
  EXPECT_EQ(r.out, text + "\n") << "the text alone on stdout: " << r.Describe();
  ASSERT_EQ(text.rfind("wp1:", 0), 0u) << r.Describe();
  // As a mail client quotes it: line broken, "> " before each line.
  const std::string quoted =
      "On Monday Coord wrote:\n> " + text.substr(0, 70) + "\n> " + text.substr(70) + "\n>\n";
  r = WpIn(helper_, {"--json", "unarmor"}, quoted);
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("accepted", -1), 1) << r.Describe();
  std::vector<json> mine = InboxEntries(helper_, id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("state", ""), "confirmed");

  // The network catches up (the delivery receipt, the confirmation again):
  // nothing doubles, and the state does not fall back to "delivered".
  WP_ASSERT_OK(Wp(helper_, {"sync"}));
  WP_ASSERT_OK(Wp(coord_, {"sync"}));
  WP_ASSERT_OK(Wp(helper_, {"sync"}));
  EXPECT_EQ(InboxEntries(coord_, id).size(), 1u);
  EXPECT_EQ(CheckIns(coord_), 1u);
  mine = InboxEntries(helper_, id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].value("state", ""), "confirmed");

  // The same text once more: already here, and nothing changes.
  const std::string before = Inbox(helper_);
  r = WpIn(helper_, {"--json", "unarmor"}, text);
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("accepted", -1), 0) << r.Describe();
  EXPECT_EQ(Json(r).value("duplicate", -1), 1) << r.Describe();
  EXPECT_NE(r.err.find("Already here"), std::string::npos) << r.Describe();
  EXPECT_EQ(Inbox(helper_), before);
  ASSERT_NO_FATAL_FAILURE(StopRelay());
}

// (a) Text cut short is incomplete: refused whole, and the full text still
// counts afterwards.
TEST_F(MuleTest, TruncatedTextIsIncompleteAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Team());
  WP_ASSERT_OK(WpIn(coord_, {"unarmor"}, ArmoredCheckIn("crossed")));
  const std::string text = ArmoredCheckIn("arrived");
  ASSERT_EQ(text.size(), kSms) << text;
  const std::string before = Inbox(coord_);
  ExpectOneError(WpIn(coord_, {"unarmor"}, text.substr(0, 120)), "incomplete");
  EXPECT_EQ(Inbox(coord_), before);
  WP_ASSERT_OK(WpIn(coord_, {"unarmor"}, text));
  EXPECT_EQ(CheckIns(coord_), 2u);
}

// (b) One character changed on the way: the envelope does not open, is
// refused with one clear line, and the intact copy still counts.
TEST_F(MuleTest, AlteredTextIsRefusedAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Team());
  WP_ASSERT_OK(WpIn(coord_, {"unarmor"}, ArmoredCheckIn("crossed")));
  const std::string text = ArmoredCheckIn("arrived");
  ASSERT_EQ(text.size(), kSms) << text;
  std::string altered = text;
  const size_t middle = text.size() / 2;
  altered[middle] = altered[middle] == 'Q' ? 'R' : 'Q';
  const std::string before = Inbox(coord_);
  ExpectOneError(WpIn(coord_, {"unarmor"}, altered), "does not open here");
  EXPECT_EQ(Inbox(coord_), before);
  WP_ASSERT_OK(WpIn(coord_, {"unarmor"}, text));
  EXPECT_EQ(CheckIns(coord_), 2u);
}

// (c) A file that is no bundle at all.
TEST_F(MuleTest, RandomBytesAreNotABundle) {
  ASSERT_NO_FATAL_FAILURE(Team());
  WP_ASSERT_OK(WpIn(coord_, {"unarmor"}, ArmoredCheckIn("crossed")));
  std::mt19937 gen(20240607);
  std::string noise(4096, '\0');
  for (char& c : noise) c = char(gen() & 0xff);
  const std::string file = dir() + "/noise.bundle";
  WriteText(file, noise);
  const std::string before = Inbox(coord_);
  ExpectOneError(Wp(coord_, {"bundle", "import", file}), "not a Waypost bundle");
  EXPECT_EQ(Inbox(coord_), before);
}

// (d) A bundle cut off in its second of three records keeps the first; one
// with a stretch of its second record missing keeps the first and third.
TEST_F(MuleTest, ACutBundleYieldsEveryIntactCheckIn) {
  ASSERT_NO_FATAL_FAILURE(Team());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    RunResult r = Wp(helper_, {"checkin", "crossed"});
    WP_ASSERT_OK(r);
    ids.push_back(FirstLine(r.out));
  }
  const std::string file = dir() + "/three.bundle";
  RunResult r = Wp(helper_, {"--json", "bundle", "export", file});
  WP_ASSERT_OK(r);
  ASSERT_EQ(Json(r).value("envelopes", -1), 3) << r.Describe();
  const std::string whole = ReadText(file);
  ASSERT_EQ(whole.rfind("wpbundle", 0), 0u);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(whole.substr(kBundleHeader + i * kCheckInRecord, 4), "wpE1")
        << "record " << i << " is not where docs/protocol.md §8 puts it";
  }
  const size_t second = kBundleHeader + kCheckInRecord;

  const std::string cut = dir() + "/cut.bundle";
  WriteText(cut, whole.substr(0, second + kCheckInRecord / 2));
  r = Wp(coord_, {"--json", "bundle", "import", cut});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("accepted", -1), 1) << r.Describe();
  EXPECT_EQ(Json(r).value("bad", -1), 2) << "the header declared 3: " << r.Describe();
  EXPECT_NE(r.err.find("waypost: warning: 2 envelope(s)"), std::string::npos) << r.Describe();
  EXPECT_EQ(CheckIns(coord_), 1u);

  const std::string holed = dir() + "/holed.bundle";
  WriteText(holed, whole.substr(0, second + 40) + whole.substr(second + 80));
  r = Wp(coord_, {"--json", "bundle", "import", holed});
  WP_ASSERT_OK(r);
  EXPECT_EQ(Json(r).value("accepted", -1), 1) << r.Describe();
  EXPECT_EQ(Json(r).value("duplicate", -1), 1) << r.Describe();
  EXPECT_EQ(Json(r).value("bad", -1), 1) << r.Describe();
  EXPECT_NE(r.err.find("waypost: warning: 1 envelope(s)"), std::string::npos) << r.Describe();
  size_t arrived = 0;
  for (const std::string& id : ids) arrived += InboxEntries(coord_, id).size();
  EXPECT_EQ(arrived, 2u) << "all but the damaged record";
  EXPECT_EQ(CheckIns(coord_), 2u);
}

// (e) An export never writes over someone's other file, nor through a
// link; an empty file or an earlier bundle it replaces.
TEST_F(MuleTest, ExportNeverOverwritesAnotherFile) {
  ASSERT_NO_FATAL_FAILURE(Team());
  WP_ASSERT_OK(Wp(helper_, {"checkin", "crossed"}));
  const std::string notes = dir() + "/notes.txt";
  const std::string precious = "shopping: rice, tea, batteries\n";
  WriteText(notes, precious);
  ExpectOneError(Wp(helper_, {"bundle", "export", notes}), "not a Waypost bundle");
  EXPECT_EQ(ReadText(notes), precious);
  const std::string link = dir() + "/link.bundle";
  std::filesystem::create_symlink(notes, link);
  ExpectOneError(Wp(helper_, {"bundle", "export", link}), "not a regular file");
  EXPECT_EQ(ReadText(notes), precious);

  const std::string file = dir() + "/out.bundle";
  WriteText(file, "");
  WP_ASSERT_OK(Wp(helper_, {"bundle", "export", file}));
  const std::string first = ReadText(file);
  EXPECT_EQ(first.rfind("wpbundle", 0), 0u);
  WP_ASSERT_OK(Wp(helper_, {"bundle", "export", file}));
  EXPECT_EQ(ReadText(file).rfind("wpbundle", 0), 0u);
  EXPECT_NE(ReadText(file), first) << "records in a new random order, new padding";
}

// docs/protocol.md §8: the bundle is written in place. A temporary file
// renamed over it would leave a copy in the stick's free blocks; the kernel
// tells of every name created in the folder while `bundle export` runs,
// and there is exactly one, the bundle's, created once.
TEST_F(MuleTest, ExportWritesNoOtherFileOnTheStick) {
  ASSERT_NO_FATAL_FAILURE(Team());
  WP_ASSERT_OK(Wp(helper_, {"checkin", "crossed"}));
  const std::string stick = dir() + "/stick";
  std::filesystem::create_directories(stick);
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_GE(inotify_add_watch(fd, stick.c_str(), IN_CREATE | IN_MOVED_TO), 0);
  WP_ASSERT_OK(Wp(helper_, {"bundle", "export", stick + "/out.bundle"}));
  std::vector<std::string> created;
  alignas(inotify_event) char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) {
    for (char* p = buffer; p < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(p);
      created.push_back(std::string(event->len > 0 ? event->name : "") +
                        ((event->mask & IN_MOVED_TO) != 0 ? " (renamed in)" : ""));
      p += sizeof(inotify_event) + event->len;
    }
  }
  close(fd);
  EXPECT_EQ(created, std::vector<std::string>{"out.bundle"});
}

// (f) `checkin --armor` prints the text alone: one line, one SMS, also
// with --to and with the longest note that fits (§7: 29 bytes).
TEST_F(MuleTest, ArmoredCheckInIsOneSmsLineAlone) {
  ASSERT_NO_FATAL_FAILURE(Team());
  const std::vector<std::vector<std::string>> runs = {
      {"checkin", "crossed", "--armor"},
      {"checkin", "crossed", "--armor", "--to", "Coord"},
      {"checkin", "crossed", "--armor", "--note", "-"},
  };
  for (const std::vector<std::string>& args : runs) {
    const RunResult r = WpIn(helper_, args, std::string(29, 'n'));
    WP_ASSERT_OK(r);
    ASSERT_FALSE(r.out.empty()) << r.Describe();
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "exactly one line: " << r.Describe();
    const std::string line = FirstLine(r.out);
    EXPECT_EQ(line.rfind("wp1:", 0), 0u) << line;
    EXPECT_LE(line.size(), kSms) << line;
  }
}

}  // namespace
}  // namespace waypost::testing
