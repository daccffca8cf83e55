#include "common/status.h"

namespace aiip {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid-argument";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kPermissionDenied: return "permission-denied";
    case Code::kNotFound: return "not-found";
    case Code::kConflict: return "conflict";
    case Code::kPayloadTooLarge: return "payload-too-large";
    case Code::kFailedPrecondition: return "failed-precondition";
    case Code::kUnavailable: return "unavailable";
    case Code::kDataLoss: return "data-loss";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

Status Status::WithFieldPrefix(std::string_view prefix) const {
  Status copy = *this;
  copy.field_ = std::string(prefix) + field_;
  return copy;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out(CodeName(code_));
  out += " (" + type_ + "): " + detail_;
  if (!field_.empty()) out += " [at " + field_ + "]";
  return out;
}

Status InvalidArgument(std::string type, std::string detail, std::string field) {
  return {Code::kInvalidArgument, std::move(type), std::move(detail), std::move(field)};
}
Status NotFound(std::string detail) { return {Code::kNotFound, "not-found", std::move(detail)}; }
Status Conflict(std::string detail, std::string field) {
  return {Code::kConflict, "conflict", std::move(detail), std::move(field)};
}
Status PermissionDenied(std::string detail) {
  return {Code::kPermissionDenied, "forbidden", std::move(detail)};
}
Status Unauthenticated(std::string detail) {
  return {Code::kUnauthenticated, "unauthenticated", std::move(detail)};
}
Status FailedPrecondition(std::string type, std::string detail) {
  return {Code::kFailedPrecondition, std::move(type), std::move(detail)};
}
Status Unavailable(std::string detail) {
  return {Code::kUnavailable, "unavailable", std::move(detail)};
}
Status Internal(std::string detail) { return {Code::kInternal, "internal", std::move(detail)}; }
Status DataLoss(std::string detail) { return {Code::kDataLoss, "data-loss", std::move(detail)}; }

}  // namespace aiip
