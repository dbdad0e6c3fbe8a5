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

// Left-aligned columns, two spaces apart, with a header row.
std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows);

}  // namespace waypost::cli
