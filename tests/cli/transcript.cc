#include "tests/cli/transcript.h"

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "cli/format.h"
#include "cli/run.h"
#include "cli/terminal.h"
#include "tests/cli/memory_network.h"
#include "tests/kit/temp_dir.h"

namespace waypost::testing {
namespace {

constexpr UnixTime kStart = 1'800'000'000;  // 2027-01-15T08:00:00Z
// Shorter values (message ids) stay as they are, so tables keep their columns.
constexpr size_t kShortestWrittenBack = 24;

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Answers prompts from the transcript's `tty` lines, and remembers them.
class ScriptedTerminal final : public cli::Terminal {
 public:
  Result<Secret> ReadLine(std::string_view prompt, size_t max_size, bool /*echo*/,
                          std::string_view no_terminal) override {
    if (answers.empty()) return Status::InvalidArgument(std::string(no_terminal));
    prompts.emplace_back(prompt);
    std::string answer = std::move(answers.front());
    answers.pop_front();
    if (answer.size() > max_size) return Status::InvalidArgument("the answer is too long");
    return Secret::FromString(answer);
  }

  std::deque<std::string> answers;
  std::vector<std::string> prompts;
};

// One transcript's world, and the file it writes back.
class Session {
 public:
  Session() {
    vars_["WORK"] = dir_.path();
    env_["XDG_DATA_HOME"] = dir_.path() + "/xdg";
    env_["NO_COLOR"] = "1";
  }

  std::string Run(const std::string& text) {
    for (const std::string& line : Lines(text)) Line(line);
    Flush();
    return out_.str();
  }

 private:
  void Line(const std::string& line) {
    if (StartsWith(line, "tty> ") || StartsWith(line, "> ") || StartsWith(line, "2> ") ||
        StartsWith(line, "hook> ") || line == ">" || line == "2>" || StartsWith(line, "? ")) {
      return;  // expectations: rewritten from what really happens
    }
    // A command's output is written after its `save` lines, so that what
    // they saved already reads as $NAME in it.
    if (!StartsWith(line, "save ")) Flush();
    out_ << line << "\n";
    if (line.empty() || line[0] == '#') return;
    if (StartsWith(line, "$ waypost")) return Command(line.substr(9));
    const size_t space = line.find(' ');
    const std::string word = line.substr(0, space);
    const std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
    if (word == "env") return Env(rest);
    if (word == "unenv") return (void)env_.erase(rest);
    if (word == "clock") return Clock(rest);
    if (word == "relay") return Relay(rest);
    if (word == "tty") return terminal_.answers.push_back(Expand(rest));
    if (word == "stdin") return (void)(stdin_ += Expand(rest) + "\n");
    if (word == "save") return Save(rest);
    if (word == "write") return Write(rest);
    if (word == "cut") return Cut(rest);
    throw std::runtime_error("unknown transcript line: " + line);
  }

  void Env(const std::string& rest) {
    const size_t eq = rest.find('=');
    if (eq == std::string::npos) throw std::runtime_error("env needs NAME=VALUE: " + rest);
    env_[rest.substr(0, eq)] = Expand(rest.substr(eq + 1));
  }

  void Clock(const std::string& rest) {
    if (rest.empty() || rest[0] != '+') throw std::runtime_error("clock needs +DURATION");
    auto seconds = cli::ParseDuration(rest.substr(1));
    if (!seconds.ok()) throw std::runtime_error(seconds.status().message());
    clock_.Advance(*seconds);
  }

  void Relay(const std::string& name) {
    std::string host = name;
    std::transform(host.begin(), host.end(), host.begin(), ::tolower);
    relays_.push_back(std::make_unique<MemoryRelay>(host + ".test", clock_, relay_random_));
    network_.Add(*relays_.back());
    vars_[name] = relays_.back()->address();
  }

  void Save(const std::string& name) {
    std::string value = last_stdout_;
    while (!value.empty() && value.back() == '\n') value.pop_back();
    vars_[name] = value;
  }

  // What one command did, written out once its `save` lines are read.
  struct Ran {
    std::vector<std::string> prompts;
    std::string out;
    std::string err;
    int code = 0;
    std::vector<std::string> hooks;  // `watch --on-alert`: command <- input
  };

  void Write(const std::string& rest) {
    const size_t space = rest.find(' ');
    if (space == std::string::npos) throw std::runtime_error("write needs PATH TEXT: " + rest);
    std::ofstream(Expand(rest.substr(0, space))) << Expand(rest.substr(space + 1)) << "\n";
  }

  // "cut NAME N HEAD TAIL": $HEAD becomes the first N bytes of $NAME and
  // $TAIL the rest (a code pasted in two pieces).
  void Cut(const std::string& rest) {
    std::istringstream in(rest);
    std::string name, head, tail;
    size_t n = 0;
    if (!(in >> name >> n >> head >> tail) || vars_.count(name) == 0 || n > vars_[name].size()) {
      throw std::runtime_error("cut needs NAME N HEAD TAIL: " + rest);
    }
    vars_[head] = vars_[name].substr(0, n);
    vars_[tail] = vars_[name].substr(n);
  }

  void Command(const std::string& args_text);
  void Flush();
  std::vector<std::string> Split(const std::string& text) const;
  std::string Expand(const std::string& text) const;
  std::string Unexpand(std::string text) const;

  TempDir dir_;
  FakeClock clock_{kStart};
  SeededRandom random_{1};
  SeededRandom relay_random_{2};
  ScriptedTerminal terminal_;
  MemoryNetwork network_;
  std::vector<std::unique_ptr<MemoryRelay>> relays_;
  std::map<std::string, std::string> env_;
  std::map<std::string, std::string> vars_;
  std::string stdin_;
  std::string last_stdout_;
  std::optional<Ran> pending_;
  std::ostringstream out_;
};

void Session::Command(const std::string& args_text) {
  // A command given `stdin` lines reads them from a pipe; one without is
  // typed at a terminal, whose prompts the `tty` lines answer.
  const bool terminal = stdin_.empty();
  std::istringstream in(stdin_);
  std::ostringstream out, err;
  stdin_.clear();
  terminal_.prompts.clear();
  cli::Io io{in,
             out,
             err,
             clock_,
             random_,
             terminal_,
             terminal,
             /*stderr_is_terminal=*/false,
             network_,
             [this](std::string_view name) -> std::optional<std::string> {
               const auto it = env_.find(std::string(name));
               if (it == env_.end()) return std::nullopt;
               return it->second;
             }};
  const int code = cli::RunCli(Split(args_text), io);
  pending_ = Ran{terminal_.prompts, out.str(), err.str(), code, std::move(network_.hooks)};
  network_.hooks.clear();
  last_stdout_ = pending_->out;
  if (!terminal_.answers.empty())
    throw std::runtime_error("unused tty answers after: " + args_text);
}

void Session::Flush() {
  if (!pending_) return;
  const Ran ran = std::move(*pending_);
  pending_.reset();
  for (const std::string& p : ran.prompts) out_ << "tty> " << Unexpand(p) << "\n";
  for (const std::string& l : Lines(ran.out))
    out_ << (l.empty() ? ">" : "> " + Unexpand(l)) << "\n";
  for (const std::string& l : Lines(ran.err))
    out_ << (l.empty() ? "2>" : "2> " + Unexpand(l)) << "\n";
  for (const std::string& h : ran.hooks) out_ << "hook> " << Unexpand(h) << "\n";
  if (ran.code != 0) out_ << "? " << ran.code << "\n";
}

std::vector<std::string> Session::Split(const std::string& text) const {
  std::vector<std::string> args;
  std::string current;
  bool quoted = false, any = false;
  for (char c : Expand(text)) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) args.push_back(current);
      current.clear();
      any = false;
    } else {
      current += c;
      any = true;
    }
  }
  if (any) args.push_back(current);
  return args;
}

// $NAME becomes its value; the longest name that matches wins.
std::string Session::Expand(const std::string& text) const {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    std::string best;
    if (text[i] == '$') {
      for (const auto& [name, value] : vars_) {
        if (text.compare(i + 1, name.size(), name) == 0 && name.size() > best.size()) best = name;
      }
    }
    if (best.empty()) {
      out += text[i];
    } else {
      out += vars_.at(best);
      i += best.size();
    }
  }
  return out;
}

// Every long variable's value becomes $NAME again, longest values first.
std::string Session::Unexpand(std::string text) const {
  std::vector<std::pair<std::string, std::string>> by_length(vars_.begin(), vars_.end());
  std::sort(by_length.begin(), by_length.end(),
            [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  for (const auto& [name, value] : by_length) {
    if (value.size() < kShortestWrittenBack) continue;
    for (size_t at = text.find(value); at != std::string::npos; at = text.find(value, at)) {
      text.replace(at, value.size(), "$" + name);
      at += name.size() + 1;
    }
  }
  return text;
}

}  // namespace

std::string RunTranscript(const std::string& text) { return Session().Run(text); }

}  // namespace waypost::testing
