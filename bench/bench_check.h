// The benchmark programs' way out: a figure from a run that went wrong means
// nothing, so the first failure ends the program with one line naming it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "core/status.h"

namespace waypost::bench {

// Set once by each program's main(): the name its error lines start with.
inline const char*& ProgramName() {
  static const char* name = "bench";
  return name;
}

[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "%s: error: %s\n", ProgramName(), what.c_str());
  std::exit(1);
}

inline void Check(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.message());
}

template <typename T>
T Unwrap(Result<T> result, const std::string& what) {
  Check(result.status(), what);
  return std::move(result).value();
}

}  // namespace waypost::bench
