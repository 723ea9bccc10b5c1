// Errors are values: a Status carries a canonical code, a message and, for bad input, the
// name of the offending field. Result<T> is either a value or a Status. No exception crosses
// a module boundary; third-party exceptions are caught at the edge and turned into a Status.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace suanli {

// Canonical codes (the Abseil / gRPC set that we use).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,  // also: conflicting update (stale version)
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,   // rate limits, capacity
  kUnavailable,
  kInternal,
  kDataLoss,
  kUnimplemented,
  kAborted,             // concurrent modification: retry
  kPayloadTooLarge,
};

// Stable lower_snake name of a code, used in JSON error bodies ("invalid_argument").
std::string_view StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The request field the error is about ("accelerators[0].count"), empty when none.
  const std::string& field() const { return field_; }
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

inline Status OkStatus() { return {}; }
inline Status InvalidArgument(std::string msg, std::string field = {}) {
  return {StatusCode::kInvalidArgument, std::move(msg), std::move(field)};
}
inline Status NotFound(std::string msg, std::string field = {}) {
  return {StatusCode::kNotFound, std::move(msg), std::move(field)};
}
inline Status AlreadyExists(std::string msg, std::string field = {}) {
  return {StatusCode::kAlreadyExists, std::move(msg), std::move(field)};
}
inline Status FailedPrecondition(std::string msg, std::string field = {}) {
  return {StatusCode::kFailedPrecondition, std::move(msg), std::move(field)};
}
inline Status PermissionDenied(std::string msg) {
  return {StatusCode::kPermissionDenied, std::move(msg)};
}
inline Status Unauthenticated(std::string msg) {
  return {StatusCode::kUnauthenticated, std::move(msg)};
}
inline Status ResourceExhausted(std::string msg, std::string field = {}) {
  return {StatusCode::kResourceExhausted, std::move(msg), std::move(field)};
}
inline Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
inline Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
inline Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
inline Status Aborted(std::string msg) { return {StatusCode::kAborted, std::move(msg)}; }

template <class T>
using Result = tl::expected<T, Status>;

// Wraps a Status as the error alternative of a Result: `return Err(NotFound("..."));`
inline tl::unexpected<Status> Err(Status s) { return tl::unexpected<Status>(std::move(s)); }

}  // namespace suanli

// Propagates a non-ok Status from an expression returning Status.
#define SUANLI_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::suanli::Status _st = (expr);            \
    if (!_st.ok()) return _st;                \
  } while (0)
