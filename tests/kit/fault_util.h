// Helpers for fault tests: run an operation once per fault
// point, and save and restore a home between runs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "tests/kit/fault_env.h"
#include "tests/kit/status.h"

namespace waypost::testing {

enum class FaultMode { kFail, kCrash };

inline const char* FaultModeName(FaultMode mode) {
  return mode == FaultMode::kFail ? "fail" : "crash";
}

// Runs `run` with a fault planned at the Nth operation of any kind, for
// N = 1, 2, ... until a run completes without reaching it; that last run must
// succeed. Before each run `reset` puts the files back; after it, `check`
// gets the run's Status and the injector (its log says what happened).
// A run that succeeds although its fault was hit is a swallowed fault, and
// fails the test, unless `tolerated` (when given) says the code under test
// had a reason to go on (the caller's comment must give it).
inline void ForEachFault(FaultMode mode, const std::function<void()>& reset,
                         const std::function<Status(FaultInjector&)>& run,
                         const std::function<void(const Status&, const FaultInjector&)>& check,
                         const std::function<bool(const FaultInjector&)>& tolerated = nullptr) {
  constexpr int kMaxSteps = 500;  // a runaway loop is a bug in the test
  for (int n = 1; n <= kMaxSteps; ++n) {
    ASSERT_NO_FATAL_FAILURE(reset());
    FaultInjector faults;
    if (mode == FaultMode::kFail) faults.Fail(FaultOp::kAny, n);
    if (mode == FaultMode::kCrash) faults.Crash(FaultOp::kAny, n);
    const Status status = run(faults);
    SCOPED_TRACE(std::string(FaultModeName(mode)) + " at operation " + std::to_string(n) +
                 "; status: " + status.ToString() + "; operations:\n" + faults.LogText());
    ASSERT_NO_FATAL_FAILURE(check(status, faults));
    if (!faults.hit()) {
      EXPECT_OK(status) << "a run without a fault failed";
      EXPECT_GT(n, 1) << "the operation changed no file";
      return;
    }
    if (status.ok() && tolerated && tolerated(faults)) continue;
    // "One clear Status": the injected fault itself, or a message that says
    // what went wrong (SQLite names its own I/O errors).
    EXPECT_FALSE(status.ok()) << "a fault was swallowed";
    EXPECT_EQ(status.code(), Status::Code::kIoError) << status.ToString();
  }
  FAIL() << "more than " << kMaxSteps << " operations";
}

// The names in `dir`, sorted; empty if it does not exist.
inline std::vector<std::string> SortedEntries(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Replaces `to` with a copy of `from`, permissions included.
inline void CopyDir(const std::string& from, const std::string& to) {
  std::filesystem::remove_all(to);
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

// True for the name of a temporary file beside `base`: "<base>.tmp-XXXXXX".
inline bool IsTempOf(const std::string& name, const std::string& base) {
  const std::string prefix = base + ".tmp-";
  return name.size() == prefix.size() + 6 && name.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace waypost::testing
