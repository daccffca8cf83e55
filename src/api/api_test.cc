// API tests without a socket: handlers are functions from Request to Response, so the
// router is driven directly on a real store and audit log. Checks that the OpenAPI
// document and the router agree route for route, and the authentication wrapper.
#include "api/api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/json.h"
#include "crypto/sha256.h"
#include "incidentsnet/service.h"
#include "legal/loader.h"
#include "legalnet/service.h"
#include "notify/event_log.h"
#include "notify/stream_hub.h"
#include "responsenet/service.h"
#include "store/testing/test_store.h"
#include "taxii/service.h"
#include "vulnerabilities/service.h"

namespace aiip::api {
namespace {
namespace bj = boost::json;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::testing::OpenTestStore(store::testing::Backend::kSqlite);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
    auto key = crypto::Ed25519PrivateKey::Generate(random_);
    ASSERT_TRUE(key.has_value());
    auto log = audit::AuditLog::Open(*store_, std::move(*key), clock_);
    ASSERT_TRUE(log.has_value()) << log.error().ToString();
    audit_ = std::move(*log);
    reference_ = registry::ReferenceData::LoadSystem().value();
    registry_ = std::make_unique<registry::Registry>(
        *store_, reference_,
        [this](store::Tx& tx, const registry::AuditEvent& e) {
          audit::EntryFields f{e.member, e.organisation, e.action, e.object, crypto::Sha256(e.object_json)};
          return StatusOf(audit_->Append(tx, f));
        },
        clock_, random_);
    ASSERT_TRUE(registry_->ImportStates().ok());
    dir_ = std::filesystem::temp_directory_path() / ("aiip-api-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(registry_->Bootstrap(dir_ / "admin.token").has_value());
    std::ifstream in(dir_ / "admin.token");
    in >> token_;
    registry::AuditAppend append = [this](store::Tx& tx, const registry::AuditEvent& e) {
      audit::EntryFields f{e.member, e.organisation, e.action, e.object, crypto::Sha256(e.object_json)};
      return StatusOf(audit_->Append(tx, f));
    };
    events_ = std::make_unique<notify::EventLog>(*store_, clock_);
    hub_ = std::make_unique<notify::StreamHub>(*events_);
    vulnerabilities_ = std::make_unique<vulnerabilities::VulnerabilityService>(*store_, *events_, append, clock_,
                                                                               random_, [] {});
    ASSERT_TRUE(vulnerabilities_->Load().ok());
    context_ = std::make_unique<ApiContext>(ApiContext{*store_, *registry_, *audit_, metrics_, clock_, "test", append,
                                                       events_.get(), hub_.get(), vulnerabilities_.get(), false});
    // Routes only: the location database is not loaded (attribution answers 422 here).
    response_ = std::make_unique<responsenet::ResponseService>(*store_, *events_, append, clock_, random_, [] {},
                                                               responsenet::ResponseOptions{});
    context_->response = response_.get();
    incidents_ = std::make_unique<incidentsnet::IncidentService>(*store_, *events_, append, clock_, random_, [] {});
    ASSERT_TRUE(incidents_->Load().ok());
    context_->incidents = incidents_.get();
    taxii_ = std::make_unique<taxii::TaxiiService>(*store_, *incidents_, clock_, random_);
    ASSERT_TRUE(taxii_->Load().ok());
    context_->taxii = taxii_.get();
    auto legal_data = legal::LoadLegalData(AIIP_SOURCE_DIR "/data/legal");
    ASSERT_TRUE(legal_data.has_value()) << legal_data.error().ToString();
    legalnet_ = std::make_unique<legalnet::LegalNetworkService>(*store_, *events_, append, clock_, random_,
                                                                std::move(*legal_data),
                                                                legalnet::LegalNetworkOptions{}, [] {});
    context_->legalnet = legalnet_.get();
    RegisterRoutes(router_, *context_);
  }
  void TearDown() override {
    hub_->Stop();
    store_->Close();
    std::filesystem::remove_all(dir_);
  }
  http::Response Call(const std::string& method, const std::string& path, const std::string& body = "",
                      bool authenticated = true) {
    http::Request r;
    r.method = method;
    r.path = path;
    r.target = path;
    r.body = body;
    r.request_id = "test";
    if (authenticated) r.headers.emplace_back("authorization", "Bearer " + token_);
    return router_.Handle(r);
  }

  FakeClock clock_{SystemTime(std::chrono::milliseconds(1790000000000))};
  SeededRandom random_{7};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  registry::ReferenceData reference_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<notify::EventLog> events_;
  std::unique_ptr<notify::StreamHub> hub_;
  std::unique_ptr<vulnerabilities::VulnerabilityService> vulnerabilities_;
  std::unique_ptr<incidentsnet::IncidentService> incidents_;
  std::unique_ptr<taxii::TaxiiService> taxii_;
  std::unique_ptr<responsenet::ResponseService> response_;
  std::unique_ptr<legalnet::LegalNetworkService> legalnet_;
  metrics::Registry metrics_;
  std::unique_ptr<ApiContext> context_;
  http::Router router_;
  std::filesystem::path dir_;
  std::string token_;
};

TEST_F(ApiTest, OpenApiDocumentListsExactlyTheRoutesThatExist) {
  auto doc = json::ParseObject(OpenApiDocument());
  ASSERT_TRUE(doc.has_value()) << doc.error().ToString();
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : doc->at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      std::string upper(method);
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.emplace(upper, std::string(path));
      // Routes that need a caller say which roles may call them.
      bool is_public = op.as_object().contains("security") && op.at("security").as_array().empty();
      EXPECT_TRUE(is_public || op.as_object().contains("x-aiip-roles")) << method << " " << path;
    }
  }
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& route : router_.Routes()) {
    routed.emplace(route.method, route.pattern);
    EXPECT_TRUE(documented.contains({route.method, route.pattern}))
        << route.method << " " << route.pattern << " exists but openapi.json does not document it";
  }
  for (const auto& d : documented) {
    EXPECT_TRUE(routed.contains(d)) << d.first << " " << d.second << " is documented but does not exist";
  }
  EXPECT_GE(routed.size(), 46u);
}

TEST_F(ApiTest, DocumentedRolesMatchTheRoutesRoles) {
  auto doc = json::ParseObject(OpenApiDocument()).value();
  for (const auto& route : router_.Routes()) {
    std::string method(route.method);
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto& op = doc.at("paths").at(route.pattern).at(method).as_object();
    if (!route.info.authenticated) continue;
    std::vector<std::string> roles;
    for (const auto& r : op.at("x-aiip-roles").as_array()) roles.emplace_back(r.as_string());
    EXPECT_EQ(roles, route.info.roles) << route.method << " " << route.pattern;
  }
}

TEST_F(ApiTest, AuthenticationIsCheckedBeforeTheHandler) {
  auto anonymous = Call("POST", "/api/v1/organisations", R"({"name":"X","kind":"csirt","state":"FR"})", false);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.content_type, "application/problem+json");
  uint64_t size_before = audit_->LatestHead().head.size;
  auto created = Call("POST", "/api/v1/organisations", R"({"name":"X","kind":"csirt","state":"FR"})");
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(audit_->LatestHead().head.size, size_before + 1);
  EXPECT_EQ(Call("GET", "/api/v1/health", "", false).status, 200);
}

TEST_F(ApiTest, AuditRoutesServeHeadsAndProofs) {
  ASSERT_EQ(Call("POST", "/api/v1/organisations", R"({"name":"Y","kind":"csirt","state":"FR"})").status, 201);
  auto head = json::ParseObject(Call("GET", "/api/v1/audit/head").body).value();
  int64_t size = head.at("size").as_int64();
  ASSERT_GE(size, 4);
  EXPECT_EQ(head.at("root_hash").as_string().size(), 64u);
  EXPECT_EQ(Call("GET", "/api/v1/audit/proof/inclusion").status, 400) << "index is required";
  http::Request r;
  r.method = "GET";
  r.path = "/api/v1/audit/proof/inclusion";
  r.query.emplace("index", "1");
  r.headers.emplace_back("authorization", "Bearer " + token_);
  auto ok = router_.Handle(r);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto body = json::ParseObject(ok.body).value();
  EXPECT_EQ(body.at("root_hash"), head.at("root_hash"));
  EXPECT_EQ(body.at("size").as_int64(), size);
}

}  // namespace
}  // namespace aiip::api
