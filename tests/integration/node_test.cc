// End-to-end tests of a real aiipd: start-up with States and a bootstrap administrator, the
// registry's life cycle through the API, pagination, bad input (tests/data/api), headers,
// metrics, graceful shutdown and restart. Each runs on SQLite and on PostgreSQL.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "common/json.h"
#include "tests/integration/harness.h"

namespace aiip::testing {
namespace {
namespace bj = boost::json;

class NodeTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<NodeProcess>(GetParam());
    node_->Start();
    if (HasFatalFailure()) return;
    admin_ = node_->Client();
  }
  std::string CreateOrganisation(const std::string& name, const std::string& kind, const std::string& state) {
    auto r = admin_->Post("/api/v1/organisations", {}, bj::object{{"name", name}, {"kind", kind}, {"state", state}});
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? std::string(r->at("id").as_string()) : "";
  }
  std::string CreateMember(const std::string& org, const std::string& name, bj::array roles) {
    auto r = admin_->Post("/api/v1/members", {}, bj::object{{"organisation", org}, {"name", name}, {"roles", roles}});
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? std::string(r->at("id").as_string()) : "";
  }
  std::string CreateToken(const std::string& member) {
    auto r = admin_->Post("/api/v1/tokens", {}, bj::object{{"member", member}});
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? std::string(r->at("token").as_string()) : "";
  }

  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<client::HttpClient> admin_;
};

TEST_P(NodeTest, StartsWithEveryStateAndABootstrapAdministrator) {
  struct stat st{};
  ASSERT_EQ(::stat((node_->data_dir() / "admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_EQ(::stat((node_->data_dir() / "node.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(node_->Log().find(node_->AdminToken()), std::string::npos) << "the token must never be logged";

  auto states = admin_->Get("/api/v1/parties", {{"kind", "state"}, {"limit", "500"}});
  ASSERT_TRUE(states.has_value()) << states.error().ToString();
  const auto& items = states->at("items").as_array();
  EXPECT_EQ(items.size(), 249u);  // ISO 3166-1 as shipped by Debian's iso-codes 4.15
  bool found_france = false;
  for (const auto& s : items) {
    EXPECT_EQ(s.at("kind").as_string(), "state");
    if (s.at("id").as_string() == "state_FR") {
      found_france = true;
      EXPECT_EQ(s.at("name").as_string(), "France");
      EXPECT_EQ(s.at("state").as_string(), "FR");
    }
  }
  EXPECT_TRUE(found_france);

  auto me = admin_->Get("/api/v1/me");
  ASSERT_TRUE(me.has_value()) << me.error().ToString();
  EXPECT_EQ(me->at("member").at("roles").as_array(), bj::array{"admin"});
  EXPECT_EQ(me->at("organisation").at("kind").as_string(), "agency");
  EXPECT_TRUE(me->at("organisation").at("state").is_null());
}

TEST_P(NodeTest, RegistryLifeCycleWithRolesAndTokens) {
  std::string org = CreateOrganisation("CERT-PH", "csirt", "PH");
  auto got = admin_->Get("/api/v1/parties/" + org);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->at("state").as_string(), "PH");

  auto contact = admin_->Post("/api/v1/organisations/" + org + "/contacts", {},
                              bj::object{{"name", "Duty"}, {"phone", "+6321234567"}, {"email", "duty@cert.example.ph"},
                                         {"timezone", "Asia/Manila"}, {"languages", bj::array{"en", "fil"}},
                                         {"escalation_order", 1}});
  ASSERT_TRUE(contact.has_value()) << contact.error().ToString();

  std::string analyst = CreateMember(org, "Analyst", {"analyst"});
  std::string token = CreateToken(analyst);
  ASSERT_TRUE(token.starts_with("aiip_"));
  auto as_analyst = node_->Client(token);
  auto me = as_analyst->Get("/api/v1/me");
  ASSERT_TRUE(me.has_value()) << me.error().ToString();
  EXPECT_EQ(me->at("member").at("id").as_string(), analyst);

  // The analyst may read parties but not create organisations.
  EXPECT_TRUE(as_analyst->Get("/api/v1/parties", {{"state", "PH"}}).has_value());
  auto denied = as_analyst->Post("/api/v1/organisations", {}, bj::object{{"name", "X"}, {"kind", "csirt"}, {"state", "PH"}});
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code(), Code::kPermissionDenied);

  // Tokens are listed without their secret, and a revoked token stops working at once.
  auto tokens = admin_->Get("/api/v1/tokens", {{"member", analyst}});
  ASSERT_TRUE(tokens.has_value());
  ASSERT_EQ(tokens->at("items").as_array().size(), 1u);
  EXPECT_FALSE(tokens->at("items").as_array()[0].as_object().contains("token"));
  std::string token_id(tokens->at("items").as_array()[0].at("id").as_string());
  ASSERT_TRUE(admin_->Delete("/api/v1/tokens/" + token_id).has_value());
  auto after = as_analyst->Get("/api/v1/me");
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code(), Code::kUnauthenticated);

  // Disabling a member disables its tokens.
  std::string noc = CreateMember(org, "NOC", {"noc"});
  std::string noc_token = CreateToken(noc);
  ASSERT_TRUE(admin_->Patch("/api/v1/members/" + noc, {}, bj::object{{"disabled", true}}).has_value());
  EXPECT_EQ(node_->Client(noc_token)->Get("/api/v1/me").error().code(), Code::kUnauthenticated);

  // Optimistic concurrency: the right version succeeds and bumps it.
  auto renamed = admin_->Patch("/api/v1/organisations/" + org, {}, bj::object{{"name", "CERT-PH (DICT)"}, {"version", 1}});
  ASSERT_TRUE(renamed.has_value()) << renamed.error().ToString();
  EXPECT_EQ(renamed->at("version").as_int64(), 2);
}

TEST_P(NodeTest, PaginationVisitsEveryPartyOnce) {
  for (int i = 0; i < 7; ++i) CreateOrganisation("Operator " + std::to_string(i), "operator", "NL");
  std::set<std::string> seen;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    client::Query query{{"limit", "37"}};
    if (cursor) query.emplace_back("cursor", *cursor);
    auto page = admin_->Get("/api/v1/parties", query);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    for (const auto& item : page->at("items").as_array()) {
      EXPECT_TRUE(seen.insert(std::string(item.at("id").as_string())).second) << "duplicate " << item.at("id");
    }
    cursor.reset();
    if (page->at("next_cursor").is_string()) cursor = std::string(page->at("next_cursor").as_string());
    ++pages;
  } while (cursor && pages < 100);
  EXPECT_EQ(seen.size(), 249u + 1u + 7u);  // States, the Secretariat, the operators
  auto filtered = admin_->Get("/api/v1/parties", {{"state", "NL"}, {"kind", "operator"}});
  ASSERT_TRUE(filtered.has_value());
  EXPECT_EQ(filtered->at("items").as_array().size(), 7u);
}

TEST_P(NodeTest, BadInputGetsAProblemNamingTheField) {
  std::string org = CreateOrganisation("Bad Input Target", "csirt", "FR");
  std::string other_org = CreateOrganisation("Other Target", "csirt", "BE");
  std::string viewer = CreateMember(org, "Viewer", {"viewer"});
  std::string org_admin = CreateMember(org, "Org admin", {"org-admin"});
  std::string viewer_token = CreateToken(viewer);
  std::string org_admin_token = CreateToken(org_admin);
  auto me = admin_->Get("/api/v1/me");
  ASSERT_TRUE(me.has_value());
  std::string admin_id(me->at("member").at("id").as_string());

  std::ifstream in(SourcePath("tests/data/api/bad_requests.json"));
  std::stringstream text;
  text << in.rdbuf();
  auto doc = json::ParseObject(text.str());
  ASSERT_TRUE(doc.has_value());
  auto substitute = [&](std::string s) {
    for (auto [key, value] : {std::pair<std::string, std::string>{"{org}", org}, {"{other_org}", other_org},
                              {"{member}", viewer}, {"{admin}", admin_id}}) {
      for (size_t pos; (pos = s.find(key)) != std::string::npos;) s.replace(pos, key.size(), value);
    }
    return s;
  };
  int checked = 0;
  for (const auto& value : doc->at("cases").as_array()) {
    const auto& c = value.as_object();
    SCOPED_TRACE(std::string(c.at("name").as_string()));
    std::string method(c.at("method").as_string());
    std::string path = substitute(std::string(c.at("path").as_string()));
    std::string body;
    if (auto* raw = c.if_contains("body_raw")) body = std::string(raw->as_string());
    if (auto* b = c.if_contains("body")) body = substitute(bj::serialize(*b));
    if (auto* size = c.if_contains("body_size")) body = "{\"name\":\"" + std::string(size->as_int64(), 'x') + "\"}";
    std::map<std::string, std::string> headers;
    std::string auth = c.contains("auth") ? std::string(c.at("auth").as_string()) : "admin";
    if (auth == "admin") headers["Authorization"] = "Bearer " + node_->AdminToken();
    if (auth == "bogus") headers["Authorization"] = "Bearer aiip_notarealtokennotarealtokennotarealtoken";
    if (auth == "basic") headers["Authorization"] = "Basic YWRtaW46YWRtaW4=";
    if (auth == "viewer") headers["Authorization"] = "Bearer " + viewer_token;
    if (auth == "org-admin") headers["Authorization"] = "Bearer " + org_admin_token;
    if (!body.empty() || c.contains("body_raw")) {
      headers["Content-Type"] = c.contains("content_type") ? std::string(c.at("content_type").as_string()) : "application/json";
    }
    RawResponse r = SendRaw(node_->url(), method, path, headers, body);
    if (c.contains("repeat")) r = SendRaw(node_->url(), method, path, headers, body);
    EXPECT_EQ(r.status, c.at("status").as_int64()) << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/problem+json") << r.body;
    EXPECT_FALSE(r.headers["x-request-id"].empty());
    auto problem = json::ParseObject(r.body);
    ASSERT_TRUE(problem.has_value()) << r.body;
    EXPECT_EQ(problem->at("status").as_int64(), c.at("status").as_int64());
    if (auto* type = c.if_contains("type")) {
      EXPECT_EQ(problem->at("type").as_string(), "urn:aiip:problem:" + std::string(type->as_string())) << r.body;
    }
    if (auto* field = c.if_contains("field")) {
      ASSERT_TRUE(problem->contains("field")) << r.body;
      EXPECT_EQ(problem->at("field").as_string(), field->as_string()) << r.body;
    }
    ++checked;
  }
  EXPECT_GE(checked, 50);
  // No client mistake may have produced a 500, and the node is still healthy.
  EXPECT_EQ(node_->Log().find("\"status\":500"), std::string::npos);
  EXPECT_TRUE(admin_->Get("/api/v1/health").has_value());
}

TEST_P(NodeTest, PublicEndpointsHeadersAndMetrics) {
  auto health = SendRaw(node_->url(), "GET", "/api/v1/health", {}, "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.headers["content-type"], "application/json");
  auto version = SendRaw(node_->url(), "GET", "/api/v1/version", {{"X-Request-Id", "trace-me-42"}}, "");
  EXPECT_EQ(version.status, 200);
  EXPECT_EQ(version.headers["x-request-id"], "trace-me-42");
  auto openapi = SendRaw(node_->url(), "GET", "/api/v1/openapi.json", {}, "");
  ASSERT_EQ(openapi.status, 200);
  auto doc = json::ParseObject(openapi.body);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->at("openapi").as_string(), "3.1.0");
  auto metrics = SendRaw(node_->url(), "GET", "/metrics", {}, "");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("http_requests_total{route=\"version\",method=\"GET\",status=\"200\"}"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("aiip_db_commits_total"), std::string::npos);
  // Access log lines are JSON and carry the request id.
  EXPECT_NE(node_->Log().find("\"request_id\":\"trace-me-42\""), std::string::npos);
}

TEST_P(NodeTest, GracefulShutdownAndRestartKeepEverything) {
  std::string org = CreateOrganisation("Persistent CSIRT", "csirt", "EE");
  auto head = admin_->Get("/api/v1/audit/head");
  ASSERT_TRUE(head.has_value()) << head.error().ToString();
  int status = node_->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << "\n" << node_->Log();
  std::string token = node_->AdminToken();
  node_->Start();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(node_->AdminToken(), token) << "a restart must not mint a new administrator token";
  auto client = node_->Client();
  auto got = client->Get("/api/v1/organisations/" + org);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->at("name").as_string(), "Persistent CSIRT");
  auto head2 = client->Get("/api/v1/audit/head");
  ASSERT_TRUE(head2.has_value());
  EXPECT_EQ(head2->at("size"), head->at("size"));
  EXPECT_EQ(head2->at("root_hash"), head->at("root_hash"));
}

INSTANTIATE_TEST_SUITE_P(Backends, NodeTest, ::testing::ValuesIn(IntegrationBackends()),
                         [](const auto& p) { return BackendName(p.param); });

}  // namespace
}  // namespace aiip::testing
