#include "http/router.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace aiip::http {
namespace {

Request Make(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.request_id = "rid";
  return request;
}

// Answers with the route name so tests can see which route ran.
HandlerFn Named(std::string name) {
  return [name](Request&) {
    Response response;
    response.body = name;
    return response;
  };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/", {"root", false, {}}, Named("root"));
    router_.Add("GET", "/api/v1/organisations", {"organisations.list", true, {}},
                Named("organisations.list"));
    router_.Add("POST", "/api/v1/organisations", {"organisations.create", true, {"admin"}},
                Named("organisations.create"));
    router_.Add("GET", "/api/v1/organisations/{id}", {"organisations.get", true, {}},
                Named("organisations.get"));
    router_.Add("DELETE", "/api/v1/organisations/{id}", {"organisations.delete", true, {"admin"}},
                Named("organisations.delete"));
    router_.Add("GET", "/api/v1/organisations/search", {"organisations.search", true, {}},
                Named("organisations.search"));
    router_.Add("GET", "/api/v1/organisations/{org}/members/{member}", {"members.get", true, {}},
                Named("members.get"));
  }

  Router router_;
};

TEST_F(RouterTest, MatchesStaticRoutes) {
  Request request = Make("GET", "/api/v1/organisations");
  Response response = router_.Handle(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "organisations.list");
  EXPECT_EQ(request.route_name, "organisations.list");
  EXPECT_TRUE(request.path_params.empty());

  Request root = Make("GET", "/");
  EXPECT_EQ(router_.Handle(root).body, "root");
}

TEST_F(RouterTest, BindsPathParameters) {
  Request request = Make("GET", "/api/v1/organisations/org_123");
  EXPECT_EQ(router_.Handle(request).body, "organisations.get");
  EXPECT_EQ(request.PathParam("id"), "org_123");

  Request nested = Make("GET", "/api/v1/organisations/o1/members/m2");
  EXPECT_EQ(router_.Handle(nested).body, "members.get");
  EXPECT_EQ(nested.PathParam("org"), "o1");
  EXPECT_EQ(nested.PathParam("member"), "m2");
  EXPECT_EQ(nested.path_params.size(), 2u);
}

TEST_F(RouterTest, StaticSegmentsWinOverParameters) {
  Request request = Make("GET", "/api/v1/organisations/search");
  EXPECT_EQ(router_.Handle(request).body, "organisations.search");
  EXPECT_TRUE(request.path_params.empty());
}

TEST_F(RouterTest, FallsBackToParameterWhenStaticBranchLacksTheMethod) {
  // "search" exists only for GET; DELETE must still reach "/organisations/{id}".
  Request request = Make("DELETE", "/api/v1/organisations/search");
  EXPECT_EQ(router_.Handle(request).body, "organisations.delete");
  EXPECT_EQ(request.PathParam("id"), "search");
}

TEST_F(RouterTest, UnknownPathIs404Problem) {
  for (const char* path : {"/nope", "/api/v1/organisations/x/y", "/api/v1/organisations/", "//", "",
                           "api/v1/organisations", "/api/v1//organisations"}) {
    Request request = Make("GET", path);
    Response response = router_.Handle(request);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.content_type, "application/problem+json");
    EXPECT_TRUE(request.route_name.empty());
    auto body = boost::json::parse(response.body).as_object();
    EXPECT_EQ(body.at("type"), "urn:aiip:problem:not-found");
  }
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Request request = Make("PUT", "/api/v1/organisations/o1");
  Response response = router_.Handle(request);
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "allow");
  EXPECT_EQ(response.headers[0].second, "DELETE, GET");
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("type"), "urn:aiip:problem:method-not-allowed");
  EXPECT_EQ(body.at("title"), "Method Not Allowed");
  EXPECT_EQ(body.at("status"), 405);
}

TEST(RouterTrailingSlashTest, MatchesOnlyTheSpelledForm) {
  Router router;
  router.Add("GET", "/taxii2/", {"taxii.discovery", false, {}}, Named("discovery"));
  router.Add("GET", "/taxii2/{root}/collections/{id}/objects/", {"taxii.objects", true, {}},
             Named("objects"));
  router.Add("GET", "/taxii2/{root}/collections/{id}", {"no.slash", true, {}}, Named("no.slash"));

  Request discovery = Make("GET", "/taxii2/");
  EXPECT_EQ(router.Handle(discovery).body, "discovery");
  Request objects = Make("GET", "/taxii2/r1/collections/c1/objects/");
  EXPECT_EQ(router.Handle(objects).body, "objects");
  EXPECT_EQ(objects.PathParam("root"), "r1");
  EXPECT_EQ(objects.PathParam("id"), "c1");
  Request no_slash = Make("GET", "/taxii2/r1/collections/c1");
  EXPECT_EQ(router.Handle(no_slash).body, "no.slash");

  // The trailing slash is part of the route: neither form stands in for the other, and a
  // parameter never matches the empty segment after it.
  for (const char* path : {"/taxii2", "/taxii2//", "/taxii2/r1/collections/c1/objects",
                           "/taxii2/r1/collections/c1/", "/taxii2/r1/collections//objects/"}) {
    Request request = Make("GET", path);
    EXPECT_EQ(router.Handle(request).status, 404) << path;
  }
}

TEST_F(RouterTest, ListsRoutesWithInfo) {
  auto routes = router_.Routes();
  ASSERT_EQ(routes.size(), 7u);
  EXPECT_EQ(routes[2].method, "POST");
  EXPECT_EQ(routes[2].pattern, "/api/v1/organisations");
  EXPECT_EQ(routes[2].info.name, "organisations.create");
  EXPECT_TRUE(routes[2].info.authenticated);
  EXPECT_EQ(routes[2].info.roles, std::vector<std::string>{"admin"});
  EXPECT_FALSE(routes[0].info.authenticated);
}

TEST(RouterParamNames, DifferentNamesAtTheSamePosition) {
  Router router;
  router.Add("GET", "/a/{id}", {"a.get", true, {}}, Named("a.get"));
  router.Add("GET", "/a/{name}/b", {"a.b", true, {}}, Named("a.b"));
  Request one = Make("GET", "/a/x");
  EXPECT_EQ(router.Handle(one).body, "a.get");
  EXPECT_EQ(one.PathParam("id"), "x");
  Request two = Make("GET", "/a/y/b");
  EXPECT_EQ(router.Handle(two).body, "a.b");
  EXPECT_EQ(two.PathParam("name"), "y");
  EXPECT_FALSE(two.path_params.contains("id"));
}

TEST(RouterDeathTest, RejectsMalformedPatternsAndDuplicates) {
#ifndef NDEBUG
  Router router;
  router.Add("GET", "/a/{id}", {"a", true, {}}, Named("a"));
  EXPECT_DEATH(router.Add("GET", "/a/{other}", {"b", true, {}}, Named("b")), "twice");
  EXPECT_DEATH(router.Add("GET", "/a//b", {"c", true, {}}, Named("c")), "empty segment");
  EXPECT_DEATH(router.Add("GET", "/a/x{id}", {"d", true, {}}, Named("d")), "whole segment");
#else
  GTEST_SKIP() << "asserts are compiled out";
#endif
}

}  // namespace
}  // namespace aiip::http
