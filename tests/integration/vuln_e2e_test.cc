// End-to-end test of the vulnerability clearinghouse on a real aiipd, on SQLite and on
// PostgreSQL: an organisation registers a real SBOM, subscribes, opens the event stream
// and registers a webhook; a real Go advisory that affects one of the SBOM's modules is
// ingested; the alert arrives over server-sent events and (after one refused attempt, to
// exercise the retry) over an HMAC-signed webhook; re-ingesting the same document, or one
// whose only change is its `modified` time, alerts nobody; withdrawing it alerts again;
// after a restart the database is rebuilt from the store.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/json.h"
#include "http/server.h"
#include "notify/webhooks.h"
#include "tests/integration/harness.h"

namespace aiip::testing {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

const char* kSecret = "e2e-webhook-secret-0123456789abcdef";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::filesystem::path SharedData(const std::string& relative) {
  return SourcePath("../shared/data/" + relative);
}

// Reads a server-sent event stream on a plain socket into a string, in the background.
class EventStreamReader {
 public:
  EventStreamReader(const std::string& url, const std::string& token, const std::string& query) {
    // url is http://127.0.0.1:PORT
    const int port = std::stoi(url.substr(url.rfind(':') + 1));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ADD_FAILURE() << "cannot connect to " << url;
      return;
    }
    std::string request = "GET /api/v1/stream" + query +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                          "\r\nAccept: text/event-stream\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
      ADD_FAILURE() << "cannot send the stream request";
    }
    reader_ = std::thread([this] {
      char buffer[4096];
      while (true) {
        ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        std::lock_guard lock(mu_);
        received_.append(buffer, static_cast<size_t>(n));
      }
    });
  }
  ~EventStreamReader() {
    ::shutdown(fd_, SHUT_RDWR);
    if (reader_.joinable()) reader_.join();
    ::close(fd_);
  }
  std::string Received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  bool WaitFor(const std::string& text, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Received().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  // The JSON of every `data:` line of events of `kind`.
  std::vector<bj::object> Events(const std::string& kind) {
    std::vector<bj::object> out;
    std::string text = Received();
    std::string marker = "event: " + kind + "\ndata: ";
    for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
      size_t start = at + marker.size();
      size_t end = text.find('\n', start);
      if (end == std::string::npos) break;
      auto parsed = json::ParseObject(text.substr(start, end - start));
      if (parsed) out.push_back(std::move(*parsed));
    }
    return out;
  }

 private:
  int fd_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::string received_;
};

// A webhook receiver: refuses the first delivery with 503, accepts the rest, and keeps
// what it was sent.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    http::ServerOptions options;
    options.threads = 1;
    server_ = std::make_unique<http::Server>(options, [this](http::Request& request) {
      std::lock_guard lock(mu_);
      http::Response response;
      response.content_type = "text/plain";
      ++attempts_;
      if (attempts_ == 1) {
        response.status = 503;
        response.body = "busy";
        return response;
      }
      received_.push_back(request);
      response.body = "ok";
      return response;
    });
    EXPECT_TRUE(server_->Start().ok());
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->BoundPort()) + "/hooks/aiip";
  }
  std::vector<http::Request> Received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  int attempts() {
    std::lock_guard lock(mu_);
    return attempts_;
  }

 private:
  std::mutex mu_;
  int attempts_ = 0;
  std::vector<http::Request> received_;
  std::unique_ptr<http::Server> server_;
};

class VulnerabilityE2ETest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<NodeProcess>(GetParam());
    node_->Start({"--webhook-allow-http"});
    if (HasFatalFailure()) return;
    admin_ = node_->Client();
    auto org = admin_->Post("/api/v1/organisations", {},
                            bj::object{{"name", "CERT-E2E"}, {"kind", "csirt"}, {"state", "FR"}});
    ASSERT_TRUE(org.has_value()) << org.error().ToString();
    org_ = std::string(org->at("id").as_string());
    auto member = admin_->Post(
        "/api/v1/members", {},
        bj::object{
            {"organisation", org_}, {"name", "Duty analyst"}, {"roles", bj::array{"org-admin", "analyst"}}});
    ASSERT_TRUE(member.has_value()) << member.error().ToString();
    auto token = admin_->Post("/api/v1/tokens", {}, bj::object{{"member", member->at("id")}});
    ASSERT_TRUE(token.has_value()) << token.error().ToString();
    token_ = std::string(token->at("token").as_string());
    analyst_ = node_->Client(token_);
  }

  // Ingests an advisory document as the body of POST /api/v1/advisories.
  bj::object Ingest(const std::string& body, int expected_status) {
    RawResponse r = SendRaw(node_->url(), "POST", "/api/v1/advisories",
                            {{"Authorization", "Bearer " + node_->AdminToken()},
                             {"Content-Type", "application/json"},
                             {"X-AIIP-Source-Name", "e2e"}},
                            body);
    EXPECT_EQ(r.status, expected_status) << r.body;
    auto parsed = json::ParseObject(r.body);
    EXPECT_TRUE(parsed.has_value()) << r.body;
    return parsed.value_or(bj::object{});
  }

  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<client::HttpClient> admin_;
  std::unique_ptr<client::HttpClient> analyst_;
  std::string org_;
  std::string token_;
};

TEST_P(VulnerabilityE2ETest, AnIngestedAdvisoryAlertsTheHolderOverTheStreamAndASignedWebhook) {
  WebhookReceiver receiver;
  auto hook = analyst_->Post(
      "/api/v1/webhooks", {},
      bj::object{{"url", receiver.url()}, {"kinds", bj::array{"vulnerability.alert"}}, {"secret", kSecret}});
  ASSERT_TRUE(hook.has_value()) << hook.error().ToString();
  const std::string hook_id(hook->at("id").as_string());
  EXPECT_EQ(hook->at("secret"), kSecret);

  auto subscription = analyst_->Post("/api/v1/subscriptions", {}, bj::object{});
  ASSERT_TRUE(subscription.has_value()) << subscription.error().ToString();
  EXPECT_EQ(subscription->at("min_severity"), "none");

  // The real SBOM of proton-bridge 1.6.3: registered before any advisory.
  auto sbom =
      json::ParseObject(ReadFile(SharedData("sbom/cyclonedx-proton-bridge_proton-bridge-v1.6.3.bom.json")));
  ASSERT_TRUE(sbom.has_value());
  auto inventory =
      analyst_->Post("/api/v1/inventories", {}, bj::object{{"name", "proton-bridge"}, {"document", *sbom}});
  ASSERT_TRUE(inventory.has_value()) << inventory.error().ToString();
  const std::string inventory_id(inventory->at("id").as_string());
  EXPECT_EQ(inventory->at("components").as_int64(), 202);  // metadata.component and 201 components
  EXPECT_EQ(inventory->at("affected").as_int64(), 0);

  EventStreamReader stream(node_->url(), token_, "?kinds=vulnerability.");
  ASSERT_TRUE(stream.WaitFor("retry: 3000")) << stream.Received();

  // GO-2020-0001: github.com/gin-gonic/gin from 0 before 1.6.0; the SBOM has v1.4.0.
  const std::string advisory = ReadFile(SharedData("advisories/osv-go/GO-2020-0001.json"));
  bj::object ingested = Ingest(advisory, 201);
  EXPECT_EQ(ingested.at("outcome"), "inserted");
  EXPECT_EQ(ingested.at("alerts").as_int64(), 1);
  EXPECT_EQ(ingested.at("vulnerabilities").as_array().at(0), "CVE-2020-36567");

  // Server-sent events.
  ASSERT_TRUE(stream.WaitFor("event: vulnerability.alert\n")) << stream.Received();
  auto alerts = stream.Events("vulnerability.alert");
  ASSERT_EQ(alerts.size(), 1u);
  const bj::object& data = alerts[0].at("data").as_object();
  EXPECT_EQ(data.at("inventory").at("id").as_string(), inventory_id);
  EXPECT_EQ(data.at("cause").at("document"), "GO-2020-0001");
  const bj::array& added = data.at("added").as_array();
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].at("purl"), "pkg:golang/github.com/gin-gonic/gin@v1.4.0");
  EXPECT_EQ(added[0].at("id"), "CVE-2020-36567");
  EXPECT_EQ(added[0].at("fixed"), (bj::array{"1.6.0"}));
  bj::array aliases = added[0].at("aliases").as_array();
  EXPECT_NE(std::find(aliases.begin(), aliases.end(), bj::value("GO-2020-0001")), aliases.end());
  EXPECT_NE(std::find(aliases.begin(), aliases.end(), bj::value("GHSA-6vm3-jj99-7229")), aliases.end());

  // The webhook: refused once (503), retried after the back-off, then acknowledged.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (receiver.Received().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  auto deliveries = receiver.Received();
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(receiver.attempts(), 2);
  const http::Request& delivery = deliveries[0];
  ASSERT_TRUE(delivery.Header("x-aiip-signature").has_value());
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_TRUE(notify::VerifyDeliverySignature(kSecret, *delivery.Header("x-aiip-signature"), delivery.body,
                                              now, 300s));
  EXPECT_FALSE(notify::VerifyDeliverySignature(
      "another-secret-entirely", *delivery.Header("x-aiip-signature"), delivery.body, now, 300s));
  EXPECT_EQ(delivery.Header("x-aiip-event"), "vulnerability.alert");
  auto webhook_event = json::ParseObject(delivery.body);
  ASSERT_TRUE(webhook_event.has_value());
  EXPECT_EQ(webhook_event->at("data").at("added").at(0).at("id"), "CVE-2020-36567");
  EXPECT_EQ(webhook_event->at("seq"), alerts[0].at("seq"));

  // The delivery record says what happened.
  deadline = std::chrono::steady_clock::now() + 5s;
  bj::object record;
  while (std::chrono::steady_clock::now() < deadline) {
    auto records = analyst_->Get("/api/v1/webhooks/" + hook_id + "/deliveries");
    ASSERT_TRUE(records.has_value()) << records.error().ToString();
    record = records->at("items").at(0).as_object();
    if (record.at("state") == "delivered") break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(record.at("state"), "delivered");
  EXPECT_EQ(record.at("attempts").as_int64(), 2);
  EXPECT_EQ(record.at("last_status").as_int64(), 200);

  // Findings and search.
  auto findings = analyst_->Get("/api/v1/inventories/" + inventory_id + "/findings");
  ASSERT_TRUE(findings.has_value()) << findings.error().ToString();
  EXPECT_EQ(findings->at("affected").as_int64(), 1);
  auto by_alias = analyst_->Get("/api/v1/vulnerabilities/GHSA-6vm3-jj99-7229");
  ASSERT_TRUE(by_alias.has_value()) << by_alias.error().ToString();
  EXPECT_EQ(by_alias->at("id"), "CVE-2020-36567");
  auto by_package =
      analyst_->Get("/api/v1/vulnerabilities", {{"package", "pkg:golang/github.com/gin-gonic/gin"}});
  ASSERT_TRUE(by_package.has_value()) << by_package.error().ToString();
  EXPECT_EQ(by_package->at("items").as_array().size(), 1u);

  // The same bytes again, then a copy whose only change is `modified`: nobody is alerted.
  EXPECT_EQ(Ingest(advisory, 200).at("outcome"), "unchanged");
  auto touched = json::ParseObject(advisory).value();
  touched["modified"] = "2024-05-01T00:00:00Z";
  bj::object replaced = Ingest(bj::serialize(touched), 200);
  EXPECT_EQ(replaced.at("outcome"), "replaced");
  EXPECT_EQ(replaced.at("alerts").as_int64(), 0);

  // Withdrawn: the holder is told the finding is gone.
  touched["modified"] = "2024-06-01T00:00:00Z";
  touched["withdrawn"] = "2024-06-01T00:00:00Z";
  bj::object withdrawn = Ingest(bj::serialize(touched), 200);
  EXPECT_EQ(withdrawn.at("alerts").as_int64(), 1);
  ASSERT_TRUE(stream.WaitFor("\"withdrawn\":[{")) << stream.Received();
  EXPECT_EQ(stream.Events("vulnerability.alert").size(), 2u);
  auto after = analyst_->Get("/api/v1/inventories/" + inventory_id + "/findings");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->at("affected").as_int64(), 0);
}

TEST_P(VulnerabilityE2ETest, BadDocumentsAreRejectedPerDocumentAndRestartKeepsEverything) {
  // A batch with a good OSV record, a CVE 5 record, a broken one and an unknown format.
  const std::string osv = ReadFile(SharedData("advisories/osv-go/GO-2020-0017.json"));
  const std::string cve = ReadFile(SharedData("advisories/cve5/CVE-2013-2104.json"));
  bj::object broken = json::ParseObject(osv).value();
  broken["affected"] = "not-an-array";
  bj::object batch{
      {"documents",
       bj::array{bj::object{{"name", "GO-2020-0017.json"}, {"document", json::ParseObject(osv).value()}},
                 bj::object{{"name", "CVE-2013-2104.json"}, {"document", json::ParseObject(cve).value()}},
                 bj::object{{"name", "broken.json"}, {"document", broken}},
                 bj::object{{"name", "unknown.json"}, {"document", bj::object{{"x", 1}}}}}}};
  auto result = admin_->Post("/api/v1/advisories/batch", {}, batch);
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(result->at("accepted").as_int64(), 2);
  EXPECT_EQ(result->at("rejected").as_int64(), 2);
  const bj::array& results = result->at("results").as_array();
  EXPECT_EQ(results[2].at("problem").at("field"), "/documents/2/document/affected");
  EXPECT_EQ(results[3].at("problem").at("type"), "urn:aiip:problem:unknown-format");

  // One bad single document: a problem naming the field.
  bj::object bad = json::ParseObject(osv).value();
  bad["modified"] = "yesterday";
  RawResponse r =
      SendRaw(node_->url(), "POST", "/api/v1/advisories",
              {{"Authorization", "Bearer " + node_->AdminToken()}, {"Content-Type", "application/json"}},
              bj::serialize(bad));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"field\":\"/modified\""), std::string::npos) << r.body;

  auto plain =
      analyst_->Post("/api/v1/inventories", {},
                     bj::object{{"name", "jwt users"},
                                {"purls", bj::array{"pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0"}}});
  ASSERT_TRUE(plain.has_value()) << plain.error().ToString();
  EXPECT_EQ(plain->at("affected").as_int64(), 1);
  auto bad_list =
      analyst_->Post("/api/v1/inventories", {},
                     bj::object{{"name", "x"}, {"purls", bj::array{"pkg:golang/ok@v1", "not a purl"}}});
  ASSERT_FALSE(bad_list.has_value());
  EXPECT_EQ(analyst_->last_problem()->field, "/purls/1");

  // A restart rebuilds the merged database from the store.
  EXPECT_EQ(node_->Stop(), 0);
  node_->Start({"--webhook-allow-http"});
  ASSERT_FALSE(HasFatalFailure());
  auto again = node_->Client()->Get("/api/v1/vulnerabilities/GO-2020-0017");
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  auto findings = node_->Client(token_)->Get("/api/v1/inventories/" +
                                             std::string(plain->at("id").as_string()) + "/findings");
  ASSERT_TRUE(findings.has_value()) << findings.error().ToString();
  EXPECT_EQ(findings->at("affected").as_int64(), 1);
}

TEST_P(VulnerabilityE2ETest, TheCommandLineDrivesInventoriesSubscriptionsWebhooksAndEvents) {
  auto aiip = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BinaryPath("aiip").string(), "--server", node_->url()});
    return RunCommand(args, {{"AIIP_TOKEN", token_}});
  };
  CommandResult subscribed =
      aiip({"subscription", "add", "--min-severity", "none", "--channel", "stream", "--json"});
  ASSERT_EQ(subscribed.exit_code, 0) << subscribed.err;
  auto subscription = json::ParseObject(subscribed.out);
  ASSERT_TRUE(subscription.has_value()) << subscribed.out;
  EXPECT_EQ(subscription->at("channels"), (bj::array{"stream"}));

  // An advisory is known before the inventory arrives: registering it alerts at once.
  Ingest(ReadFile(SharedData("advisories/osv-go/GO-2020-0017.json")), 201);
  CommandResult added = aiip({"inventory", "add", "--name", "jwt users", "--purl",
                              "pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0", "--json"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto inventory = json::ParseObject(added.out);
  ASSERT_TRUE(inventory.has_value()) << added.out;
  const std::string id(inventory->at("id").as_string());
  EXPECT_EQ(inventory->at("affected").as_int64(), 1);

  CommandResult findings = aiip({"inventory", "findings", id});
  ASSERT_EQ(findings.exit_code, 0) << findings.err;
  EXPECT_NE(findings.out.find("CVE-2020-26160"), std::string::npos) << findings.out;
  EXPECT_NE(findings.out.find("GO-2020-0017"), std::string::npos) << findings.out;

  CommandResult events = aiip({"events", "--json"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  auto event = json::ParseObject(events.out.substr(0, events.out.find('\n')));
  ASSERT_TRUE(event.has_value()) << events.out;
  EXPECT_EQ(event->at("kind"), "vulnerability.alert");
  EXPECT_EQ(event->at("data").at("cause").at("type"), "inventory-registered");
  // The same event through the stream, replayed from the start; --count ends the command.
  CommandResult streamed =
      aiip({"stream", "--last-event-id", "0", "--kinds", "vulnerability.", "--count", "1", "--json"});
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_EQ(streamed.out, events.out.substr(0, events.out.find('\n') + 1));
  CommandResult table = aiip({"stream", "--last-event-id", "0", "--count", "1"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("vulnerability.alert  " + id), std::string::npos) << table.out;

  // A plain-http webhook is refused unless the node allows it (this one does), and a bad
  // severity names the field.
  CommandResult hook = aiip({"webhook", "add", "http://127.0.0.1:9/aiip", "--kind", "vulnerability.alert"});
  EXPECT_EQ(hook.exit_code, 0) << hook.err;
  EXPECT_NE(hook.out.find("whsec_"), std::string::npos);
  CommandResult bad = aiip({"subscription", "add", "--min-severity", "severe"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("[field /min_severity]"), std::string::npos) << bad.err;
  // vuln ingest walks a directory, pairs a CSAF document with its .sha512 (checked on the
  // node, so the exact bytes travel) and says what happened to each document.
  auto admin_cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BinaryPath("aiip").string(), "--server", node_->url()});
    return RunCommand(args, {{"AIIP_TOKEN", node_->AdminToken()}});
  };
  CommandResult ingested =
      admin_cli({"vuln", "ingest", "--no-progress", "--json", SourcePath("data/demo/advisories").string()});
  ASSERT_EQ(ingested.exit_code, 0) << ingested.err;
  auto summary = json::ParseObject(ingested.out);
  ASSERT_TRUE(summary.has_value()) << ingested.out;
  EXPECT_EQ(summary->at("documents").as_int64(), 7);
  EXPECT_EQ(summary->at("rejected").as_int64(), 0);
  EXPECT_EQ(summary->at("unchanged").as_int64(), 1);  // GO-2020-0017 was ingested above
  CommandResult shown = aiip({"vuln", "show", "ICSA-17-061-01#CVE-2016-9368", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("\"digest_check\": \"verified\""), std::string::npos) << shown.out;
  const std::filesystem::path broken = node_->data_dir() / "broken.json";
  std::ofstream(broken) << R"({"id": "GO-9999-0001", "modified": "not a time"})";
  CommandResult refused = admin_cli({"vuln", "ingest", "--no-progress", broken.string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("[field /documents/0/text/modified]"), std::string::npos) << refused.err;

  CommandResult deleted = aiip({"inventory", "delete", id});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(aiip({"inventory", "show", id}).exit_code, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, VulnerabilityE2ETest, ::testing::ValuesIn(IntegrationBackends()),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace aiip::testing
