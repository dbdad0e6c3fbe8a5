// The board for people (cli/board_view.h): the table's colours and
// alignment, when colour is used at all, and the HTML page: self-contained,
// escaped, with a banner per open alert and a timeline of what happened.
// The page's rendering in a real browser is tests/integration/board_html_test.cc.
#include "cli/board_view.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>

#include "cli/context.h"
#include "cli/display_width.h"
#include "core/text.h"
#include "tests/cli/bare_io.h"

namespace waypost::cli {
namespace {

using node::AlertInfo;
using node::AlertKind;
using node::BoardEntry;
using node::BoardState;
using node::MessageInfo;

// 2027-01-15T14:30:00Z
constexpr UnixTime kNow = 1'800'023'400;
constexpr int64_t kHour = 3600;

std::string StripAnsi(const std::string& text) {
  return std::regex_replace(text, std::regex("\033\\[[0-9;]*m"), "");
}

std::vector<BoardEntry> TwoHelpers() {
  BoardEntry amira;
  amira.name = "Amira";
  amira.fingerprint = "edf6 0b54";
  amira.last_code = "crossed";
  amira.last_meaning = "crossed as planned, all well";
  amira.last_sent_at = kNow - 2 * kHour;
  amira.last_received_at = kNow - kHour;
  amira.due_at = kNow + 5 * kHour;
  amira.grace = 15 * 60;
  amira.state = BoardState::kOk;
  BoardEntry omar;
  omar.name = "Omar";
  omar.fingerprint = "0c1d 2e3f";
  omar.due_at = kNow - 3 * kHour;
  omar.grace = 15 * 60;
  omar.state = BoardState::kOverdue;
  omar.alert = 2;
  return {amira, omar};
}

TEST(BoardTableTest, PlainLeadsWithTheStateAndFits80Columns) {
  EXPECT_EQ(BoardTable(TwoHelpers(), kNow, false),
            "STATE    NAME   FP         CODE     MEANING               SENT   RECEIVED  DUE\n"
            "ok       Amira  edf6 0b54  crossed  crossed as planned,…  12:30  13:30     19:30\n"
            "OVERDUE  Omar   0c1d 2e3f  -        -                     -      -         11:30\n");
}

TEST(BoardTableTest, ColourMarksTheStateAndMovesNothing) {
  const std::string coloured = BoardTable(TwoHelpers(), kNow, true);
  EXPECT_NE(coloured.find("\033[32mok\033[0m"), std::string::npos) << coloured;
  EXPECT_NE(coloured.find("\033[1;31mOVERDUE\033[0m"), std::string::npos) << coloured;
  EXPECT_EQ(coloured.rfind("\033[1mSTATE", 0), 0u) << coloured;
  EXPECT_EQ(StripAnsi(coloured), BoardTable(TwoHelpers(), kNow, false));
}

TEST(BoardTableTest, ADrillIsMarkedAndOtherDaysShowTheirDate) {
  std::vector<BoardEntry> board = TwoHelpers();
  board[0].last_test = true;
  board[0].last_received_at = kNow - 30 * 24 * kHour;  // 2026-12-16
  board[0].last_sent_at = kNow - 24 * kHour;           // yesterday
  const std::string table = BoardTable(board, kNow, false, 120);
  EXPECT_NE(table.find("crossed [TEST]"), std::string::npos) << table;
  EXPECT_NE(table.find("2026-12-16 14:30"), std::string::npos) << table;
  EXPECT_NE(table.find("Jan 14 14:30"), std::string::npos) << table;
}

std::vector<std::string> LinesOf(const std::string& text) {
  std::vector<std::string> out;
  for (size_t start = 0; start < text.size();) {
    const size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Helpers named in Korean, Arabic with its vowel marks, and with accents,
// checked in with long meanings, some on another day.
std::vector<BoardEntry> ManyScripts() {
  std::vector<BoardEntry> board = TwoHelpers();
  BoardEntry kim = board[0];
  kim.name = "김민준박서연이도윤";
  kim.fingerprint = "9a1b 2c3d 4e5f";
  kim.last_code = "대기중";
  kim.last_meaning = "국경 근처에서 기다리는 중, 모두 무사함";
  kim.state = BoardState::kDuress;
  BoardEntry muhammad = board[0];
  muhammad.name = "\u0645\u064F\u062D\u064E\u0645\u0651\u064E\u062F \u0627\u0644\u0639\u0644\u064A";
  muhammad.fingerprint = "77aa 88bb";
  muhammad.last_sent_at = kNow - 26 * kHour;
  muhammad.last_received_at = kNow - 25 * kHour;
  muhammad.state = BoardState::kDistress;
  BoardEntry zoe = board[1];
  zoe.name = "Zoe\u0308 Rene\u0301e Łukasiewicz-Ó Briain";
  board.push_back(kim);
  board.push_back(muhammad);
  board.push_back(zoe);
  return board;
}

// Each line's columns start at the same display column: the fingerprint
// ("edf6 0b54" and its likes) is found at one offset on every line.
void ExpectAligned(const std::string& table) {
  std::optional<size_t> at;
  const std::vector<std::string> lines = LinesOf(table);
  const size_t header = lines[0].find("FP");
  ASSERT_NE(header, std::string::npos);
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    // The fingerprint: 4 hex digits, a space and 4 more.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(line, m, std::regex("[0-9a-f]{4} [0-9a-f]{4}"))) << line;
    const size_t column = DisplayWidth(line.substr(0, static_cast<size_t>(m.position(0))));
    if (!at) at = column;
    EXPECT_EQ(column, *at) << table;
  }
  EXPECT_EQ(*at, header) << table;
}

TEST(BoardTableTest, LongNamesInAnyScriptAreCutToFit80ColumnsAndAlign) {
  const std::string table = BoardTable(ManyScripts(), kNow, false);
  for (const std::string& line : LinesOf(table)) {
    EXPECT_LE(DisplayWidth(line), 80u) << table;
    EXPECT_TRUE(IsValidUtf8(line)) << line;
  }
  ExpectAligned(table);
  EXPECT_NE(table.find("DURESS    김민준"), std::string::npos) << table;
  EXPECT_NE(table.find("…"), std::string::npos) << table;
  EXPECT_NE(table.find("9a1b 2c3d"), std::string::npos) << table;
  EXPECT_EQ(table.find("9a1b 2c3d 4e5f"), std::string::npos) << table;
}

TEST(BoardTableTest, NarrowWidthsLeaveOutTheSentTimeThenTheMeaning) {
  for (size_t width : {70u, 60u}) {
    SCOPED_TRACE(width);
    const std::string table = BoardTable(ManyScripts(), kNow, false, width);
    for (const std::string& line : LinesOf(table)) EXPECT_LE(DisplayWidth(line), width) << table;
    ExpectAligned(table);
    EXPECT_EQ(table.rfind("STATE", 0), 0u);
    EXPECT_NE(table.find("RECEIVED"), std::string::npos) << table;
    EXPECT_NE(table.find("DUE"), std::string::npos) << table;
  }
  EXPECT_EQ(BoardTable(ManyScripts(), kNow, false, 60).find("SENT"), std::string::npos);
  // Wide enough, nothing is cut.
  const std::string wide = BoardTable(ManyScripts(), kNow, false, 200);
  EXPECT_EQ(wide.find("…"), std::string::npos) << wide;
  ExpectAligned(wide);
}

// Context::Colour for stdout on a terminal or not, with this environment.
bool ColourWith(bool stdout_is_terminal, const std::map<std::string, std::string>& env) {
  testing::BareIo bare({.stdout_is_terminal = stdout_is_terminal}, env);
  return Context(Globals{}, bare.io()).Colour();
}

TEST(BoardTableTest, ColourOnlyOnATerminalAndNeverUnderNoColor) {
  EXPECT_TRUE(ColourWith(true, {{"TERM", "xterm-256color"}}));
  EXPECT_TRUE(ColourWith(true, {{"NO_COLOR", ""}}));  // empty: as if unset (no-color.org)
  EXPECT_FALSE(ColourWith(true, {{"NO_COLOR", "1"}}));
  EXPECT_FALSE(ColourWith(true, {{"TERM", "dumb"}}));
  EXPECT_FALSE(ColourWith(false, {}));
}

// A page where a helper's name, a note and a code meaning all try to reach
// out of it.
BoardPage HostilePage() {
  BoardPage page;
  page.now = kNow;
  page.days = 3;
  page.board = TwoHelpers();
  page.board[0].name = "Amira<script>fetch('http://127.0.0.1:9/x')</script>";
  page.distress_codes = {"need-help"};
  MessageInfo crossed;
  crossed.id = "aaaaaaaaaaaa";
  crossed.direction = node::Direction::kIn;
  crossed.kind = node::MessageKind::kCheckIn;
  crossed.peer = page.board[0].name;
  crossed.code = "crossed";
  crossed.meaning = "crossed <img src=http://127.0.0.1:9/i>";
  crossed.text = "\" onload=\"x\" <style>@import url(http://127.0.0.1:9/s)</style>";
  crossed.sent_at = kNow - 2 * kHour;
  crossed.received_at = kNow - kHour;
  crossed.state = node::MessageState::kConfirmed;
  crossed.state_at = kNow - 30 * 60;
  crossed.state_note = "welcome back";
  MessageInfo drill = crossed;
  drill.id = "bbbbbbbbbbbb";
  drill.test = true;
  drill.state = node::MessageState::kReceived;
  drill.received_at = kNow - 26 * kHour;
  drill.text = "";
  MessageInfo help = drill;
  help.id = "cccccccccccc";
  help.peer = "Omar";
  help.code = "need-help";
  help.meaning = "we need help";
  help.test = false;
  help.received_at = kNow - 40 * kHour;
  page.messages = {crossed, drill, help};
  AlertInfo overdue;
  overdue.id = 2;
  overdue.kind = AlertKind::kOverdue;
  overdue.peer = "Omar";
  overdue.raised_at = kNow - 2 * kHour;
  overdue.due_at = kNow - 3 * kHour;
  AlertInfo distress;
  distress.id = 1;
  distress.kind = AlertKind::kDistress;
  distress.peer = "Omar";
  distress.detail = "need-help (\"we need help\")";
  distress.raised_at = kNow - 40 * kHour;
  distress.acked_at = kNow - 39 * kHour;
  distress.note = "called the safe house";
  page.alerts = {overdue, distress};
  return page;
}

TEST(BoardHtmlTest, LoadsNothingFromOutsideWhateverTheStoreHolds) {
  const std::string html = BoardHtml(HostilePage());
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  // Every element is one the page itself writes, and none has an attribute
  // that loads or runs anything: text from the store never becomes markup.
  const std::set<std::string> allowed = {
      "html",   "head", "meta", "title",   "style", "body",  "main", "h1",
      "h2",     "p",    "div",  "table",   "thead", "tbody", "tr",   "th",
      "td",     "a",    "span", "section", "svg",   "rect",  "line", "text",
      "circle", "path", "ol",   "li",      "time",  "b",     "code"};
  const std::regex tag("<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>");
  size_t tags = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), tag), end; it != end; ++it, ++tags) {
    const std::string name = (*it)[1];
    const std::string attributes = (*it)[2];
    EXPECT_TRUE(allowed.count(name)) << "<" << name << attributes << ">";
    EXPECT_FALSE(std::regex_search(attributes, std::regex("(^|\\s)(src|on[a-z]+|xlink:href)=")))
        << "<" << name << attributes << ">";
    std::smatch href;
    if (std::regex_search(attributes, href, std::regex("href=\"([^\"]*)\""))) {
      EXPECT_EQ(href[1].str().rfind("#", 0), 0u) << "<" << name << attributes << ">";
    }
  }
  EXPECT_GT(tags, 50u);
  // One <style> element, the page's own, which imports and links nothing.
  const size_t style = html.find("<style>");
  ASSERT_EQ(style, html.rfind("<style>"));
  const std::string sheet = html.substr(style, html.find("</style>") - style);
  EXPECT_EQ(sheet.find("url("), std::string::npos);
  EXPECT_EQ(sheet.find("@import"), std::string::npos);
  // Each hostile string is there, as text.
  EXPECT_NE(html.find("Amira&lt;script&gt;fetch(&#39;http:"), std::string::npos);
  EXPECT_NE(html.find("crossed &lt;img src=http:"), std::string::npos);
  EXPECT_NE(html.find("&quot; onload=&quot;x&quot; &lt;style&gt;@import"), std::string::npos);
}

TEST(BoardHtmlTest, ABannerForEachOpenAlertAndNoneForAnAcknowledgedOne) {
  const std::string html = BoardHtml(HostilePage());
  EXPECT_NE(html.find("<div class=\"banner overdue\" role=\"alert\">OVERDUE: Omar was due by "
                      "2027-01-15T11:30:00Z"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("banner distress"), std::string::npos);
  EXPECT_EQ(html.find("No open alerts."), std::string::npos);

  BoardPage calm = HostilePage();
  calm.alerts.clear();
  EXPECT_NE(BoardHtml(calm).find("No open alerts."), std::string::npos);
}

TEST(BoardHtmlTest, TheTimelineListsCheckInsDeadlinesGapsAlertsAndConfirmations) {
  const std::string html = BoardHtml(HostilePage());
  for (const char* event :
       {"<b>check-in</b> crossed (crossed &lt;img", "<b>check-in</b> TEST crossed",
        "<b>confirmed</b> you confirmed aaaaaaaaaaaa (crossed), note: welcome back",
        "<b>due</b> next check-in due (grace 15m)",
        "<b>overdue</b> due by 2027-01-15T11:30:00Z; nothing arrived until now",
        "<b>alert</b> overdue alert 2", "<b>alert</b> distress alert 1: need-help",
        "<b>acknowledged</b> distress alert 1, note: called the safe house",
        "<li class=\"distress\">"}) {
    EXPECT_NE(html.find(event), std::string::npos) << event;
  }
  // Omar's deadline is marked once, as the overdue one; Amira's, as due.
  EXPECT_EQ(html.find("<b>due</b>"), html.rfind("<b>due</b>"));
  // The gap is drawn, and the drill as an open mark.
  EXPECT_NE(html.find("<rect class=\"gap\""), std::string::npos);
  EXPECT_NE(html.find("<circle class=\"mark test\""), std::string::npos);
  // Both helpers have a section, reached from the board by position.
  EXPECT_NE(html.find("id=\"helper-1\""), std::string::npos);
  EXPECT_NE(html.find("id=\"helper-2\""), std::string::npos);
}

TEST(BoardHtmlTest, OlderEventsFallOutsideTheWindow) {
  BoardPage page = HostilePage();
  page.days = 1;
  const std::string html = BoardHtml(page);
  EXPECT_EQ(html.find("TEST crossed"), std::string::npos);  // 26 hours ago
  EXPECT_EQ(html.find("distress alert 1"), std::string::npos);
  EXPECT_NE(html.find("last 1 day."), std::string::npos);
}

}  // namespace
}  // namespace waypost::cli
