#include "http/problem.h"

#include <boost/beast/http/status.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cassert>
#include <string>

namespace aiip::http {
namespace {

constexpr std::string_view kProblemContentType = "application/problem+json";
constexpr std::string_view kTypePrefix = "urn:aiip:problem:";

Response Render(int http_status, std::string_view type, std::string_view title, std::string_view detail,
                std::string_view field, const Request& request) {
  boost::json::object body;
  std::string type_urn(kTypePrefix);
  type_urn += type;
  body["type"] = type_urn;
  body["title"] = title;
  body["status"] = http_status;
  body["detail"] = detail;
  body["instance"] = request.path;
  body["request_id"] = request.request_id;
  if (!field.empty()) body["field"] = field;

  Response response;
  response.status = http_status;
  response.content_type = kProblemContentType;
  response.body = boost::json::serialize(body);
  return response;
}

}  // namespace

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kPayloadTooLarge:
      return 413;
    case Code::kFailedPrecondition:
      return 422;
    case Code::kUnavailable:
      return 503;
    case Code::kDataLoss:
      return 500;
    case Code::kInternal:
      return 500;
    case Code::kOk:
      break;
  }
  assert(false && "an OK status is not a problem");
  return 500;
}

std::string_view ProblemTitle(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
      return "Invalid argument";
    case Code::kUnauthenticated:
      return "Unauthenticated";
    case Code::kPermissionDenied:
      return "Permission denied";
    case Code::kNotFound:
      return "Not found";
    case Code::kConflict:
      return "Conflict";
    case Code::kPayloadTooLarge:
      return "Payload too large";
    case Code::kFailedPrecondition:
      return "Failed precondition";
    case Code::kUnavailable:
      return "Service unavailable";
    case Code::kDataLoss:
      return "Data loss";
    case Code::kInternal:
      return "Internal error";
    case Code::kOk:
      break;
  }
  assert(false && "an OK status is not a problem");
  return "Internal error";
}

Response ProblemResponse(const Status& status, const Request& request) {
  assert(!status.ok());
  // Every Status is supposed to carry a type slug; fall back to the code's name rather
  // than emit a bare "urn:aiip:problem:" that clients could not branch on.
  std::string_view type = status.type().empty() ? CodeName(status.code()) : status.type();
  Response response = Render(HttpStatusFor(status.code()), type, ProblemTitle(status.code()), status.detail(),
                             status.field(), request);
  if (status.code() == Code::kUnauthenticated) response.SetHeader("www-authenticate", "Bearer");
  return response;
}

Response ProblemResponse(int http_status, std::string_view type, std::string_view detail,
                         const Request& request) {
  assert(http_status >= 400 && http_status <= 599);
  namespace bh = boost::beast::http;
  std::string_view title = bh::obsolete_reason(bh::int_to_status(static_cast<unsigned>(http_status)));
  return Render(http_status, type, title, detail, {}, request);
}

Response JsonResponse(int http_status, const boost::json::value& body) {
  Response response;
  response.status = http_status;
  response.body = boost::json::serialize(body);
  return response;
}

}  // namespace aiip::http
