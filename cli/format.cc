#include "cli/format.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <limits>

#include "cli/display_width.h"
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

std::string ShortTime(UnixTime t, UnixTime now) {
  const bool this_year = FormatUtc("%Y", t) == FormatUtc("%Y", now);
  return FormatUtc(this_year ? "%b %d %H:%M" : "%Y-%m-%d %H:%M", t);
}

std::string BriefTime(UnixTime t, UnixTime now) {
  if (FormatUtc("%Y-%m-%d", t) == FormatUtc("%Y-%m-%d", now)) return FormatUtc("%H:%M", t);
  return ShortTime(t, now);
}

std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<Column> columns;
  for (const std::string& h : header) columns.push_back({h, 0, false});
  return FitTable(columns, rows, std::numeric_limits<size_t>::max());
}

namespace {

using Cells = std::vector<std::vector<std::string>>;

// FitTable's layout: which columns show, and how wide each is.
struct Layout {
  std::vector<bool> shown;
  std::vector<size_t> width;

  // Each shown column as wide as its widest cell; returns the line width.
  size_t Natural(const std::vector<Column>& columns, const Cells& rows) {
    size_t total = 0;
    size_t count = 0;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!shown[i]) continue;
      width[i] = DisplayWidth(columns[i].header);
      for (const auto& row : rows) width[i] = std::max(width[i], DisplayWidth(row[i]));
      total += width[i] + (count++ > 0 ? 2 : 0);
    }
    return total;
  }

  // The widest column that may be cut gives up a column at a time (of
  // equals, the one furthest right) until the line fits or none can give
  // more; returns the line width.
  size_t Shrink(const std::vector<Column>& columns, size_t total, size_t max_width) {
    while (total > max_width) {
      size_t cut = columns.size();
      for (size_t i = 0; i < columns.size(); ++i) {
        if (shown[i] && columns[i].min_width > 0 && width[i] > columns[i].min_width &&
            (cut == columns.size() || width[i] >= width[cut])) {
          cut = i;
        }
      }
      if (cut == columns.size()) break;
      --width[cut];
      --total;
    }
    return total;
  }

  // A cut column is as wide as its widest cut cell: a wide character that
  // would straddle the edge leaves a column free.
  void Tighten(const std::vector<Column>& columns, const Cells& rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!shown[i] || columns[i].min_width == 0) continue;
      size_t widest = DisplayWidth(TruncateToWidth(columns[i].header, width[i]));
      for (const auto& row : rows) {
        widest = std::max(widest, DisplayWidth(TruncateToWidth(row[i], width[i])));
      }
      width[i] = widest;
    }
  }

  // One line: the shown cells, cut and padded; the last one not padded.
  std::string Line(const std::vector<std::string>& cells) const {
    size_t last = 0;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (shown[i]) last = i;
    }
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (!shown[i]) continue;
      const std::string cell = TruncateToWidth(cells[i], width[i]);
      out += i == last ? cell : PadToWidth(cell, width[i] + 2);
    }
    return out + "\n";
  }
};

}  // namespace

std::string FitTable(const std::vector<Column>& columns, const Cells& raw_rows, size_t max_width) {
  // Cells may hold text a peer wrote: no escape sequences reach the terminal.
  Cells rows;
  for (const auto& raw : raw_rows) {
    std::vector<std::string> row;
    for (size_t i = 0; i < columns.size(); ++i) {
      row.push_back(i < raw.size() ? Printable(raw[i]) : std::string());
    }
    rows.push_back(std::move(row));
  }
  Layout layout{std::vector<bool>(columns.size(), true), std::vector<size_t>(columns.size(), 0)};
  // Cut what may be cut; if that is not enough, leave out the last
  // optional column and start again.
  while (layout.Shrink(columns, layout.Natural(columns, rows), max_width) > max_width) {
    size_t drop = columns.size();
    for (size_t i = 0; i < columns.size(); ++i) {
      if (layout.shown[i] && columns[i].optional) drop = i;
    }
    if (drop == columns.size()) break;  // as narrow as it gets
    layout.shown[drop] = false;
  }
  layout.Tighten(columns, rows);
  std::vector<std::string> header;
  for (const Column& c : columns) header.push_back(c.header);
  std::string out = layout.Line(header);
  for (const auto& row : rows) out += layout.Line(row);
  return out;
}

size_t TableWidth(const std::optional<std::string>& columns, std::optional<size_t> terminal) {
  if (columns && !columns->empty() && columns->size() <= 4 &&
      std::all_of(columns->begin(), columns->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const size_t value = std::stoul(*columns);
    if (value >= 20 && value <= 1000) return value;
  }
  if (terminal && *terminal > 0) return *terminal;
  return kDefaultTableWidth;
}

std::optional<size_t> TerminalWidth(int fd) {
  winsize size{};
  if (::isatty(fd) == 0 || ::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0) {
    return std::nullopt;
  }
  return size_t{size.ws_col};
}

}  // namespace waypost::cli
