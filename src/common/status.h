// Status and Result: the one error model of AIIP.
//
// Expected failures (bad input, missing objects, conflicts, unavailable storage) travel as
// values: a function either returns `Status` or `Result<T>` (= std::expected<T, Status>).
// Programmer errors assert. Exceptions never cross a module boundary: code that calls a
// throwing library catches at the call site and converts to a Status.
//
// A Status carries a coarse `Code` (which maps to an HTTP status), a stable problem `type`
// slug (which becomes the RFC 9457 problem type `urn:aiip:problem:<type>`), a human-readable
// detail, and optionally the offending field as a JSON Pointer (RFC 6901), e.g. "/roles/0".
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace aiip {

enum class Code {
  kOk,
  kInvalidArgument,     // 400: the caller sent something malformed or out of range.
  kUnauthenticated,     // 401: no credentials or bad credentials.
  kPermissionDenied,    // 403: authenticated, but the role or party does not allow it.
  kNotFound,            // 404: the named object does not exist (or is invisible to the caller).
  kConflict,            // 409: the write conflicts with stored state (duplicate, stale version).
  kPayloadTooLarge,     // 413
  kFailedPrecondition,  // 412 / 422-like: state does not allow the operation now.
  kUnavailable,         // 503: storage or a peer is temporarily unavailable; retry may succeed.
  kDataLoss,            // stored data failed an integrity check (e.g. audit log tampering).
  kInternal,            // 500: a bug or an unexpected environment failure.
};

// Returns the canonical lower-case name of `code`, e.g. "invalid-argument".
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  // `type` is a stable slug (lower-case, hyphens) naming the kind of problem, e.g.
  // "missing-field"; `field` is a JSON Pointer to the offending input, or empty.
  Status(Code code, std::string type, std::string detail, std::string field = {})
      : code_(code), type_(std::move(type)), detail_(std::move(detail)), field_(std::move(field)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& type() const { return type_; }
  const std::string& detail() const { return detail_; }
  const std::string& field() const { return field_; }

  // Returns a copy whose field pointer is `prefix` + this field (used when a nested
  // reader's error is reported from the enclosing document).
  Status WithFieldPrefix(std::string_view prefix) const;

  // "<code-name> (<type>): <detail> [at <field>]" for logs and CLI output.
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) = default;

 private:
  Code code_ = Code::kOk;
  std::string type_;
  std::string detail_;
  std::string field_;
};

template <typename T>
using Result = std::expected<T, Status>;

// Shorthands for the common problems. Each returns a non-OK Status.
Status InvalidArgument(std::string type, std::string detail, std::string field = {});
Status NotFound(std::string detail);
Status Conflict(std::string detail, std::string field = {});
Status PermissionDenied(std::string detail);
Status Unauthenticated(std::string detail);
Status FailedPrecondition(std::string type, std::string detail);
Status Unavailable(std::string detail);
Status Internal(std::string detail);
Status DataLoss(std::string detail);

// The status of a Result: OK if it holds a value, else its error.
template <typename T>
Status StatusOf(const Result<T>& result) {
  return result.has_value() ? Status::Ok() : result.error();
}

// Wraps a Status as the error alternative of a Result: `return Err(NotFound("..."));`
inline std::unexpected<Status> Err(Status status) { return std::unexpected<Status>(std::move(status)); }

}  // namespace aiip

// Propagates a non-OK Status from an expression returning Status, out of a function that
// returns Status or Result<T>.
#define AIIP_RETURN_IF_ERROR(expr)                                                       \
  do {                                                                                   \
    ::aiip::Status aiip_status_ = (expr);                                                \
    if (!aiip_status_.ok()) return ::aiip::internal::Propagate(std::move(aiip_status_)); \
  } while (false)

#define AIIP_CONCAT_INNER(a, b) a##b
#define AIIP_CONCAT(a, b) AIIP_CONCAT_INNER(a, b)

// `AIIP_ASSIGN_OR_RETURN(auto x, ResultExpr());` assigns the value or returns the error
// (as Status or as std::unexpected, whichever the enclosing function returns).
#define AIIP_ASSIGN_OR_RETURN(lhs, expr) \
  AIIP_ASSIGN_OR_RETURN_IMPL(AIIP_CONCAT(aiip_result_, __LINE__), lhs, expr)
#define AIIP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.has_value()) return ::aiip::internal::Propagate(std::move(tmp).error()); \
  lhs = std::move(tmp).value()

namespace aiip::internal {
// Converts to either Status or std::unexpected<Status> depending on the return type.
struct Propagate {
  explicit Propagate(Status s) : status(std::move(s)) {}
  operator Status() && { return std::move(status); }  // NOLINT(google-explicit-constructor)
  template <typename T>
  operator Result<T>() && {  // NOLINT(google-explicit-constructor)
    return std::unexpected<Status>(std::move(status));
  }
  Status status;
};
}  // namespace aiip::internal
