#include "cli/format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/text.h"

namespace waypost::cli {

std::string FormatUtc(const char* format, UnixTime t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string Rfc3339(UnixTime t) { return FormatUtc("%Y-%m-%dT%H:%M:%SZ", t); }

nlohmann::json JsonTime(const std::optional<UnixTime>& t) {
  return t ? nlohmann::json(Rfc3339(*t)) : nlohmann::json(nullptr);
}

Result<UnixTime> ParseTime(std::string_view text, UnixTime now) {
  if (Result<int64_t> ahead = ParseDuration(text); ahead.ok()) return now + *ahead;
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char tail[4] = {};
  const std::string t(text);
  const bool full = std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%3s", &year, &month, &day, &hour,
                                &minute, &second, tail) == 7;
  const bool short_form = !full && std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d%3s", &year, &month,
                                               &day, &hour, &minute, tail) == 6;
  if ((!full && !short_form) || std::string(tail) != "Z" || month < 1 || month > 12 || day < 1 ||
      day > 31 || hour > 23 || minute > 59 || second > 59) {
    return Status::InvalidArgument(
        "a time reads like 2027-01-15T18:00Z (UTC) or 6h from now, not \"" + t + "\"");
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<UnixTime>(timegm(&tm));
}

Result<int64_t> ParseDuration(std::string_view text) {
  const Status bad = Status::InvalidArgument("a duration reads like 90s, 15m, 2h or 3d, not \"" +
                                             std::string(text) + "\"");
  if (text.empty()) return bad;
  int64_t total = 0;
  int64_t number = -1;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = (number < 0 ? 0 : number) * 10 + (c - '0');
      if (number > 100'000'000) return bad;
      continue;
    }
    int64_t unit = 0;
    switch (c) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return bad;
    }
    if (number < 0) return bad;
    total += number * unit;
    number = -1;
  }
  if (number >= 0 || total <= 0) return bad;
  return total;
}

std::string FormatAge(int64_t seconds) {
  if (seconds >= 86400) return std::to_string(seconds / 86400) + "d";
  if (seconds >= 3600) return std::to_string(seconds / 3600) + "h";
  return std::to_string(std::max<int64_t>(seconds, 0) / 60) + "m";
}

std::string Printable(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t control = ControlCharAt(text, i);
    if (control == 0) {
      out += text[i];
      continue;
    }
    out += text[i] == '\n' ? ' ' : '?';
    i += control - 1;
  }
  return out;
}

std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& raw_rows) {
  // Cells may hold text a peer wrote: no escape sequences reach the terminal.
  std::vector<std::vector<std::string>> rows;
  for (const auto& raw : raw_rows) {
    std::vector<std::string> row;
    for (const std::string& cell : raw) row.push_back(Printable(cell));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& row : rows) out += line(row);
  return out;
}

}  // namespace waypost::cli
