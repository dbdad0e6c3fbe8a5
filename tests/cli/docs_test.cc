// The man page and the bash completion (cli/docs.h) against the command
// line's own definition: every command has its section with every option,
// the page is clean roff, the completion completes what a person types, and
// the files the build installs are what the definition gives today. Also
// --version and the guide.
#include "cli/docs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "cli/app.h"
#include "tests/cli/bare_io.h"
#include "tests/kit/temp_dir.h"

namespace waypost::cli {
namespace {

class DocsTest : public ::testing::Test {
 protected:
  void SetUp() override { DefineCli(app_, globals_, home_, chosen_); }

  CLI::App app_;
  Globals globals_;
  std::string home_;
  Action chosen_;
};

// What `command` prints on stdout (stderr dropped), run by /bin/sh.
std::string Output(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

// `text` with its dashes as roff writes them: "--every" is \-\-every.
std::string Dashes(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

TEST_F(DocsTest, EveryCommandHasItsSectionWithEveryOption) {
  const std::string page = ManPage(app_, "0.1.0");
  const std::vector<CommandEntry> commands = Commands(app_);
  ASSERT_GE(commands.size(), 25u);
  for (const CommandEntry& c : commands) {
    SCOPED_TRACE(c.path);
    const std::string title = ".SS \"" + c.path + "\"\n";
    const size_t start = page.find(title);
    ASSERT_NE(start, std::string::npos);
    const size_t end = page.find("\n.S", start + title.size());
    const std::string section = page.substr(start, end - start);
    EXPECT_NE(section.find(Dashes(c.app->get_description())), std::string::npos) << section;
    for (const CLI::Option* o : c.app->get_options()) {
      if (o->get_group().empty()) continue;  // hidden
      for (const std::string& l : o->get_lnames()) {
        if (l == "help") continue;  // every command's, said once under GLOBAL OPTIONS
        EXPECT_NE(section.find(Dashes("--" + l)), std::string::npos) << "--" << l << "\n"
                                                                     << section;
      }
      if (o->get_positional() && o->get_lnames().empty()) {
        EXPECT_NE(section.find(o->get_name(true)), std::string::npos) << section;
      }
    }
  }
  // The groups themselves are no commands of their own, but their words are.
  EXPECT_NE(page.find(".SS \"codes add\""), std::string::npos);
  EXPECT_NE(page.find(".SS \"relays list\""), std::string::npos);
}

TEST_F(DocsTest, TheManPageIsCleanRoff) {
  if (::access("/usr/bin/groff", X_OK) != 0) GTEST_SKIP() << "groff is missing";
  ::waypost::testing::TempDir dir;
  const std::string file = dir.File("waypost.1");
  std::ofstream(file) << ManPage(app_, "0.1.0");
  // -ww: every warning; -z: no output. Nothing may be said.
  EXPECT_EQ(Output("LC_ALL=C.UTF-8 groff -man -ww -z '" + file + "' 2>&1"), "");
  const std::string text = Output("LC_ALL=C.UTF-8 MANWIDTH=100 man -l '" + file + "'");
  if (!text.empty()) {
    EXPECT_NE(text.find("waypost expect NAME [--every DUR] [--by TIME] [--off] [--grace DUR]"),
              std::string::npos)
        << text;
  }
}

TEST_F(DocsTest, TheBuildInstallsWhatTheDefinitionGivesToday) {
  EXPECT_EQ(::waypost::testing::ReadText(WAYPOST_BUILD_DIR "/man/waypost.1"),
            ManPage(app_, WAYPOST_VERSION));
  EXPECT_EQ(::waypost::testing::ReadText(WAYPOST_BUILD_DIR "/completion/waypost"),
            BashCompletion(app_));
}

class CompletionTest : public DocsTest {
 protected:
  void SetUp() override {
    DocsTest::SetUp();
    script_ = dir_.File("waypost.bash");
    std::ofstream(script_) << BashCompletion(app_);
    // A `waypost` first on PATH that leaves a mark if anything runs it.
    std::filesystem::create_directory(dir_.File("bin"));
    const std::string fake = dir_.File("bin/waypost");
    std::ofstream(fake) << "#!/bin/sh\ntouch '" << dir_.File("ran") << "'\n";
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  }

  // What bash completes for the words typed so far (the last one is being
  // typed), as one line.
  std::string Complete(const std::string& words) {
    return Output("PATH='" + dir_.File("bin") + ":/usr/bin:/bin' bash -c 'source \"" + script_ +
                  "\"; COMP_WORDS=(" + words +
                  "); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _waypost; "
                  "echo \"${COMPREPLY[*]}\"'");
  }

  ::waypost::testing::TempDir dir_;
  std::string script_;
};

TEST_F(CompletionTest, CommandsSubcommandsOptionsAndDurations) {
  EXPECT_EQ(Complete("waypost sta"), "status\n");
  EXPECT_EQ(Complete("waypost codes \"\""), "--help add list remove\n");
  EXPECT_EQ(Complete("waypost --home /tmp codes a"), "add\n");
  EXPECT_EQ(Complete("waypost expect Amira --every \"\""), "90s 15m 30m 1h 2h 6h 12h 1d 3d 7d\n");
  EXPECT_EQ(Complete("waypost watch --interval 1"), "15m 1h 12h 1d\n");
  EXPECT_EQ(Complete("waypost expect Amira --by \"\"").substr(0, 8), "90s 15m ");
  EXPECT_EQ(Complete("waypost board --"), "--days --help --html\n");
  EXPECT_EQ(Complete("waypost init --kdf m"), "moderate\n");
  const std::string top = Complete("waypost \"\"");
  for (const CommandEntry& c : Commands(app_)) {
    const std::string first = c.path.substr(0, c.path.find(' '));
    EXPECT_NE(top.find(first), std::string::npos) << first;
  }
  // A name or a note is never guessed: that would need the store.
  EXPECT_EQ(Complete("waypost checkin --to \"\""), "\n");
  EXPECT_EQ(Complete("waypost send --to A"), "\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.File("ran"))) << "the completion ran waypost";
}

TEST(VersionTest, NamesTheLibrariesReallyInUse) {
  testing::BareIo bare({});
  EXPECT_EQ(RunCli({"--version"}, bare.io()), kExitOk);
  EXPECT_TRUE(std::regex_match(
      bare.out(), std::regex("waypost [0-9]+\\.[0-9]+\\.[0-9]+\n"
                             "SQLCipher 4\\.[0-9]+\\.[0-9]+ [a-z]+ \\(SQLite 3\\.[0-9.]+\\)\n"
                             "libsodium [0-9]+\\.[0-9]+\\.[0-9]+\n")))
      << bare.out();
}

TEST_F(DocsTest, TheGuideNamesRealCommandsOnly) {
  const std::string guide = Guide();
  const std::regex command("  waypost ([a-z]+) ");
  size_t named = 0;
  for (std::sregex_iterator it(guide.begin(), guide.end(), command), end; it != end; ++it) {
    ++named;
    EXPECT_NE(app_.get_subcommand((*it)[1].str()), nullptr) << (*it)[1];
  }
  EXPECT_EQ(named, 10u) << guide;  // five for a helper, five for a coordinator
}

}  // namespace
}  // namespace waypost::cli
