// CLV_CHECK: invariants whose failure is a bug in this program, never a user's mistake.
// A failed check prints file, line and condition to stderr and aborts, in every build type.
// User input must be validated and answered with a Status instead (core/status.h).
#pragma once

namespace clv::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace clv::internal

#define CLV_CHECK(cond)                                              \
  do {                                                               \
    if (!(cond)) ::clv::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (false)
