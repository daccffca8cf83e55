// Problem details (RFC 9457): the one shape of every error response AIIP sends.
//
// A failed operation returns a Status (common/status.h); at the HTTP boundary it becomes a
// response with content type `application/problem+json` and a body such as
//   {"type":"urn:aiip:problem:missing-field","title":"Invalid argument","status":400,
//    "detail":"field is required","instance":"/api/v1/organisations",
//    "request_id":"9f0c...","field":"/name"}
// The `type` URN is built from Status::type() so clients can branch on it; `title` is a
// fixed short text per Code; `instance` is the request path (never the query string, which
// may hold cursors). All functions here are pure and thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "common/status.h"
#include "http/message.h"

namespace aiip::http {

// The HTTP status for `code`: kInvalidArgument 400, kUnauthenticated 401,
// kPermissionDenied 403, kNotFound 404, kConflict 409, kPayloadTooLarge 413,
// kFailedPrecondition 422, kUnavailable 503, kDataLoss and kInternal 500.
// Asserts `code` is not kOk.
int HttpStatusFor(Code code);

// The problem `title` for `code`, e.g. "Invalid argument". Asserts `code` is not kOk.
std::string_view ProblemTitle(Code code);

// Renders the non-OK `status` as a problem response for `request` (which supplies the
// `instance` path and the `request_id`). kUnauthenticated also gets
// `WWW-Authenticate: Bearer`. Asserts `!status.ok()`.
Response ProblemResponse(const Status& status, const Request& request);

// A problem that arises in the transport or routing layer and has no Code of its own
// (405, 408, 431, ...): `type` becomes urn:aiip:problem:<type> and the title is the
// standard reason phrase of `http_status`. Asserts 400 <= http_status <= 599.
Response ProblemResponse(int http_status, std::string_view type, std::string_view detail,
                         const Request& request);

// A response with `http_status` and `body` serialised as application/json.
Response JsonResponse(int http_status, const boost::json::value& body);

}  // namespace aiip::http
