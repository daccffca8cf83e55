#include "http/problem.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace aiip::http {
namespace {

Request SomeRequest() {
  Request request;
  request.method = "POST";
  request.target = "/api/v1/organisations?cursor=secret";
  request.path = "/api/v1/organisations";
  request.request_id = "req-1";
  return request;
}

TEST(Problem, MapsEveryCode) {
  struct Case {
    Code code;
    int http;
    const char* title;
  };
  for (const Case& c :
       {Case{Code::kInvalidArgument, 400, "Invalid argument"},
        Case{Code::kUnauthenticated, 401, "Unauthenticated"},
        Case{Code::kPermissionDenied, 403, "Permission denied"}, Case{Code::kNotFound, 404, "Not found"},
        Case{Code::kConflict, 409, "Conflict"}, Case{Code::kPayloadTooLarge, 413, "Payload too large"},
        Case{Code::kFailedPrecondition, 422, "Failed precondition"},
        Case{Code::kUnavailable, 503, "Service unavailable"}, Case{Code::kDataLoss, 500, "Data loss"},
        Case{Code::kInternal, 500, "Internal error"}}) {
    EXPECT_EQ(HttpStatusFor(c.code), c.http) << CodeName(c.code);
    EXPECT_EQ(ProblemTitle(c.code), c.title);
    Response response = ProblemResponse(Status(c.code, "some-type", "d"), SomeRequest());
    EXPECT_EQ(response.status, c.http);
    auto body = boost::json::parse(response.body).as_object();
    EXPECT_EQ(body.at("title"), c.title);
    EXPECT_EQ(body.at("status"), c.http);
  }
}

TEST(Problem, RendersAllMembers) {
  Response response =
      ProblemResponse(InvalidArgument("missing-field", "name is required", "/name"), SomeRequest());
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_TRUE(response.headers.empty());
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("type"), "urn:aiip:problem:missing-field");
  EXPECT_EQ(body.at("title"), "Invalid argument");
  EXPECT_EQ(body.at("status"), 400);
  EXPECT_EQ(body.at("detail"), "name is required");
  EXPECT_EQ(body.at("instance"), "/api/v1/organisations");  // no query string
  EXPECT_EQ(body.at("request_id"), "req-1");
  EXPECT_EQ(body.at("field"), "/name");
  EXPECT_EQ(body.size(), 7u);
}

TEST(Problem, OmitsEmptyFieldAndFallsBackToCodeName) {
  Response response = ProblemResponse(Status(Code::kConflict, "", "dup"), SomeRequest());
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_FALSE(body.contains("field"));
  EXPECT_EQ(body.at("type"), "urn:aiip:problem:conflict");
}

TEST(Problem, UnauthenticatedAsksForBearer) {
  Response response = ProblemResponse(Unauthenticated("no token"), SomeRequest());
  EXPECT_EQ(response.status, 401);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0], (std::pair<std::string, std::string>("www-authenticate", "Bearer")));
}

TEST(Problem, TransportProblemUsesReasonPhrase) {
  Response response = ProblemResponse(431, "headers-too-large", "too big", SomeRequest());
  EXPECT_EQ(response.status, 431);
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("title"), "Request Header Fields Too Large");
  EXPECT_EQ(body.at("type"), "urn:aiip:problem:headers-too-large");
}

TEST(Problem, JsonResponse) {
  Response response = JsonResponse(201, boost::json::object{{"id", "x"}});
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"id":"x"})");
}

}  // namespace
}  // namespace aiip::http
