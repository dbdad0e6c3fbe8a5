#include "cli/docs.h"

#include <map>
#include <set>

namespace waypost::cli {
namespace {

// Options a reader sees: not the hidden ones (an empty group), such as the
// positional that refuses text on the command line.
std::vector<const CLI::Option*> Visible(const CLI::App& app) {
  return app.get_options([](const CLI::Option* o) { return !o->get_group().empty(); });
}

// Every command's --help, said once under GLOBAL OPTIONS.
bool IsHelp(const CLI::Option* o) {
  return o->get_lnames().size() == 1 && o->get_lnames()[0] == "help";
}

bool IsFlag(const CLI::Option* o) { return !o->get_positional() && o->get_expected_max() == 0; }

// "--every" (or "-h, --help"); a positional's own name ("CODE").
std::string Names(const CLI::Option* o) {
  if (o->get_positional() && o->get_lnames().empty() && o->get_snames().empty()) {
    return o->get_name(true);
  }
  std::string out;
  for (const std::string& s : o->get_snames()) out += (out.empty() ? "-" : ", -") + s;
  for (const std::string& l : o->get_lnames()) out += (out.empty() ? "--" : ", --") + l;
  return out;
}

// The word a user types for the option's value: DUR, TIME, DIR, or TEXT.
std::string ValueWord(const CLI::Option* o) {
  std::string type = o->get_type_name();
  const size_t colon = type.find(':');  // "INT:INT in [1 - 60]"
  if (colon != std::string::npos) type = type.substr(0, colon);
  return type.empty() ? "VALUE" : type;
}

// Text safe in roff: backslashes escaped, no line that starts a request.
std::string Roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::string Usage(const std::string& path, const CLI::App& app) {
  std::string out = "waypost " + path;
  for (const CLI::Option* o : Visible(app)) {
    if (IsHelp(o)) continue;
    std::string word = Names(o);
    if (!o->get_positional() && !IsFlag(o)) word += " " + ValueWord(o);
    if (!o->get_required()) word = "[" + word + "]";
    if (o->get_positional() && o->get_expected_max() > 1) word += "...";
    out += " " + word;
  }
  return out;
}

void OptionList(std::string& out, const std::vector<const CLI::Option*>& options) {
  for (const CLI::Option* o : options) {
    if (o->get_positional() || IsFlag(o)) {
      out += ".TP\n.B " + Roff(Names(o)) + "\n";
    } else {
      out += ".TP\n.BI \"" + Roff(Names(o)) + " \" " + Roff(ValueWord(o)) + "\n";
    }
    out += Roff(o->get_description());
    if (!o->get_default_str().empty()) out += " (default " + Roff(o->get_default_str()) + ")";
    out += "\n";
  }
}

void Collect(const CLI::App& app, const std::string& prefix, std::vector<CommandEntry>& out) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    const std::string path = prefix + sub->get_name();
    if (sub->get_subcommands({}).empty()) {
      out.push_back({path, sub});
    } else {
      Collect(*sub, path + " ", out);
    }
  }
}

// Words in a bash single-quoted string.
std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::vector<CommandEntry> Commands(const CLI::App& app) {
  std::vector<CommandEntry> out;
  Collect(app, "", out);
  return out;
}

std::string ManPage(const CLI::App& app, const std::string& version) {
  std::string out =
      ".TH WAYPOST 1 \"\" \"waypost " + Roff(version) +
      "\" \"User Commands\"\n"
      ".SH NAME\nwaypost \\- end\\-to\\-end encrypted check\\-ins for field teams\n"
      ".SH SYNOPSIS\n.B waypost\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR "
      "[\\fIOPTIONS\\fR]\n.br\n.B waypost\n\\-\\-version\n"
      ".SH DESCRIPTION\n" +
      Roff(
          "Waypost is an offline-first, end-to-end encrypted check-in tool for small "
          "field teams. A helper sends short coded check-ins and messages to a "
          "coordinator, who confirms safe arrivals and is alarmed when a helper goes "
          "silent or checks in under duress. Messages travel as sealed envelopes "
          "through relays that cannot read them, and every node keeps its state in an "
          "encrypted store unlocked by a passphrase.\n") +
      ".PP\nRun \\fBwaypost\\fR alone for the few commands each role needs.\n"
      ".SH GLOBAL OPTIONS\n";
  OptionList(out, Visible(app));
  out += ".SH COMMANDS\n";
  for (const CommandEntry& c : Commands(app)) {
    out += ".SS \"" + Roff(c.path) + "\"\n.B " + Roff(Usage(c.path, *c.app)) + "\n.PP\n" +
           Roff(c.app->get_description()) + "\n";
    std::vector<const CLI::Option*> options;
    for (const CLI::Option* o : Visible(*c.app)) {
      if (!IsHelp(o)) options.push_back(o);
    }
    OptionList(out, options);
  }
  out += ".SH TEXT NEVER ON THE COMMAND LINE\n" +
         Roff(
             "Notes, messages and invite codes are never arguments: the shell keeps its "
             "command lines in its history, and any program can read a running program's "
             "arguments in /proc. They are typed at a prompt, or piped on stdin by scripts "
             "(--note - reads a note). Check-in codes, names and options are arguments.\n") +
         ".SH DURATIONS AND TIMES\n" +
         Roff(
             "A duration (DUR) reads like 90s, 15m, 2h or 3d, and units combine (1d12h). A "
             "time (TIME) is UTC, like 2027-01-15T18:00Z, or a duration from now. Waypost "
             "prints times in UTC.\n") +
         ".SH ENVIRONMENT\n"
         ".TP\n.B WAYPOST_HOME\nThe node directory when \\-\\-home is not given.\n"
         ".TP\n.B XDG_DATA_HOME\nWithout either, the node lives in $XDG_DATA_HOME/waypost, "
         "else ~/.local/share/waypost.\n"
         ".TP\n.B WAYPOST_PASSPHRASE\nThe passphrase, when no \\-\\-passphrase\\-file is "
         "given; otherwise it is asked for without echo. Avoid it on shared machines: other "
         "processes of the same user can read it.\n"
         ".TP\n.B WAYPOST_NEW_PASSPHRASE\nA new passphrase for init, passwd and duress set.\n"
         ".TP\n.B NO_COLOR\nWhen set and not empty, board prints no colour.\n"
         ".SH EXIT STATUS\n"
         "0 on success; 1 on failure, with one line on stderr that starts with "
         "\\(lqwaypost: error:\\(rq; 2 on a usage error.\n"
         ".SH FILES\n.TP\n.I ~/.local/share/waypost/\nThe node: its key file and its "
         "encrypted databases.\n"
         ".SH SEE ALSO\nThe README and SECURITY.md, in /usr/share/doc/waypost/ when installed "
         "from the package: concepts, a walk through, the threat model and what is not "
         "protected yet.\n";
  return out;
}

std::string BashCompletion(const CLI::App& app) {
  // Per command path, the words that may follow; per option, what its
  // value is.
  std::map<std::string, std::set<std::string>> words;
  std::set<std::string> durations, directories, files, kdfs, others;
  auto note_options = [&](const CLI::App& a, const std::string& path) {
    for (const CLI::Option* o : Visible(a)) {
      if (o->get_positional() && o->get_lnames().empty()) continue;
      for (const std::string& l : o->get_lnames()) {
        const std::string name = "--" + l;
        words[path].insert(name);
        if (IsFlag(o)) continue;
        const std::string type = ValueWord(o);
        if (type == "DUR" || type == "TIME") {
          durations.insert(name);
        } else if (type == "DIR") {
          directories.insert(name);
        } else if (type == "FILE") {
          files.insert(name);
        } else if (l == "kdf") {
          kdfs.insert(name);
        } else {
          others.insert(name);
        }
      }
    }
  };
  std::function<void(const CLI::App&, const std::string&)> walk = [&](const CLI::App& a,
                                                                      const std::string& path) {
    note_options(a, path);
    for (const CLI::App* sub : a.get_subcommands({})) {
      words[path].insert(sub->get_name());
      walk(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name());
    }
  };
  walk(app, "");
  auto alternatives = [](const std::set<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : "|") + n;
    return out.empty() ? std::string("--never--") : out;
  };

  std::string out =
      "# bash completion for waypost(1), generated from its command definitions\n"
      "# (cli/docs.cc). It completes words only: it never runs waypost and never\n"
      "# reads a store, so it reveals nothing about contacts or messages.\n"
      "_waypost() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=\"\" path=\"\" word i skip=0\n"
      "  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
      "  case \"$prev\" in\n"
      "    " +
      alternatives(durations) +
      ")\n"
      "      COMPREPLY=($(compgen -W '90s 15m 30m 1h 2h 6h 12h 1d 3d 7d' -- \"$cur\")); return ;;\n"
      "    " +
      alternatives(directories) +
      ")\n"
      "      COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
      "    " +
      alternatives(files) +
      ")\n"
      "      COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
      "    " +
      alternatives(kdfs) +
      ")\n"
      "      COMPREPLY=($(compgen -W 'interactive moderate sensitive' -- \"$cur\")); return ;;\n"
      "    " +
      alternatives(others) +
      ")\n"
      "      COMPREPLY=(); return ;;\n"
      "  esac\n"
      "  # The command words typed so far, skipping options and their values.\n"
      "  for (( i = 1; i < COMP_CWORD; i++ )); do\n"
      "    word=${COMP_WORDS[i]}\n"
      "    if (( skip )); then skip=0; continue; fi\n"
      "    case \"$word\" in\n"
      "      " +
      alternatives([&] {
        std::set<std::string> all = durations;
        all.insert(directories.begin(), directories.end());
        all.insert(files.begin(), files.end());
        all.insert(kdfs.begin(), kdfs.end());
        all.insert(others.begin(), others.end());
        return all;
      }()) +
      ") skip=1; continue ;;\n"
      "      -*) continue ;;\n"
      "    esac\n"
      "    case \"${path:+$path }$word\" in\n";
  for (const auto& [path, next] : words) {
    if (path.empty()) continue;
    out += "      " + Quote(path) + ") path=\"${path:+$path }$word\" ;;\n";
  }
  out +=
      "    esac\n"
      "  done\n"
      "  local candidates\n"
      "  case \"$path\" in\n";
  for (const auto& [path, next] : words) {
    std::string list;
    for (const std::string& w : next) list += (list.empty() ? "" : " ") + w;
    out += "    " + Quote(path) + ") candidates=" + Quote(list) + " ;;\n";
  }
  out +=
      "    *) candidates='' ;;\n"
      "  esac\n"
      "  COMPREPLY=($(compgen -W \"$candidates\" -- \"$cur\"))\n"
      "}\n"
      "complete -F _waypost waypost\n";
  return out;
}

}  // namespace waypost::cli
