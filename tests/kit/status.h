// Status assertions for GoogleTest: ASSERT_OK, EXPECT_OK and
// ASSERT_OK_AND_ASSIGN take a Status or a Result<T>. A failure prints the
// expression and the Status message, and (like any GoogleTest assertion)
// accepts more context with <<.
//
//   ASSERT_OK(node->AddRelay(address)) << "while adding " << address;
//   ASSERT_OK_AND_ASSIGN(auto ids, node->CheckIn("ok", "", ""));
//   EXPECT_STATUS(node->Ingest(bad), Status::Code::kAuthFailed);
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <utility>

#include "core/status.h"

namespace waypost {

// Lets GoogleTest print a Status in its own failure messages.
inline void PrintTo(const Status& status, std::ostream* out) { *out << status.ToString(); }

namespace testing {

inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const Result<T>& result) {
  return result.status();
}

template <typename T>
::testing::AssertionResult IsOk(const char* expression, const T& value) {
  const Status& status = StatusOf(value);
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expression << " failed: " << status.ToString();
}

template <typename T>
::testing::AssertionResult HasCode(const char* expression, const char* /*code_expression*/,
                                   const T& value, Status::Code code) {
  const Status& status = StatusOf(value);
  if (status.code() == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << expression << " gave code " << static_cast<int>(status.code()) << " ("
         << (status.ok() ? "ok" : status.message()) << "), expected code "
         << static_cast<int>(code);
}

}  // namespace testing
}  // namespace waypost

#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::waypost::testing::IsOk, expr)
#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::waypost::testing::IsOk, expr)
// The Status (or a Result's status) has exactly this code.
#define EXPECT_STATUS(expr, code) EXPECT_PRED_FORMAT2(::waypost::testing::HasCode, expr, code)
#define ASSERT_STATUS(expr, code) ASSERT_PRED_FORMAT2(::waypost::testing::HasCode, expr, code)

// `lhs` may declare a variable: ASSERT_OK_AND_ASSIGN(auto x, MakeX());
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  WAYPOST_ASSERT_OK_AND_ASSIGN_IMPL(WAYPOST_CONCAT(_wp_assign_, __LINE__), lhs, expr)
#define WAYPOST_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                      \
  ASSERT_OK(tmp);                                         \
  lhs = std::move(tmp).value()
