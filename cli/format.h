// Rendering for people and programs: RFC 3339 times, durations, tables.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace waypost::cli {

// `t` in UTC, by strftime's `format`.
std::string FormatUtc(const char* format, UnixTime t);
// "2026-11-28T15:04:05Z"; always UTC.
std::string Rfc3339(UnixTime t);
// A time for --json: its RFC 3339 form, or null when there is none.
nlohmann::json JsonTime(const std::optional<UnixTime>& t);
// "90s", "15m", "2h", "3d" (and combinations like "1h30m") to seconds.
Result<int64_t> ParseDuration(std::string_view text);

// A moment: RFC 3339 in UTC ("2027-01-15T18:00:00Z", or with minutes only,
// "2027-01-15T18:00Z"), or a duration from `now` ("6h").
Result<UnixTime> ParseTime(std::string_view text, UnixTime now);

// How long ago, coarsely, for people: "3d", "5h", "12m", or "0m" (the
// largest whole unit, rounded down).
std::string FormatAge(int64_t seconds);

// `text` with control characters (C0, DEL, C1) replaced, safe for a terminal.
std::string Printable(std::string_view text);

// Times for people, UTC to the minute: "Jan 14 13:53" within the year
// `now` is in, else "2026-12-31 13:53".
std::string ShortTime(UnixTime t, UnixTime now);
// The same, but only "13:53" on the day `now` is in (UTC).
std::string BriefTime(UnixTime t, UnixTime now);

// Left-aligned columns, two spaces apart, with a header row. Cells are
// padded by display width (cli/display_width.h), so names in any script
// line up, and made Printable.
std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows);

// A column of a table that must fit a width (FitTable).
struct Column {
  std::string header;
  // 0: never cut. Otherwise the narrowest, in display columns, that the
  // column may be cut to, its cells ending in "…".
  size_t min_width = 0;
  // Left out altogether when the table cannot fit otherwise.
  bool optional = false;
};

// Table(), made to fit `max_width` display columns: while a line would be
// wider, the widest column that may be cut gives up one column; when all
// are at their narrowest, the optional columns are left out, the last
// first. Only if that is not enough either do lines stay wider.
std::string FitTable(const std::vector<Column>& columns,
                     const std::vector<std::vector<std::string>>& rows, size_t max_width);

// The width a table should fit (README, "board"): `columns` ($COLUMNS)
// when it is a number from 20 to 1000, else `terminal` (the width of the
// terminal written to, if it is one), else 80.
size_t TableWidth(const std::optional<std::string>& columns, std::optional<size_t> terminal);
// The width of the terminal on file descriptor `fd`, or nullopt if it is
// none.
std::optional<size_t> TerminalWidth(int fd);
inline constexpr size_t kDefaultTableWidth = 80;

}  // namespace waypost::cli
