// The coordinator's board for people: the table `board` and `watch` print,
// and the page `board --html` prints (README, "The board"). Pure functions
// of what the node returned and this node's clock, so that the tests check
// them byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/format.h"
#include "core/clock.h"
#include "core/node/records.h"

namespace waypost::cli {

// What an open alert asks of the coordinator, in one sentence:
// "OVERDUE: Amira was due by ... (alert 1). When it is resolved: waypost ack 1".
// Raw text: a caller prints it through Printable() or HtmlEscape().
std::string AlertSentence(const node::AlertInfo& alert);

// The board as an aligned table, the state first, then the name and the
// first two groups of the fingerprint (the --json `fingerprint` has all).
// Times are UTC, to the minute, without the date on `now`'s day
// (BriefTime). Every line fits `width` display columns (TableWidth): long
// names, codes and meanings are cut with "…", and at narrow widths the
// helper's sent time, then the meaning, are left out. With `colour`, the
// state is coloured with ANSI escapes (green ok, yellow due, red for the
// alarms) and the header is bold; the alignment is the same either way.
std::string BoardTable(const std::vector<node::BoardEntry>& board, UnixTime now, bool colour,
                       size_t width = kDefaultTableWidth);

// "f795 7976": the first two groups of a fingerprint, as the board shows it.
std::string ShortFingerprint(std::string_view fingerprint);

// Everything `board --html` shows.
struct BoardPage {
  UnixTime now = 0;  // this node's clock
  int64_t days = 7;  // the timeline's span, back from now
  std::vector<node::BoardEntry> board;
  std::vector<node::AlertInfo> alerts;      // all of them, open and acknowledged
  std::vector<node::MessageInfo> messages;  // the inbox: check-ins received, and the rest
  std::vector<std::string> distress_codes;  // this coordinator's distress codes
};

// One self-contained HTML page: no script, no outside style, font, image or
// link, and a Content-Security-Policy that forbids loading any. A banner per
// open alert, the board, and per helper a timeline over the last
// `page.days` days (check-ins, due times, overdue gaps, alerts,
// confirmations) with the same events listed as text. Every piece of text
// from the store is escaped.
std::string BoardHtml(const BoardPage& page);

// `text` safe inside HTML text and attribute values, with control
// characters replaced as Printable() does.
std::string HtmlEscape(std::string_view text);

}  // namespace waypost::cli
