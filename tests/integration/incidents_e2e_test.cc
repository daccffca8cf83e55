// End-to-end test of the incident clearinghouse on a real aiipd, on SQLite and on PostgreSQL,
// across organisations of five States:
//  - leaks: two reports with planted sensitive data (reporter identity and registry ids, the
//    reporter's own networks, RFC 1918 and other special-purpose addresses, internal host
//    names, names / e-mail addresses / phone numbers in structured fields and the narrative,
//    exact losses) are submitted; every route another organisation has — GET report, list,
//    correlations, STIX export, the event inbox, the server-sent event stream, a signed
//    webhook delivery, statistics JSON and CSV — is read and none of the planted values
//    appears in any of them, while the attacker indicators do;
//  - distribution: TLP CLEAR / GREEN / AMBER / AMBER+STRICT / RED, a sharing group and
//    national_only decide who reads (404 for everyone else), in GET, list, correlations and
//    early warnings; removing a group member withdraws access at once; a restart keeps it all;
//  - statistics: cells with fewer than k organisations are suppressed, with complementary
//    suppression, in JSON and CSV.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
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

const char* kSecret = "incident-webhook-secret-0123456789";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Reads a server-sent event stream on a plain socket into a string, in the background.
class EventStreamReader {
 public:
  EventStreamReader(const std::string& url, const std::string& token, const std::string& query) {
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
  bool WaitForCount(const std::string& text, size_t count, std::chrono::milliseconds timeout = 15s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string got = Received();
      size_t n = 0;
      for (size_t at = got.find(text); at != std::string::npos; at = got.find(text, at + 1)) ++n;
      if (n >= count) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

 private:
  int fd_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::string received_;
};

// A webhook receiver that accepts everything and keeps it.
class WebhookReceiver {
 public:
  WebhookReceiver() {
    http::ServerOptions options;
    options.threads = 1;
    server_ = std::make_unique<http::Server>(options, [this](http::Request& request) {
      std::lock_guard lock(mu_);
      received_.push_back(request);
      http::Response response;
      response.content_type = "text/plain";
      response.body = "ok";
      return response;
    });
    EXPECT_TRUE(server_->Start().ok());
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->BoundPort()) + "/hooks/incidents";
  }
  std::vector<http::Request> Received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  bool WaitFor(size_t count, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Received().size() >= count) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<http::Request> received_;
  std::unique_ptr<http::Server> server_;
};

struct Party {
  std::string organisation;  // id
  std::string member;        // id
  std::string token;
  std::unique_ptr<client::HttpClient> client;
};

class IncidentE2ETest : public ::testing::TestWithParam<Backend> {
 protected:
  void StartNode(std::vector<std::string> args = {}) {
    args.push_back("--webhook-allow-http");
    node_ = std::make_unique<NodeProcess>(GetParam());
    node_->Start(args);
    if (HasFatalFailure()) return;
    admin_ = node_->Client();
    admin_token_ = node_->AdminToken();
  }

  // An organisation of `state` with one member holding `roles`.
  Party AddParty(const std::string& name, const std::string& kind, const std::string& state,
                 const std::string& member_name, bj::array roles) {
    Party p;
    auto org = admin_->Post("/api/v1/organisations", {},
                            bj::object{{"name", name}, {"kind", kind}, {"state", state}});
    EXPECT_TRUE(org.has_value()) << org.error().ToString();
    if (!org) return p;
    p.organisation = std::string(org->at("id").as_string());
    AddMember(p, member_name, std::move(roles));
    return p;
  }
  void AddMember(Party& p, const std::string& member_name, bj::array roles) {
    auto member =
        admin_->Post("/api/v1/members", {},
                     bj::object{{"organisation", p.organisation}, {"name", member_name}, {"roles", roles}});
    EXPECT_TRUE(member.has_value()) << member.error().ToString();
    if (!member) return;
    p.member = std::string(member->at("id").as_string());
    auto token = admin_->Post("/api/v1/tokens", {}, bj::object{{"member", member->at("id")}});
    EXPECT_TRUE(token.has_value()) << token.error().ToString();
    if (!token) return;
    p.token = std::string(token->at("token").as_string());
    p.client = node_->Client(p.token);
  }

  RawResponse Send(const std::string& token, const std::string& method, const std::string& target,
                   const std::string& body = "", const std::string& type = "application/json") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!body.empty()) headers["Content-Type"] = type;
    return SendRaw(node_->url(), method, target, headers, body);
  }

  std::string Submit(const Party& p, const bj::object& report, const std::string& type = "application/json") {
    RawResponse r = Send(p.token, "POST", "/api/v1/incidents", bj::serialize(report), type);
    EXPECT_EQ(r.status, 201) << r.body;
    auto parsed = json::ParseObject(r.body);
    if (!parsed) return "";
    return std::string(parsed->at("id").as_string());
  }

  std::set<std::string> Listed(const Party& p) {
    std::set<std::string> out;
    RawResponse r = Send(p.token, "GET", "/api/v1/incidents?limit=500");
    EXPECT_EQ(r.status, 200) << r.body;
    auto parsed = json::ParseObject(r.body);
    if (!parsed) return out;
    for (const bj::value& item : parsed->at("items").as_array()) out.emplace(item.at("id").as_string());
    return out;
  }

  // A TAXII 2.1 request (doc/taxii.md): Accept is the TAXII media type unless given.
  RawResponse Taxii(const std::string& token, const std::string& target,
                    const std::string& accept = "application/taxii+json;version=2.1") {
    std::map<std::string, std::string> headers{{"Accept", accept}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return SendRaw(node_->url(), "GET", target, headers, "");
  }

  // Every page of a TAXII list endpoint (objects or manifest) with `next`: the bodies, and
  // the ids of the entries in order.
  std::pair<std::vector<std::string>, std::vector<std::string>> TaxiiPages(const std::string& token,
                                                                           const std::string& path,
                                                                           size_t limit) {
    std::vector<std::string> bodies, ids;
    std::string next;
    for (int page = 0; page < 1000; ++page) {
      std::string target = path + "?limit=" + std::to_string(limit);
      if (!next.empty()) target += "&next=" + next;
      RawResponse r = Taxii(token, target);
      EXPECT_EQ(r.status, 200) << target << ": " << r.body;
      EXPECT_EQ(r.headers["content-type"], "application/taxii+json;version=2.1");
      auto parsed = json::ParseObject(r.body);
      if (r.status != 200 || !parsed) break;
      bodies.push_back(r.body);
      if (const bj::value* objects = parsed->if_contains("objects")) {
        for (const bj::value& o : objects->as_array()) ids.emplace_back(o.at("id").as_string());
      }
      if (!parsed->at("more").as_bool()) break;
      next = std::string(parsed->at("next").as_string());  // base64url and '.': safe in a query
    }
    return {bodies, ids};
  }

  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<client::HttpClient> admin_;
  std::string admin_token_;
};

// Test data: {"report", "rules", "planted", "attacker"} (tests/data/incidents/sanitiser).
struct Planted {
  bj::object report;
  bj::object rules;
  std::vector<std::string> planted, attacker;
};

Planted LoadPlanted(const std::string& name) {
  auto file = json::ParseObject(ReadFile(SourcePath("tests/data/incidents/sanitiser/" + name)));
  EXPECT_TRUE(file.has_value()) << name;
  Planted p;
  if (!file) return p;
  p.report = file->at("report").as_object();
  p.rules = file->at("rules").as_object();
  for (const bj::value& v : file->at("planted").as_array()) p.planted.emplace_back(v.as_string());
  for (const bj::value& v : file->at("attacker").as_array()) p.attacker.emplace_back(v.as_string());
  return p;
}

TEST_P(IncidentE2ETest, PlantedDataReachesNoOtherOrganisationThroughAnyRouteWhileAttackerIndicatorsDo) {
  StartNode();
  ASSERT_FALSE(HasFatalFailure());
  // The reporters carry the names planted in the reports: the node adds them to the private
  // terms whether or not the report repeats them.
  Party bank =
      AddParty("Clearing Bank AG", "company", "DE", "Jana Beispiel", bj::array{"analyst", "org-admin"});
  Party hospital =
      AddParty("St. Elsewhere Hospital", "company", "FR", "Gregory House", bj::array{"analyst", "org-admin"});
  Party cert_nl =
      AddParty("CERT-NL-E2E", "csirt", "NL", "Duty analyst NL", bj::array{"analyst", "org-admin"});
  Party csirt_it =
      AddParty("CSIRT-IT-E2E", "csirt", "IT", "Duty analyst IT", bj::array{"analyst", "org-admin"});
  ASSERT_FALSE(HasFailure());

  // Early warning: CERT-NL wants everything on the stream and a webhook; CSIRT-IT only
  // health-sector ransomware-like incidents with an IPv6 indicator.
  WebhookReceiver receiver;
  auto hook = cert_nl.client->Post(
      "/api/v1/webhooks", {},
      bj::object{{"url", receiver.url()}, {"kinds", bj::array{"incident.warning"}}, {"secret", kSecret}});
  ASSERT_TRUE(hook.has_value()) << hook.error().ToString();
  ASSERT_TRUE(cert_nl.client->Post("/api/v1/incident-subscriptions", {}, bj::object{}).has_value());
  auto it_subscription = csirt_it.client->Post("/api/v1/incident-subscriptions", {},
                                               bj::object{{"sectors", bj::array{"health"}},
                                                          {"attack_types", bj::array{"malicious-code"}},
                                                          {"indicator_types", bj::array{"ipv6-addr"}},
                                                          {"channels", bj::array{"stream"}}});
  ASSERT_TRUE(it_subscription.has_value()) << it_subscription.error().ToString();
  EXPECT_EQ(it_subscription->at("indicator_types"), (bj::array{"ipv6"}));
  EventStreamReader nl_stream(node_->url(), cert_nl.token, "?kinds=incident.");
  EventStreamReader it_stream(node_->url(), csirt_it.token, "?kinds=incident.");
  ASSERT_TRUE(nl_stream.WaitForCount("retry: 3000", 1)) << nl_stream.Received();
  ASSERT_TRUE(it_stream.WaitForCount("retry: 3000", 1)) << it_stream.Received();

  Planted ddos = LoadPlanted("bank-ddos.json");
  Planted ransomware = LoadPlanted("hospital-ransomware.json");
  ASSERT_FALSE(HasFailure());
  // Shared with the community; the hospital's C2 net correlates with the bank's flood net.
  ddos.report["tlp"] = "GREEN";
  ddos.report.erase("sharing_groups");
  ddos.report["sanitiser_rules"] = ddos.rules;
  ransomware.report["sanitiser_rules"] = ransomware.rules;
  ransomware.report["indicators"].as_array().push_back(
      bj::object{{"type", "ipv4"}, {"value", "45.155.205.17"}});
  ransomware.attacker.push_back("45.155.205.17");

  std::vector<std::string> planted = ddos.planted;
  planted.insert(planted.end(), ransomware.planted.begin(), ransomware.planted.end());
  // What the node itself knows of the reporters must not leak either.
  for (const Party* p : {&bank, &hospital}) {
    planted.push_back(p->organisation);
    planted.push_back(p->member);
  }
  planted.push_back("Clearing Bank AG");

  const std::string bank_report = Submit(bank, ddos.report);
  const std::string hospital_report = Submit(hospital, ransomware.report);
  ASSERT_FALSE(HasFailure());

  // Everything another organisation can obtain about the two reports.
  std::vector<std::pair<std::string, std::string>> seen;  // (route, body)
  auto fetch = [&](const Party& p, const std::string& target, int expected = 200) {
    RawResponse r = Send(p.token, "GET", target);
    EXPECT_EQ(r.status, expected) << target << ": " << r.body;
    seen.emplace_back(target, r.body);
    return r.body;
  };
  for (const Party* p : {&cert_nl, &csirt_it}) {
    for (const std::string& id : {bank_report, hospital_report}) {
      fetch(*p, "/api/v1/incidents/" + id);
      fetch(*p, "/api/v1/incidents/" + id + "/correlations");
      fetch(*p, "/api/v1/incidents/" + id + "/stix");
    }
    fetch(*p, "/api/v1/incidents");
    fetch(*p, "/api/v1/events");
    // TAXII: objects and manifest of every collection, and each object with its versions.
    for (const char* collection : {"incidents", "tlp-green", "tlp-amber", "tlp-amber-strict"}) {
      const std::string base = std::string("/taxii2/aiip/collections/") + collection;
      auto [bodies, object_ids] = TaxiiPages(p->token, base + "/objects/", 5);
      for (const std::string& body : bodies) seen.emplace_back(base + "/objects/", body);
      for (const std::string& body : TaxiiPages(p->token, base + "/manifest/", 7).first) {
        seen.emplace_back(base + "/manifest/", body);
      }
      for (const std::string& id : object_ids) {
        for (const std::string& suffix : {std::string("/"), std::string("/versions/")}) {
          RawResponse r = Taxii(p->token, base + "/objects/" + id + suffix);
          EXPECT_EQ(r.status, 200) << id << suffix << ": " << r.body;
          seen.emplace_back(base + "/objects/" + id + suffix, r.body);
        }
      }
    }
  }
  for (const char* query : {"", "?dimensions=sector,region,attack_type,month", "?format=csv",
                            "?dimensions=region,month&format=csv"}) {
    RawResponse r = Send("", "GET", std::string("/api/v1/incidents/statistics") + query);
    EXPECT_EQ(r.status, 200) << r.body;
    seen.emplace_back("statistics" + std::string(query), r.body);
  }
  // The audit log, which every member reads, never ties a report to its reporter.
  auto head = cert_nl.client->Get("/api/v1/audit/head");
  ASSERT_TRUE(head.has_value()) << head.error().ToString();
  auto entries = cert_nl.client->Get("/api/v1/audit/entries",
                                     {{"start", "0"}, {"end", std::to_string(head->at("size").as_int64())}});
  ASSERT_TRUE(entries.has_value()) << entries.error().ToString();
  size_t submissions = 0;
  for (const bj::value& entry : entries->at("entries").as_array()) {
    const std::string object(entry.at("object").as_string());
    if (object != bank_report && object != hospital_report) continue;
    ++submissions;
    EXPECT_EQ(entry.at("action"), "incident.submit");
    EXPECT_EQ(entry.at("organisation"), "") << bj::serialize(entry);
    EXPECT_NE(entry.at("member"), bj::value(bank.member));
    EXPECT_NE(entry.at("member"), bj::value(hospital.member));
  }
  EXPECT_EQ(submissions, 2u);
  // Early warnings: CERT-NL gets both reports on its stream and its webhook; CSIRT-IT only
  // the hospital's (health, malicious-code, IPv6).
  ASSERT_TRUE(nl_stream.WaitForCount("event: incident.warning\n", 2)) << nl_stream.Received();
  ASSERT_TRUE(it_stream.WaitForCount("event: incident.warning\n", 1)) << it_stream.Received();
  ASSERT_TRUE(receiver.WaitFor(2));
  std::this_thread::sleep_for(300ms);  // anything that should not come has had time to
  const std::string nl_events = nl_stream.Received();
  const std::string it_events = it_stream.Received();
  EXPECT_EQ(it_events.find(bank_report), std::string::npos) << it_events;
  EXPECT_NE(it_events.find(hospital_report), std::string::npos) << it_events;
  seen.emplace_back("sse:nl", nl_events);
  seen.emplace_back("sse:it", it_events);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string hooks;
  for (const http::Request& delivery : receiver.Received()) {
    EXPECT_EQ(delivery.Header("x-aiip-event"), "incident.warning");
    ASSERT_TRUE(delivery.Header("x-aiip-signature").has_value());
    EXPECT_TRUE(notify::VerifyDeliverySignature(kSecret, *delivery.Header("x-aiip-signature"), delivery.body,
                                                now, 300s));
    seen.emplace_back("webhook", delivery.body);
    hooks += delivery.body;
  }
  // Webhooks deliver at least once: count distinct events.
  std::set<int64_t> delivered_seqs;
  for (const http::Request& delivery : receiver.Received()) {
    auto event = json::ParseObject(delivery.body);
    ASSERT_TRUE(event.has_value());
    delivered_seqs.insert(event->at("seq").as_int64());
  }
  EXPECT_EQ(delivered_seqs.size(), 2u);

  // No planted value anywhere another organisation looked.
  size_t checked = 0;
  for (const auto& [route, body] : seen) {
    const std::string text = Lower(body);
    for (const std::string& value : planted) {
      EXPECT_EQ(text.find(Lower(value)), std::string::npos) << "'" << value << "' leaked through " << route;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);

  // The attacker indicators do reach them: in the report, the STIX bundle, the stream and
  // the webhook.
  auto expect_attackers = [&](const Planted& p, const std::string& id) {
    const std::string report = Send(cert_nl.token, "GET", "/api/v1/incidents/" + id).body;
    const std::string stix = Send(cert_nl.token, "GET", "/api/v1/incidents/" + id + "/stix").body;
    std::string taxii;
    for (const std::string& body :
         TaxiiPages(csirt_it.token, "/taxii2/aiip/collections/incidents/objects/", 50).first) {
      taxii += body;
    }
    for (const std::string& value : p.attacker) {
      if (value.starts_with("[") || value.starts_with("cpe:") || value.find(':') == 2) {
        EXPECT_NE(report.find(value), std::string::npos) << value;  // patterns, products, times: the report
        continue;
      }
      EXPECT_NE(report.find(value), std::string::npos) << value << " missing from the report";
      EXPECT_NE(stix.find(value), std::string::npos) << value << " missing from the STIX bundle";
      EXPECT_NE(taxii.find(value), std::string::npos) << value << " missing from the TAXII objects";
      EXPECT_NE(nl_events.find(value), std::string::npos) << value << " missing from the stream";
      EXPECT_NE(hooks.find(value), std::string::npos) << value << " missing from the webhook";
    }
  };
  expect_attackers(ddos, bank_report);
  expect_attackers(ransomware, hospital_report);

  // The reporter sees its original, the sanitised report and the redaction log.
  auto own = hospital.client->Get("/api/v1/incidents/" + hospital_report);
  ASSERT_TRUE(own.has_value()) << own.error().ToString();
  EXPECT_EQ(own->at("own"), true);
  EXPECT_EQ(own->at("original").at("reporter").at("contact_name"), "Gregory House");
  EXPECT_EQ(own->at("original").at("estimated_loss").at("amount").as_int64(), 750000);
  EXPECT_EQ(own->at("report").at("estimated_loss").at("band"), "100k-1m");
  const bj::array& redactions = own->at("redaction_log").at("redactions").as_array();
  EXPECT_GT(redactions.size(), 10u);
  std::set<std::string> rules;
  for (const bj::value& r : redactions) rules.emplace(r.at("rule").as_string());
  for (const char* rule : {"reporter-identity", "reporter-network", "special-purpose-address",
                           "internal-host", "private-term", "phone-number", "loss-band"}) {
    EXPECT_TRUE(rules.contains(rule)) << rule;
  }
  auto other = cert_nl.client->Get("/api/v1/incidents/" + hospital_report);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->at("own"), false);
  EXPECT_FALSE(other->as_object().contains("original"));
  EXPECT_FALSE(other->as_object().contains("redaction_log"));
  EXPECT_FALSE(other->as_object().contains("organisation"));

  // Correlation: the hospital's 45.155.205.17 lies within the bank's 45.155.205.0/24.
  auto correlations = cert_nl.client->Get("/api/v1/incidents/" + hospital_report + "/correlations");
  ASSERT_TRUE(correlations.has_value()) << correlations.error().ToString();
  EXPECT_EQ(correlations->at("reports"), (bj::array{bank_report.c_str()}));
  bool within = false;
  for (const bj::value& v : correlations->at("indicators").as_array()) {
    for (const bj::value& m : v.at("matches").as_array()) {
      if (v.at("value") == "45.155.205.17" && m.at("value") == "45.155.205.0/24" &&
          m.at("relation") == "within")
        within = true;
    }
  }
  EXPECT_TRUE(within) << bj::serialize(*correlations);

  // The webhook delivery records say what happened, per subscriber.
  auto records =
      cert_nl.client->Get("/api/v1/webhooks/" + std::string(hook->at("id").as_string()) + "/deliveries");
  ASSERT_TRUE(records.has_value());
  EXPECT_EQ(records->at("items").as_array().size(), 2u);
}

TEST_P(IncidentE2ETest, TlpSharingGroupsAndNationalOnlyDecideWhoReadsAndWhoIsWarned) {
  StartNode();
  ASSERT_FALSE(HasFatalFailure());
  Party owner =
      AddParty("Reporting Bank DE", "company", "DE", "Owner analyst", bj::array{"analyst", "org-admin"});
  Party fr = AddParty("CERT-FR-E2E", "csirt", "FR", "FR analyst", bj::array{"analyst"});
  Party nl = AddParty("CERT-NL-E2E", "csirt", "NL", "NL analyst", bj::array{"analyst"});
  Party nl_poc;  // the NL organisation's designated 24/7 contact
  nl_poc.organisation = nl.organisation;
  AddMember(nl_poc, "NL duty officer", bj::array{"poc-247"});
  Party it = AddParty("CSIRT-IT-E2E", "csirt", "IT", "IT analyst", bj::array{"analyst"});
  Party de = AddParty("CERT-DE-E2E", "csirt", "DE", "DE analyst", bj::array{"analyst"});
  Party agency;
  agency.token = admin_token_;
  ASSERT_FALSE(HasFailure());

  for (Party* p : {&fr, &nl, &it, &de}) {
    ASSERT_TRUE(
        p->client->Post("/api/v1/incident-subscriptions", {}, bj::object{{"channels", bj::array{"stream"}}})
            .has_value());
  }
  auto group = owner.client->Post(
      "/api/v1/sharing-groups", {},
      bj::object{{"id", "fmi-isac"}, {"name", "FMI ISAC"}, {"members", bj::array{it.organisation}}});
  ASSERT_TRUE(group.has_value()) << group.error().ToString();
  EXPECT_EQ(group->at("members").as_array().size(), 2u);  // the owner and IT
  // A group nobody created, and a RED report without recipients, are refused by field.
  auto base = [](const std::string& title, const std::string& tlp) {
    return bj::object{{"title", title},
                      {"tlp", tlp},
                      {"sector", "banking"},
                      {"attack_type", "ddos"},
                      {"start", "2026-10-01T08:00:00Z"},
                      {"end", "2026-10-01T09:00:00Z"},
                      {"indicators", bj::array{bj::object{{"type", "ipv4"}, {"value", "185.220.101.4"}}}},
                      {"narrative", "Flood from 185.220.101.4."}};
  };
  bj::object unknown_group = base("x", "GREEN");
  unknown_group["sharing_groups"] = bj::array{"no-such-group"};
  RawResponse refused = Send(owner.token, "POST", "/api/v1/incidents", bj::serialize(unknown_group));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("\"field\":\"/sharing_groups/0\""), std::string::npos) << refused.body;
  refused = Send(owner.token, "POST", "/api/v1/incidents", bj::serialize(base("x", "RED")));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("recipients"), std::string::npos) << refused.body;
  refused = Send(owner.token, "POST", "/api/v1/incidents", R"({"title": "x"})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("\"field\":"), std::string::npos) << refused.body;

  std::map<std::string, std::string> ids;
  ids["clear"] = Submit(owner, base("clear", "CLEAR"));
  ids["green"] = Submit(owner, base("green", "GREEN"));
  ids["amber"] = Submit(owner, base("amber", "AMBER"));
  bj::object strict = base("strict", "AMBER+STRICT");
  strict["sharing_groups"] = bj::array{"fmi-isac"};
  ids["strict-group"] = Submit(owner, strict);
  bj::object red = base("red", "RED");
  red["recipients"] = bj::array{nl.organisation};
  ids["red"] = Submit(owner, red);
  bj::object national = base("national", "GREEN");
  national["national_only"] = true;
  ids["national"] = Submit(owner, national);
  bj::object green_group = base("green-group", "GREEN");
  green_group["sharing_groups"] = bj::array{"fmi-isac"};
  ids["green-group"] = Submit(owner, green_group);
  // A STIX 2.1 bundle (TLP:GREEN marking) by the French CSIRT.
  RawResponse stix = Send(fr.token, "POST", "/api/v1/incidents",
                          ReadFile(SourcePath("tests/data/incidents/stix/bundles/incident-ddos.json")),
                          "application/stix+json;version=2.1");
  ASSERT_EQ(stix.status, 201) << stix.body;
  EXPECT_NE(stix.body.find("\"tlp\":\"GREEN\""), std::string::npos) << stix.body;
  RawResponse stix20 = Send(fr.token, "POST", "/api/v1/incidents", "{}", "application/stix+json;version=2.0");
  EXPECT_EQ(stix20.status, 400) << stix20.body;
  EXPECT_NE(stix20.body.find("unsupported-media-type"), std::string::npos) << stix20.body;
  ASSERT_FALSE(HasFailure());

  // Who reads what (FIRST TLP 2.0 as doc/sharing.md enforces it).
  const std::map<std::string, std::set<std::string>> readers = {
      {"clear", {"owner", "fr", "nl", "nl_poc", "it", "de", "agency"}},
      {"green", {"owner", "fr", "nl", "nl_poc", "it", "de", "agency"}},
      {"amber", {"owner", "agency"}},
      {"strict-group", {"owner", "it", "agency"}},
      {"red", {"owner", "nl_poc"}},
      {"national", {"owner", "de"}},
      {"green-group", {"owner", "it", "agency"}},
  };
  const std::map<std::string, const Party*> parties = {{"owner", &owner},   {"fr", &fr}, {"nl", &nl},
                                                       {"nl_poc", &nl_poc}, {"it", &it}, {"de", &de},
                                                       {"agency", &agency}};
  // Each report's STIX incident id, as its owner exports it: what TAXII serves.
  std::map<std::string, std::string> incident_ids;
  for (const auto& [name, id] : ids) {
    auto bundle = json::ParseObject(Send(owner.token, "GET", "/api/v1/incidents/" + id + "/stix").body);
    ASSERT_TRUE(bundle.has_value());
    for (const bj::value& o : bundle->at("objects").as_array()) {
      if (o.at("type") == "incident") incident_ids[name] = std::string(o.at("id").as_string());
    }
  }
  auto check_access = [&](const std::map<std::string, std::set<std::string>>& expected) {
    for (const auto& [who, party] : parties) {
      std::set<std::string> listed = Listed(*party);
      auto [manifest, manifested] =
          TaxiiPages(party->token, "/taxii2/aiip/collections/incidents/manifest/", 1000);
      std::set<std::string> in_manifest(manifested.begin(), manifested.end());
      for (const auto& [report, allowed] : expected) {
        const bool may = allowed.contains(who);
        const std::string object = incident_ids.at(report);
        RawResponse got = Taxii(party->token, "/taxii2/aiip/collections/incidents/objects/" + object + "/");
        EXPECT_EQ(got.status, may ? 200 : 404) << who << " reading " << report << " over TAXII: " << got.body;
        RawResponse versions =
            Taxii(party->token, "/taxii2/aiip/collections/incidents/objects/" + object + "/versions/");
        EXPECT_EQ(versions.status, may ? 200 : 404) << who << " versions of " << report;
        EXPECT_EQ(in_manifest.contains(object), may) << who << " manifest " << report;
      }
      for (const auto& [report, allowed] : expected) {
        const bool may = allowed.contains(who);
        RawResponse got = Send(party->token, "GET", "/api/v1/incidents/" + ids.at(report));
        EXPECT_EQ(got.status, may ? 200 : 404) << who << " reading " << report << ": " << got.body;
        EXPECT_EQ(listed.contains(ids.at(report)), may) << who << " listing " << report;
        RawResponse correlations =
            Send(party->token, "GET", "/api/v1/incidents/" + ids.at(report) + "/correlations");
        EXPECT_EQ(correlations.status, may ? 200 : 404) << who << " correlating " << report;
        if (!may || correlations.status != 200) continue;
        // Correlations name only reports the reader may read.
        auto parsed = json::ParseObject(correlations.body);
        ASSERT_TRUE(parsed.has_value());
        std::set<std::string> correlated;
        for (const bj::value& r : parsed->at("reports").as_array()) correlated.emplace(r.as_string());
        for (const auto& [other, other_allowed] : expected) {
          if (other == report) continue;
          EXPECT_EQ(correlated.contains(ids.at(other)), other_allowed.contains(who))
              << who << " correlating " << report << " with " << other;
        }
      }
    }
  };
  check_access(readers);

  // Early warnings went to exactly the organisations that may read (RED: a notice without
  // the report's content to the named organisation).
  auto warned = [&](const Party& p) {
    std::map<std::string, bj::object> out;
    auto events = p.client->Get("/api/v1/events", {{"limit", "100"}});
    EXPECT_TRUE(events.has_value());
    if (!events) return out;
    for (const bj::value& e : events->at("items").as_array()) {
      if (e.at("kind") == "incident.warning")
        out[std::string(e.at("subject").as_string())] = e.at("data").as_object();
    }
    return out;
  };
  const std::map<std::string, const Party*> organisations = {
      {"fr", &fr}, {"nl", &nl}, {"it", &it}, {"de", &de}};
  for (const auto& [who, party] : organisations) {
    auto got = warned(*party);
    for (const auto& [report, allowed] : readers) {
      const bool expect = allowed.contains(who) || (who == "nl" && report == "red");
      EXPECT_EQ(got.contains(ids.at(report)), expect) << who << " warned of " << report;
    }
  }
  auto nl_warnings = warned(nl);
  ASSERT_TRUE(nl_warnings.contains(ids["red"]));
  EXPECT_FALSE(nl_warnings[ids["red"]].contains("incident"));
  EXPECT_TRUE(nl_warnings[ids["green"]].contains("incident"));

  // Leaving the group withdraws access at once; the group cannot go while reports name it.
  RawResponse removed =
      Send(owner.token, "DELETE", "/api/v1/sharing-groups/fmi-isac/members/" + it.organisation);
  EXPECT_EQ(removed.status, 204) << removed.body;
  EXPECT_EQ(Send(owner.token, "DELETE", "/api/v1/sharing-groups/fmi-isac").status, 409);
  EXPECT_EQ(Send(it.token, "GET", "/api/v1/sharing-groups/fmi-isac").status, 404);
  std::map<std::string, std::set<std::string>> after = readers;
  after["strict-group"].erase("it");
  after["green-group"].erase("it");
  check_access(after);

  // A restart keeps reports, groups and the correlation index.
  EXPECT_EQ(node_->Stop(), 0);
  node_->Start({"--webhook-allow-http"});
  ASSERT_FALSE(HasFatalFailure());
  check_access(after);
}

TEST_P(IncidentE2ETest, TaxiiPagesTenThousandObjectsExactlyOnceAcrossARestartAndSpeaksTaxiiErrors) {
  StartNode();
  ASSERT_FALSE(HasFatalFailure());
  Party reporter = AddParty("Reporting CSIRT PL", "csirt", "PL", "PL analyst", bj::array{"analyst"});
  Party reader = AddParty("Reading CSIRT PT", "csirt", "PT", "PT analyst", bj::array{"analyst"});
  ASSERT_FALSE(HasFailure());
  // Ten GREEN reports of 999 public addresses each: 10 x (999 indicators + 1 incident)
  // objects, plus the node's 7 shared definitions.
  constexpr int kReports = 10, kIndicators = 999;
  for (int r = 0; r < kReports; ++r) {
    bj::array indicators;
    for (int i = 0; i < kIndicators; ++i) {
      indicators.push_back(
          bj::object{{"type", "ipv4"},
                     {"value", "185." + std::to_string(100 + r) + "." + std::to_string(i / 250) + "." +
                                   std::to_string(i % 250 + 1)}});
    }
    Submit(reporter, bj::object{{"title", "flood " + std::to_string(r)},
                                {"tlp", "GREEN"},
                                {"sector", "banking"},
                                {"attack_type", "ddos"},
                                {"start", "2026-10-01T08:00:00Z"},
                                {"end", "2026-10-01T09:00:00Z"},
                                {"indicators", std::move(indicators)},
                                {"narrative", "Flood."}});
  }
  ASSERT_FALSE(HasFailure());
  const std::string objects = "/taxii2/aiip/collections/incidents/objects/";
  std::vector<std::string> seen;
  std::string next;
  std::string last_added;
  int pages = 0;
  bool restarted = false;
  while (true) {
    RawResponse r = Taxii(reader.token, objects + "?limit=1000" + (next.empty() ? "" : "&next=" + next));
    ASSERT_EQ(r.status, 200) << r.body;
    auto page = json::ParseObject(r.body);
    ASSERT_TRUE(page.has_value());
    ++pages;
    const bj::array& items = page->at("objects").as_array();
    EXPECT_LE(items.size(), 1000u);
    for (const bj::value& o : items) seen.emplace_back(o.at("id").as_string());
    // date_added only grows from page to page.
    ASSERT_TRUE(r.headers.contains("x-taxii-date-added-first") &&
                r.headers.contains("x-taxii-date-added-last"));
    EXPECT_LE(last_added, r.headers["x-taxii-date-added-first"]);
    last_added = r.headers["x-taxii-date-added-last"];
    if (!page->at("more").as_bool()) break;
    next = std::string(page->at("next").as_string());
    if (pages == 4 && !restarted) {
      // The cursor is all the state there is: a new node process continues from it.
      EXPECT_EQ(node_->Stop(), 0);
      node_->Start({"--webhook-allow-http"});
      ASSERT_FALSE(HasFatalFailure());
      restarted = true;
    }
  }
  EXPECT_TRUE(restarted);
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "an object came twice";
  EXPECT_EQ(seen.size(), static_cast<size_t>(kReports * (kIndicators + 1) + 7));
  EXPECT_GE(pages, 11);

  // Errors are TAXII error message resources with the TAXII media type.
  RawResponse tampered = Taxii(reader.token, objects + "?next=" + next.substr(0, next.size() - 3) + "AAA");
  EXPECT_EQ(tampered.status, 400);
  EXPECT_EQ(tampered.headers["content-type"], "application/taxii+json;version=2.1");
  auto error = json::ParseObject(tampered.body);
  ASSERT_TRUE(error.has_value()) << tampered.body;
  EXPECT_EQ(error->at("http_status"), "400");
  EXPECT_EQ(error->at("details").at("field"), "next");
  EXPECT_EQ(Taxii(reader.token, objects + "?limit=0").status, 400);
  EXPECT_EQ(Taxii(reader.token, objects + "?match[version]=newest").status, 400);
  EXPECT_EQ(Taxii(reader.token, objects, "application/json").status, 406);
  EXPECT_EQ(Taxii(reader.token, objects, "application/taxii+json;version=2.0").status, 406);
  RawResponse anonymous = Taxii("", objects);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.headers["content-type"], "application/taxii+json;version=2.1");
  EXPECT_EQ(Taxii(reader.token, "/taxii2/aiip/collections/tlp-purple/").status, 404);
  RawResponse discovery = Taxii("", "/taxii2/");
  EXPECT_EQ(discovery.status, 200) << discovery.body;
  EXPECT_NE(discovery.body.find("/taxii2/aiip/"), std::string::npos) << discovery.body;
  RawResponse root = Taxii(reader.token, "/taxii2/aiip/");
  EXPECT_EQ(root.status, 200) << root.body;
  EXPECT_NE(root.body.find("\"versions\":[\"application/taxii+json;version=2.1\"]"), std::string::npos)
      << root.body;

  // POST: the media type must be TAXII's; an envelope holding an incident bundle becomes a
  // report whose status survives a restart.
  auto bundle =
      json::ParseObject(ReadFile(SourcePath("tests/data/incidents/stix/bundles/incident-ddos.json")));
  ASSERT_TRUE(bundle.has_value());
  const std::string envelope = bj::serialize(bj::object{{"objects", bundle->at("objects")}});
  std::map<std::string, std::string> headers{{"Accept", "application/taxii+json;version=2.1"},
                                             {"Authorization", "Bearer " + reporter.token},
                                             {"Content-Type", "application/json"}};
  EXPECT_EQ(SendRaw(node_->url(), "POST", objects, headers, envelope).status, 415);
  headers["Content-Type"] = "application/taxii+json;version=2.1";
  RawResponse posted =
      SendRaw(node_->url(), "POST", "/taxii2/aiip/collections/tlp-green/objects/", headers, envelope);
  ASSERT_EQ(posted.status, 202) << posted.body;
  auto status = json::ParseObject(posted.body);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->at("success_count"), status->at("total_count")) << posted.body;
  const std::string status_url = "/taxii2/aiip/status/" + std::string(status->at("id").as_string()) + "/";
  EXPECT_EQ(node_->Stop(), 0);
  node_->Start({"--webhook-allow-http"});
  ASSERT_FALSE(HasFatalFailure());
  RawResponse again = Taxii(reporter.token, status_url);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, posted.body);
  EXPECT_EQ(Taxii(reader.token, status_url).status, 404);  // another organisation's status
  // The posted report is served, sanitised, to the community; the reporter's contact is not.
  auto [bodies, ids] = TaxiiPages(reader.token, "/taxii2/aiip/collections/tlp-green/objects/", 1000);
  std::string all;
  for (const std::string& b : bodies) all += b;
  EXPECT_NE(all.find("Volumetric UDP reflection"), std::string::npos);
  EXPECT_EQ(all.find("soc@clearing-bank.example"), std::string::npos);
}

TEST_P(IncidentE2ETest, StatisticsSuppressCellsWithFewerThanKOrganisationsAndTheirComplements) {
  StartNode({"--statistics-k", "2"});
  ASSERT_FALSE(HasFatalFailure());
  Party a = AddParty("Bank A", "company", "DE", "A analyst", bj::array{"analyst"});
  Party b = AddParty("Bank B", "company", "FR", "B analyst", bj::array{"analyst"});
  Party c = AddParty("Utility C", "operator", "NL", "C analyst", bj::array{"analyst"});
  Party d = AddParty("Utility D", "operator", "IT", "D analyst", bj::array{"analyst"});
  Party e = AddParty("Hospital E", "company", "ES", "E analyst", bj::array{"analyst"});
  ASSERT_FALSE(HasFailure());
  auto report = [](const std::string& sector, int64_t loss) {
    return bj::object{{"title", "incident in " + sector},
                      {"tlp", "AMBER"},
                      {"sector", sector},
                      {"attack_type", "ddos"},
                      {"first_seen", "2026-09-14T08:00:00Z"},
                      {"detected_at", "2026-09-14T10:00:00Z"},
                      {"estimated_loss", bj::object{{"amount", loss}, {"currency", "EUR"}}}};
  };
  Submit(a, report("banking", 50'000));
  Submit(a, report("banking", 60'000));
  Submit(b, report("banking", 70'000));
  Submit(c, report("energy", 5'000));
  Submit(d, report("energy", 6'000));
  Submit(e, report("health", 123'456));  // one organisation: must not be recoverable
  ASSERT_FALSE(HasFailure());

  RawResponse r = Send("", "GET", "/api/v1/incidents/statistics?dimensions=sector");
  ASSERT_EQ(r.status, 200) << r.body;
  auto table = json::ParseObject(r.body);
  ASSERT_TRUE(table.has_value());
  EXPECT_EQ(table->at("min_organisations").as_int64(), 2);
  std::map<std::string, bj::object> cells;
  for (const bj::value& cell : table->at("cells").as_array()) {
    const bj::value& at = cell.at("at").at("sector");
    cells[at.is_null() ? "(total)" : std::string(at.as_string())] = cell.as_object();
  }
  ASSERT_EQ(cells.size(), 4u);
  EXPECT_EQ(cells["health"].at("status"), "suppressed");
  EXPECT_TRUE(cells["health"].at("incidents").is_null());
  EXPECT_TRUE(cells["health"].at("loss").is_null());
  // The total is published, so one more cell must go or health = total - the rest.
  EXPECT_EQ(cells["(total)"].at("status"), "published");
  EXPECT_EQ(cells["(total)"].at("incidents").as_int64(), 6);
  const int suppressed_others =
      (cells["banking"].at("status") == "suppressed") + (cells["energy"].at("status") == "suppressed");
  EXPECT_EQ(suppressed_others, 1);
  for (const char* sector : {"banking", "energy"}) {
    if (cells[sector].at("status") != "published") continue;
    EXPECT_EQ(cells[sector].at("incidents").as_int64(), std::string(sector) == "banking" ? 3 : 2);
    EXPECT_EQ(cells[sector].at("hours_to_detect").at("median").as_double(), 2.0);
  }
  // The exact loss never appears; the CSV says "suppressed" without values.
  EXPECT_EQ(r.body.find("123456"), std::string::npos);
  RawResponse csv = Send("", "GET", "/api/v1/incidents/statistics?dimensions=sector&format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.headers["content-type"].find("text/csv"), std::string::npos);
  EXPECT_NE(csv.body.find("health,,,,,,,suppressed\r\n"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find("(total),6,"), std::string::npos) << csv.body;
  EXPECT_EQ(csv.body.find("123456"), std::string::npos);
  // Bad dimensions name the parameter.
  RawResponse bad = Send("", "GET", "/api/v1/incidents/statistics?dimensions=sector,colour");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("/dimensions/1"), std::string::npos) << bad.body;
}

TEST_P(IncidentE2ETest, TheCommandLineSubmitsReadsCorrelatesGroupsSubscribesAndShowsStatistics) {
  StartNode();
  ASSERT_FALSE(HasFatalFailure());
  Party reporter = AddParty("CLI Bank", "company", "DE", "CLI analyst", bj::array{"analyst", "org-admin"});
  Party reader = AddParty("CLI CSIRT", "csirt", "FR", "CLI reader", bj::array{"analyst"});
  ASSERT_FALSE(HasFailure());
  auto aiip = [&](const Party& p, std::vector<std::string> args) {
    args.insert(args.begin(), {BinaryPath("aiip").string(), "--server", node_->url()});
    return RunCommand(args, {{"AIIP_TOKEN", p.token}});
  };
  CommandResult subscribed = aiip(reader, {"incident", "subscribe", "--sector", "banking", "--indicator-type",
                                           "ipv4", "--channel", "stream", "--json"});
  ASSERT_EQ(subscribed.exit_code, 0) << subscribed.err;
  EXPECT_NE(subscribed.out.find("\"banking\""), std::string::npos) << subscribed.out;
  CommandResult bad = aiip(reader, {"incident", "subscribe", "--sector", "fishing"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("[field /sectors/0]"), std::string::npos) << bad.err;

  CommandResult group = aiip(reporter, {"group", "add", "cli-group", "--name", "CLI group", "--json"});
  ASSERT_EQ(group.exit_code, 0) << group.err;
  CommandResult member =
      aiip(reporter, {"group", "member", "add", "cli-group", reader.organisation, "--json"});
  ASSERT_EQ(member.exit_code, 0) << member.err;
  EXPECT_NE(member.out.find(reader.organisation), std::string::npos);
  CommandResult groups = aiip(reader, {"group", "list"});
  ASSERT_EQ(groups.exit_code, 0) << groups.err;
  EXPECT_NE(groups.out.find("cli-group"), std::string::npos) << groups.out;

  const std::filesystem::path file = node_->data_dir() / "report.json";
  std::ofstream(file) << R"({"title": "CLI flood", "tlp": "AMBER", "sharing_groups": ["cli-group"],
    "sector": "banking", "attack_type": "ddos", "start": "2026-10-02T07:00:00Z",
    "indicators": [{"type": "ipv4", "value": "185.220.101.4"}, {"type": "ipv4", "value": "10.1.2.3"}],
    "narrative": "Flood from 185.220.101.4 on our host 10.1.2.3."})";
  CommandResult submitted = aiip(reporter, {"incident", "submit", file.string(), "--json"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  auto answer = json::ParseObject(submitted.out);
  ASSERT_TRUE(answer.has_value()) << submitted.out;
  const std::string id(answer->at("id").as_string());
  const std::filesystem::path bundle = SourcePath("tests/data/incidents/stix/bundles/incident-ddos.json");
  CommandResult stix = aiip(reporter, {"incident", "submit", bundle.string(), "--json"});
  ASSERT_EQ(stix.exit_code, 0) << stix.err;

  CommandResult listed = aiip(reader, {"incident", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out;
  CommandResult shown = aiip(reader, {"incident", "show", id, "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("185.220.101.4"), std::string::npos);
  EXPECT_EQ(shown.out.find("10.1.2.3"), std::string::npos) << shown.out;
  CommandResult correlations = aiip(reporter, {"incident", "correlations", id});
  ASSERT_EQ(correlations.exit_code, 0) << correlations.err;
  CommandResult stats = aiip(reader, {"incident", "stats", "--by", "sector", "--csv"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("sector,incidents,"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("suppressed"), std::string::npos) << stats.out;
  // The reader was warned (banking, an IPv4 indicator, a member of the group).
  CommandResult events = aiip(reader, {"events", "--json"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_NE(events.out.find("incident.warning"), std::string::npos) << events.out;
  EXPECT_NE(events.out.find(id), std::string::npos) << events.out;
}

// TLP:AMBER "may be shared ... within their organization and its clients": the clients the
// Agency has recorded for the reporting organisation read its AMBER reports (a managed
// security provider's customers, say), for as long as the relation lasts; AMBER+STRICT never
// reaches them. (Clients of sharing-group members outside the groups are cut: doc/sharing.md.)
TEST_P(IncidentE2ETest, AmberReachesTheClientsOfItsOwnerWhileTheRelationLasts) {
  StartNode();
  ASSERT_FALSE(HasFatalFailure());
  Party mssp = AddParty("Managed SOC CZ", "company", "CZ", "SOC analyst", bj::array{"analyst", "org-admin"});
  Party clinic = AddParty("Clinic SK", "company", "SK", "Clinic IT", bj::array{"analyst"});
  Party stranger = AddParty("Retailer HU", "company", "HU", "Retail IT", bj::array{"analyst"});
  ASSERT_FALSE(HasFailure());

  const std::string relation = "/api/v1/organisations/" + mssp.organisation + "/clients";
  // Only the Agency records the relation; the provider itself may not.
  RawResponse refused =
      Send(mssp.token, "POST", relation, bj::serialize(bj::object{{"client", clinic.organisation}}));
  EXPECT_EQ(refused.status, 403) << refused.body;
  auto recorded = admin_->Post(relation, {}, bj::object{{"client", clinic.organisation}});
  ASSERT_TRUE(recorded.has_value()) << recorded.error().ToString();
  auto aiip = [&](const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {BinaryPath("aiip").string(), "--server", node_->url()});
    return RunCommand(args, {{"AIIP_TOKEN", token}});
  };
  CommandResult clients = aiip(mssp.token, {"org", "clients", mssp.organisation});
  EXPECT_EQ(clients.exit_code, 0) << clients.err;
  EXPECT_NE(clients.out.find(clinic.organisation), std::string::npos) << clients.out;

  auto report = [&](const std::string& tlp) {
    return bj::object{{"title", "Substation scan " + tlp},
                      {"tlp", tlp},
                      {"sector", "energy"},
                      {"attack_type", "information-gathering:scanner"},
                      {"start", "2026-11-20T02:00:00Z"},
                      {"end", "2026-11-20T03:00:00Z"},
                      {"indicators", bj::array{bj::object{{"type", "ipv4"}, {"value", "45.155.205.233"}}}},
                      {"narrative", "Scan of the SCADA gateways from 45.155.205.233."}};
  };
  const std::string amber = Submit(mssp, report("AMBER"));
  const std::string strict = Submit(mssp, report("AMBER+STRICT"));
  ASSERT_FALSE(amber.empty() || strict.empty());

  auto status = [&](const Party& p, const std::string& id) {
    return Send(p.token, "GET", "/api/v1/incidents/" + id).status;
  };
  EXPECT_EQ(status(clinic, amber), 200);  // a client of the reporting organisation
  EXPECT_EQ(status(stranger, amber), 404);
  EXPECT_EQ(status(clinic, strict), 404);  // AMBER+STRICT: the organisation only
  EXPECT_EQ(status(stranger, strict), 404);
  EXPECT_TRUE(Listed(clinic).contains(amber));
  EXPECT_FALSE(Listed(clinic).contains(strict));

  // The relation ends: so does the client's access, at once.
  CommandResult removed =
      aiip(admin_token_, {"org", "client-remove", mssp.organisation, clinic.organisation});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(status(clinic, amber), 404);
  EXPECT_FALSE(Listed(clinic).contains(amber));
  EXPECT_EQ(Send(admin_token_, "DELETE", relation + "/" + clinic.organisation).status, 404);
}

// A State may keep a report national: then not even the Agency reads it. Its early warnings
// reach the subscribers of that State with the report; administrators listing or streaming
// every organisation's events see that a warning went out, but not what it says.
TEST_P(IncidentE2ETest, AdministratorsSeeNoContentOfWarningsAboutNationalReports) {
  StartNode();
  ASSERT_FALSE(HasFatalFailure());
  Party owner = AddParty("Water Utility LT", "company", "LT", "Utility analyst", bj::array{"analyst"});
  Party csirt = AddParty("CERT-LT-E2E", "csirt", "LT", "LT analyst", bj::array{"analyst"});
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(
      csirt.client->Post("/api/v1/incident-subscriptions", {}, bj::object{{"channels", bj::array{"stream"}}})
          .has_value());
  EventStreamReader admin_stream(node_->url(), admin_token_, "?all=true&kinds=incident.");
  ASSERT_TRUE(admin_stream.WaitForCount("retry: 3000", 1)) << admin_stream.Received();

  const std::string narrative = "Ransomware in the SCADA historian of plant LT-7";
  bj::object report{
      {"title", "Historian encrypted"},
      {"tlp", "GREEN"},
      {"national_only", true},
      {"sector", "drinking-water"},
      {"attack_type", "malicious-code:infected-system"},
      {"start", "2026-11-21T05:00:00Z"},
      {"end", "2026-11-21T07:00:00Z"},
      {"indicators", bj::array{bj::object{{"type", "domain"}, {"value", "lt7-update.example.net"}}}},
      {"narrative", narrative}};
  const std::string id = Submit(owner, report);
  ASSERT_FALSE(id.empty());

  // The LT CSIRT is warned with the report.
  RawResponse own = Send(csirt.token, "GET", "/api/v1/events");
  ASSERT_EQ(own.status, 200);
  EXPECT_NE(own.body.find(id), std::string::npos) << own.body;
  EXPECT_NE(own.body.find("lt7-update.example.net"), std::string::npos) << own.body;
  // The administrator sees the warning, without its content, in the inbox and on the stream.
  RawResponse all = Send(admin_token_, "GET", "/api/v1/events?all=true");
  ASSERT_EQ(all.status, 200);
  EXPECT_NE(all.body.find("incident.warning"), std::string::npos) << all.body;
  EXPECT_NE(all.body.find("withheld"), std::string::npos) << all.body;
  ASSERT_TRUE(admin_stream.WaitForCount("event: incident.warning\n", 1)) << admin_stream.Received();
  for (const std::string& text : {all.body, admin_stream.Received()}) {
    EXPECT_EQ(text.find("lt7-update.example.net"), std::string::npos) << text;
    EXPECT_EQ(text.find("SCADA historian"), std::string::npos) << text;
    EXPECT_EQ(text.find("drinking-water"), std::string::npos) << text;
  }
  EXPECT_EQ(Send(admin_token_, "GET", "/api/v1/incidents/" + id).status, 404);
}

// A sharing group named by a report cannot be deleted (the report would widen or vanish); a
// group whose id differs only where the other has '-' for '_' is another group.
TEST_P(IncidentE2ETest, AGroupNamedByAReportStaysAndOnlyThatGroup) {
  StartNode();
  ASSERT_FALSE(HasFatalFailure());
  Party owner =
      AddParty("Port Authority EE", "company", "EE", "Port analyst", bj::array{"analyst", "org-admin"});
  ASSERT_FALSE(HasFailure());
  for (const char* id : {"baltic-ports", "baltic_ports"}) {
    ASSERT_TRUE(owner.client->Post("/api/v1/sharing-groups", {}, bj::object{{"id", id}}).has_value()) << id;
  }
  const std::string report = Submit(owner, bj::object{{"title", "Crane control probe"},
                                                      {"tlp", "AMBER"},
                                                      {"sharing_groups", bj::array{"baltic-ports"}},
                                                      {"sector", "transport"},
                                                      {"attack_type", "information-gathering:scanner"},
                                                      {"start", "2026-11-22T01:00:00Z"},
                                                      {"end", "2026-11-22T02:00:00Z"},
                                                      {"indicators", bj::array{}},
                                                      {"narrative", "Probes of the crane PLCs."}});
  ASSERT_FALSE(report.empty());
  EXPECT_EQ(Send(owner.token, "DELETE", "/api/v1/sharing-groups/baltic-ports").status, 409);
  EXPECT_EQ(Send(owner.token, "DELETE", "/api/v1/sharing-groups/baltic_ports").status, 204);
}

INSTANTIATE_TEST_SUITE_P(Backends, IncidentE2ETest, ::testing::ValuesIn(IntegrationBackends()),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace aiip::testing
