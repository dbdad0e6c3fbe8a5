#include "cli/board_view.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string_view>

#include "cli/format.h"

namespace waypost::cli {
namespace {

using node::AlertInfo;
using node::AlertKind;
using node::BoardEntry;
using node::BoardState;
using node::MessageInfo;

constexpr int64_t kDay = 86400;

std::string TimeOrDash(const std::optional<UnixTime>& t, UnixTime now) {
  return t ? ShortTime(*t, now) : std::string("-");
}

std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

// Alarms stand out in capitals; ok and due (within the grace) do not.
std::string StateWord(BoardState state) {
  return state <= BoardState::kDue ? std::string(node::NameOf(state)) : Upper(node::NameOf(state));
}

// The last check-in's code, "-" for none, marked when it was a drill.
std::string LastCode(const BoardEntry& e) {
  if (e.last_code.empty()) return "-";
  return e.last_test ? e.last_code + " [TEST]" : e.last_code;
}

// The ANSI SGR parameters for a state: green, yellow, red, bold red,
// white on red for duress, and inverse for a revoked helper.
std::string_view StateSgr(BoardState state) {
  switch (state) {
    case BoardState::kOk:
      return "32";
    case BoardState::kDue:
      return "33";
    case BoardState::kOverdue:
      return "1;31";
    case BoardState::kDistress:
      return "1;31";
    case BoardState::kDuress:
      return "1;97;41";
    case BoardState::kRevoked:
      return "1;7";
  }
  return "0";
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// One thing on a helper's timeline, as a mark and as a line of text.
struct Event {
  UnixTime at = 0;
  std::string what;  // "check-in", "due", "overdue", "alert", "acknowledged", "confirmed"
  std::string text;  // raw; escaped when written
  std::string css;   // the mark's class
  std::optional<UnixTime> until;  // an overdue gap's end: the first real check-in after it, or now
};

class Page {
 public:
  explicit Page(const BoardPage& page)
      : p_(page), start_(page.now - page.days * kDay), end_(page.now + page.days * kDay / 8) {}

  std::string Render() {
    Head();
    Banners();
    Summary();
    for (size_t i = 0; i < p_.board.size(); ++i) Helper(i);
    Legend();
    out_ += "</main>\n</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  void Head() {
    out_ +=
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        // Nothing but the inline style may load: no script, image, font,
        // frame or connection, whatever a name or a note holds.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Waypost board, " +
        Rfc3339(p_.now) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n<main>\n";
    out_ += "<h1>Waypost board</h1>\n<p class=\"meta\">At " + Rfc3339(p_.now) +
            " by this coordinator's clock. Timelines cover the last " + std::to_string(p_.days) +
            (p_.days == 1 ? " day" : " days") +
            ". All times are UTC. This page is plaintext: keep it in RAM (/dev/shm) and delete "
            "it when you are done.</p>\n";
  }

  void Banners() {
    std::vector<AlertInfo> open;
    for (const AlertInfo& a : p_.alerts) {
      if (!a.acked_at) open.push_back(a);
    }
    std::stable_sort(open.begin(), open.end(), [](const AlertInfo& a, const AlertInfo& b) {
      return node::Urgency(a.kind) < node::Urgency(b.kind);
    });
    if (open.empty()) {
      out_ += "<p class=\"calm\">No open alerts.</p>\n";
      return;
    }
    for (const AlertInfo& a : open) {
      out_ += "<div class=\"banner " + std::string(node::NameOf(a.kind)) + "\" role=\"alert\">" +
              HtmlEscape(AlertSentence(a)) + "</div>\n";
    }
  }

  void Summary() {
    if (p_.board.empty()) {
      out_ += "<p>No helpers yet; enroll one with <code>waypost invite</code>.</p>\n";
      return;
    }
    out_ +=
        "<table class=\"board\">\n<thead><tr><th>Name</th><th>Last code</th><th>Meaning</th>"
        "<th>Sent (their clock)</th><th>Received</th><th>Next due</th><th>State</th></tr>"
        "</thead>\n<tbody>\n";
    for (size_t i = 0; i < p_.board.size(); ++i) {
      const BoardEntry& e = p_.board[i];
      out_ += "<tr><td><a href=\"#" + Anchor(i) + "\">" + HtmlEscape(e.name) + "</a></td><td>" +
              HtmlEscape(LastCode(e)) + "</td><td>" + HtmlEscape(e.last_meaning) + "</td><td>" +
              TimeOrDash(e.last_sent_at, p_.now) + "</td><td>" +
              TimeOrDash(e.last_received_at, p_.now) + "</td><td>" + TimeOrDash(e.due_at, p_.now) +
              "</td><td><span class=\"state " + std::string(node::NameOf(e.state)) + "\">" +
              StateWord(e.state) + "</span></td></tr>\n";
    }
    out_ += "</tbody>\n</table>\n";
  }

  // The fragment id of the helper at `index` on the board: its place, since
  // a name may hold anything.
  static std::string Anchor(size_t index) { return "helper-" + std::to_string(index + 1); }

  bool IsDistress(const std::string& code) const {
    return std::find(p_.distress_codes.begin(), p_.distress_codes.end(), code) !=
           p_.distress_codes.end();
  }

  // Whatever happened with this helper in the window, oldest first.
  std::vector<Event> EventsOf(const BoardEntry& e) const {
    std::vector<Event> events;
    auto in_window = [this](UnixTime t) { return t >= start_ && t <= end_; };
    std::vector<UnixTime> real_arrivals;
    for (const MessageInfo& m : p_.messages) {
      if (m.direction != node::Direction::kIn || m.peer != e.name || !m.received_at) continue;
      const bool revoked = m.state == node::MessageState::kRevoked;
      if (m.kind == node::MessageKind::kCheckIn && !m.test && !m.duress && !revoked) {
        real_arrivals.push_back(*m.received_at);
      }
      if (in_window(*m.received_at)) {
        Event ev{*m.received_at, m.kind == node::MessageKind::kCheckIn ? "check-in" : "message", "",
                 "checkin", std::nullopt};
        if (m.kind == node::MessageKind::kCheckIn) {
          ev.text = m.code + (m.meaning.empty() ? "" : " (" + m.meaning + ")");
          if (!m.text.empty()) ev.text += ", note: " + m.text;
        } else {
          ev.text = "a message";
        }
        ev.text += "; sent " + Rfc3339(m.sent_at) + " by their clock";
        if (revoked) {
          ev.text += "; came after you revoked " + e.name + ": it counts for nothing";
          ev.css = "revoked";
        } else if (m.test) {
          ev.text = "TEST " + ev.text;
          ev.css = "test";
        } else if (m.duress) {
          ev.text += "; sent under DURESS";
          ev.css = "duress";
        } else if (m.kind == node::MessageKind::kCheckIn && IsDistress(m.code)) {
          ev.css = "distress";
        } else if (m.kind == node::MessageKind::kText) {
          ev.css = "message";
        }
        events.push_back(std::move(ev));
      }
      if (m.state == node::MessageState::kConfirmed && m.state_at && in_window(*m.state_at)) {
        std::string text = (m.state_by.empty() ? "you" : m.state_by) + " confirmed " + m.id +
                           (m.code.empty() ? "" : " (" + m.code + ")");
        if (!m.state_note.empty()) text += ", note: " + m.state_note;
        events.push_back({*m.state_at, "confirmed", std::move(text), "confirmed", std::nullopt});
      }
    }
    std::sort(real_arrivals.begin(), real_arrivals.end());
    for (const AlertInfo& a : p_.alerts) {
      if (a.peer != e.name) continue;
      if (a.kind == AlertKind::kOverdue && a.due_at) {
        // The gap runs from the deadline to the first real check-in after
        // it, or to now.
        const auto next = std::upper_bound(real_arrivals.begin(), real_arrivals.end(), *a.due_at);
        const UnixTime until = next == real_arrivals.end() ? p_.now : *next;
        if (until >= start_ && *a.due_at <= end_) {
          events.push_back({*a.due_at, "overdue",
                            "due by " + Rfc3339(*a.due_at) + "; nothing arrived until " +
                                (next == real_arrivals.end() ? "now" : Rfc3339(until)),
                            "gap", until});
        }
      }
      if (in_window(a.raised_at)) {
        events.push_back({a.raised_at, "alert",
                          std::string(node::NameOf(a.kind)) + " alert " + std::to_string(a.id) +
                              (a.detail.empty() ? "" : ": " + a.detail),
                          "alert " + std::string(node::NameOf(a.kind)), std::nullopt});
      }
      if (a.acked_at && in_window(*a.acked_at)) {
        events.push_back({*a.acked_at, "acknowledged",
                          std::string(node::NameOf(a.kind)) + " alert " + std::to_string(a.id) +
                              (a.acked_by.empty() ? "" : " by " + a.acked_by) +
                              (a.note.empty() ? "" : ", note: " + a.note),
                          "acked", std::nullopt});
      }
    }
    // The deadline an overdue alert already marks is not marked twice.
    const bool marked =
        e.due_at && std::any_of(events.begin(), events.end(), [&e](const Event& ev) {
          return ev.what == "overdue" && ev.at == *e.due_at;
        });
    if (e.due_at && in_window(*e.due_at) && !marked) {
      events.push_back(
          {*e.due_at, "due",
           "next check-in due" + (e.grace ? " (grace " + FormatAge(*e.grace) + ")" : std::string()),
           "due", std::nullopt});
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.at < b.at; });
    return events;
  }

  double X(UnixTime t) const {
    const double span = static_cast<double>(end_ - start_);
    return 10.0 + 980.0 * static_cast<double>(std::clamp(t, start_, end_) - start_) / span;
  }

  void Helper(size_t index) {
    const BoardEntry& e = p_.board[index];
    const std::vector<Event> events = EventsOf(e);
    out_ += "<section class=\"helper\" id=\"" + Anchor(index) + "\">\n<h2>" + HtmlEscape(e.name) +
            " <span class=\"state " + std::string(node::NameOf(e.state)) + "\">" +
            StateWord(e.state) + "</span></h2>\n<p class=\"fp\">Fingerprint " +
            HtmlEscape(e.fingerprint) + "</p>\n";
    // The timeline: days, the future shaded, gaps, then the marks on top.
    out_ += "<svg class=\"timeline\" viewBox=\"0 0 1000 64\" role=\"img\" aria-label=\"" +
            HtmlEscape(e.name) + ", last " + std::to_string(p_.days) + " days\">\n";
    out_ += "<rect class=\"future\" x=\"" + Num(X(p_.now)) + "\" y=\"4\" width=\"" +
            Num(X(end_) - X(p_.now)) + "\" height=\"40\"/>\n";
    for (const Event& ev : events) {
      if (!ev.until) continue;  // X() keeps both ends inside the window
      out_ += "<rect class=\"gap\" x=\"" + Num(X(ev.at)) + "\" y=\"8\" width=\"" +
              Num(std::max(2.0, X(*ev.until) - X(ev.at))) + "\" height=\"32\"/>\n";
    }
    out_ += "<line class=\"axis\" x1=\"10\" y1=\"44\" x2=\"990\" y2=\"44\"/>\n";
    const int64_t step = p_.days > 21 ? 7 * kDay : kDay;
    for (UnixTime day = (start_ / kDay + 1) * kDay; day <= end_; day += step) {
      out_ += "<line class=\"tick\" x1=\"" + Num(X(day)) + "\" y1=\"40\" x2=\"" + Num(X(day)) +
              "\" y2=\"48\"/><text class=\"day\" x=\"" + Num(X(day)) + "\" y=\"60\">" +
              FormatUtc("%b %d", day) + "</text>\n";
    }
    out_ += "<line class=\"now\" x1=\"" + Num(X(p_.now)) + "\" y1=\"4\" x2=\"" + Num(X(p_.now)) +
            "\" y2=\"44\"/>\n";
    for (const Event& ev : events) {
      const std::string x = Num(X(ev.at));
      const std::string title =
          "<title>" + HtmlEscape(Rfc3339(ev.at) + " " + ev.what + ": " + ev.text) + "</title>";
      if (ev.what == "due" || ev.what == "overdue") {
        out_ += "<line class=\"deadline\" x1=\"" + x + "\" y1=\"6\" x2=\"" + x + "\" y2=\"44\">" +
                title + "</line>\n";
      } else if (ev.what == "alert") {
        out_ +=
            "<path class=\"" + ev.css + "\" d=\"M" + x + " 6 l-6 10 h12 z\">" + title + "</path>\n";
      } else if (ev.what == "confirmed" || ev.what == "acknowledged") {
        out_ += "<rect class=\"" + ev.css + "\" x=\"" + Num(X(ev.at) - 3) +
                "\" y=\"34\" width=\"6\" height=\"6\">" + title + "</rect>\n";
      } else {
        out_ += "<circle class=\"mark " + ev.css + "\" cx=\"" + x + "\" cy=\"26\" r=\"6\">" +
                title + "</circle>\n";
      }
    }
    out_ += "</svg>\n";
    if (events.empty()) {
      out_ += "<p class=\"quiet\">Nothing in the last " + std::to_string(p_.days) +
              (p_.days == 1 ? " day" : " days") + ".</p>\n</section>\n";
      return;
    }
    out_ += "<ol class=\"events\">\n";
    for (const Event& ev : events) {
      out_ += "<li class=\"" + ev.css + "\"><time>" + ShortTime(ev.at, p_.now) + "</time> <b>" +
              ev.what + "</b> " + HtmlEscape(ev.text) + "</li>\n";
    }
    out_ += "</ol>\n</section>\n";
  }

  void Legend() {
    out_ +=
        "<p class=\"legend\"><span class=\"key checkin\"></span> check-in "
        "<span class=\"key test\"></span> drill (TEST) "
        "<span class=\"key distress\"></span> distress or duress "
        "<span class=\"key gapkey\"></span> overdue gap "
        "<span class=\"key duekey\"></span> deadline "
        "<span class=\"key confirmed\"></span> confirmed or acknowledged. "
        "The shaded end of each timeline is the time still to come.</p>\n";
  }

  static constexpr const char* kStyle =
      "body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#fafafa;color:#1f2328}\n"
      "main{max-width:1100px;margin:0 auto;padding:16px}\n"
      "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:0}\n"
      ".meta,.fp,.legend,.quiet{color:#57606a;font-size:13px}\n"
      ".banner{padding:10px 14px;margin:8px 0;border-radius:6px;font-weight:600;"
      "background:#ffebe9;border:2px solid #cf222e;color:#82071e}\n"
      ".banner.duress{background:#82071e;color:#fff;border-color:#82071e}\n"
      ".banner.gap,.banner.invite-reused{background:#fff8c5;border-color:#9a6700;color:#633c01}\n"
      ".calm{color:#1a7f37;font-weight:600}\n"
      "table.board{border-collapse:collapse;width:100%;margin:12px 0 20px;background:#fff}\n"
      ".board th,.board td{text-align:left;padding:6px 8px;border-bottom:1px solid #d0d7de}\n"
      ".state{font-weight:700;padding:1px 6px;border-radius:4px}\n"
      ".state.ok{color:#1a7f37}.state.due{color:#9a6700;background:#fff8c5}\n"
      ".state.overdue,.state.distress{color:#fff;background:#cf222e}\n"
      ".state.duress{color:#fff;background:#82071e}\n"
      ".state.revoked{color:#fff;background:#57606a}\n"
      ".helper{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px;"
      "margin:12px 0}\n"
      ".timeline{width:100%;height:auto;display:block;margin:8px 0}\n"
      ".timeline .future{fill:#f0f3f6}.timeline .gap{fill:#ffcecb}\n"
      ".timeline .axis,.timeline .tick{stroke:#8c959f;stroke-width:1}\n"
      ".timeline .now{stroke:#0969da;stroke-width:2}\n"
      ".timeline .deadline{stroke:#9a6700;stroke-width:2;stroke-dasharray:4 3}\n"
      ".timeline .day{font-size:11px;fill:#57606a;text-anchor:middle}\n"
      ".timeline .mark{fill:#1a7f37}.timeline .mark.test{fill:#fff;stroke:#57606a;"
      "stroke-width:2}\n"
      ".timeline .mark.distress,.timeline .mark.duress{fill:#cf222e}\n"
      ".timeline .mark.message{fill:#0969da}.timeline .mark.revoked{fill:#57606a}\n"
      ".timeline .alert{fill:#cf222e}.timeline .confirmed,.timeline .acked{fill:#0969da}\n"
      ".events{margin:4px 0 0;padding-left:20px;font-size:14px}\n"
      ".events time{font-variant-numeric:tabular-nums;color:#57606a}\n"
      ".events .gap,.events .alert,.events .distress,.events .duress{color:#82071e}\n"
      ".events .revoked{color:#57606a;text-decoration:line-through}\n"
      ".key{display:inline-block;width:10px;height:10px;border-radius:5px;margin-left:8px}\n"
      ".key.checkin{background:#1a7f37}.key.test{border:2px solid #57606a;width:6px;"
      "height:6px}\n"
      ".key.distress{background:#cf222e}.key.gapkey{background:#ffcecb;border-radius:0}\n"
      ".key.duekey{border-left:2px dashed #9a6700;border-radius:0;width:0}\n"
      ".key.confirmed{background:#0969da;border-radius:0}\n"
      "@media print{body{background:#fff}.helper{break-inside:avoid}}\n";

  const BoardPage& p_;
  const UnixTime start_;
  const UnixTime end_;
  std::string out_;
};

}  // namespace

std::string AlertSentence(const AlertInfo& a) {
  const std::string id = std::to_string(a.id);
  const std::string then = " When it is resolved: waypost ack " + id;
  switch (a.kind) {
    case AlertKind::kDuress:
      return "DURESS: " + a.peer + " since " + Rfc3339(a.raised_at) + " (alert " + id +
             "): " + node::kDuressAdvice + "." + then;
    case AlertKind::kInviteReused:
      return "INVITE: " + a.detail + " (alert " + id + ")." + then;
    case AlertKind::kKeyChanged:
      return "KEY CHANGED: " + a.detail + " (alert " + id + ")." + then;
    case AlertKind::kApproval:
      return "APPROVAL: " + a.detail + " (alert " + id + ")." + then;
    case AlertKind::kGap:
      return "MISSING: " + a.detail + " (alert " + id + ")." + then;
    case AlertKind::kOverdue:
      return "OVERDUE: " + a.peer + " was due by " +
             (a.due_at ? Rfc3339(*a.due_at) : std::string("?")) +
             " and no check-in arrived in the grace time (alert " + id + ")." + then;
    case AlertKind::kDistress:
      return "DISTRESS: " + a.peer + " checked in " + a.detail + " at " + Rfc3339(a.raised_at) +
             " (alert " + id + ")." + then;
  }
  return "ALERT " + id + "." + then;
}

std::string ShortFingerprint(std::string_view fingerprint) {
  // "f795 7976 5487 ...": the first two groups of four.
  return std::string(fingerprint.substr(0, std::min<size_t>(fingerprint.size(), 9)));
}

std::string BoardTable(const std::vector<BoardEntry>& board, UnixTime now, bool colour,
                       size_t width) {
  std::vector<std::vector<std::string>> rows;
  std::vector<BoardState> states;
  auto brief = [now](const std::optional<UnixTime>& t) {
    return t ? BriefTime(*t, now) : std::string("-");
  };
  for (const BoardEntry& e : board) {
    rows.push_back({StateWord(e.state), e.name, ShortFingerprint(e.fingerprint), LastCode(e),
                    e.last_code.empty() ? "-" : e.last_meaning, brief(e.last_sent_at),
                    brief(e.last_received_at), brief(e.due_at)});
    states.push_back(e.state);
  }
  // What gives way to fit (README, "board"): the meaning, names and codes
  // are cut first, then the helper's sent time and the meaning go; the
  // state, the fingerprint, and when it arrived and is due always stay.
  const std::string plain = FitTable({{"STATE", 0, false},
                                      {"NAME", 8, false},
                                      {"FP", 0, false},
                                      {"CODE", 8, false},
                                      {"MEANING", 10, true},
                                      {"SENT", 0, true},
                                      {"RECEIVED", 0, false},
                                      {"DUE", 0, false}},
                                     rows, width);
  if (!colour) return plain;
  // The state leads each line and is plain ASCII: colouring it, and the
  // whole header line, moves nothing.
  std::string out;
  size_t line = 0;
  size_t start = 0;
  while (start < plain.size()) {
    const size_t end = plain.find('\n', start);
    const std::string text = plain.substr(start, end - start);
    if (line == 0) {
      out += "\033[1m" + text + "\033[0m\n";
    } else {
      const size_t word = StateWord(states[line - 1]).size();
      out += "\033[" + std::string(StateSgr(states[line - 1])) + "m" + text.substr(0, word) +
             "\033[0m" + text.substr(word) + "\n";
    }
    ++line;
    start = end + 1;
  }
  return out;
}

std::string BoardHtml(const BoardPage& page) { return Page(page).Render(); }

std::string HtmlEscape(std::string_view raw) {
  const std::string text = Printable(raw);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace waypost::cli
