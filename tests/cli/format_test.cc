// Tables and times for people (cli/format.h): columns padded by display
// width, tables cut to fit a width, and the width chosen.
#include "cli/format.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/display_width.h"

namespace waypost::cli {
namespace {

// 2027-01-15T14:30:00Z
constexpr UnixTime kNow = 1'800'023'400;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(TableTest, PadsByDisplayWidthSoEveryScriptLinesUp) {
  const std::string table = Table(
      {"NAME", "CODE"},
      {{"Amira", "ok"}, {"김민준", "ok"}, {"مُحَمَّد", "ok"}, {"Zoe\u0308", "ok"}, {"\xFF\xFE", "ok"}});
  // The second column starts at the same display column on every line.
  for (const std::string& line : Lines(table)) {
    const size_t code = line.rfind("  ");
    ASSERT_NE(code, std::string::npos) << line;
    EXPECT_EQ(DisplayWidth(line.substr(0, code + 2)), 8u) << line;
  }
}

TEST(TableTest, FitCutsTheWidestFlexibleColumnFirst) {
  const std::vector<Column> columns = {
      {"STATE", 0, false}, {"NAME", 6, false}, {"MEANING", 6, false}};
  const std::vector<std::vector<std::string>> rows = {
      {"ok", "김민준박서연이도윤", "crossed as planned, all well"}};
  EXPECT_EQ(FitTable(columns, rows, 80),
            "STATE  NAME                MEANING\n"
            "ok     김민준박서연이도윤  crossed as planned, all well\n");
  // 30 columns: both flexible ones shrink, the widest first.
  const std::string fitted = FitTable(columns, rows, 30);
  for (const std::string& line : Lines(fitted)) EXPECT_LE(DisplayWidth(line), 30u) << fitted;
  EXPECT_EQ(fitted,
            "STATE  NAME         MEANING\n"
            "ok     김민준박서…  crossed a…\n");
}

TEST(TableTest, FitLeavesOutOptionalColumnsTheLastFirst) {
  const std::vector<Column> columns = {
      {"STATE", 0, false}, {"MEANING", 8, true}, {"SENT", 0, true}, {"DUE", 0, false}};
  const std::vector<std::vector<std::string>> rows = {
      {"OVERDUE", "delayed, but safe for now", "Jan 14 12:40", "Jan 15 12:00"}};
  EXPECT_EQ(FitTable(columns, rows, 62),
            "STATE    MEANING                    SENT          DUE\n"
            "OVERDUE  delayed, but safe for now  Jan 14 12:40  Jan 15 12:00\n");
  EXPECT_EQ(FitTable(columns, rows, 60),
            "STATE    MEANING                  SENT          DUE\n"
            "OVERDUE  delayed, but safe for …  Jan 14 12:40  Jan 15 12:00\n");
  // The meaning cannot be cut further (8) and still leave room for the
  // sent time: that goes, and the meaning takes what is left.
  EXPECT_EQ(FitTable(columns, rows, 40),
            "STATE    MEANING            DUE\n"
            "OVERDUE  delayed, but saf…  Jan 15 12:00\n");
  EXPECT_EQ(FitTable(columns, rows, 25),
            "STATE    DUE\n"
            "OVERDUE  Jan 15 12:00\n");
  // Too narrow even so: the fixed columns stay whole.
  EXPECT_EQ(FitTable(columns, rows, 10),
            "STATE    DUE\n"
            "OVERDUE  Jan 15 12:00\n");
}

TEST(TableTest, WidthIsColumnsThenTheTerminalThen80) {
  EXPECT_EQ(TableWidth(std::nullopt, std::nullopt), 80u);
  EXPECT_EQ(TableWidth(std::nullopt, 132), 132u);
  EXPECT_EQ(TableWidth("60", 132), 60u);
  EXPECT_EQ(TableWidth("60", std::nullopt), 60u);
  // Not a width: ignored.
  EXPECT_EQ(TableWidth("", 100), 100u);
  EXPECT_EQ(TableWidth("wide", std::nullopt), 80u);
  EXPECT_EQ(TableWidth("-60", std::nullopt), 80u);
  EXPECT_EQ(TableWidth("5", std::nullopt), 80u);
  EXPECT_EQ(TableWidth("99999", std::nullopt), 80u);
}

TEST(TimeTest, BriefTimeDropsTheDateOnlyOnTheSameDay) {
  EXPECT_EQ(BriefTime(kNow - 3600, kNow), "13:30");
  EXPECT_EQ(BriefTime(kNow + 9 * 3600, kNow), "23:30");
  EXPECT_EQ(BriefTime(kNow + 10 * 3600, kNow), "Jan 16 00:30");
  EXPECT_EQ(BriefTime(kNow - 30 * 86400, kNow), "2026-12-16 14:30");
}

}  // namespace
}  // namespace waypost::cli
