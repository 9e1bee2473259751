// Status and Result<T>: expected failures as values (STYLE.md "Errors").
//
// A Status is a code plus a one-line, user-facing message. Result<T> holds either a T or a
// non-OK Status. Both are cheap to move and [[nodiscard]], so a caller cannot drop an error
// by accident. Exceptions from libraries are caught at the adapter that wraps them and turned
// into a Status; broken invariants use CLV_CHECK (core/check.h) instead.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/check.h"

namespace clv {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong; retrying the same input fails again
  kNotFound,            // the thing named does not exist (or is not the caller's to see)
  kAlreadyExists,       // a create collided with an existing thing
  kUnauthenticated,     // no valid credentials
  kPermissionDenied,    // valid credentials, not allowed
  kFailedPrecondition,  // the system is not in a state to do this (e.g. too little data)
  kResourceExhausted,   // a limit was hit (size, rate, quota)
  kUnavailable,         // a dependency is down; retrying later may work
  kInternal,            // a bug or an unexpected failure of a dependency
};

// Stable lower_snake_case name of a code ("invalid_argument"); used in the API's error envelope.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: message", for logs and CLI errors.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context` and ": ".
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a value or a non-OK Status. Accessing the value of an error Result is a bug (CHECK).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design, like StatusOr
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    CLV_CHECK(!std::get<Status>(data_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }

  T& value() & {
    CLV_CHECK(ok());
    return std::get<T>(data_);
  }
  const T& value() const& {
    CLV_CHECK(ok());
    return std::get<T>(data_);
  }
  T&& value() && {
    CLV_CHECK(ok());
    return std::get<T>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace clv

#define CLV_STATUS_CONCAT_INNER_(a, b) a##b
#define CLV_STATUS_CONCAT_(a, b) CLV_STATUS_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define CLV_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ::clv::Status clv_status_ = (expr);            \
    if (!clv_status_.ok()) return clv_status_;     \
  } while (false)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define CLV_ASSIGN_OR_RETURN(lhs, expr) \
  CLV_ASSIGN_OR_RETURN_IMPL_(CLV_STATUS_CONCAT_(clv_result_, __LINE__), lhs, expr)
#define CLV_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
