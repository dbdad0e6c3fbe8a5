// No text on the command line (README; docs/design.md §2): the README's
// walk-through typed into a real interactive bash on a pseudo-terminal,
// with its history file inside the test directory. The invite code, the note
// and the message are typed at waypost's own prompts, so afterwards they are
// in no file at all, the shell's history included. The forms that would put
// them on the command line are refused, and say why.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/integration/harness.h"
#include "tests/integration/pty_shell.h"

namespace waypost::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kNote[] = "history marker: a note nobody may keep";
constexpr char kMessage[] = "history marker: a message nobody may keep";
// Typed on the command line on purpose: the control that shows the history
// is written and searched.
constexpr char kControl[] = "history control: typed as an argument";

class HistoryTest : public IntegrationTest {
 protected:
  // A `waypost --home HOME ARGS` line as a person types it.
  std::string Line(const std::string& home, const std::string& args) {
    return std::string(WAYPOST_BINARY) + " --home " + Home(home) + " " + args;
  }
  void RunOk(PtyShell& shell, const std::string& home, const std::string& args,
             std::string* shown = nullptr) {
    bool ok = false;
    const std::optional<std::string> out = shell.Run(Line(home, args), &ok);
    ASSERT_TRUE(out.has_value()) << "no end of: " << args;
    EXPECT_TRUE(ok) << args << " failed:\n" << *out;
    if (shown != nullptr) *shown = *out;
  }
  // Types `args`, answers its prompt `prompt` with `answer`, and waits.
  void Answer(PtyShell& shell, const std::string& home, const std::string& args,
              const std::string& prompt, const std::string& answer) {
    shell.Type(Line(home, args) + "; echo \"@@$?:$((41+1))@@\"");
    ASSERT_TRUE(shell.Expect(prompt).has_value()) << "no prompt from: " << args;
    shell.Type(answer);
    const std::optional<std::string> end = shell.Expect(":42@@");
    ASSERT_TRUE(end.has_value()) << "no end of: " << args;
    EXPECT_NE(end->find("@@0:42@@"), std::string::npos) << args << " failed:\n" << *end;
  }
};

TEST_F(HistoryTest, TextTypedAtThePromptsIsInNoFileNotEvenTheHistory) {
  StartRelay(Home("relay"));
  const std::string history = dir() + "/bash_history";
  PtyShell shell;
  std::string error;
  ASSERT_TRUE(shell.Start({{"HISTFILE", history},
                           {"HISTSIZE", "1000"},
                           {"HISTFILESIZE", "1000"},
                           {"PS1", "$ "},
                           {"TERM", "dumb"},
                           {"WAYPOST_PASSPHRASE", kPassphrase},
                           {"WAYPOST_HOME", std::nullopt},
                           {"XDG_DATA_HOME", dir() + "/xdg"}},
                          &error))
      << error;
  ASSERT_TRUE(shell.Expect("$ ").has_value());

  RunOk(shell, "coord", "init --name Coord --kdf interactive");
  RunOk(shell, "coord", "relays add " + relay_address_);
  ASSERT_NO_FATAL_FAILURE(ServeTeamOf(Home("coord")));
  std::string shown;
  RunOk(shell, "coord", "invite --for Amira", &shown);
  const size_t at = shown.rfind("wpi1:");
  ASSERT_NE(at, std::string::npos) << shown;
  const std::string code = shown.substr(at, shown.find_first_of("\r\n", at) - at);

  RunOk(shell, "helper", "init --name Amira --kdf interactive");
  Answer(shell, "helper", "join", "Invite code: ", code);
  RunOk(shell, "helper", "sync");
  RunOk(shell, "coord", "sync");
  RunOk(shell, "helper", "sync");
  Answer(shell, "helper", "checkin crossed --note -", "Note: ", kNote);
  Answer(shell, "helper", "send --to Coord", "Message: ", kMessage);
  RunOk(shell, "helper", "sync");
  RunOk(shell, "coord", "sync");
  // The old form is refused, says why, and queues nothing; but the shell
  // has already kept the line.
  bool ok = true;
  const std::optional<std::string> refused =
      shell.Run(Line("helper", std::string("checkin crossed --note \"") + kControl + "\""), &ok);
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(ok);
  EXPECT_NE(refused->find("would stay in your shell history"), std::string::npos) << *refused;
  RunOk(shell, "coord", "inbox", &shown);
  EXPECT_NE(shown.find(kNote), std::string::npos) << "the note did not arrive:\n" << shown;
  EXPECT_NE(shown.find(kMessage), std::string::npos) << "the message did not arrive:\n" << shown;
  ASSERT_TRUE(shell.Exit());
  StopRelay();

  // The history holds the commands, the control among them, and none of
  // what was typed at the prompts.
  const std::string kept = ReadText(history);
  EXPECT_NE(kept.find("invite --for Amira"), std::string::npos) << "no history written";
  EXPECT_EQ(FilesContaining(dir(), kControl), std::vector<std::string>{"bash_history"});
  for (const std::string& secret : {code, std::string(kNote), std::string(kMessage)}) {
    EXPECT_EQ(FilesContaining(dir(), secret), std::vector<std::string>{})
        << "found: " << secret.substr(0, 24);
  }
}

}  // namespace
}  // namespace waypost::testing
