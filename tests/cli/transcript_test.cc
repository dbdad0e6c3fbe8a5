// Runs every transcript under tests/cli/testdata/ (format: transcript.h) and
// compares what happened with what the file says, line by line.
#include "tests/cli/transcript.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/kit/temp_dir.h"

namespace waypost::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kTestdata = fs::path(WAYPOST_SOURCE_DIR) / "tests/cli/testdata";

std::vector<std::string> Transcripts() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kTestdata)) {
    if (entry.path().extension() == ".txt") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The first line where `got` and `want` part, with a little context.
std::string FirstDifference(const std::string& want, const std::string& got) {
  std::istringstream w(want), g(got);
  std::string wl, gl;
  for (int line = 1;; ++line) {
    const bool more_w = static_cast<bool>(std::getline(w, wl));
    const bool more_g = static_cast<bool>(std::getline(g, gl));
    if (!more_w && !more_g) return "";
    if (!more_w || !more_g || wl != gl) {
      return "line " + std::to_string(line) + ":\n  file says: " + (more_w ? wl : "(end)") +
             "\n  got:       " + (more_g ? gl : "(end)");
    }
  }
}

class TranscriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TranscriptTest, OutputIsExactlyAsWritten) {
  const fs::path path = kTestdata / (GetParam() + ".txt");
  const std::string want = ReadText(path);
  const std::string got = RunTranscript(want);
  if (std::getenv("WAYPOST_UPDATE_TRANSCRIPTS") != nullptr && got != want) {
    std::ofstream(path) << got;
    GTEST_SKIP() << "rewrote " << path;
  }
  EXPECT_EQ(got, want) << path << " differs at " << FirstDifference(want, got);
}

INSTANTIATE_TEST_SUITE_P(Testdata, TranscriptTest, ::testing::ValuesIn(Transcripts()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace waypost::testing
