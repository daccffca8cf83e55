#include "client/http_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <fstream>

#include "client/fake_server.h"

namespace aiip::client {
namespace {

using testing::FakeRequest;
using testing::FakeResponse;
using testing::FakeServer;

std::unique_ptr<HttpClient> MustCreate(ClientOptions options) {
  auto client = HttpClient::Create(std::move(options));
  EXPECT_TRUE(client.has_value()) << client.error().ToString();
  return std::move(*client);
}

// Designated initializers would be terser, but GCC 12 flags omitted members under -Wextra.
ClientOptions Options(std::string server, std::string token = {}) {
  ClientOptions options;
  options.server = std::move(server);
  options.token = std::move(token);
  return options;
}

FakeResponse Answer(int status, std::string body, std::string content_type = "application/json") {
  FakeResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  return response;
}

FakeResponse Ok(std::string body) { return Answer(200, std::move(body)); }

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int ClosedPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST(HttpClient, GetSendsTokenAndEncodedQueryAndParsesJson) {
  FakeServer server([](const FakeRequest&) { return Ok(R"({"status":"ok"})"); });
  auto client = MustCreate(Options(server.url() + "/node/", "aiip_secret"));
  auto body = client->Get("/api/v1/x", {{"phone", "+33 1"}, {"q", "a&b=c"}});
  ASSERT_TRUE(body.has_value()) << body.error().ToString();
  EXPECT_EQ(boost::json::serialize(*body), R"({"status":"ok"})");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/node/api/v1/x?phone=%2B33%201&q=a%26b%3Dc");
  EXPECT_EQ(seen[0].authorization, "Bearer aiip_secret");
  EXPECT_EQ(seen[0].body, "");
  EXPECT_FALSE(client->last_problem().has_value());
}

TEST(HttpClient, PostSendsJsonBodyAndNoTokenWhenEmpty) {
  FakeServer server([](const FakeRequest&) { return Answer(201, R"({"id":"org_1"})"); });
  auto client = MustCreate(Options(server.url()));
  auto body = client->Post("/api/v1/organisations", {}, boost::json::object{{"name", "CERT-FR"}});
  ASSERT_TRUE(body.has_value()) << body.error().ToString();
  EXPECT_EQ(body->at("id").as_string(), "org_1");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].body, R"({"name":"CERT-FR"})");
  EXPECT_EQ(seen[0].authorization, "");
}

TEST(HttpClient, EmptyAnswerIsNull) {
  FakeServer server([](const FakeRequest&) { return Answer(204, ""); });
  auto client = MustCreate(Options(server.url()));
  auto body = client->Delete("/api/v1/contacts/cnt_1");
  ASSERT_TRUE(body.has_value()) << body.error().ToString();
  EXPECT_TRUE(body->is_null());
  EXPECT_EQ(server.requests().at(0).method, "DELETE");
}

TEST(HttpClient, ReusesOneConnection) {
  FakeServer server([](const FakeRequest&) { return Ok("{}"); });
  auto client = MustCreate(Options(server.url()));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->Get("/api/v1/health").has_value());
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(HttpClient, ReconnectsAfterConnectionClose) {
  FakeServer server([](const FakeRequest&) {
    FakeResponse r = Ok("{}");
    r.close = true;
    return r;
  });
  auto client = MustCreate(Options(server.url()));
  ASSERT_TRUE(client->Get("/api/v1/health").has_value());
  ASSERT_TRUE(client->Get("/api/v1/health").has_value());
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, ResendsOnceWhenAKeptAliveConnectionWasDropped) {
  FakeServer server([](const FakeRequest&) {
    FakeResponse r = Ok("{}");
    r.drop_after = true;
    return r;
  });
  auto client = MustCreate(Options(server.url()));
  ASSERT_TRUE(client->Get("/api/v1/health").has_value());
  auto second = client->Post("/api/v1/members", {}, boost::json::object{{"name", "x"}});
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_EQ(server.requests().size(), 2u);  // the POST reached the server exactly once
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, ProblemBecomesStatusAndLastProblem) {
  FakeServer server([](const FakeRequest& r) {
    if (r.target == "/api/v1/ok") return Ok("{}");
    return Answer(409, R"json({"type":"urn:aiip:problem:stale-version","title":"Stale version",
                               "status":409,"detail":"version 3 is not current (4)",
                               "instance":"/api/v1/organisations/org_1","request_id":"req_9",
                               "field":"/version"})json",
                  "application/problem+json");
  });
  auto client = MustCreate(Options(server.url()));
  auto result = client->Patch("/api/v1/organisations/org_1", {}, boost::json::object{{"version", 3}});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Code::kConflict);
  EXPECT_EQ(result.error().type(), "stale-version");
  EXPECT_EQ(result.error().detail(), "version 3 is not current (4)");
  EXPECT_EQ(result.error().field(), "/version");
  EXPECT_FALSE(IsTransportError(result.error()));
  const auto& problem = client->last_problem();
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->http_status, 409);
  EXPECT_EQ(problem->title, "Stale version");
  EXPECT_EQ(problem->request_id, "req_9");
  EXPECT_EQ(problem->instance, "/api/v1/organisations/org_1");

  ASSERT_TRUE(client->Get("/api/v1/ok").has_value());
  EXPECT_FALSE(client->last_problem().has_value());
}

TEST(HttpClient, NonProblemErrorKeepsTheStatusLineOnly) {
  FakeServer server([](const FakeRequest&) { return Answer(502, "<html>oops</html>", "text/html"); });
  auto client = MustCreate(Options(server.url()));
  auto result = client->Get("/api/v1/health");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Code::kUnavailable);
  EXPECT_EQ(result.error().type(), "http-502");
  ASSERT_TRUE(client->last_problem().has_value());
  EXPECT_EQ(client->last_problem()->title, "Bad Gateway");
  EXPECT_EQ(client->last_problem()->detail, "");
}

TEST(HttpClient, MalformedJsonAnswerIsInternal) {
  FakeServer server([](const FakeRequest&) { return Ok("{\"a\":"); });
  auto client = MustCreate(Options(server.url()));
  auto result = client->Get("/api/v1/health");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Code::kInternal);
  EXPECT_EQ(result.error().type(), "invalid-response");
}

TEST(HttpClient, UnreachableServerIsUnavailableWithUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort());
  auto client = MustCreate(Options(url));
  auto result = client->Get("/api/v1/health");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Code::kUnavailable);
  EXPECT_EQ(result.error().type(), "unreachable");
  EXPECT_NE(result.error().detail().find(url + "/api/v1/health"), std::string::npos)
      << result.error().detail();
  EXPECT_TRUE(IsTransportError(result.error()));
  EXPECT_FALSE(client->last_problem().has_value());
}

TEST(HttpClient, StreamHandsOverTheBodyAndStopsWhenAsked) {
  const std::string events(100000, 'e');
  FakeServer server([&](const FakeRequest& r) {
    return r.target.starts_with("/api/v1/stream") ? Answer(200, events, "text/event-stream") : Ok("{}");
  });
  auto client = MustCreate(Options(server.url(), "aiip_secret"));
  std::string got;
  Status streamed = client->Stream("/api/v1/stream", {{"kinds", "incident."}}, {{"Last-Event-ID", "41"}},
                                   [&](std::string_view piece) {
                                     got.append(piece);
                                     return true;
                                   });
  ASSERT_TRUE(streamed.ok()) << streamed.ToString();
  EXPECT_EQ(got, events);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/api/v1/stream?kinds=incident.");
  EXPECT_EQ(seen[0].authorization, "Bearer aiip_secret");

  size_t pieces = 0;
  streamed = client->Stream("/api/v1/stream", {}, {}, [&](std::string_view) { return ++pieces < 2; });
  EXPECT_TRUE(streamed.ok()) << streamed.ToString();
  EXPECT_EQ(pieces, 2u);  // stopped at the reader's word, long before the body's end
  // The ordinary calls still work after a stream (it used a connection of its own).
  auto after = client->Get("/api/v1/health");
  EXPECT_TRUE(after.has_value()) << after.error().ToString();
}

TEST(HttpClient, StreamRefusedIsTheProblem) {
  FakeServer server([](const FakeRequest&) {
    return Answer(401, R"({"type":"urn:aiip:problem:unauthenticated","title":"Unauthorized","status":401})",
                  "application/problem+json");
  });
  auto client = MustCreate(Options(server.url()));
  Status streamed = client->Stream("/api/v1/stream", {}, {}, [](std::string_view) {
    ADD_FAILURE() << "a refused stream has no events";
    return true;
  });
  EXPECT_EQ(streamed.code(), Code::kUnauthenticated);
  EXPECT_EQ(streamed.type(), "unauthenticated");
  ASSERT_TRUE(client->last_problem().has_value());
  EXPECT_EQ(client->last_problem()->http_status, 401);
}

TEST(HttpClient, SlowAnswerTimesOut) {
  FakeServer server([](const FakeRequest&) {
    FakeResponse r = Ok("{}");
    r.delay = std::chrono::seconds(2);
    return r;
  });
  ClientOptions options = Options(server.url());
  options.request_timeout = std::chrono::milliseconds(200);
  auto client = MustCreate(options);
  auto result = client->Get("/api/v1/health");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().type(), "timeout");
  EXPECT_TRUE(IsTransportError(result.error()));
}

TEST(HttpClient, RejectsUnusableServerUrls) {
  for (const char* url : {"", "127.0.0.1:8700", "ftp://host", "http://", "http://u:p@host",
                          "http://host/?q=1", "http://host/#f"}) {
    auto client = HttpClient::Create(Options(url));
    ASSERT_FALSE(client.has_value()) << url;
    EXPECT_EQ(client.error().type(), "invalid-server-url") << url;
  }
}

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certificate_ = testing::MakeTestCertificate();
    ca_file_ = std::filesystem::temp_directory_path() /
               ("aiip_client_test_ca_" + std::to_string(::getpid()) + ".pem");
    std::ofstream(ca_file_) << certificate_.certificate_pem;
  }
  void TearDown() override { std::filesystem::remove(ca_file_); }

  ClientOptions WithCa(std::string server) {
    ClientOptions options = Options(std::move(server));
    options.ca_file = ca_file_.string();
    return options;
  }

  testing::TestCertificate certificate_;
  std::filesystem::path ca_file_;
};

TEST_F(HttpsTest, TrustsTheGivenCaFile) {
  FakeServer server([](const FakeRequest&) { return Ok(R"({"status":"ok"})"); }, &certificate_);
  auto client = MustCreate(WithCa(server.url()));
  auto body = client->Get("/api/v1/health");
  ASSERT_TRUE(body.has_value()) << body.error().ToString();
  ASSERT_TRUE(client->Get("/api/v1/health").has_value());
  EXPECT_EQ(server.connections(), 1);

  // The certificate also names localhost, so the DNS name path (with SNI) works too.
  auto by_name = MustCreate(WithCa("https://localhost:" + std::to_string(server.port())));
  auto named = by_name->Get("/api/v1/health");
  EXPECT_TRUE(named.has_value()) << named.error().ToString();
}

TEST_F(HttpsTest, RejectsCertificatesNotSignedByATrustedCa) {
  FakeServer server([](const FakeRequest&) { return Ok("{}"); }, &certificate_);
  auto client = MustCreate(Options(server.url()));  // system store only
  auto result = client->Get("/api/v1/health");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().type(), "unreachable");
  EXPECT_NE(result.error().detail().find("TLS handshake"), std::string::npos) << result.error().detail();
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpsTest, RejectsAMissingCaFile) {
  ClientOptions options = Options("https://127.0.0.1:1");
  options.ca_file = "/nonexistent/ca.pem";
  auto client = HttpClient::Create(options);
  ASSERT_FALSE(client.has_value());
  EXPECT_EQ(client.error().type(), "invalid-ca-file");
}

TEST(HttpClientHelpers, PathSegmentEncodesSeparators) {
  EXPECT_EQ(PathSegment("org_01H"), "org_01H");
  EXPECT_EQ(PathSegment("../a/b?c%"), "..%2Fa%2Fb%3Fc%25");
}

TEST(HttpClientHelpers, MapsHttpStatusesToCodes) {
  EXPECT_EQ(CodeForHttpStatus(400), Code::kInvalidArgument);
  EXPECT_EQ(CodeForHttpStatus(401), Code::kUnauthenticated);
  EXPECT_EQ(CodeForHttpStatus(403), Code::kPermissionDenied);
  EXPECT_EQ(CodeForHttpStatus(404), Code::kNotFound);
  EXPECT_EQ(CodeForHttpStatus(409), Code::kConflict);
  EXPECT_EQ(CodeForHttpStatus(412), Code::kFailedPrecondition);
  EXPECT_EQ(CodeForHttpStatus(413), Code::kPayloadTooLarge);
  EXPECT_EQ(CodeForHttpStatus(418), Code::kInvalidArgument);
  EXPECT_EQ(CodeForHttpStatus(503), Code::kUnavailable);
  EXPECT_EQ(CodeForHttpStatus(500), Code::kInternal);
}

}  // namespace
}  // namespace aiip::client
