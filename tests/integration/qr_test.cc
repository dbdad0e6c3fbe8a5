// `invite --qr` draws a QR code that a real decoder (zbar) reads back as
// exactly the invite code printed on stdout.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace waypost::testing {
namespace {

constexpr const char* kZbarimg = "/usr/bin/zbarimg";

// Half-block text back to module rows: true = light.
std::vector<std::vector<bool>> Modules(const std::string& drawing) {
  const std::string kFull = "\u2588", kUpper = "\u2580", kLower = "\u2584";
  std::vector<std::vector<bool>> rows;
  std::istringstream in(drawing);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(kFull) == std::string::npos) continue;  // not part of the picture
    std::vector<bool> top, bottom;
    for (size_t i = 0; i < line.size();) {
      if (line.compare(i, 3, kFull) == 0) {
        top.push_back(true), bottom.push_back(true), i += 3;
      } else if (line.compare(i, 3, kUpper) == 0) {
        top.push_back(true), bottom.push_back(false), i += 3;
      } else if (line.compare(i, 3, kLower) == 0) {
        top.push_back(false), bottom.push_back(true), i += 3;
      } else {
        top.push_back(false), bottom.push_back(false), i += 1;
      }
    }
    rows.push_back(top);
    rows.push_back(bottom);
  }
  return rows;
}

// A plain PBM, each module 6x6 pixels, dark = 1.
void WritePbm(const std::string& path, const std::vector<std::vector<bool>>& rows) {
  constexpr int kScale = 6;
  std::ofstream out(path);
  out << "P1\n" << rows[0].size() * kScale << " " << rows.size() * kScale << "\n";
  for (const auto& row : rows) {
    std::string line;
    for (bool light : row) {
      for (int i = 0; i < kScale; ++i) line += light ? "0 " : "1 ";
    }
    for (int i = 0; i < kScale; ++i) out << line << "\n";
  }
}

class QrTest : public IntegrationTest {};

TEST_F(QrTest, InviteQrDecodesToTheCode) {
  if (!std::filesystem::exists(kZbarimg)) GTEST_SKIP() << "zbarimg (zbar-tools) is not installed";
  const std::string C = Home("coord");
  RunResult r = Wp(C, {"init", "--name", "Coord", "--kdf", "interactive"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"relays", "add", "wpr1:" + std::string(64, 'a') + "@127.0.0.1:9"});
  WP_ASSERT_OK(r);
  r = Wp(C, {"invite", "--qr"});
  WP_ASSERT_OK(r);
  const std::string code = r.out.substr(0, r.out.find('\n'));
  ASSERT_EQ(r.out, code + "\n") << "stdout must hold the code alone";

  const auto modules = Modules(r.err);
  ASSERT_GT(modules.size(), 20u) << r.err;
  const std::string image = dir() + "/invite.pbm";
  WritePbm(image, modules);
  RunResult decoded = RunProcess({kZbarimg, "--quiet", "--raw", image});
  ASSERT_EQ(decoded.exit_code, 0) << decoded.Describe();
  std::string text = decoded.out;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  EXPECT_EQ(text, code);
}

}  // namespace
}  // namespace waypost::testing
